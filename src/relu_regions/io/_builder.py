"""Fold a chain of tensor operations into a :class:`Network`.

Longer than the project's ~450-line guideline because it is one class, :class:`LayerBuilder`
(~455 lines), whose every method reads and updates the same pending affine map, per-sample
shape and deferred-size replay queue, so splitting it would scatter that state.

Model importers (PyTorch modules, TorchScript graphs, ONNX graphs) walk their model and
call one :class:`LayerBuilder` method per operation.  The builder keeps the *pending*
affine map ``x -> W x + b`` from the last activation's output (or the input) to the
current value, composes every affine operation into it, and emits a network layer
``(W, b, slope)`` whenever an activation arrives:

.. math::

    h_{l} = \\sigma_{\\alpha_l}\\big(W^{(k)} \\cdots W^{(1)} h_{l-1} + \\ldots\\big),
    \\qquad \\sigma_\\alpha(z) = \\max(z, \\alpha z).

Shapes are tracked per sample (without the batch dimension) so that reshapes, flattening
and convolutions know where they are; convolutions and average pooling are unrolled into
exact dense matrices by applying the operation (without bias) to the standard basis,
which computes every matrix entry as ``weight * 1 + sum(weight * 0)``, i.e. exactly.

Consecutive activations collapse exactly: ``\\sigma_a(\\sigma_b(z)) = \\sigma_{ab}(z)``.
An activation at the very start gets an identity affine layer in front of it; a model
ending in a ReLU gets ``output_relu=True``; one ending in a LeakyReLU gets an identity
output layer.

When no input shape is given, the input is a flat vector whose size the first
``Linear``/``BatchNorm1d``-like operation reveals; shape-agnostic operations before it
(activations, dropout, flattening, scalar shifts) are replayed once the size is known.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._typing import FloatArray
from ..exceptions import DimensionError, ModelFormatError, UnsupportedLayerError
from ..network import Network

__all__ = ["LayerBuilder", "MAX_DENSE_ENTRIES"]

#: Largest dense matrix (number of float64 entries, 1 GiB) the builder will create when
#: unrolling convolutions or composing layers; beyond it a clear error is raised.
MAX_DENSE_ENTRIES = 2**27


class LayerBuilder:
    """Accumulates operations on one per-sample tensor and emits network layers.

    Parameters
    ----------
    input_shape:
        Shape of one input without the batch dimension, or ``None`` for a flat input
        whose size the first layer reveals.  Only multi-dimensional shapes are recorded
        in the network (a flat shape ``(n,)`` says nothing beyond the input size).
    flat_size:
        Size of a flat input when it is known but ``input_shape`` is not given.

    Examples
    --------
    >>> b = LayerBuilder((2,))
    >>> b.linear(np.eye(2), np.zeros(2)); b.activation(0.0); b.linear(np.ones((1, 2)), None)
    >>> b.finish().widths
    (2, 2, 1)
    """

    def __init__(self, input_shape: Sequence[int] | None = None, *, flat_size: int | None = None) -> None:
        self.input_shape: tuple[int, ...] | None = (
            tuple(int(d) for d in input_shape) if input_shape is not None else None
        )
        if self.input_shape is not None and (
            len(self.input_shape) == 0 or min(self.input_shape) < 1
        ):
            raise DimensionError(f"input shape must be positive integers, got {self.input_shape}")
        #: per-sample shape of the current value (None: flat, size not yet known)
        self.shape: tuple[int, ...] | None = self.input_shape
        #: label of the operation being applied, used in error messages
        self.where = "the model"
        self._deferred: list[tuple[str, Callable[[], None]]] = []
        self._layers: list[tuple[FloatArray, FloatArray, float]] = []
        self._pending: tuple[FloatArray, FloatArray] | None = None
        self._nonneg = False
        self._n_in: int | None = (
            math.prod(self.input_shape) if self.input_shape is not None else None
        )
        if self.input_shape is None and flat_size is not None:
            self.shape = (int(flat_size),)
            self._n_in = int(flat_size)

    # ----------------------------------------------------------------- bookkeeping
    @property
    def size(self) -> int:
        """Number of entries of the current per-sample value."""
        return math.prod(self._shape())

    def _shape(self) -> tuple[int, ...]:
        if self.shape is None:
            raise UnsupportedLayerError(
                f"{self.where} needs the shape of the input; pass input_shape=(C, H, W) "
                "(CLI: --input-shape C,H,W)"
            )
        return self.shape

    def _agnostic(self, op: Callable[[], None]) -> None:
        """Run ``op`` now, or later once the input size is known."""
        if self.shape is None:
            self._deferred.append((self.where, op))
        else:
            op()

    def _reveal(self, n: int | None) -> None:
        """Fix the input size to ``n`` (a flat vector) when it is still unknown."""
        if self.shape is not None:
            return
        if n is None:
            self._shape()  # raises with the message asking for the input shape
            return
        self.shape = (int(n),)
        self._n_in = int(n)
        here = self.where
        for where, op in self._deferred:
            self.where = where
            op()
        self._deferred.clear()
        self.where = here

    def _check_dense(self, rows: int, cols: int) -> None:
        if rows * cols > MAX_DENSE_ENTRIES:
            raise UnsupportedLayerError(
                f"{self.where} unrolls to a dense {rows} x {cols} matrix "
                f"({rows * cols * 8 / 2**30:.1f} GiB); the model is too large to convert"
            )

    def _compose(self, M: Any, c: FloatArray) -> None:
        """Apply ``v -> M v + c`` (``M`` dense or SciPy-sparse) to the current flat value."""
        if self._pending is None:
            self._check_dense(*M.shape)
            dense = M.toarray() if hasattr(M, "toarray") else M
            self._pending = (np.asarray(dense, dtype=np.float64), c)
        else:
            W, b = self._pending
            self._check_dense(M.shape[0], W.shape[1])
            self._pending = (np.asarray(M @ W, dtype=np.float64), np.asarray(M @ b) + c)
        self._nonneg = False

    def _diag(self, s: FloatArray, t: FloatArray) -> None:
        """Apply ``v -> s * v + t`` (elementwise) to the current flat value."""
        if self._pending is None:
            n = s.shape[0]
            self._check_dense(n, n)
            self._pending = (np.diag(s), t.copy())
        else:
            W, b = self._pending
            self._pending = (s[:, None] * W, s * b + t)
        self._nonneg = False

    # ----------------------------------------------------------------- affine operations
    def linear(self, weight: Any, bias: Any | None) -> None:
        """``y = x W^T + b`` on the last axis (``torch.nn.functional.linear``)."""
        W = np.asarray(weight, dtype=np.float64)
        if W.ndim != 2:
            raise ModelFormatError(f"{self.where}: weight must be a matrix, got shape {W.shape}")
        b = np.zeros(W.shape[0]) if bias is None else np.asarray(bias, dtype=np.float64)
        if b.shape != (W.shape[0],):
            raise ModelFormatError(
                f"{self.where}: bias has shape {b.shape}, expected ({W.shape[0]},)"
            )
        self._reveal(W.shape[1])
        shape = self._shape()
        if shape[-1] != W.shape[1]:
            raise DimensionError(
                f"{self.where} expects {W.shape[1]} input features but gets a value of shape "
                f"{shape} (last axis {shape[-1]})"
            )
        lead = math.prod(shape[:-1])
        if lead == 1:
            M, c = W, b
        else:
            self._check_dense(lead * W.shape[0], lead * W.shape[1])
            M = np.asarray(np.kron(np.eye(lead), W), dtype=np.float64)
            c = np.tile(b, lead)
        self._compose(M, c)
        self.shape = (*shape[:-1], W.shape[0])

    def channel_affine(self, scale: Any, shift: Any) -> None:
        """``y[c, ...] = scale[c] * x[c, ...] + shift[c]`` (batch norm in eval mode)."""
        s = np.asarray(scale, dtype=np.float64).reshape(-1)
        t = np.asarray(shift, dtype=np.float64).reshape(-1)
        self._reveal(s.shape[0])
        shape = self._shape()
        if shape[0] != s.shape[0]:
            raise DimensionError(
                f"{self.where} has {s.shape[0]} channels but its input has shape {shape}"
            )
        rest = math.prod(shape[1:])
        self._diag(np.repeat(s, rest), np.repeat(t, rest))

    def elementwise(self, scale: Any = 1.0, shift: Any = 0.0) -> None:
        """``y = scale * x + shift`` with constants broadcast to the value's shape."""
        s = np.asarray(scale, dtype=np.float64)
        t = np.asarray(shift, dtype=np.float64)
        if s.ndim == 0 and t.ndim == 0:
            self._agnostic(lambda: self._elementwise(s, t))
            return
        if self.shape is None:
            sizes = {a.shape[-1] for a in (s, t) if a.ndim >= 1}
            self._reveal(sizes.pop() if len(sizes) == 1 else None)
        self._elementwise(s, t)

    def _elementwise(self, s: FloatArray, t: FloatArray) -> None:
        shape = self._shape()
        full = (1, *shape)
        try:
            if np.broadcast_shapes(s.shape, t.shape, full) != full:
                raise ValueError
        except ValueError:
            raise DimensionError(
                f"{self.where}: a constant of shape {s.shape if s.ndim else t.shape} does not "
                f"broadcast to the per-sample shape {shape}"
            ) from None
        n = math.prod(shape)
        sv = np.broadcast_to(s, full).reshape(n)
        tv = np.broadcast_to(t, full).reshape(n)
        if np.all(sv == 1.0) and np.all(tv == 0.0):
            return
        nonneg = self._nonneg and bool(np.all(sv >= 0) and np.all(tv >= 0))
        self._diag(np.asarray(sv, dtype=np.float64), np.asarray(tv, dtype=np.float64))
        self._nonneg = nonneg

    def probe(self, fn: Callable[[Any], Any], *, keeps_sign: bool = False) -> None:
        """Unroll a *linear* torch operation ``fn`` (batched, float64) into a dense matrix.

        ``fn`` must be linear (no bias): its matrix has the columns ``fn(e_i)`` for the
        standard basis vectors ``e_i`` (one batched call), or, when there are fewer outputs
        than inputs, the rows ``fn^T(e_j)`` computed by reverse-mode differentiation
        (``torch.func.jacrev``).  Either way every entry is a weight times one plus
        weights times zero, hence exact.  ``keeps_sign`` says that non-negative inputs give
        non-negative outputs (pooling), which lets max-pooling carry values cheaply.
        """
        import torch

        shape = self._shape()
        n = math.prod(shape)
        with torch.no_grad():
            out_shape = tuple(fn(torch.zeros((1, *shape), dtype=torch.float64)).shape[1:])
        m = math.prod(out_shape)
        self._check_dense(m, n)
        M = None
        if m < n:
            try:
                flat = lambda v: fn(v.reshape(1, *shape)).reshape(-1)  # noqa: E731
                M = torch.func.jacrev(flat)(torch.zeros(n, dtype=torch.float64)).detach().numpy()
            except (RuntimeError, NotImplementedError):  # an op without a vmap-able backward
                M = None
        if M is None:
            with torch.no_grad():
                basis = torch.eye(n, dtype=torch.float64).reshape(n, *shape)
                M = fn(basis).reshape(n, m).T.contiguous().numpy()
        nonneg = self._nonneg and keeps_sign
        self._compose(np.ascontiguousarray(M, dtype=np.float64), np.zeros(m))
        self._nonneg = nonneg
        self.shape = out_shape

    # ----------------------------------------------------------------- reshaping
    def reshape(self, shape: Sequence[int]) -> None:
        """Reshape one sample to ``shape`` (one entry may be -1); no change to the values."""
        target = [int(d) for d in shape]
        if self.shape is None and target in ([-1], []):
            return  # flat stays flat
        cur = self._shape()
        n = math.prod(cur)
        if target.count(-1) > 1 or any(d < -1 or d == 0 for d in target):
            raise DimensionError(f"{self.where}: invalid per-sample shape {tuple(target)}")
        if -1 in target:
            known = math.prod(d for d in target if d != -1)
            if known == 0 or n % known:
                raise DimensionError(
                    f"{self.where}: cannot reshape a value of shape {cur} to {tuple(target)}"
                )
            target[target.index(-1)] = n // known
        if math.prod(target) != n:
            raise DimensionError(
                f"{self.where}: cannot reshape a value of shape {cur} ({n} entries) to "
                f"{tuple(target)} per sample (reshapes must keep the batch dimension)"
            )
        self.shape = tuple(target)

    def flatten(self, start: int = 1, end: int = -1) -> None:
        """``torch.flatten(x, start, end)`` on a batched value (dimension 0 is the batch)."""
        if self.shape is None:
            if start == 0 and end != 0:
                self._batch_flatten_error(start)
            return  # flat stays flat
        rank = len(self.shape) + 1
        s = start + rank if start < 0 else start
        e = end + rank if end < 0 else end
        if not (0 <= s < rank and 0 <= e < rank):
            raise DimensionError(
                f"{self.where}: flatten({start}, {end}) is out of range for a value of rank {rank}"
            )
        if s == 0 and e > 0:
            self._batch_flatten_error(start)
        if e <= s:
            return
        sh = self.shape
        self.shape = (*sh[: s - 1], math.prod(sh[s - 1 : e]), *sh[e:])

    def _batch_flatten_error(self, start: int) -> None:
        raise UnsupportedLayerError(
            f"{self.where} flattens the batch dimension (start_dim={start}); use start_dim=1"
        )

    # ----------------------------------------------------------------- activations
    def activation(self, slope: float) -> None:
        """A ReLU (``slope=0``) or LeakyReLU(slope) on every entry."""
        alpha = float(slope)
        if not 0.0 <= alpha < 1.0:
            raise UnsupportedLayerError(
                f"{self.where}: LeakyReLU negative slope {alpha} is outside [0, 1); such an "
                "activation is not a (leaky) ReLU network's"
            )
        self._agnostic(lambda: self._activation(alpha))

    def _activation(self, alpha: float) -> None:
        if self._pending is None and self._layers and self._layers[-1][0].ndim == 3:
            self._activate_maxout(alpha)
            return
        if self._pending is None and self._layers:
            W, b, s = self._layers[-1]
            self._layers[-1] = (W, b, s * alpha)  # sigma_a(sigma_b(z)) = sigma_{ab}(z)
        else:
            if self._pending is None:
                n = self.size
                self._check_dense(n, n)
                self._pending = (np.eye(n), np.zeros(n))
            W, b = self._pending
            self._layers.append((W, b, alpha))
            self._pending = None
        self._nonneg = self._layers[-1][2] == 0.0

    # ----------------------------------------------------------------- maxout
    def max_reduce(self, axes: Sequence[int], *, keepdim: bool = False) -> None:
        """``amax`` over the per-sample ``axes`` (0-based, batch excluded): a maxout layer.

        With the pending affine map ``z = W h + b`` (rows in the C-order of the current
        shape), output unit ``j`` is ``max_p z[idx[p, j]]`` where ``idx[p, j]`` is the flat
        index of piece ``p`` (the position along ``axes``, C-order) of unit ``j`` (the
        remaining positions, C-order): a rank-``k`` maxout layer with weight
        ``W[idx]`` of shape ``(k, out, in)``, ``k`` the number of reduced entries.  So
        ``view(..., m, k).amax(-1)`` and ``view(..., k, m).amax(-2)`` give the same layer
        exactly when they group the same rows.

        Without a pending map the maximum acts on the previous layer's output, and stays
        exact and a maxout layer: after a (leaky) ReLU
        :math:`\\max_p \\sigma(z_p) = \\sigma(\\max_p z_p)` (``sigma`` is non-decreasing), so
        the previous layer becomes the maxout layer followed by ``sigma`` (see
        :meth:`_activate_maxout`); after a maxout layer the pieces of the grouped units are
        merged, :math:`\\max_p \\max_q z_{pq}`; on the input itself the pieces are
        coordinates.  A max over one entry (``k = 1``) only drops the axis; a max over all
        entries of a sample leaves one unit, kept as the per-sample shape ``(1,)``.
        """
        shape = self._shape()
        axs = sorted({int(a) for a in axes})
        if not axs or axs[0] < 0 or axs[-1] >= len(shape):
            raise DimensionError(f"{self.where}: cannot take the max over axes {tuple(axes)} of a "
                                 f"value of shape {shape} per sample")
        kept = [i for i in range(len(shape)) if i not in axs]
        out_shape = tuple(1 if (keepdim and i in axs) else shape[i]
                          for i in range(len(shape)) if keepdim or i not in axs)
        if not out_shape:  # one unit per sample: kept as a vector of one entry
            out_shape = (1,)
        k = math.prod(shape[i] for i in axs)
        if k == 1:
            self.shape = out_shape
            return
        n = math.prod(shape)
        idx = np.arange(n).reshape(shape).transpose(*axs, *kept).reshape(k, -1)
        self._maxout_rows(idx)
        self.shape = out_shape

    def _maxout_rows(self, idx: np.ndarray) -> None:
        """Emit the maxout layer whose unit ``j`` is the max of current entries ``idx[:, j]``."""
        k, out = idx.shape
        post: float | None = None  # an activation moved behind the max
        if self._pending is not None:
            W, b = self._pending
            self._pending = None
        elif not self._layers:
            self._check_dense(self.size, self.size)
            W, b = np.eye(self.size), np.zeros(self.size)
        else:
            W, b, slope = self._layers.pop()
            if W.ndim == 2:
                post = slope  # max_p sigma(z_p) = sigma(max_p z_p)
            else:  # a max of maxout units: merge their pieces (q, p) -> q * k + p
                self._check_dense(W.shape[0] * k * out, W.shape[2])
                W = W[:, idx].reshape(-1, out, W.shape[2])
                b = b[:, idx].reshape(-1, out)
                idx = np.arange(W.shape[0] * out).reshape(W.shape[0], out)
                W, b = W.reshape(-1, W.shape[2]), b.reshape(-1)
        self._check_dense(idx.size, W.shape[1])
        self._layers.append((W[idx], b[idx], 0.0))
        self._nonneg = False
        self._check_rank()
        if post is not None:
            self._activate_maxout(post)

    def _activate_maxout(self, alpha: float) -> None:
        """A (leaky) ReLU after a maxout layer, folded into its pieces (exactly).

        :math:`\\mathrm{relu}(\\max_p z_p) = \\max(0, z_0, \\dots, z_{k-1})` adds a zero piece
        (rank ``k + 1``) and :math:`\\sigma_\\alpha(\\max_p z_p) = \\max_p \\max(z_p, \\alpha z_p)`
        doubles the pieces (rank ``2k``); the result stays one maxout layer.
        """
        W, b, _ = self._layers[-1]
        zero = [p for p in range(W.shape[0]) if not W[p].any() and not b[p].any()]
        if alpha == 0.0 and zero:  # relu(max(0, ...)) = max(0, ...)
            self._nonneg = True
            return
        if alpha == 0.0:
            W = np.concatenate([W, np.zeros((1, *W.shape[1:]))])
            b = np.concatenate([b, np.zeros((1, b.shape[1]))])
        else:
            W = np.concatenate([W, alpha * W])
            b = np.concatenate([b, alpha * b])
        self._check_dense(W.shape[0] * W.shape[1], W.shape[2])
        self._layers[-1] = (W, b, 0.0)
        self._nonneg = alpha == 0.0
        self._check_rank()

    def _check_rank(self) -> None:
        from ..network import MAX_MAXOUT_RANK

        k = int(self._layers[-1][0].shape[0])
        if k > MAX_MAXOUT_RANK:
            raise UnsupportedLayerError(
                f"{self.where} makes a maxout layer of rank {k} (at most {MAX_MAXOUT_RANK})"
            )

    def max_pool(self, windows: Sequence[Sequence[int]], out_shape: Sequence[int]) -> None:
        """Exact max over index windows of the flat value, as a tournament of ReLU layers.

        Each level pairs candidates and uses :math:`\\max(a, b) = b + \\mathrm{relu}(a - b)`;
        the carried value ``b`` goes through the ReLU as ``relu(b)`` when it is known to
        be non-negative (after a ReLU), else as ``relu(b) - relu(-b)``.  A window of ``k``
        entries needs ``ceil(log2 k)`` ReLU layers.
        """
        from ._maxpool import tournament

        self._shape()
        nonneg = self._nonneg
        cols = self._pending[0].shape[1] if self._pending is not None else self.size
        if any(len(w) > 1 for w in windows):
            self._check_dense(len(windows), cols)  # the first level has at least one row per window
        levels, final = tournament(windows, self.size, nonneg=nonneg)
        for M in levels:
            self._compose(M, np.zeros(M.shape[0]))
            self._activation(0.0)
        self._compose(final, np.zeros(final.shape[0]))
        self._nonneg = nonneg
        self.shape = tuple(int(d) for d in out_shape)

    # ----------------------------------------------------------------- result
    def finish(self, *, name: str = "") -> Network:
        """The network built so far."""
        if self.shape is None:
            raise UnsupportedLayerError(
                "cannot tell the input size: the model has no Linear layer; pass input_shape"
            )
        layers = list(self._layers)
        output_relu = False
        if self._pending is not None:
            W, b = self._pending
            final: tuple[FloatArray, FloatArray] | None = (W, b)
        elif not layers:
            n = self.size
            final = (np.eye(n), np.zeros(n))
        elif layers[-1][2] == 0.0 and layers[-1][0].ndim == 2:
            output_relu = True
            final = None
        else:
            n = self.size
            final = (np.eye(n), np.zeros(n))
        weights = [w for w, _, _ in layers]
        biases = [b for _, b, _ in layers]
        slopes = [s for _, _, s in layers]
        if final is not None:
            weights.append(final[0])
            biases.append(final[1])
        else:
            slopes = slopes[:-1]
        try:
            return Network(
                weights,
                biases,
                negative_slope=slopes,
                output_relu=output_relu,
                input_shape=self.input_shape if self.input_shape and len(self.input_shape) > 1 else None,
                name=name,
            )
        except ModelFormatError as exc:
            raise ModelFormatError(f"{self.where}: {exc}") from None
