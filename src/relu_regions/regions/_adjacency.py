"""Which activation regions share a facet (a common boundary piece of dimension k - 1).

* 1-D/2-D, from the ``geometric`` engine's pieces: every split of a piece by a neuron
  creates one *chord* whose two sides get edges with the same chord id; two pieces are
  adjacent when they hold edges of one chord, on opposite sides of it, whose intervals
  along the chord overlap by more than the engine's length tolerance.  Exact up to that
  tolerance, no solver involved.
* Any dimension, for a given pair (:func:`facet_between`): one LP checks that the
  closures meet in a set of positive (k - 1)-dimensional Chebyshev radius inside the
  hyperplane of the first neuron where the patterns differ (that neuron's map is the
  same on both regions, and its hyperplane separates them).  Other differing neurons
  must then vanish on the whole facet (duplicates, coinciding bent hyperplanes), which
  the LP checks too.  :mod:`._linear` decides which pairs to test.
"""

from __future__ import annotations

import numpy as np

from .._typing import FloatArray, IntArray
from ..solvers import solve_lp
from ._partition import Partition
from ._types import RegionSet

__all__ = ["partition_adjacency", "facet_between", "FACET_RTOL"]

#: Relative Chebyshev radius (to the region's scale) a shared facet needs in the LP test.
FACET_RTOL = 1e-9


def _pairs(a: IntArray, b: IntArray) -> IntArray:
    if a.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    p = np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1)
    p = p[p[:, 0] != p[:, 1]]
    return np.unique(p, axis=0) if p.size else np.zeros((0, 2), dtype=np.int64)


def partition_adjacency(part: Partition) -> IntArray:
    """Pairs ``(i, j)``, ``i < j``, of pieces that share a facet, shape ``(A, 2)``."""
    P = part.P
    if part.k == 1:
        lab = part.E[:P]
        rows = np.repeat(np.arange(P), 2)
        flat = lab.reshape(-1)
        keep = flat >= 0
        flat, rows = flat[keep], rows[keep]
        order = np.argsort(flat, kind="stable")
        flat, rows = flat[order], rows[order]
        same = flat[1:] == flat[:-1]
        return _pairs(rows[:-1][same], rows[1:][same])
    origin, direction, neuron = part.chord_table()
    M = part.width
    E = part.E[:P, :M]
    V = part.vertices()
    n = part.n[:P]
    idx = np.arange(M)[None, :]
    nxt = np.where(idx + 1 >= n[:, None], 0, idx + 1)
    mask = (idx < n[:, None]) & (E >= 0)
    rows, cols = np.nonzero(mask)
    chord = E[rows, cols]
    a = V[rows, cols]
    b = V[rows, nxt[rows, cols]]
    o, d = origin[chord], direction[chord]
    ta = ((a - o) * d).sum(axis=1)
    tb = ((b - o) * d).sum(axis=1)
    lo, hi = np.minimum(ta, tb), np.maximum(ta, tb)
    side = part.bits[rows, neuron[chord]]
    pos = np.flatnonzero(side)
    neg = np.flatnonzero(~side)
    order = np.argsort(chord[neg], kind="stable")
    neg = neg[order]
    start = np.searchsorted(chord[neg], chord[pos], side="left")
    stop = np.searchsorted(chord[neg], chord[pos], side="right")
    counts = stop - start
    pi = np.repeat(pos, counts)
    offs = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    ni = neg[np.repeat(start, counts) + offs]
    overlap = np.minimum(hi[pi], hi[ni]) - np.maximum(lo[pi], lo[ni])
    ok = overlap > part.radius_tol
    return _pairs(rows[pi[ok]], rows[ni[ok]])


def _region_rows(regions: RegionSet, i: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Pre-activation maps ``(A, c)`` of every neuron on region ``i`` and the signs."""
    pats = regions.net.split_pattern(regions.patterns[i])
    maps = regions.net_t.preactivation_maps(pats)
    A = np.vstack([m[0] for m in maps])
    c = np.concatenate([m[1] for m in maps])
    sign = np.where(regions.patterns[i], -1.0, 1.0)  # active: -(A t + c) <= 0
    return A, c, sign


def facet_between(regions: RegionSet, i: int, j: int) -> bool:
    """Whether regions ``i`` and ``j`` of ``regions`` share a facet (one LP).

    The earliest neuron ``q`` where the patterns differ has the same map on both regions
    (earlier layers agree), and its hyperplane separates them, so the common boundary lies
    in it: maximise the Chebyshev radius, measured inside that hyperplane, of the set
    satisfying both regions' constraints other than ``q``'s (and the domain's).
    """
    diff = np.flatnonzero(regions.patterns[i] != regions.patterns[j])
    if diff.size == 0:
        return False
    q = int(diff[0])
    Ai, ci, si = _region_rows(regions, i)
    Aj, cj, sj = _region_rows(regions, j)
    a, c0 = Ai[q], ci[q]
    keep = np.arange(len(ci)) != q
    Gd, hd = regions.chart.halfspaces()
    G = np.vstack([(si[:, None] * Ai)[keep], (sj[:, None] * Aj)[keep], Gd])
    h = np.concatenate([(-si * ci)[keep], (-sj * cj)[keep], hd])
    return facet_in_hyperplane(a, c0, G, h)


def facet_in_hyperplane(a: FloatArray, c0: float, G: FloatArray, h: FloatArray) -> bool:
    """Whether ``{G t <= h}`` meets the hyperplane ``a t + c0 = 0`` in a full-dimensional piece of
    it (one LP): the Chebyshev radius of that section, measured inside the hyperplane, must
    exceed ``FACET_RTOL`` relative to the point's size.  Shared by the ReLU and maxout tests."""
    na = float(np.linalg.norm(a))
    if na == 0.0:
        return False
    if np.any((np.linalg.norm(G, axis=1) == 0) & (h < 0)):
        return False
    an = a / na
    norms = np.linalg.norm(G - (G @ an)[:, None] * an[None, :], axis=1)
    k = G.shape[1]
    slack = 1e-12 * (1.0 + np.abs(h) + np.abs(G).sum(axis=1))
    cost = np.zeros(k + 1)
    cost[-1] = -1.0
    res = solve_lp(
        cost, A_ub=np.hstack([G, norms[:, None]]), b_ub=h + slack, A_eq=np.append(a, 0.0)[None],
        b_eq=[-c0], bounds=[(None, None)] * k + [(0.0, 1.0)],
    )
    if res.status != "optimal" or res.x is None:
        return False
    return bool(res.x[k] > FACET_RTOL * (1.0 + float(np.abs(res.x[:k]).max())))
