"""Batched convex pieces (intervals in 1-D, polygons in 2-D) split neuron by neuron.

This is the kernel of the ``geometric`` engine (Hanin & Rolnick 2019, Appendix A):
the pieces of a window are kept in padded arrays and *every* piece that a neuron cuts
is split in the same few NumPy operations, instead of one polygon at a time.

Representation
--------------
2-D points are complex numbers ``x + iy`` (half the NumPy calls of separate
coordinates).  ``Z`` ``(P, M)`` holds the vertices counter-clockwise, rows padded with
copies of the first vertex (so padded edges have length zero and shoelace sums need no
mask); ``n`` ``(P,)`` the vertex counts; ``E`` ``(P, M)`` the *label* of the edge from
vertex ``i`` to ``i + 1``.  1-D pieces are intervals: ``Z`` ``(P, 2)`` holds
``lo, hi`` (real parts) and ``E`` the labels of the two end points.  A label ``>= 0``
is a *chord* id: one split of one piece by one neuron; both halves get edges with that
id, so adjacent pieces are found by matching chords.  Labels ``< 0`` are the window's
or the domain's boundary.  An affine function ``a . u + c`` is stored as the complex
``a = a_x + i a_y`` and ``c``; its value at ``z`` is ``Re(conj(a) z) + c``.

Every piece also keeps a centre and a radius (all vertices lie within it): a neuron can
only cut pieces with ``|z(centre)| <= |a| radius``, so vertex values are computed for
those candidates only and a neuron costs ``O(P)`` cheap operations plus the work on the
pieces it cuts.

Tolerances (see :mod:`relu_regions.regions._geometric`): a vertex is *on* a neuron's
zero line when ``|z| <= tol`` (``tol`` from the magnitude of the terms that make up
``z``), and a split is kept only when both halves have an inradius estimate
``2 * area / perimeter`` (half the length in 1-D) above ``radius_tol``; otherwise the
piece stays whole and takes the sign of its larger half.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .._typing import BoolArray, FloatArray, IntArray

__all__ = ["Partition", "split_polygons", "polygon_area_perimeter", "WINDOW_LABEL"]

ComplexArray = npt.NDArray[np.complex128]

#: Label of the window's own edges (the box or face the pieces live in).
WINDOW_LABEL = -(2**40)


def _next(M: int) -> IntArray:
    nxt = np.arange(1, M + 1)
    nxt[-1] = 0
    return nxt


def polygon_area_perimeter(Z: ComplexArray) -> tuple[FloatArray, FloatArray]:
    """Signed area (ccw positive) and perimeter of padded polygons ``(P, M)`` (complex)."""
    nxt = _next(Z.shape[1])
    d = Z - Z[:, :1]
    area = 0.5 * (np.conj(d) * d[:, nxt]).imag.sum(axis=1)
    perim = np.abs(Z[:, nxt] - Z).sum(axis=1)
    return area, perim


def polygon_centroids(Z: ComplexArray, area: FloatArray) -> ComplexArray:
    """Area centroids of padded convex polygons (complex) with areas ``area``."""
    nxt = _next(Z.shape[1])
    d = Z - Z[:, :1]
    cross = (np.conj(d) * d[:, nxt]).imag
    return ((d + d[:, nxt]) * cross).sum(axis=1) / (6.0 * area) + Z[:, 0]


def _vertex_mean(Z: ComplexArray, n: IntArray) -> ComplexArray:
    """Mean of the first ``n`` vertices of padded rows (pads repeat vertex 0)."""
    return (Z.sum(axis=1) - (Z.shape[1] - n) * Z[:, 0]) / n


def _compact(pts: ComplexArray, labels: IntArray, keep: BoolArray) -> tuple[ComplexArray, IntArray, IntArray]:
    """Keep the ``keep`` slots of each row in order; pad with the row's first vertex."""
    counts = keep.sum(axis=1)
    width = max(int(counts.max()), 1)
    rows, cols = np.nonzero(keep)
    dest = (np.cumsum(keep, axis=1) - 1)[rows, cols]
    S = pts.shape[0]
    Z = np.empty((S, width), dtype=np.complex128)
    E = np.full((S, width), WINDOW_LABEL, dtype=np.int64)
    Z[rows, dest] = pts[rows, cols]
    E[rows, dest] = labels[rows, cols]
    pad = np.arange(width)[None, :] >= counts[:, None]
    return np.where(pad, Z[:, :1], Z), counts, E


def split_polygons(
    Z: ComplexArray, n: IntArray, E: IntArray, f: FloatArray, s: Any, chord: IntArray
) -> list[tuple[ComplexArray, IntArray, IntArray]]:
    """Split convex polygons by the zero lines of affine functions.

    Parameters
    ----------
    Z, n, E:
        Padded polygons ``(S, M)`` (complex vertices), vertex counts ``(S,)``, edge
        labels ``(S, M)``.
    f:
        The function's values at the vertices ``(S, M)``; it is affine, so the cut
        points are found by linear interpolation along the edges whose ends differ in sign.
    s:
        The signs ``(S, M)`` in ``{-1, 0, 1}`` after the zero tolerance.
    chord:
        ``(S,)`` label of the new edge in each polygon.

    Returns
    -------
    ``[(Z, n, E) where s >= 0, (Z, n, E) where s <= 0]`` (Sutherland-Hodgman for one
    half-plane, both halves of all polygons at once).
    """
    S, M = s.shape
    nxt = _next(M)
    s_next = s[:, nxt]
    valid = np.arange(M)[None, :] < n[:, None]
    cross = (s * s_next) < 0
    lam = np.where(cross, f / np.where(cross, f - f[:, nxt], 1.0), 0.0)
    pts = np.empty((S, 2 * M), dtype=np.complex128)
    pts[:, 0::2] = Z
    pts[:, 1::2] = Z + lam * (Z[:, nxt] - Z)
    ch = chord[:, None]
    zero = s == 0
    out = []
    keep = np.empty((S, 2 * M), dtype=bool)
    lab = np.empty((S, 2 * M), dtype=np.int64)
    keep[:, 1::2] = cross
    for sign in (1, -1):
        keep[:, 0::2] = valid & (s * sign >= 0)
        lab[:, 0::2] = np.where(zero & (s_next * sign < 0), ch, E)
        lab[:, 1::2] = np.where(s_next * sign > 0, E, ch)
        out.append(_compact(pts, lab, keep))
    return out


class Partition:
    """A growable batch of convex pieces of one window with their activation bits.

    Per-piece arrays have a capacity that doubles when full, so appending the new
    halves of a split costs time proportional to the number of new pieces only.

    Parameters
    ----------
    V0:
        The window: ccw polygon ``(m, 2)`` or interval ``(2, 1)``.
    E0:
        Labels of its edges (of its end points in 1-D).
    num_bits:
        Number of neurons (pattern length).
    radius_tol, radius_rel:
        A piece centred at ``u`` needs an inradius estimate above
        ``radius_tol + radius_rel * |u|``.
    track_chords:
        Record each chord's line (needed for adjacency only).
    """

    # per-piece arrays -> axis of their capacity dimension
    _FIELDS = {
        "Z": 0, "n": 0, "E": 0, "measure": 0, "C": 0, "Rr": 0, "B": 0, "A": 1, "c": 1, "T0": 1, "T1": 1
    }

    def __init__(
        self, V0: FloatArray, E0: IntArray, num_bits: int, radius_tol: float, *, radius_rel: float = 0.0,
        track_chords: bool = False,
    ) -> None:
        V0 = np.asarray(V0, dtype=np.float64)
        self.k = int(V0.shape[-1])
        self.radius_tol = float(radius_tol)
        self.radius_rel = float(radius_rel)
        self.track_chords = track_chords
        self.P = 1
        if self.k == 2:
            self.Z = (V0[:, 0] + 1j * V0[:, 1])[None, :]
            self.measure = polygon_area_perimeter(self.Z)[0]
        else:
            lo, hi = sorted(V0.reshape(2))
            self.Z = np.array([[lo, hi]], dtype=np.complex128)
            self.measure = np.array([hi - lo])
        self.n = np.array([self.Z.shape[1]])
        self.E = np.asarray(E0, dtype=np.int64).reshape(1, -1).copy()
        self.maxn = int(self.n[0])
        self.C = np.zeros(1, dtype=np.complex128)
        self.Rr = np.zeros(1)
        self._set_centres(np.array([0]))
        self.B = np.zeros((1, num_bits), dtype=bool)
        self.A = np.zeros((0, 1), dtype=np.complex128)
        self.c = np.zeros((0, 1))
        self.T0 = np.zeros((0, 1))
        self.T1 = np.zeros((0, 1))
        self.chords: list[tuple[ComplexArray, ComplexArray, IntArray]] = []
        self.num_chords = 0
        self.splits = 0
        self.rejected = 0

    # ------------------------------------------------------------------ storage
    def _reserve(self, extra: int) -> None:
        need = self.P + extra
        cap = self.Z.shape[0]
        if need <= cap:
            return
        new_cap = max(need, 2 * cap, 64)
        for name, axis in self._FIELDS.items():
            old = getattr(self, name)
            if axis == 0:
                new = np.empty((new_cap, *old.shape[1:]), dtype=old.dtype)
                new[: self.P] = old[: self.P]
            else:
                new = np.empty((old.shape[0], new_cap), dtype=old.dtype)
                new[:, : self.P] = old[:, : self.P]
            setattr(self, name, new)

    def _widen(self, width: int) -> None:
        old = self.Z.shape[1]
        if width <= old:
            return
        width = max(width, old + 4)
        cap = self.Z.shape[0]
        Z = np.empty((cap, width), dtype=np.complex128)
        Z[:, :old] = self.Z
        Z[:, old:] = self.Z[:, :1]
        E = np.full((cap, width), WINDOW_LABEL, dtype=np.int64)
        E[:, :old] = self.E
        self.Z, self.E = Z, E

    def _set_centres(self, rows: IntArray) -> None:
        if self.k == 1:
            lo, hi = self.Z[rows, 0].real, self.Z[rows, 1].real
            self.C[rows] = 0.5 * (lo + hi)
            self.Rr[rows] = 0.5 * (hi - lo)
            return
        n = self.n[rows]
        Z = self.Z[rows, : int(n.max())]
        C = _vertex_mean(Z, n)
        self.C[rows] = C
        self.Rr[rows] = np.abs(Z - C[:, None]).max(axis=1)

    def set_layer(self, A: ComplexArray, c: FloatArray, tol0: FloatArray, tol1: FloatArray) -> None:
        """Install the current layer's pre-activation maps, neuron-major: ``A``, ``c`` ``(n_l, P)``.

        ``A`` holds the gradients as complex numbers (real in 1-D).  The zero tolerance of
        neuron ``j`` at a vertex ``u`` is ``tol0 + tol1 * |u|`` (``(n_l, P)`` each):
        round-off grows with ``|u|``.
        """
        cap = self.Z.shape[0]
        P = self.P
        nl = c.shape[0]
        self.A = np.empty((nl, cap), dtype=np.complex128)
        self.c = np.empty((nl, cap))
        self.T0 = np.empty((nl, cap))
        self.T1 = np.empty((nl, cap))
        self.A[:, :P] = A
        self.c[:, :P] = c
        self.T0[:, :P] = tol0
        self.T1[:, :P] = tol1

    def hidden_maps(self, first: int, last: int, slope: float) -> tuple[ComplexArray, FloatArray]:
        """The post-activation maps ``h = D_s z`` of the current layer, ``(n_l, P)`` each."""
        P = self.P
        d = np.where(self.B[:P, first:last].T, 1.0, slope)
        return d * self.A[:, :P], d * self.c[:, :P]

    # ------------------------------------------------------------------ views
    @property
    def bits(self) -> BoolArray:
        """Activation bits ``(P, num_bits)`` of the pieces."""
        return self.B[: self.P]

    @property
    def width(self) -> int:
        return self.maxn

    def vertices(self) -> FloatArray:
        """Padded vertices ``(P, M, k)``."""
        Z = self.Z[: self.P, : self.width]
        if self.k == 1:
            return Z.real[..., None].copy()
        return np.stack([Z.real, Z.imag], axis=2)

    # ------------------------------------------------------------------ splitting
    def split(self, j: int, bit: int) -> int:
        """Split every piece that neuron ``j`` (of the current layer) cuts; set ``bit``.

        Returns the number of new pieces.
        """
        P = self.P
        a = self.A[j, :P]
        fc = (np.conj(a) * self.C[:P]).real + self.c[j, :P]
        self.B[:P, bit] = fc > 0
        t0 = self.T0[j, :P]
        t1 = self.T1[j, :P]
        Rr = self.Rr[:P]
        cand = np.flatnonzero(np.abs(fc) <= np.abs(a) * Rr * (1 + 1e-9) + t0 + t1 * (np.abs(self.C[:P]) + Rr))
        if cand.size == 0:
            return 0
        w = int(self.n[cand].max())
        Z = self.Z[cand, :w]
        f = (np.conj(a[cand, None]) * Z).real + self.c[j, cand, None]
        t = t0[cand, None] + t1[cand, None] * np.abs(Z)
        pos = f > t
        neg = f < -t
        anypos = pos.any(axis=1)
        self.B[cand, bit] = anypos
        m = anypos & neg.any(axis=1)
        if not m.any():
            return 0
        cut = cand[m]
        s = pos[m].astype(np.int8) - neg[m].astype(np.int8)
        if self.k == 2:
            return self._split2(cut, f[m], s, a[cut], self.c[j, cut], bit)
        return self._split1(cut, f[m], s, bit)

    def _accept(
        self, cut: IntArray, r_pos: FloatArray, r_neg: FloatArray, m_pos: FloatArray, m_neg: FloatArray,
        bit: int, where: tuple[Any, Any] = (0.0, 0.0),
    ) -> BoolArray:
        """Keep the splits whose halves (centred at ``where``) are both wide enough."""
        tp = self.radius_tol + self.radius_rel * np.abs(where[0])
        tn = self.radius_tol + self.radius_rel * np.abs(where[1])
        ok = (r_pos > tp) & (r_neg > tn)
        if not ok.all():
            # one side is a sliver: the piece stays whole, with the larger side's sign
            bad = ~ok
            self.B[cut[bad], bit] = m_pos[bad] >= m_neg[bad]
            self.rejected += int(bad.sum())
        return ok

    def _append_rows(self, parents: IntArray) -> IntArray:
        k = parents.size
        self._reserve(k)
        new = np.arange(self.P, self.P + k)
        self.B[new] = self.B[parents]
        self.A[:, new] = self.A[:, parents]
        self.c[:, new] = self.c[:, parents]
        self.T0[:, new] = self.T0[:, parents]
        self.T1[:, new] = self.T1[:, parents]
        self.P += k
        return new

    def _chords(self, cut: IntArray, origin: Any, direction: Any, bit: int) -> IntArray:
        """Ids for the chords of ``cut`` (recorded for all, so ids stay consecutive)."""
        ids = self.num_chords + np.arange(cut.size, dtype=np.int64)
        self.num_chords += cut.size
        if self.track_chords:
            self.chords.append((origin(), direction(), np.full(cut.size, bit, dtype=np.int64)))
        return ids

    def _split2(self, cut: IntArray, f: FloatArray, s: Any, a: ComplexArray, c: FloatArray, bit: int) -> int:
        w = f.shape[1]

        def origin() -> ComplexArray:  # the point of the zero line {Re(conj(a) u) + c = 0} nearest the centre
            m = self.C[cut]
            return m - ((np.conj(a) * m).real + c) * a / (a * np.conj(a)).real

        chord = self._chords(cut, origin, lambda: 1j * a / np.abs(a), bit)
        halves = split_polygons(self.Z[cut, :w], self.n[cut], self.E[cut, :w], f, s, chord)
        (Zp, np_, Ep), (Zn, nn, En) = halves
        ap, pp = polygon_area_perimeter(Zp)
        an, pn = polygon_area_perimeter(Zn)
        rp = 2.0 * ap / np.maximum(pp, 1e-300)
        rn = 2.0 * an / np.maximum(pn, 1e-300)
        where: tuple[Any, Any] = (0.0, 0.0)
        if self.radius_rel:
            where = (_vertex_mean(Zp, np_), _vertex_mean(Zn, nn))
        ok = self._accept(cut, rp, rn, ap, an, bit, where)
        if not ok.all():
            if not ok.any():
                return 0
            cut, np_, Ep, nn, En = cut[ok], np_[ok], Ep[ok], nn[ok], En[ok]
            Zp, Zn, ap, an = Zp[ok], Zn[ok], ap[ok], an[ok]
        self._widen(max(Zp.shape[1], Zn.shape[1]))
        new = self._append_rows(cut)
        W = self.Z.shape[1]
        for rows, Zc, nc, Ec, ac in ((cut, Zp, np_, Ep, ap), (new, Zn, nn, En, an)):
            wc = Zc.shape[1]
            self.Z[rows, :wc] = Zc
            self.E[rows, :wc] = Ec
            if wc < W:
                self.Z[rows, wc:] = Zc[:, :1]
                self.E[rows, wc:] = WINDOW_LABEL
            self.n[rows] = nc
            self.measure[rows] = ac
            self.maxn = max(self.maxn, int(nc.max()))
        self.B[cut, bit] = True
        self.B[new, bit] = False
        self._set_centres(np.concatenate([cut, new]))
        self.splits += int(cut.size)
        return int(cut.size)

    def _split1(self, cut: IntArray, f: FloatArray, s: Any, bit: int) -> int:
        lo = self.Z[cut, 0].real
        hi = self.Z[cut, 1].real
        root = np.clip(lo + (hi - lo) * f[:, 0] / (f[:, 0] - f[:, 1]), lo, hi)
        chord = self._chords(
            cut, lambda: root.astype(np.complex128), lambda: np.ones(cut.size, np.complex128), bit
        )
        lo_pos = s[:, 0] > 0
        len_lo, len_hi = root - lo, hi - root
        m_pos = np.where(lo_pos, len_lo, len_hi)
        m_neg = np.where(lo_pos, len_hi, len_lo)
        mid_lo, mid_hi = 0.5 * (lo + root), 0.5 * (root + hi)
        where = (np.where(lo_pos, mid_lo, mid_hi), np.where(lo_pos, mid_hi, mid_lo))
        ok = self._accept(cut, m_pos / 2, m_neg / 2, m_pos, m_neg, bit, where)
        if not ok.any():
            return 0
        cut, lo, hi, root, lo_pos, chord = (x[ok] for x in (cut, lo, hi, root, lo_pos, chord))
        E = self.E[cut].copy()
        new = self._append_rows(cut)
        # the parent's row keeps the positive side, the new row the negative side
        self.Z[cut, 0] = np.where(lo_pos, lo, root)
        self.Z[cut, 1] = np.where(lo_pos, root, hi)
        self.Z[new, 0] = np.where(lo_pos, root, lo)
        self.Z[new, 1] = np.where(lo_pos, hi, root)
        self.E[cut, 0] = np.where(lo_pos, E[:, 0], chord)
        self.E[cut, 1] = np.where(lo_pos, chord, E[:, 1])
        self.E[new, 0] = np.where(lo_pos, chord, E[:, 0])
        self.E[new, 1] = np.where(lo_pos, E[:, 1], chord)
        self.n[new] = 2
        both = np.concatenate([cut, new])
        self.measure[both] = (self.Z[both, 1] - self.Z[both, 0]).real
        self.B[cut, bit] = True
        self.B[new, bit] = False
        self._set_centres(both)
        self.splits += int(cut.size)
        return int(cut.size)

    # ------------------------------------------------------------------ results
    def centroids(self) -> FloatArray:
        """A point ``(P, k)`` in the interior of every piece (area centroid; midpoint in 1-D)."""
        P = self.P
        if self.k == 2:
            c = polygon_centroids(self.Z[:P, : self.width], self.measure[:P])
            return np.stack([c.real, c.imag], axis=1)
        return self.C[:P].real[:, None].copy()

    def vertex_list(self) -> list[FloatArray]:
        """Each piece's vertices ``(n_i, k)`` (ccw in 2-D; ``[lo, hi]`` in 1-D)."""
        V = self.vertices()
        return [V[i, : self.n[i]].copy() for i in range(self.P)]

    def chord_table(self) -> tuple[FloatArray, FloatArray, IntArray]:
        """``(origin, direction, bit)`` of every chord id (``bit``: the neuron); needs ``track_chords``."""
        if not self.chords:
            return np.zeros((0, self.k)), np.zeros((0, self.k)), np.zeros(0, dtype=np.int64)
        o, d, j = (np.concatenate(x) for x in zip(*self.chords, strict=True))
        if self.k == 1:
            return o.real[:, None], d.real[:, None], j
        return np.stack([o.real, o.imag], axis=1), np.stack([d.real, d.imag], axis=1), j
