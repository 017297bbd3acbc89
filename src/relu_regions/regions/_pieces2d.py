"""The 2-D kernel of the ``geometric`` engine: convex polygons split a layer at a time.

Same pieces, same tolerances and the same results as :class:`._partition.Partition`
(Hanin & Rolnick 2019, Appendix A; see :mod:`._geometric` for the rules), with the
bookkeeping organised around one fact: **inside a layer, every piece has the
pre-activation maps of the piece it came from at the start of the layer** (its *root*),

.. math::

    z_{l}(u) = A_{l,r} u + c_{l,r} \\quad \\text{on every piece } P \\subseteq r,

because the maps of layer ``l`` depend only on the patterns of layers ``< l``, which
the splits of layer ``l`` do not change.  Hence

* the maps are stored once per root, ``(n_l, 3, roots)``, and a split only copies a
  root index and one row of the layer's bits (not ``n_l`` maps per new piece);
* a neuron can only cut a piece whose root it cuts; which neurons may cut each root is
  decided for the whole layer at once (one ``(n_l, roots)`` test of each root's bounding
  circle against every neuron's zero line), and the other pieces take their root's sign;
* the roots are independent, so they need not wait for each other's neurons: in round
  ``t`` the descendants of *every* root are split by the ``t``-th neuron of that root's
  own list, all in one batch of NumPy operations (a layer takes as many rounds as its
  longest list, not ``n_l`` steps); each root still sees its neurons in ascending order,
  so every piece meets the same neurons in the same order as in the neuron-by-neuron
  algorithm and the results are the same, degenerate cases included;
* the next layer's maps of all pieces are two real matrix products,
  :math:`[D A_x; D A_y; D c] W^\\top` and the term magnitudes :math:`[|D A|; |D c|] |W|^\\top`
  (real, not complex: a quarter of the flops).

A piece is a row of padded arrays (complex vertices ``Z``, counts ``n``, edge labels
``E``), exactly as in :mod:`._partition`, whose helpers (the Sutherland-Hodgman
compaction, areas, centroids, chords) it reuses; so adjacency and the projective faces
work unchanged.  Parts of a layer whose roots are disjoint never interact, so
:meth:`LayerPieces.child` / :meth:`LayerPieces.next_child` hand them out one at a time
(the bounded-memory walk of :func:`._geometric_stream._stream_partition`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._typing import BoolArray, FloatArray, IntArray
from ._partition import WINDOW_LABEL, Partition, _compact, _next, _vertex_mean

__all__ = ["LayerPieces"]

#: The pieces become the queue roots again when they have grown by this factor.
REQUEUE = 2.0
#: ... or when the pieces of the roots still at work are this many per root.
CROWD = 4.0


def _norm(x: FloatArray, y: FloatArray) -> FloatArray:
    """``sqrt(x^2 + y^2)`` (several times faster than ``np.hypot``; the magnitudes here are
    tolerances and bounding radii of moderate size, the API scales every weight row to 1)."""
    return np.sqrt(x * x + y * y)  # type: ignore[no-any-return]


def _cabs(Z: Any) -> FloatArray:
    """``|Z|`` of complex ``Z`` via :func:`_norm` (``np.abs`` uses the slow ``hypot``)."""
    return _norm(Z.real, Z.imag)


def _area_perimeter(Z: Any) -> tuple[FloatArray, FloatArray]:
    """:func:`._partition.polygon_area_perimeter` with :func:`_cabs` for the edge lengths."""
    nxt = _next(Z.shape[1])
    d = Z - Z[:, :1]
    area = 0.5 * (np.conj(d) * d[:, nxt]).imag.sum(axis=1)
    return area, _cabs(Z[:, nxt] - Z).sum(axis=1)


def _halves(
    Z: Any, n: IntArray, E: IntArray, f: FloatArray, s: Any, chord: IntArray
) -> tuple[Any, IntArray, IntArray]:
    """Both halves of convex polygons cut by zero lines: rows ``:S`` where ``s >= 0``, then ``s <= 0``.

    :func:`._partition.split_polygons` (Sutherland-Hodgman for one half-plane) with the two
    halves compacted in one pass; ``f`` are the values at the vertices, ``s`` their signs
    after the zero tolerance, ``chord`` the new edge's label per polygon.
    """
    S, M = s.shape
    nxt = _next(M)
    s_next = s[:, nxt]
    valid = np.arange(M)[None, :] < n[:, None]
    cross = (s * s_next) < 0
    lam = np.where(cross, f / np.where(cross, f - f[:, nxt], 1.0), 0.0)
    pts = np.empty((2 * S, 2 * M), dtype=np.complex128)
    pts[:S, 0::2] = Z
    pts[:S, 1::2] = Z + lam * (Z[:, nxt] - Z)
    pts[S:] = pts[:S]
    ch = chord[:, None]
    zero = s == 0
    keep = np.empty((2 * S, 2 * M), dtype=bool)
    lab = np.empty((2 * S, 2 * M), dtype=np.int64)
    keep[:S, 1::2] = cross
    keep[S:, 1::2] = cross
    keep[:S, 0::2] = valid & (s >= 0)
    keep[S:, 0::2] = valid & (s <= 0)
    lab[:S, 0::2] = np.where(zero & (s_next < 0), ch, E)
    lab[S:, 0::2] = np.where(zero & (s_next > 0), ch, E)
    lab[:S, 1::2] = np.where(s_next > 0, E, ch)
    lab[S:, 1::2] = np.where(s_next < 0, E, ch)
    return _compact(pts, lab, keep)


class LayerPieces(Partition):
    """Convex pieces of a 2-D window, split a layer at a time, maps kept per layer root.

    Use: :meth:`run_layer` with the layer's maps on the current pieces, then
    :meth:`end_layer`; :meth:`next_maps` gives the next layer's maps.  Results as in
    :class:`Partition` (``bits``, ``centroids()``, ``vertex_list()``, chords, ...); its
    neuron-by-neuron ``split``/``set_layer`` are not used here.
    """

    _FIELDS = {"Z": 0, "n": 0, "E": 0, "measure": 0, "mroot": 0, "qroot": 0, "L": 0}

    def __init__(
        self, V0: FloatArray, E0: IntArray, num_bits: int, radius_tol: float, *, radius_rel: float = 0.0,
        track_chords: bool = False,
    ) -> None:
        super().__init__(V0, E0, num_bits, radius_tol, radius_rel=radius_rel, track_chords=track_chords)
        if self.k != 2:
            raise ValueError("LayerPieces is the 2-D kernel")
        self.num_bits = num_bits
        self.B = np.zeros((1, 0), dtype=bool)  # bits of the finished layers, (P0, done)
        self.mroot = np.zeros(1, dtype=np.int64)
        self.qroot = np.zeros(1, dtype=np.int64)
        self.L = np.zeros((1, 0), dtype=bool)  # bits of the current layer, (cap, n_l)
        self.P0 = 1
        self._bit0 = 0  # bits of the finished layers
        self._in_layer = False
        self.t = 0  # the round of the layer

    # ------------------------------------------------------------------ layers
    def run_layer(self, M: FloatArray, T: FloatArray, *, budget: Any, progress: Any = None) -> bool:
        """Split the pieces by every neuron of a layer; ``False`` when the budget stopped it.

        ``M`` ``(n_l, 3, P)`` holds ``a_x, a_y, c`` of :math:`z_j(u) = a \\cdot u + c` on
        each current piece, ``T`` ``(n_l, 2, P)`` the zero tolerance ``t0, t1``: a vertex
        ``u`` is on neuron ``j``'s zero line when ``|z_j(u)| <= t0 + t1 |u|`` (as in
        :meth:`Partition.set_layer`).
        """
        self.begin_layer(M, T)
        return self.run_rounds(budget, progress=progress) == "done"

    def begin_layer(self, M: FloatArray, T: FloatArray) -> None:
        """Install a layer's maps on the current pieces and each root's list of neurons.

        Each *queue root* keeps the ascending list of the neurons that may cut it (its
        bounding circle meets their zero lines); round ``t`` splits the descendants of
        every root by the ``t``-th neuron of its list, all roots in one batch.  Per root
        that is the order of the neuron-by-neuron algorithm, so the pieces are the same.
        When the pieces have grown by ``REQUEUE`` they become the queue roots (their own
        circles prune the lists further).
        """
        self._bit0 = self.B.shape[1]
        self.M, self.T = M, T
        nl = M.shape[0]
        P = self.P
        cap = self.Z.shape[0]
        self.mroot = np.arange(cap, dtype=np.int64)  # the piece whose maps a piece has
        self.L = np.empty((cap, nl), dtype=bool)
        self._in_layer = True
        # every root against every neuron's zero line
        C, R = self._circles()
        Ax, Ay, c = M[:, 0], M[:, 1], M[:, 2]
        fc = Ax * C.real + Ay * C.imag + c
        reach = _norm(Ax, Ay) * (R * (1 + 1e-9)) + T[:, 0] + T[:, 1] * (_cabs(C) + R)
        self.L[:P] = (fc > 0).T  # the sign of every neuron that cuts no root
        qp, qn = np.nonzero((np.abs(fc) <= reach).T)  # (root, neuron), root-major, ascending
        self._set_queue(qp, qn)

    def run_rounds(self, budget: Any, *, progress: Any = None, max_pieces: int | None = None) -> str:
        """Run the layer's rounds: ``"done"``, ``"stopped"`` (budget) or ``"full"``.

        ``"full"``: the pieces outgrew ``max_pieces`` and were just made the queue roots;
        :meth:`child` then hands out independent parts of the rest of the layer.
        """
        nl = self.M.shape[0]
        done = 0.0
        reported = 0
        while True:
            if budget.stop:
                return "stopped"
            # requeue when the pieces have grown, or when the roots still at work have
            # grown (a few roots with long lists would otherwise take a round per neuron)
            if self.t > 0 and (self.P >= REQUEUE * self.P0 or self._crowd >= CROWD * self._active):
                self._requeue(self.t)
                self.t = 0
                if max_pieces is not None and self.P > max_pieces:
                    return "full"
            act = self.qc > self.t
            if not act.any():
                break
            done += float(act.sum())
            self._round(self.t, act)
            self.t += 1
            if progress is not None:
                left = float(np.maximum(self.qc - self.t, 0).sum())
                now = int(nl * done / (done + left))
                if now > reported:
                    progress.update(now - reported)
                    reported = now
        if progress is not None and nl > reported:
            progress.update(nl - reported)
        return "done"

    # ------------------------------------------------------------------ independent parts
    def _blank(self, rows: IntArray) -> LayerPieces:
        """A new part holding the pieces ``rows`` (geometry only)."""
        c = LayerPieces.__new__(LayerPieces)
        c.k, c.radius_tol, c.radius_rel, c.track_chords = 2, self.radius_tol, self.radius_rel, False
        c.num_bits = self.num_bits
        c.P = c.P0 = int(rows.size)
        w = self.maxn
        c.Z = self.Z[rows, :w]
        c.E = self.E[rows, :w]
        c.n = self.n[rows]
        c.measure = self.measure[rows]
        c.maxn = int(c.n.max()) if c.P else w
        c.C = np.zeros(0, dtype=np.complex128)
        c.Rr = np.zeros(0)
        c.chords, c.num_chords, c.splits, c.rejected = [], 0, 0, 0
        c.qroot = np.arange(c.P, dtype=np.int64)
        c._in_layer = False
        return c

    def child(self, rows: IntArray) -> LayerPieces:
        """The pieces ``rows`` with the rest of their layer, after :meth:`run_rounds` said ``"full"``.

        Pieces of different queue roots never interact, so the children can be finished one
        after the other with the same result as the whole.
        """
        c = self._blank(rows)
        c.B, c.M, c.T = self.B, self.M, self.T  # shared: indexed by the layer roots
        c._bit0 = self._bit0
        c.mroot = self.mroot[rows]
        c.L = self.L[rows]
        c._in_layer = True
        cnt = self.qc[rows]
        total = int(cnt.sum())
        pp = np.repeat(np.arange(c.P), cnt)
        offs = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        c._set_queue(pp, self.qn[self.qs[rows][pp] + offs])
        return c

    def next_child(
        self, rows: IntArray, slope: float, W: FloatArray, b: FloatArray, beta: tuple[float, float, float]
    ) -> LayerPieces:
        """The pieces ``rows`` after :meth:`end_layer`, with the next layer installed."""
        M, T = self.next_maps(slope, W, b, beta, rows=rows)
        c = self._blank(rows)
        c.B = self.B[rows]
        c.begin_layer(M, T)
        return c

    def _circles(self, rows: IntArray | None = None) -> tuple[Any, FloatArray]:
        """Centre (vertex mean) and radius of the bounding circle of every piece (or of ``rows``)."""
        if rows is None:
            Z, n = self.Z[: self.P, : self.maxn], self.n[: self.P]
        else:
            n = self.n[rows]
            Z = self.Z[rows, : int(n.max(initial=1))]
        C = _vertex_mean(Z, n)
        return C, _cabs(Z - C[:, None]).max(axis=1)

    def _set_queue(self, qp: IntArray, qn: IntArray) -> None:
        P = self.P
        self.P0 = P
        self.qroot = np.arange(self.Z.shape[0], dtype=np.int64)
        self.qn = qn
        self.qc = np.bincount(qp, minlength=P)
        self.qs = np.cumsum(self.qc) - self.qc
        self.t = 0
        self._crowd = self._active = 0

    def _requeue(self, t: int) -> None:
        """The current pieces become the queue roots, each with the rest of its root's list."""
        P = self.P
        r = self.qroot[:P]
        rest = np.maximum(self.qc[r] - t, 0)
        total = int(rest.sum())
        pp = np.repeat(np.arange(P), rest)
        offs = np.arange(total) - np.repeat(np.cumsum(rest) - rest, rest)
        jj = self.qn[self.qs[r[pp]] + t + offs]
        live = np.flatnonzero(rest)  # circles of the pieces with neurons left only
        C, R = self._circles(live)
        at = np.repeat(np.arange(live.size), rest[live])
        C, R = C[at], R[at]
        mr = self.mroot[pp]
        m3 = self.M[jj, :, mr]
        t2 = self.T[jj, :, mr]
        fc = m3[:, 0] * C.real + m3[:, 1] * C.imag + m3[:, 2]
        reach = _norm(m3[:, 0], m3[:, 1]) * (R * (1 + 1e-9)) + t2[:, 0] + t2[:, 1] * (_cabs(C) + R)
        keep = np.abs(fc) <= reach
        drop = ~keep  # the piece lies on one side of the neuron's line: its sign
        self.L[pp[drop], jj[drop]] = fc[drop] > 0
        self._set_queue(pp[keep], jj[keep])

    def _round(self, t: int, act: BoolArray) -> int:
        """Split the descendants of each active queue root by the ``t``-th neuron of its list."""
        P = self.P
        cand = np.flatnonzero(act[self.qroot[:P]])
        self._crowd = cand.size
        self._active = int(np.count_nonzero(act))
        j = self.qn[self.qs[self.qroot[cand]] + t]
        mr = self.mroot[cand]
        w = int(self.n[cand].max())
        m3 = self.M[j, :, mr]  # (C, 3): a_x, a_y, c
        t2 = self.T[j, :, mr]  # (C, 2): t0, t1
        Z = self.Z[cand, :w]
        f = m3[:, 0:1] * Z.real + m3[:, 1:2] * Z.imag + m3[:, 2:3]
        tol = t2[:, 0:1] + t2[:, 1:2] * _cabs(Z)
        pos = f > tol
        neg = f < -tol
        anypos = pos.any(axis=1)
        self.L[cand, j] = anypos
        m = anypos & neg.any(axis=1)
        if not m.any():
            return 0
        s = pos[m].astype(np.int8) - neg[m].astype(np.int8)
        a = m3[m, 0] + 1j * m3[m, 1]
        return self._split(cand[m], Z[m], f[m], s, a, m3[m, 2], j[m])

    def _split(self, cut: IntArray, Z: Any, f: FloatArray, s: Any, a: Any, c: FloatArray, j: IntArray) -> int:
        def origin() -> Any:  # the point of the zero line nearest the piece's vertex mean
            m = _vertex_mean(Z, self.n[cut])
            return m - ((np.conj(a) * m).real + c) * a / (a * np.conj(a)).real

        chord = self._chords(cut, origin, lambda: 1j * a / np.abs(a), self._bit0 + j)  # type: ignore[arg-type]
        S = cut.size
        Zh, nh, Eh = _halves(Z, self.n[cut], self.E[cut, : Z.shape[1]], f, s, chord)  # (2S, .): +, -
        area, perim = _area_perimeter(Zh)
        r = 2.0 * area / np.maximum(perim, 1e-300)
        if self.radius_rel:
            wide = r > self.radius_tol + self.radius_rel * np.abs(_vertex_mean(Zh, nh))
        else:
            wide = r > self.radius_tol
        ok = wide[:S] & wide[S:]
        if not ok.all():
            # one side is a sliver: the piece stays whole, with the larger side's sign
            bad = ~ok
            self.L[cut[bad], j[bad]] = area[:S][bad] >= area[S:][bad]
            self.rejected += int(bad.sum())
            if not ok.any():
                return 0
            both = np.concatenate([ok, ok])
            cut, j, Zh, nh, Eh, area = cut[ok], j[ok], Zh[both], nh[both], Eh[both], area[both]
        k = cut.size
        self._widen(Zh.shape[1])
        self._reserve(k)
        new = np.arange(self.P, self.P + k)
        self.mroot[new] = self.mroot[cut]
        self.qroot[new] = self.qroot[cut]
        self.L[new] = self.L[cut]
        self.P += k
        rows = np.concatenate([cut, new])  # the parent's row keeps the positive half
        wc = Zh.shape[1]
        self.Z[rows, :wc] = Zh
        self.E[rows, :wc] = Eh
        if wc < self.Z.shape[1]:
            self.Z[rows, wc:] = Zh[:, :1]
            self.E[rows, wc:] = WINDOW_LABEL
        self.n[rows] = nh
        self.measure[rows] = area
        self.maxn = max(self.maxn, int(nh.max()))
        self.L[cut, j] = True
        self.L[new, j] = False
        self.splits += k
        return k

    def end_layer(self) -> None:
        """Fold the layer's bits into :attr:`bits`; the pieces become the next roots."""
        self.B = np.hstack([self.B[self.mroot[: self.P]], self.L[: self.P]])
        self._bit0 = self.B.shape[1]
        self._in_layer = False

    def next_maps(
        self, slope: float, W: FloatArray, b: FloatArray, beta: tuple[float, float, float], *,
        rows: IntArray | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        """The next layer's maps ``z = W D_s z_l + b beta(u)``: ``(M, T)`` for :meth:`run_layer`.

        ``beta(u) = beta_x u_x + beta_y u_y + beta_c`` is the bias multiplier (1 on a window,
        the homogeneous coordinate on a projective face); the zero tolerance is
        ``ZERO_RTOL`` times the magnitude of the terms, ``|z(u)| <= mag0 + mag1 |u|``, as in
        :mod:`._geometric`.
        """
        from ._geometric import ZERO_RTOL

        if rows is None:
            rows = np.arange(self.P)
        P = int(rows.size)
        nl = self.M.shape[0]
        r = self.mroot[rows]
        d = np.where(self.L[rows].T, 1.0, slope)  # (n_l, P)
        H = np.take(self.M, r, axis=2)  # (n_l, 3, P)
        H *= d[:, None, :]  # D_s z_l
        Mn = (W @ H.reshape(nl, 3 * P)).reshape(W.shape[0], 3, P)
        bx, by, bc = beta
        for i, bi in enumerate(beta):
            if bi:
                Mn[:, i] += (b * bi)[:, None]
        G = np.empty((nl, 2, P))
        np.sqrt(H[:, 0] * H[:, 0] + H[:, 1] * H[:, 1], out=G[:, 0])
        np.abs(H[:, 2], out=G[:, 1])
        Tn = (np.abs(W) @ G.reshape(nl, 2 * P)).reshape(W.shape[0], 2, P)
        ab = np.abs(b)
        Tn[:, 0] += (ab * abs(bc))[:, None]
        Tn[:, 1] += (ab * float(np.hypot(bx, by)))[:, None]
        Tn *= ZERO_RTOL
        return Mn, Tn

    # ------------------------------------------------------------------ views
    @property
    def bits(self) -> BoolArray:
        """Activation bits ``(P, num_bits)``; those of neurons not reached yet are 0."""
        P = self.P
        done = self.B.shape[1]
        if not self._in_layer and done == self.num_bits:
            return self.B
        out = np.zeros((P, self.num_bits), dtype=bool)
        if self._in_layer:
            out[:, :done] = self.B[self.mroot[:P]]
            out[:, done : done + self.L.shape[1]] = self.L[:P]
        else:
            out[:, :done] = self.B
        return out
