"""The one network representation: a feed-forward piecewise-linear network.

Longer than the project's ~450-line guideline because it is one class, :class:`Network`
(~580 lines), whose constructor checks, pattern codecs and affine maps all read the same
validated layer tuple and maxout conventions; its layer, summary and random-network helpers
live in ``_layer.py``, ``_summary.py`` and ``_random.py``.

A :class:`Network` is a sequence of affine layers ``z_l = W_l h_{l-1} + b_l`` with
weights of shape ``(out, in)`` in float64.  Every layer but the last is followed by a
(leaky) ReLU ``h_l = max(z_l, alpha_l z_l)`` with ``0 <= alpha_l < 1`` (``alpha = 0`` is
the ReLU); the last layer is affine, or followed by a ReLU when the model ended with
one.  Layers that are followed by an activation are the *activated* layers; their
neurons make up the activation pattern.

Maxout layers
-------------
A hidden layer may instead be a rank-``k`` maxout layer (Goodfellow et al. 2013; Serra,
Tjandraatmadja & Ramalingam 2018, Sec. 3.3): its weight has shape ``(k, out, in)``, its
bias ``(k, out)``, ``k >= 2``, and unit ``j`` outputs

.. math::

    h_j = \\max_{p = 0, \\dots, k-1} \\; W[p, j] \\, h_{\\text{prev}} + b[p, j].

A 3-D weight array makes a maxout layer (the ``.npz`` convention too); maxout layers mix
freely with (leaky-)ReLU layers, but the output layer is affine or ReLU.  A maxout unit's
*pattern* entry is the index of its arg-max piece, **ties broken to the lowest index**
(as ``numpy.argmax``); points with a tie lie on a region boundary, like a ReLU neuron
exactly at zero, which counts as inactive.  With pieces ordered ``(0, a)`` the two
conventions coincide: a rank-2 maxout unit ``max(0, a)`` has pattern 1 exactly when the
ReLU neuron ``a`` is active.  Patterns of networks with a maxout layer are integer arrays
of dtype :data:`MAXOUT_PATTERN_DTYPE` (``int16``; ReLU neurons there are 0/1); patterns of
networks without one stay boolean.

The class is immutable (arrays are read-only copies) and knows nothing about domains,
counting, bounds or solvers: algorithms take a network and return results.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .._typing import BoolArray, FloatArray
from ..exceptions import DimensionError, ModelFormatError, UnsupportedNetworkError
from ._layer import (
    MAX_MAXOUT_RANK,
    MAXOUT_PATTERN_DTYPE,
    Layer,
    _activate,
    _check_maxout,
    _layer_kind,
    _readonly,
    _select_pieces,
)
from ._summary import NetworkSummary

__all__ = ["Network", "Layer", "MAXOUT_PATTERN_DTYPE", "MAX_MAXOUT_RANK"]


def _rebuild_network(
    weights: Any, biases: Any, slopes: Any, output_relu: bool, input_shape: Any, name: str
) -> Network:
    return Network(weights, biases, negative_slope=slopes, output_relu=output_relu,
                   input_shape=input_shape, name=name)


class Network:
    """A feed-forward (leaky-)ReLU network with an affine or ReLU output layer.

    Parameters
    ----------
    weights:
        Weight matrices ``W_0, ..., W_L`` of shapes ``(n_{l+1}, n_l)``; a hidden layer's
        weight of shape ``(k, n_{l+1}, n_l)`` with ``k >= 2`` makes a rank-``k`` maxout layer.
    biases:
        Bias vectors ``b_0, ..., b_L`` of shapes ``(n_{l+1},)`` (``(k, n_{l+1})`` for maxout).
    negative_slope:
        ``alpha`` of the hidden activations: a float for all hidden layers or one per
        hidden layer; ``0.0`` means ReLU.  Entries for maxout layers are ignored.
    output_relu:
        Whether the last layer is followed by a ReLU too (its neurons then belong to the
        activation pattern).
    input_shape:
        Shape of one input before flattening (e.g. ``(1, 28, 28)``); informational.

    Examples
    --------
    >>> net = Network([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    >>> net.hidden_widths
    (2,)
    >>> net.forward([1.0, -2.0])
    array([1.])
    >>> [p.astype(int).tolist() for p in net.activation_patterns([1.0, -2.0])]
    [[1, 0]]
    """

    __slots__ = ("_layers", "input_shape", "name")

    _layers: tuple[Layer, ...]
    input_shape: tuple[int, ...] | None
    name: str

    def __init__(
        self,
        weights: Sequence[Any],
        biases: Sequence[Any],
        *,
        negative_slope: float | Sequence[float] = 0.0,
        output_relu: bool = False,
        input_shape: Sequence[int] | None = None,
        name: str = "",
    ) -> None:
        if len(weights) == 0:
            raise ModelFormatError("a network needs at least one layer")
        if len(weights) != len(biases):
            raise ModelFormatError(
                f"got {len(weights)} weight matrices but {len(biases)} bias vectors"
            )
        n_hidden = len(weights) - 1
        if isinstance(negative_slope, (int, float, np.floating)):
            slopes = [float(negative_slope)] * n_hidden
        else:
            slopes = [float(s) for s in negative_slope]
            if len(slopes) != n_hidden:
                raise ModelFormatError(
                    f"got {len(slopes)} negative slopes for {n_hidden} hidden layers"
                )
        for s in slopes:
            if not 0.0 <= s < 1.0:
                raise ModelFormatError(
                    f"LeakyReLU negative slope must lie in [0, 1), got {s}"
                )
        layer_slopes: list[float | None] = [*slopes]
        layer_slopes.append(0.0 if output_relu else None)
        layers = []
        prev = None
        last = len(weights) - 1
        for i, (w, b, act) in enumerate(zip(weights, biases, layer_slopes, strict=True)):
            W = _readonly(w, f"W{i}")
            bb = _readonly(b, f"b{i}")
            if W.ndim == 3:
                _check_maxout(W, bb, i, last)
                act = 0.0
            elif W.ndim != 2:
                raise ModelFormatError(
                    f"W{i} must be a matrix (out, in) or a maxout stack (k, out, in), "
                    f"got shape {W.shape}"
                )
            elif bb.shape != (W.shape[0],):
                raise ModelFormatError(
                    f"b{i} has shape {bb.shape}, expected ({W.shape[0]},) to match W{i}"
                )
            if prev is not None and W.shape[-1] != prev:
                raise ModelFormatError(
                    f"W{i} expects {W.shape[-1]} inputs but layer {i - 1} has {prev} outputs"
                )
            if W.shape[-2] == 0 or W.shape[-1] == 0:
                raise ModelFormatError(f"W{i} has an empty dimension: shape {W.shape}")
            prev = W.shape[-2]
            layers.append(Layer(W, bb, act))
        object.__setattr__(self, "_layers", tuple(layers))
        shape = tuple(int(d) for d in input_shape) if input_shape is not None else None
        if shape is not None and (not shape or any(d < 1 for d in shape)):
            raise ModelFormatError(f"input_shape must be positive integers, got {shape}")
        if shape is not None and int(np.prod(shape)) != layers[0].in_dim:
            raise ModelFormatError(
                f"input_shape {shape} has {int(np.prod(shape))} entries but the first layer "
                f"takes {layers[0].in_dim} inputs"
            )
        object.__setattr__(self, "input_shape", shape)
        object.__setattr__(self, "name", str(name))

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("Network is immutable; build a new one instead")

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle by value (process pools, Dask): rebuilt through the validating constructor.

        Maxout layers travel as their 3-D weights, which the constructor turns back into
        maxout layers.
        """
        layers = self._layers
        slopes = [float(layer.slope or 0.0) for layer in layers[:-1]]
        return (
            _rebuild_network,
            (
                [layer.weight for layer in layers],
                [layer.bias for layer in layers],
                slopes,
                self.output_relu,
                self.input_shape,
                self.name,
            ),
        )

    # ------------------------------------------------------------------ structure
    @property
    def layers(self) -> tuple[Layer, ...]:
        """All affine layers, each with the activation that follows it."""
        return self._layers

    @property
    def weights(self) -> tuple[FloatArray, ...]:
        return tuple(layer.weight for layer in self._layers)

    @property
    def biases(self) -> tuple[FloatArray, ...]:
        return tuple(layer.bias for layer in self._layers)

    @property
    def activated_layers(self) -> tuple[Layer, ...]:
        """The layers followed by an activation, i.e. whose neurons form the pattern."""
        return tuple(layer for layer in self._layers if layer.activated)

    @property
    def input_dim(self) -> int:
        return self._layers[0].in_dim

    @property
    def output_dim(self) -> int:
        return self._layers[-1].width

    @property
    def hidden_widths(self) -> tuple[int, ...]:
        """Widths of the hidden layers (all layers but the output layer)."""
        return tuple(layer.width for layer in self._layers[:-1])

    @property
    def pattern_widths(self) -> tuple[int, ...]:
        """Widths of the activated layers (hidden layers, plus the output with output_relu)."""
        return tuple(layer.width for layer in self.activated_layers)

    @property
    def widths(self) -> tuple[int, ...]:
        """``(n_0, n_1, ..., n_L, n_out)``: input, hidden and output widths."""
        return (self.input_dim, *self.hidden_widths, self.output_dim)

    @property
    def num_hidden_layers(self) -> int:
        return len(self._layers) - 1

    @property
    def num_neurons(self) -> int:
        """Number of neurons with an activation (hidden, plus output with output_relu)."""
        return int(sum(self.pattern_widths))

    @property
    def num_parameters(self) -> int:
        return int(sum(layer.weight.size + layer.bias.size for layer in self._layers))

    @property
    def output_relu(self) -> bool:
        return self._layers[-1].activated

    @property
    def negative_slopes(self) -> tuple[float, ...]:
        """Negative slopes of the activated layers (0.0 for ReLU)."""
        return tuple(float(layer.slope) for layer in self.activated_layers)  # type: ignore[arg-type]

    @property
    def is_relu(self) -> bool:
        """True when every activation is a plain ReLU (no leaky slopes, no maxout layers)."""
        return all(s == 0.0 for s in self.negative_slopes) and not self.has_maxout

    @property
    def has_maxout(self) -> bool:
        """Whether some layer is a maxout layer."""
        return any(layer.weight.ndim == 3 for layer in self._layers)

    @property
    def maxout_ranks(self) -> tuple[int, ...]:
        """The rank ``k`` of every activated layer (1 for (leaky-)ReLU layers)."""
        return tuple(layer.rank for layer in self.activated_layers)

    @property
    def pattern_dtype(self) -> np.dtype[Any]:
        """dtype of activation patterns: ``bool``, or :data:`MAXOUT_PATTERN_DTYPE` with maxout."""
        return np.dtype(MAXOUT_PATTERN_DTYPE if self.has_maxout else bool)

    def require_relu(self, what: str) -> None:
        """Refuse maxout networks in an algorithm that does not handle them.

        Raises :class:`~relu_regions.exceptions.UnsupportedNetworkError`
        ``"<what> does not support maxout layers yet"`` when the network has a maxout layer.

        Examples
        --------
        >>> from relu_regions.network import random_network
        >>> net = random_network([2, 3, 1], maxout_rank=2)
        >>> net.require_relu("method 'milp'")
        Traceback (most recent call last):
        ...
        relu_regions.exceptions.UnsupportedNetworkError: method 'milp' does not support maxout layers yet
        """
        if self.has_maxout:
            raise UnsupportedNetworkError(f"{what} does not support maxout layers yet")

    def summary(self) -> NetworkSummary:
        """Architecture facts: a JSON-ready dictionary (used by ``relu-regions info``).

        It prints as a table in a terminal and renders as an HTML table in Jupyter.
        """
        return NetworkSummary({
            "name": self.name,
            "input_dim": self.input_dim,
            "input_shape": list(self.input_shape) if self.input_shape else None,
            "hidden_widths": list(self.hidden_widths),
            "output_dim": self.output_dim,
            "num_hidden_layers": self.num_hidden_layers,
            "num_neurons": self.num_neurons,
            "num_parameters": self.num_parameters,
            "activation": self._activation_name(),
            "negative_slopes": list(self.negative_slopes),
            "output_relu": self.output_relu,
            "weight_ranks": [int(np.linalg.matrix_rank(layer.stacked()[0])) for layer in self._layers],
            **({"maxout_ranks": list(self.maxout_ranks)} if self.has_maxout else {}),
        })

    def _activation_name(self) -> str:
        if not self.has_maxout:
            return "relu" if self.is_relu else "leaky_relu"
        kinds = sorted({_layer_kind(layer) for layer in self.activated_layers})
        return kinds[0] if len(kinds) == 1 else "mixed (" + ", ".join(kinds) + ")"

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def __repr__(self) -> str:
        act = "ReLU" if self.is_relu else "LeakyReLU"
        if self.has_maxout:
            act = "maxout ranks " + "-".join(map(str, self.maxout_ranks))
        end = ", ReLU output" if self.output_relu else ""
        return f"Network({'-'.join(map(str, self.widths))}, {act}{end})"

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self._layers)

    # ------------------------------------------------------------------ evaluation
    def _as_batch(self, x: Any) -> tuple[FloatArray, bool]:
        if hasattr(x, "detach"):  # a torch tensor (possibly requiring grad, possibly float32)
            x = x.detach().cpu().double().numpy()
        arr = np.asarray(x, dtype=np.float64)
        shape = self.input_shape
        if shape is not None and len(shape) > 1:  # image-shaped inputs: (C, H, W) or (N, C, H, W)
            if arr.shape == shape:
                arr = arr.reshape(-1)
            elif arr.shape[1:] == shape:
                arr = arr.reshape(arr.shape[0], -1)
        single = arr.ndim == 1
        if single:
            arr = arr[None, :]
        if arr.ndim != 2 or arr.shape[1] != self.input_dim:
            img = "" if shape is None or len(shape) < 2 else f", {shape} or (N, *{shape})"
            raise DimensionError(
                f"input has shape {np.shape(x)}, expected ({self.input_dim},) or "
                f"(N, {self.input_dim}){img} for a network with {self.input_dim} inputs"
            )
        return arr, single

    def forward(self, x: Any) -> FloatArray:
        """Network output for one point ``(n0,)`` or a batch ``(N, n0)``."""
        h, single = self._as_batch(x)
        for layer in self._layers:
            if layer.weight.ndim == 3:
                h = layer.maxout(h)[0].max(axis=1)
                continue
            h = h @ layer.weight.T
            h += layer.bias
            if layer.slope is not None:
                h = _activate(h, layer.slope)
        return h[0] if single else h

    __call__ = forward

    def preactivations(self, x: Any) -> list[FloatArray]:
        """Pre-activations ``z_l`` of every activated layer, each ``(N, n_l)`` (or ``(n_l,)``).

        For a maxout layer the values of all pieces: ``(N, k, n_l)`` (or ``(k, n_l)``).
        """
        h, single = self._as_batch(x)
        out = []
        for layer in self._layers:
            if layer.weight.ndim == 3:
                zk = layer.maxout(h)[0]
                out.append(zk[0] if single else zk)
                h = zk.max(axis=1)
                continue
            z = h @ layer.weight.T + layer.bias
            if layer.slope is None:
                break
            out.append(z[0] if single else z)
            h = _activate(z.copy(), layer.slope)
        return out

    def activation_patterns(self, x: Any) -> list[BoolArray]:
        """Activation patterns: ``z_l > 0`` for every activated layer.

        A neuron exactly at zero counts as inactive; such points lie on a region boundary.
        For a maxout layer the entry is the arg-max piece index (dtype
        :data:`MAXOUT_PATTERN_DTYPE`), ties broken to the lowest index.
        """
        if not self.has_maxout:
            return [z > 0 for z in self.preactivations(x)]
        return [
            np.argmax(z, axis=-2).astype(MAXOUT_PATTERN_DTYPE) if layer.is_maxout else z > 0
            for z, layer in zip(self.preactivations(x), self.activated_layers, strict=True)
        ]

    def pattern_vector(self, x: Any) -> BoolArray:
        """The activation patterns of all layers concatenated: ``(N, num_neurons)``.

        Boolean for networks without maxout layers; otherwise :data:`MAXOUT_PATTERN_DTYPE`
        (piece indices for maxout units, 0/1 for ReLU neurons).
        """
        pats = self.activation_patterns(x)
        if self.has_maxout:
            return np.concatenate([p.astype(MAXOUT_PATTERN_DTYPE) for p in pats], axis=-1)
        return np.concatenate(pats, axis=-1)

    def split_pattern(self, flat: Any) -> list[BoolArray]:
        """Split a concatenated pattern vector back into one array per layer.

        Boolean arrays for (leaky-)ReLU layers; for a maxout layer the piece indices
        (dtype :data:`MAXOUT_PATTERN_DTYPE`).
        """
        flat = np.asarray(flat, dtype=MAXOUT_PATTERN_DTYPE if self.has_maxout else bool)
        if flat.shape[-1] != self.num_neurons:
            raise DimensionError(
                f"pattern has {flat.shape[-1]} entries, the network has {self.num_neurons} neurons"
            )
        cuts = np.cumsum(self.pattern_widths)[:-1]
        parts = list(np.split(flat, cuts, axis=-1))
        if self.has_maxout:
            return [p if layer.is_maxout else p != 0
                    for p, layer in zip(parts, self.activated_layers, strict=True)]
        return parts

    # ------------------------------------------------------------------ local maps
    def preactivation_maps(
        self, pattern: Sequence[Any]
    ) -> list[tuple[FloatArray, FloatArray]]:
        """Affine maps ``x -> A_l x + c_l`` of each activated layer's pre-activations.

        Valid on the closure of the activation region whose pattern is ``pattern``
        (one boolean vector per activated layer; only earlier layers' patterns matter for
        layer ``l``).  These maps give the region's H-representation:
        ``(2 s_l - 1) * (A_l x + c_l) >= 0`` for each neuron of each layer.

        For a maxout layer ``A_l`` has shape ``(k, n_l, n0)`` and ``c_l`` ``(k, n_l)``: the
        maps of all pieces; the region's inequalities are
        ``(A_l[p_j, j] - A_l[q, j]) x + c_l[p_j, j] - c_l[q, j] >= 0`` for the active piece
        ``p_j`` of unit ``j`` and every other piece ``q``.
        """
        pats = self._check_pattern(pattern)
        A = self._layers[0].weight
        c = self._layers[0].bias
        out: list[tuple[FloatArray, FloatArray]] = []
        for i, layer in enumerate(self._layers):
            if i > 0:
                A = layer.weight @ A
                c = layer.weight @ c + layer.bias
            if layer.slope is None:
                break
            out.append((A, c))
            if layer.weight.ndim == 3:
                A, c = _select_pieces(A, c, pats[len(out) - 1])
                continue
            d = np.where(pats[len(out) - 1], 1.0, layer.slope)
            A = d[:, None] * A
            c = d * c
        return out

    def affine_map(self, pattern: Sequence[Any]) -> tuple[FloatArray, FloatArray]:
        """The affine map ``f(x) = J x + c`` on the region with activation ``pattern``."""
        pats = self._check_pattern(pattern)
        J = np.eye(self.input_dim)
        c = np.zeros(self.input_dim)
        k = 0
        for layer in self._layers:
            J = layer.weight @ J
            c = layer.weight @ c + layer.bias
            if layer.weight.ndim == 3:
                J, c = _select_pieces(J, c, pats[k])
                k += 1
            elif layer.slope is not None:
                d = np.where(pats[k], 1.0, layer.slope)
                J = d[:, None] * J
                c = d * c
                k += 1
        return J, c

    def local_affine(self, x: Any) -> tuple[FloatArray, FloatArray]:
        """Exact local affine map at ``x``: ``J`` and ``c`` with ``f(y) = J y + c`` on x's region.

        For a batch ``(N, n0)`` returns ``J`` of shape ``(N, m, n0)`` and ``c`` of shape
        ``(N, m)``.  At a point on a region boundary (some pre-activation exactly 0) the
        neuron is taken as inactive, which gives the map of one of the adjacent regions.
        A maxout unit uses its arg-max piece, ties broken to the lowest index.
        """
        h, single = self._as_batch(x)
        N = h.shape[0]
        J = np.broadcast_to(np.eye(self.input_dim), (N, self.input_dim, self.input_dim))
        for layer in self._layers:
            if layer.weight.ndim == 3:
                zk, idx = layer.maxout(h)
                units = np.arange(layer.width)
                J = np.einsum("nji,nim->njm", layer.weight[idx, units], J)
                h = np.take_along_axis(zk, idx[:, None, :], axis=1)[:, 0, :]
                continue
            z = h @ layer.weight.T + layer.bias
            J = np.einsum("ij,njk->nik", layer.weight, J)
            if layer.slope is not None:
                d = np.where(z > 0, 1.0, layer.slope)
                J = d[:, :, None] * J
                h = d * z
            else:
                h = z
        c = h - np.einsum("nij,nj->ni", J, self._as_batch(x)[0])  # J acts on flattened inputs
        if single:
            return J[0], c[0]
        return J, c

    def _check_pattern(self, pattern: Sequence[Any]) -> list[BoolArray]:
        if self.has_maxout:
            return self._check_maxout_pattern(pattern)
        if isinstance(pattern, np.ndarray) and pattern.ndim == 1 and pattern.dtype == bool:
            pats = self.split_pattern(pattern)
        else:
            pats = [np.asarray(p, dtype=bool) for p in pattern]
        widths = self.pattern_widths
        if len(pats) != len(widths) or any(
            p.shape != (w,) for p, w in zip(pats, widths, strict=True)
        ):
            raise DimensionError(
                f"pattern has layer sizes {[p.shape for p in pats]}, expected {list(widths)}"
            )
        return pats

    def _check_maxout_pattern(self, pattern: Sequence[Any]) -> list[Any]:
        if isinstance(pattern, np.ndarray) and pattern.ndim == 1 and pattern.size == self.num_neurons:
            raw = list(np.split(pattern, np.cumsum(self.pattern_widths)[:-1]))
        else:
            raw = [np.asarray(p) for p in pattern]
        widths = self.pattern_widths
        if len(raw) != len(widths) or any(
            p.shape != (w,) for p, w in zip(raw, widths, strict=True)
        ):
            raise DimensionError(
                f"pattern has layer sizes {[p.shape for p in raw]}, expected {list(widths)}"
            )
        pats: list[Any] = []
        for i, (p, layer) in enumerate(zip(raw, self.activated_layers, strict=True)):
            if p.dtype.kind not in "biu":
                raise DimensionError(f"pattern of layer {i} must hold integers, got dtype {p.dtype}")
            hi = layer.rank
            if p.size and (int(p.min()) < 0 or int(p.max()) >= max(hi, 2)):
                raise DimensionError(
                    f"pattern of layer {i} has entries outside 0..{max(hi, 2) - 1} "
                    f"({'piece indices of a rank-' + str(hi) + ' maxout layer' if hi > 1 else '0/1'})"
                )
            pats.append(p.astype(np.intp) if layer.is_maxout else p.astype(bool))
        return pats

    # ------------------------------------------------------------------ derived networks
    def with_input_map(self, origin: Any, basis: Any) -> Network:
        """The network ``t -> f(origin + basis @ t)`` on the coordinates ``t`` of an affine chart.

        This is how algorithms work on a lower-dimensional domain (a line or plane through
        data points): the first layer becomes ``W_0 B`` with bias ``b_0 + W_0 o``.
        """
        o = np.asarray(origin, dtype=np.float64)
        B = np.asarray(basis, dtype=np.float64)
        if B.ndim != 2 or B.shape[0] != self.input_dim or o.shape != (self.input_dim,):
            raise DimensionError(
                f"chart origin {o.shape} / basis {B.shape} do not fit {self.input_dim} inputs"
            )
        W0, b0 = self._layers[0].weight, self._layers[0].bias
        weights = [W0 @ B, *self.weights[1:]]
        biases = [b0 + W0 @ o, *self.biases[1:]]
        return self.replace_layers(weights, biases, input_shape=None)

    def replace_layers(
        self,
        weights: Sequence[Any],
        biases: Sequence[Any],
        *,
        negative_slope: float | Sequence[float] | None = None,
        output_relu: bool | None = None,
        input_shape: Sequence[int] | None | str = "keep",
        name: str | None = None,
    ) -> Network:
        """A new network with other layers; unspecified attributes are kept where they fit."""
        if negative_slope is None:
            hidden = [float(layer.slope) for layer in self._layers[:-1]]  # type: ignore[arg-type]
            n_new = len(weights) - 1
            if n_new == len(hidden):
                negative_slope = hidden
            elif len(set(hidden)) <= 1:
                negative_slope = hidden[0] if hidden else 0.0
            else:
                raise ModelFormatError(
                    "cannot infer per-layer negative slopes for a different number of layers"
                )
        shape: Sequence[int] | None
        if isinstance(input_shape, str):
            shape = self.input_shape if np.shape(weights[0])[-1] == self.input_dim else None
        else:
            shape = input_shape
        return Network(
            weights,
            biases,
            negative_slope=negative_slope,
            output_relu=self.output_relu if output_relu is None else output_relu,
            input_shape=shape,
            name=self.name if name is None else name,
        )

    def allclose(self, other: Network, *, rtol: float = 1e-12, atol: float = 0.0) -> bool:
        """Whether two networks have the same structure and (numerically) the same weights.

        The structure includes the maxout ranks; pieces are compared in order (a maxout
        network with permuted pieces computes the same function but is not ``allclose``).
        """
        if self.widths != other.widths or self.output_relu != other.output_relu:
            return False
        if self.has_maxout or other.has_maxout:
            if [layer.rank for layer in self._layers] != [layer.rank for layer in other._layers]:
                return False
        if self.negative_slopes != other.negative_slopes:
            return False
        return all(
            np.allclose(a.weight, b.weight, rtol=rtol, atol=atol)
            and np.allclose(a.bias, b.bias, rtol=rtol, atol=atol)
            for a, b in zip(self._layers, other._layers, strict=True)
        )
