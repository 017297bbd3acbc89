"""The ``skeleton`` engine: exact activation regions in low dimension (d <= ~6), no LPs.

Algorithm (after Berzins 2023, "Polyhedral complex extraction from ReLU networks using
edge subdivision", ICML, Sec. 3; our own implementation in NumPy)
------------------------------------------------------------------------------------
Keep the *skeleton* of the polyhedral complex cut out of the domain ``D = {t : G t <= h}``
by the neurons added so far: its vertices ``X``, its edges, and for every vertex its sign
vector ``S[v]`` over all hyperplanes so far (the domain's rows, ``h - G t``, then the
neurons' pre-activations ``z_i``): ``+1``, ``-1`` or ``0`` (the vertex lies on it).
Neurons are added layer by layer; every neuron of layer ``l`` is affine on each closed cell
of the complex of layers ``< l``, hence affine along every edge, so

1. its value at every vertex (one matrix product per layer, then interpolation) decides
   which edges it cuts: those whose endpoints have opposite signs;
2. each cut edge gets a new vertex by linear interpolation (its sign vector: the edge's,
   with ``0`` for the new neuron);
3. new edges join the two new vertices on each 2-face that the neuron cuts.  An edge lies
   on ``d - 1`` hyperplanes; turning one of its zeros into ``+`` or ``-`` names one of the
   ``2 (d - 1)`` 2-faces that contain it, so two cut edges lie on a common 2-face exactly
   when one such *face key* of each is the same sign vector.  Keys are hashed (random 64-bit
   weights, one per hyperplane, summed modulo ``2^64``), sorted, and must come in pairs; each
   matched pair is then compared in full (its sign vectors differ in exactly two places).

A polytope domain that is not a box is made the same way: start from a slightly larger box
and *clip* by each row of ``G`` (a cut that also deletes the vertices outside).

Counting (lowest-vertex rule) and the patterns
----------------------------------------------
In general position (every vertex on exactly ``d`` hyperplanes) the complex is locally a
simple arrangement at every vertex: ``2^d`` cells meet there, one per sign choice of its
``d`` zeros (a bent hyperplane is still a topological hyperplane at its bend), and along each
of the ``d`` lines through ``v`` (drop one zero) there is an edge on either side of the
dropped hyperplane (only the inner one for a domain row).  The cell with signs ``sigma`` at
``v`` is spanned there by the edges on the sides ``sigma_k``.  For a generic direction ``c``
every region, a bounded convex polytope, has exactly one lowest vertex, and ``v`` is the
lowest vertex of the cell ``sigma`` exactly when its ``d`` spanning edges all go up.  Hence

.. math::  \\#\\text{regions} = \\sum_v \\prod_{k=1}^{d} u_k(v),

with ``u_k(v)`` the number of up edges along line ``k`` at ``v`` (0, 1 or 2: both edges of a
line can go up where the line bends at ``v``, on the bend of a later neuron's hyperplane;
in a flat arrangement exactly one does).  A counted cell's sign vector is ``S[v]`` with its
zeros set to ``sigma``; its activation pattern is the neurons' part (``z > 0`` active).  The
simplex spanned by ``v`` and its ``d`` spanning neighbours lies in the region: its incentre
is the region's interior point and its inradius a lower bound on the region's, so every
region is certified full-dimensional (Cai et al. 2023, Sec. 5: measure-zero cells never
count).  Facets are counted the same way (their lowest vertex and the lines that stay on
their hyperplane), which gives the adjacency of the regions.

Certificate (checked on every run; any failure marks the domain degenerate, see below):
every vertex has exactly ``d`` zeros and is locally a simple arrangement (along each of its
``d`` lines one edge on either side of the dropped hyperplane, only the inner one for a
domain row); every face key was matched exactly twice, by two edges sharing ``d - 2``
hyperplanes; the cells counted from the *highest* vertices (direction ``-c``) are exactly
those counted from the lowest (same number, same sign-vector hashes); the cells are
distinct; every certified inradius is above the resolution limit; and a forward pass at the
interior points of ``ORACLE_SAMPLE`` regions spread over the list (all of them when fewer)
gives the regions' patterns (an independent oracle).

Degenerate positions are detected, not assumed away.  Handled exactly: a neuron of one
sign (or identically zero) at every vertex while no earlier layer has cut the domain (it is
affine on the convex domain, so its zero set is at most a face of it: a dead neuron, a zero
row, a hyperplane along a facet or through a corner) gets that sign everywhere.  Any other
degeneracy raises: a neuron within ``ZERO_RTOL`` (relative to the largest magnitude of its
terms) of zero at a vertex (a hyperplane through a vertex, duplicate or coinciding neurons,
a neuron identically zero on a cell), a face key seen other than twice, a vertex that is not
locally simple, a region whose certified inradius is below
``RADIUS_MARGIN * RADIUS_TOL * scale``, or a domain that is not a simple polytope.  The
domain is then split by ``CELL_SPLITS`` first-layer hyperplanes (which cut no region; the
cells of :func:`~relu_regions.regions._parallel.split_cells`) and the skeleton runs on each
cell; a cell that is degenerate itself goes to ``lp`` (exact on degenerate nets), and the
regions are merged by pattern.  ``details["fallback"]`` says why and on how many cells
``lp`` ran (with ``adjacency=True`` the whole domain goes to ``lp``).  ``workers`` /
``executor`` run the skeleton on first-layer cells in parallel, like ``lp``.

A time limit or Ctrl-C stops it between neurons: the cells of the neurons added so far are
unions of regions; the full pattern at each cell's interior point is a region of the
network, so the distinct ones are returned as a labelled lower bound (``complete=False``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._budget import Budget, progress_bar
from .._typing import BoolArray, FloatArray, IntArray
from ..exceptions import DomainError, EmptyDomainError
from ..network import Network
from ._parallel import serial_or_parallel
from ._polytope import RADIUS_TOL, axis_rows, bounding_box, domain_scale
from ._types import ENGINES, EngineInfo, EngineResult

__all__ = ["skeleton_engine", "skeleton_serial", "ZERO_RTOL", "RADIUS_MARGIN", "MAX_DIM", "CELL_SPLITS"]

#: A neuron is *on* a vertex when ``|z| <= ZERO_RTOL * (|W_j| max_v |h(v)| + |b_j|)`` there
#: (a bound on the magnitude of the terms that make up ``z`` on the skeleton): degenerate.
ZERO_RTOL = 1e-10
#: Every counted region must contain a certified ball of radius
#: ``> RADIUS_MARGIN * RADIUS_TOL * scale`` (``RADIUS_TOL``, ``scale``: as ``lp``'s), so that
#: it is a region for ``lp`` too; a thinner one hands the domain to ``lp``.
RADIUS_MARGIN = 10.0
#: Largest chart dimension the engine accepts (the skeleton grows like regions x 2^d / d!).
MAX_DIM = 8

_SEED = 0x5EED


class _Degenerate(Exception):
    """The arrangement is not in general position (or a check failed): use ``lp``."""


def _member(A: IntArray, B: IntArray) -> BoolArray:
    """``out[i, j] = A[i, j] in B[i, :]`` (rows of a few entries: one comparison per column of B)."""
    out = A == B[:, :1]
    for j in range(1, B.shape[1]):
        out |= A == B[:, j : j + 1]
    return out


class _Skeleton:
    """Vertices, sign vectors and edges of the complex (growable arrays).

    Per vertex: coordinates ``X``, sign vector ``S`` (int8, one column per hyperplane), its
    ``d`` zero columns ``Zp`` (ascending) and the hash ``Hv = sum_i w_i S_i`` (mod ``2^64``);
    per edge its endpoints ``E0``, ``E1`` and, seen from each, which of the endpoint's zeros
    the edge leaves and to which side (``C0``, ``C1``: ``2 k + (0 if + else 1)``, ``k`` the
    zero's index in ``Zp``); per current layer, the pre-activations ``Z`` and
    their terms' magnitudes ``M`` (neuron-major, ``(width, vertices)``).
    """

    def __init__(self, X: FloatArray, S: np.ndarray, E: IntArray, ncols: int, ndom: int) -> None:
        self.d = d = X.shape[1]
        self.ndom = ndom  # columns < ndom are domain rows (only their + side exists)
        self.N = N = X.shape[0]
        self.ne = E.shape[0]
        cap = max(64, 2 * N)
        self.X = np.empty((cap, d))
        self.X[:N] = X
        self.S = np.zeros((cap, ncols), dtype=np.int8)
        self.S[:N, : S.shape[1]] = S
        zr, zc = np.nonzero(S == 0)
        if zc.size != N * d or np.any(np.bincount(zr, minlength=N) != d):
            raise _Degenerate("a vertex of the domain lies on other than d facets")
        self.Zp = np.empty((cap, d), dtype=np.int64)
        self.Zp[:N] = zc.reshape(N, d)
        rng = np.random.default_rng(_SEED)
        self.w = rng.integers(-(2**62), 2**62, size=ncols, dtype=np.int64)
        self.Hv = np.empty(cap, dtype=np.int64)
        self.Hv[:N] = self.S[:N].astype(np.int64) @ self.w
        ecap = max(64, 2 * self.ne)
        self.E0 = np.empty(ecap, dtype=np.int64)
        self.E1 = np.empty(ecap, dtype=np.int64)
        self.E0[: self.ne] = E[:, 0]
        self.E1[: self.ne] = E[:, 1]
        self.C0 = np.empty(ecap, dtype=np.int64)
        self.C1 = np.empty(ecap, dtype=np.int64)
        self.C0[: self.ne] = self._leaves(E[:, 0], E[:, 1])
        self.C1[: self.ne] = self._leaves(E[:, 1], E[:, 0])
        self.Z = np.empty((0, cap))  # pre-activations of the current layer
        self.tol = np.empty(0)  # their zero tolerances (per neuron)
        self.splits = 0
        self.constants = 0  # neurons of one sign on the whole domain (before any cut)

    def _leaves(self, tail: IntArray, head: IntArray) -> IntArray:
        """Codes ``2 k + (0 if + else 1)``: the edge leaves ``tail``'s ``k``-th zero to that side."""
        side_vals = self.S[head[:, None], self.Zp[tail]]  # (n, d)
        nz = side_vals != 0
        if np.any(np.count_nonzero(nz, axis=1) != 1):
            raise _Degenerate("an edge leaves other than one of its endpoint's hyperplanes")
        k = np.argmax(nz, axis=1)
        return np.asarray(2 * k + (side_vals[np.arange(k.size), k] < 0), dtype=np.int64)

    @property
    def E(self) -> IntArray:
        return np.stack([self.E0[: self.ne], self.E1[: self.ne]], axis=1)

    # -- storage
    def _grow_vertices(self, extra: int) -> None:
        need = self.N + extra
        if need <= self.X.shape[0]:
            return
        cap = max(need, 2 * self.X.shape[0])
        N = self.N
        for name in ("X", "S", "Zp", "Hv"):
            old = getattr(self, name)
            new = np.empty((cap, *old.shape[1:]), dtype=old.dtype)
            new[:N] = old[:N]
            setattr(self, name, new)
        Z = np.empty((self.Z.shape[0], cap))
        Z[:, :N] = self.Z[:, :N]
        self.Z = Z

    def _grow_edges(self, extra: int) -> None:
        need = self.ne + extra
        if need <= self.E0.shape[0]:
            return
        cap = max(need, 2 * self.E0.shape[0])
        for name in ("E0", "E1", "C0", "C1"):
            new = np.empty(cap, dtype=np.int64)
            new[: self.ne] = getattr(self, name)[: self.ne]
            setattr(self, name, new)

    # -- one hyperplane
    def cut(self, col: int, vals: FloatArray, j: int | None, clip: bool) -> int:
        """Add hyperplane ``col`` with values ``vals`` at the vertices (never 0); returns new vertices.

        ``j``: the neuron's row in the current layer's ``Z`` (``None`` for a domain row).
        """
        N, ne, d = self.N, self.ne, self.d
        pos = vals > 0
        self.S[:N, col] = pos.view(np.int8) * np.int8(2) - np.int8(1)
        e0, e1 = self.E0[:ne], self.E1[:ne]
        idx = np.flatnonzero(pos[e0] != pos[e1])
        s = idx.size
        if s:
            a, b = e0[idx], e1[idx]
            va, vb = vals[a], vals[b]
            t = va / (va - vb)
            # the edge's zeros: a's zeros that are b's too; p: a's other zero (b's sign there)
            Za, Zb = self.Zp[a], self.Zp[b]
            shared = _member(Za, Zb)
            if np.count_nonzero(shared) != s * (d - 1) or np.any(shared.sum(axis=1) != d - 1):
                raise _Degenerate(f"an edge cut by hyperplane {col} is not on exactly {d - 1} hyperplanes")
            zc = Za[shared].reshape(s, d - 1)
            p = Za[~shared]
            rows = np.arange(s)
            sb = self.S[b, p]
            He = self.Hv[a] + self.w[p] * sb.astype(np.int64)  # hash of the edge's sign vector
            pairs, k0, k1 = self._match(He, zc, col)
            self.Hv[:N] += np.where(pos, self.w[col], -self.w[col])
            self._grow_vertices(s)
            nid = np.arange(N, N + s)
            self.X[nid] = self.X[a] + t[:, None] * (self.X[b] - self.X[a])
            Sn = self.S[a]
            Sn[rows, p] = sb
            Sn[:, col] = 0
            self.S[nid] = Sn
            self.Zp[nid, : d - 1] = zc
            self.Zp[nid, d - 1] = col
            self.Hv[nid] = He
            if j is not None:
                Za_, Zb_ = self.Z[:, a], self.Z[:, b]
                self.Z[:, nid] = Za_ + t * (Zb_ - Za_)
                self.Z[j, nid] = 0.0
            self.N = N + s
            m = pairs.shape[0]
            self._grow_edges(s + m)
            last = 2 * (d - 1)  # a new vertex's own column is its last zero
            self.E0[ne : ne + s] = nid
            self.E1[ne : ne + s] = b
            self.C0[ne : ne + s] = last + (vb < 0)
            self.C1[ne : ne + s] = self.C1[idx]
            self.E1[idx] = nid
            self.C1[idx] = last + (va < 0)
            p0, p1 = pairs[:, 0], pairs[:, 1]
            self.E0[ne + s : ne + s + m] = nid[p0]
            self.E1[ne + s : ne + s + m] = nid[p1]
            h0 = zc[p0, k0]  # the zero that the face edge leaves at each end, and the sides
            h1 = zc[p1, k1]
            self.C0[ne + s : ne + s + m] = 2 * k0 + (Sn[p1, h0] < 0)
            self.C1[ne + s : ne + s + m] = 2 * k1 + (Sn[p0, h1] < 0)
            self.ne = ne + s + m
            self.splits += s
        else:
            self.Hv[:N] += np.where(pos, self.w[col], -self.w[col])
        if clip:
            self._drop(self.S[: self.N, col] >= 0)
        return s

    def constant(self, col: int, sign: int) -> None:
        """A hyperplane of one sign at every vertex (it cuts nothing)."""
        self.S[: self.N, col] = sign
        self.Hv[: self.N] += self.w[col] * sign

    def _match(self, He: np.ndarray, zc: IntArray, col: int) -> tuple[IntArray, IntArray, IntArray]:
        """Pairs of cut edges (hashes ``He``, zero columns ``zc``) that lie on a common 2-face,
        and for each pair the index (in ``zc``) of the zero that each edge has alone."""
        s, d1 = zc.shape
        wz = self.w[zc]
        owner = np.repeat(np.arange(s), d1)
        plus = (He[:, None] + wz).ravel()
        minus_ok = (zc >= self.ndom).ravel()  # a domain row's - side is outside
        minus = (He[:, None] - wz).ravel()[minus_ok]
        keys = np.concatenate([plus, minus])
        own = np.concatenate([owner, owner[minus_ok]])
        order = np.argsort(keys)
        ks = keys[order]
        if ks.size % 2 or np.any(ks[0::2] != ks[1::2]) or np.any(ks[1:-1:2] == ks[2::2]):
            raise _Degenerate(f"a 2-face is cut by hyperplane {col} in other than two edges")
        pairs = own[order].reshape(-1, 2)
        # the two edges of a 2-face share its d - 2 hyperplanes and no other
        z0, z1 = zc[pairs[:, 0]], zc[pairs[:, 1]]
        sh0, sh1 = _member(z0, z1), _member(z1, z0)
        if np.any(sh0.sum(axis=1) != d1 - 1) or np.any(sh1.sum(axis=1) != d1 - 1):
            raise _Degenerate("two edges matched on a face key but do not share a 2-face")
        return pairs, np.argmin(sh0, axis=1), np.argmin(sh1, axis=1)

    def _drop(self, keep: BoolArray) -> None:
        """Delete the vertices not in ``keep`` and their edges (domain clipping only)."""
        N = self.N
        new_index = np.cumsum(keep) - 1
        e0, e1 = self.E0[: self.ne], self.E1[: self.ne]
        ok = keep[e0] & keep[e1]
        e0, e1 = new_index[e0[ok]], new_index[e1[ok]]
        c0, c1 = self.C0[: self.ne][ok], self.C1[: self.ne][ok]
        for name in ("X", "S", "Zp", "Hv"):
            arr = getattr(self, name)
            kept = arr[:N][keep]
            arr[: kept.shape[0]] = kept
        self.N = int(keep.sum())
        self.ne = e0.size
        self.E0[: self.ne] = e0
        self.E1[: self.ne] = e1
        self.C0[: self.ne] = c0
        self.C1[: self.ne] = c1

    # -- layers
    def start_layer(self, W: FloatArray, b: FloatArray, H: FloatArray) -> None:
        """Pre-activations of a layer at every vertex (``H``: the layer's inputs, ``(n, N)``).

        The zero tolerance of neuron ``j`` is ``ZERO_RTOL`` times the largest magnitude of its
        terms on the skeleton, bounded by ``|W_j| max_v |H(v)| + |b_j|`` (new vertices of the
        layer are convex combinations of these, so their terms are no larger).
        """
        cap = self.X.shape[0]
        N = self.N
        self.Z = np.empty((W.shape[0], cap))
        self.Z[:, :N] = W @ H + b[:, None]
        hmax = np.abs(H).max(axis=1) if N else np.zeros(H.shape[0])
        self.tol = ZERO_RTOL * (np.abs(W) @ hmax + np.abs(b))


# --------------------------------------------------------------------------- domain
def _cube(lo: FloatArray, hi: FloatArray) -> tuple[FloatArray, np.ndarray, IntArray]:
    """Vertices, sign vectors over the ``2 d`` facets (``t_i >= lo_i``, ``t_i <= hi_i``), edges."""
    d = lo.size
    bits = (np.arange(2**d)[:, None] >> np.arange(d)[None, :]) & 1
    X = np.where(bits == 1, hi, lo).astype(np.float64)
    S = np.empty((2**d, 2 * d), dtype=np.int8)
    S[:, 0::2] = np.where(bits == 1, 1, 0)  # on the lower facet when bit 0
    S[:, 1::2] = np.where(bits == 1, 0, 1)
    ids = np.arange(2**d)
    E = np.concatenate(
        [np.stack([ids[(ids >> i) & 1 == 0], ids[(ids >> i) & 1 == 0] | (1 << i)], axis=1) for i in range(d)]
    )
    return X, S, E


def _domain(G: FloatArray, h: FloatArray, ncols_neurons: int) -> tuple[_Skeleton, int]:
    """The skeleton of the domain (a box directly, a polytope by clipping a larger box)."""
    d = G.shape[1]
    lo, hi = bounding_box(G, h)
    if not np.all(hi > lo):
        raise EmptyDomainError("the domain has no interior in its own coordinates")
    if np.all(axis_rows(G)):
        X, S, E = _cube(lo, hi)
        ndom = 2 * d
        return _Skeleton(X, S, E, ndom + ncols_neurons, ndom), ndom
    pad = 0.05 * (hi - lo) + 1e-3 * float(np.max(hi - lo))
    X, S, E = _cube(lo - pad, hi + pad)
    norms = np.linalg.norm(G, axis=1)
    live = norms > 0
    if np.any(~live & (h < 0)):
        raise EmptyDomainError("the domain is empty (a constant constraint is violated)")
    Gn, hn = G[live] / norms[live, None], h[live] / norms[live]
    # the same facet given twice would put its vertices on both rows: keep one
    key = np.round(np.hstack([Gn, hn[:, None]]) * 1e12)
    _, first = np.unique(key, axis=0, return_index=True)
    first = np.sort(first)
    Gn, hn = Gn[first], hn[first]
    ndom = 2 * d + Gn.shape[0]
    span = float(np.max(hi - lo))
    sk = _Skeleton(X, S, E, ndom + ncols_neurons, ndom)
    for r in range(Gn.shape[0]):
        Xv = sk.X[: sk.N]
        vals = hn[r] - Xv @ Gn[r]
        tol = 1e-12 * (np.abs(Xv) @ np.abs(Gn[r]) + abs(hn[r]) + span)
        if np.any(np.abs(vals) <= tol):
            raise _Degenerate(f"domain row {r} passes through a vertex of the domain (not a simple polytope)")
        if np.all(vals < 0):
            raise EmptyDomainError("the domain is empty")
        sk.cut(2 * d + r, vals, None, clip=True)
    return sk, ndom


# --------------------------------------------------------------------------- counting
def _generic_direction(d: int, attempt: int) -> FloatArray:
    c = np.random.default_rng(_SEED + attempt).standard_normal(d)
    return np.asarray(c / np.linalg.norm(c), dtype=np.float64)


@dataclasses.dataclass
class _Lowest:
    """The cells whose lowest vertex is a skeleton vertex: ``V[i]`` with signs ``sigma[i]``
    at its zero columns ``Zp[V[i]]``; ``nb[v, k, 0/1]``: the up neighbour leaving ``v``'s
    ``k``-th zero to the ``+`` / ``-`` side (``-1``: none)."""

    V: IntArray
    sigma: np.ndarray
    nb: IntArray


def _lowest(sk: _Skeleton, up: BoolArray) -> _Lowest:
    """The lowest-vertex rule for the edge orientation ``up`` (tail to head, per edge).

    At a vertex ``v`` with zeros ``j_1..j_d`` each line (drop one zero ``j_k``) has an edge on
    the ``+`` and on the ``-`` side of ``j_k`` (only ``+`` for a domain row); the cell with
    signs ``sigma`` there is spanned by the edges on the sides ``sigma_k`` (locally a simplicial
    cone: within one cell every bent hyperplane is flat), so ``v`` is its lowest vertex exactly
    when those ``d`` edges all go up.  A line bends at ``v`` when ``v`` is on the bend of one
    of its hyperplanes: then both of its edges may go up and ``v`` is the lowest vertex of
    two (or more) cells; in a flat arrangement one edge of each line goes up.
    """
    N, d = sk.N, sk.d
    e0, e1 = sk.E0[: sk.ne], sk.E1[: sk.ne]
    tail = np.where(up, e0, e1)
    head = np.where(up, e1, e0)
    # which of the tail's zeros the edge leaves, and to which side (kept per edge end)
    slot = tail * (2 * d) + np.where(up, sk.C0[: sk.ne], sk.C1[: sk.ne])
    nb = np.full(N * 2 * d, -1, dtype=np.int64)
    nb[slot] = head
    nb = nb.reshape(N, d, 2)
    has = nb >= 0  # (N, d, 2): an up edge on the + / - side of the k-th zero
    hp, hm = has[:, :, 0], has[:, :, 1]
    every = hp[:, 0] | hm[:, 0]  # an up edge along every line
    two = hp[:, 0] & hm[:, 0]  # both edges of some line go up (it bends at the vertex)
    for k in range(1, d):
        every &= hp[:, k] | hm[:, k]
        two |= hp[:, k] & hm[:, k]
    simple = np.flatnonzero(every & ~two)  # one cell, its sides: the up edges'
    bent = np.flatnonzero(every & two)
    V1 = simple
    sigma1 = np.where(hp[simple], 1, -1).astype(np.int8)
    if bent.size:
        V2, sigma2 = _choices(has, bent, range(d))
        V1, sigma1 = np.concatenate([V1, V2]), np.concatenate([sigma1, sigma2])
    return _Lowest(V=V1, sigma=sigma1, nb=nb)


def _choices(has: BoolArray, rows: IntArray, ks: Any) -> tuple[IntArray, np.ndarray]:
    """Every sign choice at the zeros ``ks`` of the vertices ``rows`` whose edges all go up.

    Returns the vertices (repeated once per choice) and the choices ``(n, d)`` (``0`` at the
    zeros not in ``ks``); ``rows`` must have an up edge on some side of each zero in ``ks``.
    """
    d = has.shape[1]
    hr = has[rows]  # (n, d, 2)
    per = hr[:, :, 0].astype(np.int64) + hr[:, :, 1]
    src = np.arange(rows.size)  # row of hr behind each choice
    sigma = np.zeros((rows.size, d), dtype=np.int8)
    for kk in ks:
        reps = per[src, kk]
        s_k = np.where(hr[src, kk, 0], 1, -1).astype(np.int8)
        if np.any(reps == 2):  # a line bending at the vertex: two cells
            src = np.repeat(src, reps)
            sigma = np.repeat(sigma, reps, axis=0)
            s_k = np.repeat(s_k, reps)
            starts = np.cumsum(reps) - reps
            s_k[(starts + 1)[reps == 2]] = -1
        sigma[:, kk] = s_k
    return rows[src], sigma


def _adjacency(sk: _Skeleton, low: _Lowest, hashes: np.ndarray) -> IntArray:
    """Pairs ``i < j`` of regions sharing a facet, by the lowest-vertex rule for facets.

    A facet lies on one neuron's hyperplane ``j`` (generic position); it is a convex
    ``(d-1)``-polytope, so it has one lowest vertex ``v``, where its cone is spanned by up
    edges along the lines that stay on ``j`` (one side choice per other zero of ``v``).  The
    two regions across it are the cells at ``v`` with those choices and either sign at ``j``;
    they are found among the regions by their sign-vector hashes (``hashes``, in region order).
    """
    N, d, ndom = sk.N, sk.d, sk.ndom
    has: BoolArray = np.asarray(low.nb[:N] >= 0)
    up_any: BoolArray = np.asarray(has.any(axis=2))
    order = np.argsort(hashes)
    sorted_h = hashes[order]
    pairs = []
    for kj in range(d):
        others = [k for k in range(d) if k != kj]
        ok = np.asarray(sk.Zp[:N, kj] >= ndom)
        if others:
            ok = ok & np.all(up_any[:, others], axis=1)
        V, sigma = _choices(has, np.flatnonzero(ok), others)
        base = sk.Hv[V] + (sk.w[sk.Zp[V]] * sigma).sum(axis=1)
        wj = sk.w[sk.Zp[V, kj]]
        ends = []
        for h in (base + wj, base - wj):
            at = np.searchsorted(sorted_h, h)
            at = np.minimum(at, sorted_h.size - 1)
            if np.any(sorted_h[at] != h):
                raise _Degenerate("a facet's neighbouring cell is not among the regions")
            ends.append(order[at])
        pairs.append(np.stack([np.minimum(*ends), np.maximum(*ends)], axis=1))
    allp = np.concatenate(pairs) if pairs else np.zeros((0, 2), dtype=np.int64)
    uniq = np.unique(allp, axis=0)
    if uniq.shape[0] != allp.shape[0]:
        raise _Degenerate("two regions share more than one facet")
    return np.asarray(uniq, dtype=np.int64)


def _cell_hashes(sk: _Skeleton, low: _Lowest) -> np.ndarray:
    """Hashes of the cells' sign vectors (the vertex's, its zeros set to ``sigma``)."""
    return np.asarray(sk.Hv[low.V] + (sk.w[sk.Zp[low.V]] * low.sigma).sum(axis=1), dtype=np.int64)


def _cell_signs(sk: _Skeleton, low: _Lowest, ncols: int) -> np.ndarray:
    """The cells' full sign vectors ``(n, ncols)``."""
    n = low.V.size
    cell = sk.S[low.V, :ncols]
    cell[np.arange(n)[:, None], sk.Zp[low.V]] = low.sigma
    return cell


def _simplices(sk: _Skeleton, low: _Lowest) -> tuple[FloatArray, FloatArray]:
    """Incentre and inradius of each cell's simplex (its lowest vertex and ``d`` up neighbours).

    The simplex lies in the cell, so its inradius is a lower bound on the cell's and its
    incentre an interior point.  With ``M = [p_i - p_0]`` (rows), the barycentric gradients
    are the columns of ``M^{-1}`` (and minus their sum); the inradius is
    ``1 / sum_i |grad lambda_i|`` and the incentre ``sum_i |grad lambda_i| p_i / sum_i |grad lambda_i|``.
    """
    V, sigma, d = low.V, low.sigma, sk.d
    n = V.size
    flat = low.nb.reshape(-1)
    U = flat[V[:, None] * (2 * d) + 2 * np.arange(d)[None, :] + (sigma < 0)]  # (n, d) neighbours
    P0 = sk.X[V]
    Pn = sk.X[U]
    D = Pn - P0[:, None, :]  # rows p_i - p_0
    ok = np.ones(n, dtype=bool)
    try:
        Minv = np.linalg.inv(D)
    except np.linalg.LinAlgError:  # a flat simplex (it then certifies nothing)
        ok = np.abs(np.linalg.det(D)) > 0
        Minv = np.zeros_like(D)
        Minv[ok] = np.linalg.inv(D[ok])
    norms = np.empty((n, d + 1))
    g0 = Minv.sum(axis=2)  # minus the gradient of lambda_0
    norms[:, 0] = np.sqrt(np.einsum("ij,ij->i", g0, g0))
    norms[:, 1:] = np.sqrt(np.einsum("nji,nji->ni", Minv, Minv))
    total = norms.sum(axis=1)
    safe = np.where(ok & (total > 0), total, 1.0)
    radii = np.where(ok, 1.0 / safe, 0.0)
    points = (norms[:, :1] * P0 + np.einsum("ni,nij->nj", norms[:, 1:], Pn)) / safe[:, None]
    if not np.all(ok):
        points[~ok] = (P0[~ok] + Pn[~ok].sum(axis=1)) / (d + 1)
    return points, radii


def _patterns_at(net: Network, points: FloatArray) -> BoolArray:
    """Activation patterns ``(n, neurons)`` at ``points`` (a forward pass)."""
    if net.num_neurons == 0:
        return np.zeros((len(points), 0), dtype=bool)
    return np.asarray(net.pattern_vector(points), dtype=bool).reshape(len(points), net.num_neurons)


#: regions whose pattern a forward pass re-checks (evenly spread; all when fewer)
ORACLE_SAMPLE = 4096


def _count(
    sk: _Skeleton, net: Network, scale: float, adjacency: bool = False
) -> tuple[BoolArray, FloatArray, dict[str, Any], IntArray | None]:
    """Regions by the lowest-vertex rule, with the certificate checks."""
    N, d, ndom = sk.N, sk.d, sk.ndom
    ncols = sk.S.shape[1]
    e0, e1 = sk.E0[: sk.ne], sk.E1[: sk.ne]
    # locally a simple arrangement at every vertex: along each of its d lines one edge on
    # either side of the dropped hyperplane (only the inner side for a domain row)
    slots = np.concatenate([e0 * (2 * d) + sk.C0[: sk.ne], e1 * (2 * d) + sk.C1[: sk.ne]])
    used = np.bincount(slots, minlength=N * 2 * d).reshape(N, d, 2)
    if (
        N
        and (int(used.max()) > 1 or int(used[:, :, 0].min()) < 1)
        or not np.array_equal(used[:, :, 1], sk.Zp[:N] >= ndom)
    ):
        raise _Degenerate("a vertex's edges do not leave each of its hyperplanes once on each side")
    X = sk.X[:N]
    diam = float(np.max(X.max(axis=0) - X.min(axis=0))) if N else 0.0
    for attempt in range(4):
        c = _generic_direction(d, attempt)
        height = X @ c
        slope = height[e1] - height[e0]
        near = np.flatnonzero(np.abs(slope) <= 1e-9 * diam)  # only these need their lengths
        if near.size == 0 or np.all(
            np.abs(slope[near]) > 1e-9 * np.linalg.norm(X[e1[near]] - X[e0[near]], axis=1)
        ):
            break
    else:
        raise _Degenerate("no generic direction found (an edge is orthogonal to every one tried)")
    low = _lowest(sk, slope > 0)
    high = _lowest(sk, slope < 0)
    n = low.V.size
    hashes = _cell_hashes(sk, low)
    a, b = np.sort(hashes), np.sort(_cell_hashes(sk, high))
    if high.V.size != n or not np.array_equal(a, b):
        raise _Degenerate(
            f"lowest vertices give {n} regions, highest vertices {high.V.size} (or other cells)"
        )
    if np.any(a[1:] == a[:-1]):
        raise _Degenerate("two lowest-vertex cells have the same sign vector")
    signs = _cell_signs(sk, low, ncols)
    if np.any(signs[:, :ndom] <= 0) or np.any(signs == 0):
        raise _Degenerate("a lowest-vertex cell lies outside the domain or on a hyperplane")
    patterns = signs[:, ndom:] > 0
    points, radius = _simplices(sk, low)
    min_radius = float(radius.min()) if n else 0.0
    if n and min_radius <= RADIUS_MARGIN * RADIUS_TOL * scale:
        raise _Degenerate(f"a region's certified inradius {min_radius:.3g} is at the resolution limit")
    check = np.unique(np.linspace(0, max(n - 1, 0), min(n, ORACLE_SAMPLE)).astype(np.int64))
    oracle = _patterns_at(net, points[check])
    if not np.array_equal(oracle, patterns[check]):
        raise _Degenerate("a forward pass at an interior point disagrees with the skeleton's pattern")
    certificate = {
        "vertices": int(N),
        "edges": int(sk.ne),
        "lowest_vertex_regions": int(n),
        "highest_vertex_regions": int(high.V.size),
        "same_cells_both_directions": True,
        "vertices_locally_simple": True,
        "forward_pass_checked": int(check.size),
        "forward_pass_agrees": True,
        "min_certified_inradius": min_radius,
        "radius_threshold": RADIUS_MARGIN * RADIUS_TOL * scale,
    }
    pairs = None
    if adjacency:
        pairs = _adjacency(sk, low, hashes)
        certificate["interior_facets"] = int(pairs.shape[0])
    return patterns, points, certificate, pairs


# --------------------------------------------------------------------------- engine
def _build(
    net: Network, G: FloatArray, h: FloatArray, *, budget: Budget, progress: Any
) -> tuple[_Skeleton, int, bool]:
    """The skeleton after every neuron (or as far as the budget allowed); ``(sk, cols, complete)``."""
    layers = list(net.activated_layers)
    if len(layers) < len(net.layers) - 1:
        raise _Degenerate("a hidden layer without activation (not supported: uses lp)")
    nneur = int(sum(L.width for L in layers))
    sk, ndom = _domain(G, h, nneur)
    col = ndom
    slope_prev = 0.0
    affine = True  # no neuron has cut the domain yet: the next layer is affine on it
    for li, L in enumerate(layers):
        W, b, slope = np.asarray(L.weight), np.asarray(L.bias), float(L.slope)  # type: ignore[arg-type]
        if li > 0:
            Zv = sk.Z[:, : sk.N]
            H = np.where(Zv > 0, Zv, slope_prev * Zv)
        else:
            H = np.ascontiguousarray(sk.X[: sk.N].T)
        sk.start_layer(W, b, H)
        cut_here = False
        for j in range(L.width):
            if budget.stop:
                return sk, col, False
            vals = sk.Z[j, : sk.N]
            if affine and sk.N:
                hi, lo = float(vals.max()), float(vals.min())
                if not (hi > sk.tol[j] and lo < -sk.tol[j]):
                    # no earlier layer cut the domain, so this neuron is affine on it (convex);
                    # of one sign (or zero) at its vertices, its zero set is a face of the
                    # domain (or all of it): it cuts nothing and has one sign inside
                    # (identically zero: inactive)
                    sk.constant(col, 1 if hi > sk.tol[j] else -1)
                    sk.constants += 1
                    col += 1
                    if progress is not None:
                        progress.update(1)
                    continue
            if sk.N and np.abs(vals).min() <= sk.tol[j]:
                raise _Degenerate(
                    f"neuron {j} of activated layer {li} is zero at a vertex (a hyperplane through a vertex, "
                    "a duplicate neuron or one constant zero on a cell)"
                )
            sk.cut(col, vals, j, clip=False)
            cut_here = True
            col += 1
            if progress is not None:
                progress.update(1)
        slope_prev = slope
        affine = affine and not cut_here
    return sk, col, True


def _partial(sk: _Skeleton, cols: int, net: Network) -> EngineResult:
    """A stopped run: full patterns at the interior points of the cells built so far."""
    d = sk.d
    try:
        height = sk.X[: sk.N] @ _generic_direction(d, 0)
        low = _lowest(sk, height[sk.E1[: sk.ne]] > height[sk.E0[: sk.ne]])
        points, radii = _simplices(sk, low)
        pts = points[radii > 0]
    except Exception:  # noqa: BLE001 - a partial result must never raise
        pts = np.zeros((0, d))
    pats = _patterns_at(net, pts)
    if len(pats):
        _, idx = np.unique(np.packbits(pats, axis=1), axis=0, return_index=True)
        idx = np.sort(idx)
        pats, pts = pats[idx], pts[idx]
    return EngineResult(
        patterns=pats, points=pts, complete=False, exact=False,
        details={"vertices_when_stopped": int(sk.N), "hyperplanes_added": int(cols - sk.ndom)},
    )


def skeleton_serial(
    net: Network, G: FloatArray, h: FloatArray, *, budget: Budget, options: dict[str, Any]
) -> EngineResult:
    """Exact activation regions of ``net`` (chart coordinates) on the polytope ``{t : G t <= h}``."""
    G = np.asarray(G, dtype=np.float64)
    h = np.asarray(h, dtype=np.float64)
    d = net.input_dim
    if d < 2:
        raise DomainError("the skeleton engine works on domains of dimension >= 2 (use geometric in 1-D)")
    if d > MAX_DIM:
        raise DomainError(f"the skeleton engine works on domains of dimension <= {MAX_DIM}, this one has {d}")
    if options.get("_scale"):  # a cell of a larger domain: that domain's tolerance scale
        scale = float(options["_scale"])
    elif np.all(axis_rows(G)):  # a box: its Chebyshev radius is its smallest half-width
        lo, hi = bounding_box(G, h)
        scale = float(np.min(hi - lo)) / 2.0
    else:
        _, scale = domain_scale(G, h)
    bar = progress_bar(
        net.num_neurons, desc="skeleton: neurons", unit=" neurons", enabled=options.get("progress")
    )
    try:
        with bar:
            sk, cols, complete = _build(net, G, h, budget=budget, progress=bar)
            if not complete:
                return _partial(sk, cols, net)
            patterns, points, certificate, pairs = _count(sk, net, scale, bool(options.get("adjacency")))
    except _Degenerate as exc:
        if options.get("_cell") or options.get("adjacency"):
            return _fallback(net, G, h, budget, options, str(exc))
        return _cells_fallback(net, G, h, budget, options, str(exc), scale)
    details = {
        "vertices": int(sk.N),
        "edges": int(sk.ne),
        "edge_splits": int(sk.splits),
        "constant_neurons": int(sk.constants),
        "zero_rtol": ZERO_RTOL,
        "general_position": True,
    }
    return EngineResult(
        patterns=patterns,
        points=points,
        complete=True,
        exact=True,
        certificate=certificate,
        details=details,
        adjacency=pairs,
    )


#: first-layer hyperplanes that split a degenerate domain (2^CELL_SPLITS cells at most)
CELL_SPLITS = 3


def _cells_fallback(
    net: Network, G: FloatArray, h: FloatArray, budget: Budget, options: dict[str, Any], reason: str,
    scale: float,
) -> EngineResult:
    """A degenerate domain: split it by a few first-layer hyperplanes (which cut no region) and
    run the skeleton on each cell; only the cells that are degenerate themselves go to ``lp``.
    The regions are merged by pattern (each lies in exactly one cell)."""
    from ._parallel import _merge, split_cells

    if not net.activated_layers:
        return _fallback(net, G, h, budget, options, reason)
    cells = split_cells(net, G, h, pieces=2**CELL_SPLITS, scale=scale)
    if len(cells) <= 1:
        return _fallback(net, G, h, budget, options, reason)
    sub = {**options, "_cell": True, "_scale": scale, "progress": False}
    results = []
    for Gc, hc in cells:
        results.append(skeleton_serial(net, Gc, hc, budget=budget, options=sub))
        if budget.stop:
            break
    merged = _merge(results, len(cells), 0, net.num_neurons, net.input_dim)
    on_lp = sum("fallback" in r.details for r in results)
    details = {
        **merged.details,
        "fallback": (
            f"lp: {reason} (lp on {on_lp} of {len(cells)} first-layer cells, the skeleton on the others)"
        ),
        "fallback_cells": on_lp,
        "general_position": False,
    }
    return dataclasses.replace(merged, details=details)


def _fallback(
    net: Network, G: FloatArray, h: FloatArray, budget: Budget, options: dict[str, Any], reason: str
) -> EngineResult:
    """Run ``lp`` on the domain (exact on degenerate nets) and say why."""
    from ._lp import lp_engine

    opts = {k: v for k, v in options.items() if k not in ("workers", "executor")}
    res = lp_engine(net, G, h, budget=budget, options=opts)
    details = {**res.details, "fallback": f"lp: {reason}", "general_position": False}
    return dataclasses.replace(res, details=details)


skeleton_engine = serial_or_parallel(skeleton_serial)


ENGINES.add(
    "skeleton",
    EngineInfo(
        skeleton_engine,
        exact=True,
        max_dim=MAX_DIM,
        needs_bounded=True,
        parallel=True,
        description=(
            "vertex/edge skeleton split neuron by neuron, lowest-vertex counting, no LPs "
            "(bounded domains, 2 <= d <= 8; degenerate positions handed to lp)"
        ),
    ),
)
