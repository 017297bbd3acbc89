"""Counting the skeleton engine's regions: lowest vertices, adjacency, interior points.

Each region of the finished complex is found once, at its lowest vertex in a generic
direction (:func:`_lowest`); :func:`_count` certifies an interior ball per region and checks a
sample of patterns by forward passes.  See :mod:`relu_regions.regions._skeleton`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._typing import BoolArray, FloatArray, IntArray
from ..network import Network
from ._polytope import RADIUS_TOL
from ._skeleton_complex import _SEED, _Degenerate, _Skeleton

__all__ = ["RADIUS_MARGIN"]

#: Every counted region must contain a certified ball of radius
#: ``> RADIUS_MARGIN * RADIUS_TOL * scale`` (``RADIUS_TOL``, ``scale``: as ``lp``'s), so that
#: it is a region for ``lp`` too; a thinner one hands the domain to ``lp``.
RADIUS_MARGIN = 10.0


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
