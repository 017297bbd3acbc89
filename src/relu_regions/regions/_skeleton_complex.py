"""The skeleton engine's complex: vertices, sign vectors and edges, cut neuron by neuron.

:class:`_Skeleton` holds the 1-skeleton of the arrangement inside the domain and grows it
by one neuron's bent hyperplane at a time; :func:`_domain` builds the starting complex of
the domain (a box, or a box cut by the domain's other rows).  The algorithm and its
tolerances are described in :mod:`relu_regions.regions._skeleton`.
"""

from __future__ import annotations

import numpy as np

from .._typing import BoolArray, FloatArray, IntArray
from ..exceptions import EmptyDomainError
from ._polytope import axis_rows, bounding_box

__all__ = ["ZERO_RTOL"]

#: A neuron is *on* a vertex when ``|z| <= ZERO_RTOL * (|W_j| max_v |h(v)| + |b_j|)`` there
#: (a bound on the magnitude of the terms that make up ``z`` on the skeleton): degenerate.
ZERO_RTOL = 1e-10

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
