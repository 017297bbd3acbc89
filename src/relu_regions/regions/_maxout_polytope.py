"""Polytope helpers of the maxout engines: piece layers, region rows, canonical patterns.

Every activated layer is seen as a layer of *pieces* (Serra, Tjandraatmadja & Ramalingam
2018, Sec. 3.3): a rank-``k`` maxout layer as it is, ``W`` of shape ``(k, out, in)``, and a
(leaky-)ReLU layer as the rank-2 maxout layer with pieces ``(alpha W, W)`` (``max(alpha z,
z)`` is the leaky ReLU; ``alpha = 0`` gives ``max(0, z)``).  Unit ``u``'s pattern entry is
its arg-max piece ``p_u``, ties broken to the lowest index (for a ReLU neuron: 1 = active,
and a neuron exactly at zero is inactive, as everywhere in the toolkit).

Regions
-------
Under a pattern every piece of every unit is affine in the chart coordinates ``t``:
``z_{u,q}(t) = A_{u,q} t + c_{u,q}`` (earlier layers' arg-max pieces fixed).  The pattern's
region is

.. math::

    R_s = \\{t \\in D : z_{u,q}(t) \\le z_{u,p_u}(t) \\ \\forall u, q \\ne p_u\\},

one row ``(A_{u,q} - A_{u,p_u}) t \\le c_{u,p_u} - c_{u,q}`` per unit and other piece (the
rows of :func:`region_rows`; row ``q * out + j`` of a layer is piece ``q`` of unit ``j``, and
the row of the active piece itself is zero).  A region counts when it is full-dimensional
in the domain's chart (a certified ball of radius ``> RADIUS_TOL * scale``, as for ReLU
networks).  Facets between regions are ties ``z_{u,p} = z_{u,q}`` between the active piece
and another piece of a unit.

Identical pieces
----------------
Two pieces ``p < q`` of a unit are *identical on a region* when their difference is
constant zero there: ``|A_q - A_p| <= ZERO_ROW_TOL max(1, |A_p|, |A_q|)`` and
``|c_q - c_p| <= IDENTICAL_TOL max(1, |c_p|, |c_q|)`` (duplicate pieces, or pieces that
differ only in weights on inputs that are constant on the region).  Then the arg-max is
``p`` everywhere on the region (ties go to the lowest index), so the pattern with ``q``
has no region: its row gets ``h = -1``.  A constant row with a non-zero offset is either
always satisfied or always violated.  Engines pick the lowest identical piece
(:func:`point_patterns`), so each region is counted once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._typing import FloatArray, IntArray
from ..network import MAXOUT_PATTERN_DTYPE, Network
from ._polytope import CANCEL_TOL, ZERO_ROW_TOL

__all__ = [
    "PieceLayer",
    "piece_layers",
    "row_index",
    "region_rows",
    "point_patterns",
    "maxout_unit_row_network",
    "maxout_chart_affine_maps",
    "IDENTICAL_TOL",
    "BOUNDARY_RTOL",
    "PATTERN_DTYPE",
]

#: Offsets of two pieces with equal gradients that differ by at most this (relative) are
#: the same piece on the region (module docstring).
IDENTICAL_TOL = 1e-12
#: :func:`point_patterns`: a point is *clear* of every boundary when, in every unit, the
#: active piece beats each non-identical piece by more than this times the magnitude of the
#: terms the two values are summed from.
BOUNDARY_RTOL = 1e-12
#: dtype of maxout patterns (piece indices; 0/1 for ReLU neurons).
PATTERN_DTYPE = MAXOUT_PATTERN_DTYPE

#: ``(W, b)`` of one activated layer as pieces: ``(k, out, in)`` and ``(k, out)``.
PieceLayer = tuple[FloatArray, FloatArray]


def piece_layers(net: Network) -> list[PieceLayer]:
    """Every activated layer of ``net`` as a layer of pieces (module docstring)."""
    out: list[PieceLayer] = []
    for layer in net.activated_layers:
        if layer.is_maxout:
            out.append((layer.weight, layer.bias))
        else:
            s = float(layer.slope)  # type: ignore[arg-type]
            out.append((np.stack([s * layer.weight, layer.weight]), np.stack([s * layer.bias, layer.bias])))
    return out


def row_index(layers: Sequence[PieceLayer]) -> tuple[IntArray, IntArray, IntArray]:
    """For each region row: its unit (global index), its piece and its layer."""
    units, pieces, lays = [], [], []
    start = 0
    for li, (W, _) in enumerate(layers):
        k, out = W.shape[0], W.shape[1]
        units.append(np.tile(np.arange(out) + start, k))
        pieces.append(np.repeat(np.arange(k), out))
        lays.append(np.full(k * out, li))
        start += out
    return np.concatenate(units), np.concatenate(pieces), np.concatenate(lays)


def region_rows(
    layers: Sequence[PieceLayer], patterns: Any
) -> tuple[FloatArray, FloatArray, list[tuple[FloatArray, FloatArray]]]:
    """Rows ``G t <= h`` of the regions of a batch of patterns (without the domain's rows).

    Parameters
    ----------
    layers:
        :func:`piece_layers` of the chart network.
    patterns:
        ``(P, U)`` piece indices.

    Returns
    -------
    G, h, maps:
        ``(P, R, n)`` and ``(P, R)`` rows (module docstring: constant rows exactly zero,
        ``h = -1`` for a lower identical piece), and per layer the maps ``(A, c)`` of every
        piece, ``(P, k, out, n)`` and ``(P, k, out)``.
    """
    S = np.asarray(patterns, dtype=np.intp)
    P = S.shape[0]
    n = layers[0][0].shape[-1]
    Gs, hs, maps = [], [], []
    A_in: FloatArray | None = None
    c_in: FloatArray | None = None
    start = 0
    for W, b in layers:
        k, out = W.shape[0], W.shape[1]
        if A_in is None or c_in is None:
            A = np.broadcast_to(W, (P, *W.shape))
            c = np.broadcast_to(b, (P, *b.shape))
        else:
            A = np.einsum("qoi,pin->pqon", W, A_in, optimize=True)
            c = np.einsum("qoi,pi->pqo", W, c_in) + b
        s = S[:, start : start + out]
        Ap = np.take_along_axis(A, s[:, None, :, None], axis=1)
        cp = np.take_along_axis(c, s[:, None, :], axis=1)
        G = A - Ap
        h = cp - c
        gn = np.sqrt(np.einsum("pqon,pqon->pqo", G, G))
        an = np.sqrt(np.einsum("pqon,pqon->pqo", A, A))
        apn = np.take_along_axis(an, s[:, None, :], axis=1)
        const = gn <= ZERO_ROW_TOL * np.maximum(np.maximum(an, apn), 1.0)
        if const.any():
            G = np.where(const[..., None], 0.0, G)
            same = const & (np.abs(h) <= IDENTICAL_TOL * np.maximum(np.maximum(np.abs(c), np.abs(cp)), 1.0))
            lower = np.arange(k)[None, :, None] < s[:, None, :]
            h = np.where(same, np.where(lower, -1.0, 0.0), h)
        Gs.append(G.reshape(P, k * out, n))
        hs.append(h.reshape(P, k * out))
        maps.append((A, c))
        A_in, c_in = Ap[:, 0], cp[:, 0]
        start += out
    return np.concatenate(Gs, axis=1), np.concatenate(hs, axis=1), maps


def point_patterns(layers: Sequence[PieceLayer], T: FloatArray) -> tuple[Any, Any]:
    """Canonical patterns at points ``T`` ``(N, n)`` and whether each point is clear.

    The arg-max piece of each unit, replaced by the lowest piece identical to it on the
    point's region (module docstring), so that round-off between duplicate pieces never
    makes a second pattern.  A point is *clear* when in every unit the active piece beats
    every non-identical piece by more than :data:`BOUNDARY_RTOL` times the magnitude of the
    terms (``|W| |h| + |b|`` of both): it is then in the interior of its region (generic
    points are).  Points where every piece is beaten by that margin need no gradients (no
    piece can be identical to the active one there); the others are resolved with them.
    """
    T = np.asarray(T, dtype=np.float64)
    N = T.shape[0]
    H, absH = T, np.abs(T)
    pats = []
    tied = np.zeros(N, dtype=bool)
    for W, b in layers:
        Z = np.einsum("qoi,ni->nqo", W, H) + b
        mag = np.einsum("qoi,ni->nqo", np.abs(W), absH) + np.abs(b)
        p = np.argmax(Z, axis=1)[:, None, :]
        Zp = np.take_along_axis(Z, p, axis=1)
        magp = np.take_along_axis(mag, p, axis=1)
        near = Zp - Z <= BOUNDARY_RTOL * (mag + magp)
        tied |= near.sum(axis=1).max(axis=1) > 1  # another piece within the margin
        pats.append(p[:, 0])
        H, absH = Zp[:, 0], magp[:, 0]
    P = np.concatenate(pats, axis=1).astype(PATTERN_DTYPE) if pats else np.zeros((N, 0), PATTERN_DTYPE)
    clear = ~tied
    if tied.any():
        Pt, ct = _point_patterns_with_gradients(layers, T[tied])
        P[tied] = Pt
        clear[tied] = ct
    return P, clear


def _point_patterns_with_gradients(layers: Sequence[PieceLayer], T: FloatArray) -> tuple[Any, Any]:
    """:func:`point_patterns` with every piece's gradient tracked (for points with near ties)."""
    N, n = T.shape
    pats = []
    clear = np.ones(N, dtype=bool)
    H = T
    J: FloatArray = np.broadcast_to(np.eye(n), (N, n, n))
    absH = np.abs(T)
    for W, b in layers:
        Z = np.einsum("qoi,ni->nqo", W, H) + b
        JZ = np.einsum("qoi,nim->nqom", W, J, optimize=True)
        mag = np.einsum("qoi,ni->nqo", np.abs(W), absH) + np.abs(b)
        p = np.argmax(Z, axis=1)
        Jp = np.take_along_axis(JZ, p[:, None, :, None], axis=1)
        Zp = np.take_along_axis(Z, p[:, None, :], axis=1)
        gd = np.sqrt(np.einsum("nqom,nqom->nqo", JZ - Jp, JZ - Jp))
        an = np.sqrt(np.einsum("nqom,nqom->nqo", JZ, JZ))
        apn = np.take_along_axis(an, p[:, None, :], axis=1)
        ident = (gd <= ZERO_ROW_TOL * np.maximum(np.maximum(an, apn), 1.0)) & (
            np.abs(Z - Zp) <= IDENTICAL_TOL * np.maximum(np.maximum(np.abs(Z), np.abs(Zp)), 1.0)
        )
        # the lowest identical piece (the arg-max itself is identical to itself)
        p = np.argmax(ident, axis=1)
        magp = np.take_along_axis(mag, p[:, None, :], axis=1)
        gap = Zp - Z
        near = ~ident & (gap <= BOUNDARY_RTOL * (mag + magp))
        clear &= ~near.any(axis=(1, 2))
        pats.append(p)
        H = np.take_along_axis(Z, p[:, None, :], axis=1)[:, 0]
        J = np.take_along_axis(JZ, p[:, None, :, None], axis=1)[:, 0]
        absH = magp[:, 0]
    P = np.concatenate(pats, axis=1).astype(PATTERN_DTYPE) if pats else np.zeros((N, 0), PATTERN_DTYPE)
    return P, clear


def maxout_unit_row_network(
    net: Network, pullback: tuple[Any, Any, Any, Any] | None = None
) -> tuple[Network, list[FloatArray]]:
    """The maxout analogue of :func:`~relu_regions.regions._polytope.unit_row_network`.

    ``max_q (z_q / d) = max_q(z_q) / d`` for ``d > 0``, so dividing *all pieces* of a unit
    by ``d_j`` (the largest norm of its pieces' weight rows; of their biases when every row
    is zero) and multiplying column ``j`` of the next layer by ``d_j`` changes neither the
    function nor any region, and every unit's largest piece row has unit norm.  ReLU
    layers are treated as in the ReLU engine (one row per neuron).  First-layer rows that
    cancelled to below :data:`CANCEL_TOL` of their terms are set to zero.  Returns the
    network and the factors ``d`` of each activated layer (``(out,)``: a maxout pull-back
    ``W0 (k, out, in)`` scales as ``W0 / d[:, None]``, like a ReLU one).
    """
    W = [np.array(w, dtype=np.float64) for w in net.weights]
    b = [np.array(v, dtype=np.float64) for v in net.biases]
    if pullback is not None:
        W0, b0, o, B = (np.asarray(a, dtype=np.float64) for a in pullback)
        absW = np.abs(W0)
        row_terms = np.linalg.norm(absW @ np.abs(B), axis=-1)
        bias_terms = absW @ np.abs(o) + np.abs(b0)
        W[0][np.linalg.norm(W[0], axis=-1) <= CANCEL_TOL * row_terms] = 0.0
        b[0][np.abs(b[0]) <= CANCEL_TOL * bias_terms] = 0.0
    factors: list[FloatArray] = []
    for li, layer in enumerate(net.layers):
        if not layer.activated:
            break
        norms = np.linalg.norm(W[li], axis=-1)
        bias = np.abs(b[li])
        if W[li].ndim == 3:
            norms, bias = norms.max(axis=0), bias.max(axis=0)
        d = np.where(norms > 0, norms, bias)
        d = np.where(np.isfinite(d) & (d > 0), d, 1.0)
        W[li] /= d[..., :, None]
        b[li] /= d
        if li + 1 < len(W):
            W[li + 1] *= d
        factors.append(d)
    return net.replace_layers(W, b), factors


def maxout_chart_affine_maps(net_t: Network, patterns: Any) -> tuple[FloatArray, FloatArray]:
    """Affine maps ``(J, c)`` of ``net_t`` on the regions of a batch of maxout patterns.

    ``J`` ``(N, m, n)`` and ``c`` ``(N, m)`` with ``f(t) = J t + c`` on each region.
    """
    S = np.asarray(patterns, dtype=np.intp)
    N = S.shape[0]
    n = net_t.input_dim
    J: FloatArray = np.broadcast_to(np.eye(n), (N, n, n))
    c = np.zeros((N, n))
    off = 0
    layers = piece_layers(net_t)
    for li, layer in enumerate(net_t.layers):
        if not layer.activated:
            J = np.matmul(layer.weight, J)
            c = c @ layer.weight.T + layer.bias
            continue
        W, b = layers[li]
        out = W.shape[1]
        A = np.einsum("qoi,nim->nqom", W, J, optimize=True)
        cc = np.einsum("qoi,ni->nqo", W, c) + b
        s = S[:, off : off + out]
        J = np.take_along_axis(A, s[:, None, :, None], axis=1)[:, 0]
        c = np.take_along_axis(cc, s[:, None, :], axis=1)[:, 0]
        off += out
    return np.ascontiguousarray(J), c
