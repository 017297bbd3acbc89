"""Exact local affine maps for many inputs at once (Sattelberg 2023, eq. 5.25, 7.1-7.3).

On the activation region of ``x`` a (leaky-)ReLU network is the affine map
``v(y) = J y + c``.  With ``D_l = diag(d_l)`` the activation derivatives of layer ``l`` at
``x`` (``d = 1`` where ``z > 0``, the negative slope ``alpha`` elsewhere; a neuron exactly
at zero counts as inactive, as in :meth:`Network.activation_patterns`):

.. math::

    J = W_L D_{L-1} W_{L-1} \\cdots D_0 W_0, \\qquad
    c_l = D_l (W_l c_{l-1} + b_l),\\; c_{-1} = 0,\\; c = c_L .

:func:`local_affine_maps` evaluates this for a batch from the activation patterns alone
(masked matrix products, no autograd), in chunks so memory stays bounded.  The product is
taken from the output end when the network has fewer outputs than inputs (reverse order:
``out x n_l`` intermediates) and from the input end otherwise (``n_l x in``).

Peak memory
-----------
Besides the returned arrays (``N * out * (in + 1) * 8`` bytes in float64, plus the outputs
and, when asked for, the ``N * neurons`` bytes of patterns), one chunk of ``B`` rows holds

.. math::

    8 B \\,\\bigl(\\textstyle\\sum_l n_l + 2\\,m \\max_l n_l\\bigr)\\ \\text{bytes},\\qquad
    m = \\min(\\text{out}, \\text{in}) ,

(the pre-activations of every layer and two running Jacobian products; weight matrices with
few nonzeros, as converted convolutions and max-pool tournaments have, are multiplied as
sparse matrices, :data:`SPARSE_DENSITY`).  ``chunk_size=None``
picks ``B`` so this stays below ``memory_limit`` (default 256 MiB).  A 784-128-10 MLP on the
10,000 MNIST test images thus needs ~0.63 GB for ``J`` plus <= 256 MiB of work space.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._results import FrozenResult
from .._typing import BoolArray, FloatArray
from ..exceptions import DimensionError, ReluRegionsError
from ..network import Network

__all__ = [
    "LocalMaps",
    "local_affine_maps",
    "coefficient_matrices",
    "chunk_rows",
    "workspace_bytes",
    "DEFAULT_MEMORY_LIMIT",
]

#: Work-space bound (bytes) used to choose the chunk size when ``chunk_size=None``.
DEFAULT_MEMORY_LIMIT = 256 * 2**20


@dataclasses.dataclass(frozen=True, eq=False)
class LocalMaps(FrozenResult):
    """Exact local affine maps ``v(y) = J_i y + c_i`` on the regions of ``N`` inputs.

    Attributes
    ----------
    jacobians:
        ``(N, out, in)``: row ``j`` of ``jacobians[i]`` is the gradient of output ``j`` at
        sample ``i`` (eq. 7.1).
    offsets:
        ``(N, out)``: the constant terms ``y_i`` of eq. (7.1).
    outputs:
        ``(N, out)``: the network outputs (``J_i x_i + c_i``).
    patterns:
        ``(N, neurons)`` activation patterns, or ``None`` when not requested.
    chunk_size:
        Rows evaluated per chunk.
    """

    jacobians: FloatArray = dataclasses.field(metadata={"json": False})
    offsets: FloatArray = dataclasses.field(metadata={"json": False})
    outputs: FloatArray = dataclasses.field(metadata={"json": False})
    patterns: BoolArray | None = dataclasses.field(default=None, metadata={"json": False})
    chunk_size: int = 0
    order: str = "reverse"

    @property
    def n_samples(self) -> int:
        return int(self.jacobians.shape[0])

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.update(
            n_samples=self.n_samples,
            jacobian_shape=list(self.jacobians.shape),
            offset_shape=list(self.offsets.shape),
        )
        if self.patterns is not None:
            d["distinct_patterns"] = int(np.unique(self.patterns, axis=0).shape[0])
        return d

    def coefficient_matrices(self) -> FloatArray:
        """The matrices ``C_j`` of eq. (7.3), stacked: ``(out, N, in + 1)``."""
        return coefficient_matrices(self.jacobians, self.offsets)


def coefficient_matrices(jacobians: Any, offsets: Any) -> FloatArray:
    """Stack ``C_j = [J_{i,j,:}, y_{i,j}]_i`` for every output ``j`` (Sattelberg eq. 7.2-7.3).

    Parameters
    ----------
    jacobians, offsets:
        ``(N, out, in)`` and ``(N, out)`` from :func:`local_affine_maps`.

    Returns
    -------
    ``(out, N, in + 1)``: ``C[j]`` has one row per sample, the gradient of output ``j``
    followed by its constant term.

    Examples
    --------
    >>> C = coefficient_matrices(np.ones((4, 3, 2)), np.zeros((4, 3)))
    >>> C.shape, C[0, 0].tolist()
    ((3, 4, 3), [1.0, 1.0, 0.0])
    """
    J = np.asarray(jacobians, dtype=np.float64)
    c = np.asarray(offsets, dtype=np.float64)
    if J.ndim != 3 or c.shape != J.shape[:2]:
        raise DimensionError(
            f"jacobians {J.shape} and offsets {c.shape} must be (N, out, in) and (N, out)"
        )
    return np.concatenate([J, c[:, :, None]], axis=2).transpose(1, 0, 2).copy()


def workspace_bytes(net: Network, rows: int) -> int:
    """Work space of one chunk of ``rows`` inputs (module docstring's formula), in bytes."""
    widths = [layer.width for layer in net.layers]
    m = min(net.output_dim, net.input_dim)
    return int(8 * rows * (sum(widths) + net.input_dim + 2 * m * max([*widths, net.input_dim])))


def chunk_rows(net: Network, memory_limit: int = DEFAULT_MEMORY_LIMIT) -> int:
    """The largest chunk whose work space stays below ``memory_limit`` bytes (at least 1)."""
    per_row = workspace_bytes(net, 1)
    return max(1, int(memory_limit // per_row))


def local_affine_maps(
    net: Network,
    X: Any,
    *,
    chunk_size: int | None = None,
    memory_limit: int = DEFAULT_MEMORY_LIMIT,
    patterns: bool = False,
) -> LocalMaps:
    """Exact Jacobians and offsets of ``net`` at every row of ``X`` (no autograd).

    Parameters
    ----------
    net:
        A :class:`~relu_regions.Network` (converted CNNs included).
    X:
        ``(N, in)`` inputs (or one ``(in,)`` input).
    chunk_size:
        Rows per chunk; ``None`` chooses it from ``memory_limit``.
    memory_limit:
        Bytes of work space per chunk when ``chunk_size`` is ``None`` (the returned arrays
        come on top; see the module docstring).
    patterns:
        Also return the ``(N, neurons)`` activation patterns.

    Returns
    -------
    LocalMaps
        ``jacobians (N, out, in)``, ``offsets (N, out)``, ``outputs (N, out)``; on the
        region of ``X[i]`` the network equals ``y -> jacobians[i] @ y + offsets[i]``.

    Examples
    --------
    >>> from relu_regions import Network
    >>> net = Network([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.5]])  # |x| + 0.5
    >>> m = local_affine_maps(net, [[-2.0], [3.0]])
    >>> m.jacobians[:, 0, 0].tolist(), m.offsets[:, 0].tolist()
    ([-1.0, 1.0], [0.5, 0.5])
    """
    if not isinstance(net, Network):
        raise ReluRegionsError(f"expected a Network, got {type(net).__name__}")
    Xa = np.asarray(X, dtype=np.float64)
    if Xa.ndim == 1:
        Xa = Xa[None, :]
    if Xa.ndim != 2 or Xa.shape[1] != net.input_dim:
        raise DimensionError(
            f"X has shape {np.shape(X)}, expected (N, {net.input_dim}) for this network"
        )
    if not np.all(np.isfinite(Xa)):
        raise DimensionError("X contains NaN or infinite values")
    if chunk_size is None:
        chunk_size = chunk_rows(net, memory_limit)
    if int(chunk_size) < 1:
        raise ReluRegionsError(f"chunk_size must be a positive integer, got {chunk_size}")
    N = Xa.shape[0]
    B = min(int(chunk_size), max(N, 1))
    n_out, n_in = net.output_dim, net.input_dim
    reverse = n_out <= n_in
    J = np.empty((N, n_out, n_in))
    c = np.empty((N, n_out))
    y = np.empty((N, n_out))
    P = np.empty((N, net.num_neurons), dtype=bool) if patterns else None
    ops = [_Op(layer.weight) for layer in net.layers]
    for s in range(0, N, B):
        e = min(s + B, N)
        J[s:e], c[s:e], y[s:e], pats = _chunk(net, ops, Xa[s:e], reverse)
        if P is not None:
            P[s:e] = pats
    return LocalMaps(J, c, y, P, chunk_size=B, order="reverse" if reverse else "forward")


#: Weight matrices with at most this fraction of nonzeros (and at least ``SPARSE_MIN_SIZE``
#: entries) are multiplied as scipy CSR matrices: converted convolutions and max-pool
#: tournaments are dense ``Network`` layers with a few nonzeros per row.
SPARSE_DENSITY = 0.05
SPARSE_MIN_SIZE = 100_000


class _Op:
    """``W`` with the two products the chunks need: ``H W^T`` and ``M W`` (dense or CSR)."""

    def __init__(self, W: FloatArray) -> None:
        self.W = W
        self.sparse = None
        if W.size >= SPARSE_MIN_SIZE and np.count_nonzero(W) <= SPARSE_DENSITY * W.size:
            from scipy.sparse import csr_matrix

            self.sparse = (csr_matrix(W), csr_matrix(W.T))

    def right_t(self, H: FloatArray) -> FloatArray:
        """``H @ W.T`` for ``H`` of shape ``(rows, in)``."""
        if self.sparse is None:
            return H @ self.W.T
        return np.asarray((self.sparse[0] @ H.T).T)

    def left(self, M: FloatArray) -> FloatArray:
        """``M @ W`` for ``M`` of shape ``(rows, out)``."""
        if self.sparse is None:
            return M @ self.W
        return np.asarray((self.sparse[1] @ M.T).T)


def _chunk(
    net: Network, ops: list[_Op], X: FloatArray, reverse: bool
) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray]:
    """One chunk: forward pass for the slopes ``d_l`` and offsets, then the Jacobian product."""
    h = X
    c: FloatArray | None = None
    ds: list[FloatArray] = []  # activation derivatives per layer (all-ones for an affine layer)
    pats: list[BoolArray] = []
    for layer, op in zip(net.layers, ops, strict=True):
        z = op.right_t(h) + layer.bias
        c = np.broadcast_to(layer.bias, z.shape).copy() if c is None else op.right_t(c) + layer.bias
        if layer.slope is not None:
            act = z > 0
            d = np.where(act, 1.0, layer.slope)
            pats.append(act)
            h = d * z
            c = d * c
        else:
            d = np.ones_like(z)
            h = z
        ds.append(d)
    layers = net.layers
    B = X.shape[0]
    if reverse:  # row-vector products from the output end: one (B*out, n) @ (n, m) GEMM per layer
        M = ds[-1][:, :, None] * layers[-1].weight[None, :, :]  # (B, out, n_L)
        out = M.shape[1]
        for op, d in zip(ops[-2::-1], ds[-2::-1], strict=True):
            M = op.left((M * d[:, None, :]).reshape(B * out, -1)).reshape(B, out, -1)
        J = M
    else:  # column products from the input end: (B, n_l, in) intermediates
        M = ds[0][:, :, None] * layers[0].weight[None, :, :]  # (B, n_1, in)
        n_in = M.shape[2]
        for op, d in zip(ops[1:], ds[1:], strict=True):  # W @ M per sample = (M^T W^T)^T
            Mt = M.transpose(0, 2, 1).reshape(B * n_in, -1)
            M = d[:, :, None] * op.right_t(Mt).reshape(B, n_in, -1).transpose(0, 2, 1)
        J = M
    pat = np.concatenate(pats, axis=1) if pats else np.zeros((X.shape[0], 0), dtype=bool)
    assert c is not None  # a network has at least one layer
    return J, c, h, pat
