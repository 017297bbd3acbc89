"""The ``lp`` method for networks with maxout layers: region-graph traversal in any dimension.

The ReLU traversal (:mod:`~relu_regions.regions._lp`) carries over with pieces in place of
signs (:mod:`._maxout_polytope`): a region ``R_s`` is cut out by one row per unit and
non-active piece, ``z_{u,q}(t) <= z_{u,p_u}(t)``, and its facets are ties between the
active piece of a unit and another piece.  The maxout function is continuous, so the
regions meet face to face across these ties and the region graph is connected:

1. *Seed*: the best of a few random points around the domain's Chebyshev centre (largest
   certified ball in its region, canonical pattern: :func:`point_patterns`), centred by one
   Chebyshev LP.
2. *Facets* of ``R_s`` by the same finders as for ReLU networks
   (:func:`~relu_regions.regions._facets.find_facets`: an interval in 1-D, Qhull in 2-8
   dimensions, LPs above), with the rows of identical pieces left out.  Facets on the
   domain's boundary have no neighbour.
3. *Crossing* by the limit rule: the neighbour across the facet at ``x_f`` (outward unit
   normal ``n``) is the pattern of ``x_f + eps n`` for small ``eps > 0``; layer by layer, the
   pieces within ``TIGHT_TOL`` of a unit's maximum at ``x_f`` are the candidates and

   .. math::

       p'_u = \\min \\{ q \\text{ identical to } q^* \\}, \\qquad
       q^* = \\arg\\max_{q \\text{ tight}} \\nabla z_{u,q}^{(s')} \\cdot n ,

   with gradients under the new pattern of the earlier layers.  Two tight, non-identical
   pieces with the same derivative along ``n`` (within ``DIR_TOL``) make the crossing
   ambiguous (the ray runs along their tie) and the result is not labelled exact.  The
   common case, where only the facet's own tie is tight at ``x_f``, sets ``p'_u = q`` directly.
4. *Witness*: ``x_f + eps n`` with ``eps`` half the largest step inside the neighbour, or
   its Chebyshev centre; the neighbour counts when its certified ball has radius
   ``> RADIUS_TOL * scale``.

Certificate as for ReLU: every facet crossed, the adjacency symmetric, no ambiguous
crossing and, in 1-D/2-D on bounded domains, the regions' measures sum to the domain's.
Unbounded domains of dimension >= 2 are traversed like in the ReLU engine (the LP facet
finder for unbounded regions, Chebyshev balls capped at ``CHEBYSHEV_CAP * scale``).

Cost: per region, one facet search over ``sum_l k_l n_l`` rows (``k - 1`` live rows per
maxout unit, 1 per ReLU neuron), so about ``k - 1`` times the rows of the ReLU engine at
equal neuron count; there is no stable-unit prefilter and no parallel mode yet.
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

from .._budget import Budget, progress_bar
from .._typing import FloatArray, IntArray
from ..exceptions import DomainError, EmptyDomainError, SolverError
from ..network import Network
from ._facets import facet_method, find_facets
from ._lp import CENTRE_TOL, CHEBYSHEV_CAP, QHULL_FAR, traversal_certificate
from ._lp_domain import is_bounded
from ._maxout_cross import _fast_cross, _witness_points
from ._maxout_polytope import (
    PATTERN_DTYPE,
    PieceLayer,
    piece_layers,
    point_patterns,
    region_rows,
    row_index,
)
from ._polytope import RADIUS_TOL, chebyshev, domain_scale, radius_at, seed_candidates
from ._types import EngineResult

__all__ = ["maxout_lp_engine", "unbounded_maxout_scale"]


def _rows_with_domain(
    G: FloatArray, h: FloatArray, G_dom: FloatArray, h_dom: FloatArray
) -> tuple[FloatArray, FloatArray]:
    P = G.shape[0]
    return (
        np.concatenate([G, np.broadcast_to(G_dom, (P, *G_dom.shape))], axis=1),
        np.concatenate([h, np.broadcast_to(h_dom, (P, h_dom.size))], axis=1),
    )


def _radii(G: FloatArray, h: FloatArray, T: FloatArray) -> FloatArray:
    """Certified radii ``min (h - G t) / |G|`` of a batch (``-inf`` for a violated constant row)."""
    norms = np.sqrt(np.einsum("pmk,pmk->pm", G, G))
    slack = h - np.einsum("pmk,pk->pm", G, T)
    zero = norms == 0.0
    bad = np.any(zero & (h < -1e-12 * np.maximum(np.abs(h).max(axis=1, keepdims=True), 1.0)), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        dist = np.where(zero, np.inf, slack / np.where(zero, 1.0, norms))
    r = dist.min(axis=1)
    return np.where(bad, -np.inf, r)


def unbounded_maxout_scale(
    layers: list[PieceLayer], G: FloatArray, h: FloatArray
) -> tuple[FloatArray, float]:
    """Reference point and tolerance scale of an unbounded domain: the Chebyshev centre
    (ball capped at 1) and the largest distance from it to a first-layer tie, at least 1."""
    centre, r = chebyshev(G, h, cap=1.0) if G.shape[0] else (np.zeros(G.shape[1]), 1.0)
    if centre is None or not r > 0:
        raise EmptyDomainError("the domain has no interior in its chart (it is empty or flat)")
    W, b = layers[0]
    k = W.shape[0]
    scale = 1.0
    for p in range(k):
        for q in range(p + 1, k):
            D, d = W[q] - W[p], b[q] - b[p]
            norms = np.linalg.norm(D, axis=1)
            live = norms > 1e-12 * max(float(norms.max(initial=0.0)), 1.0)
            if live.any():
                scale = max(scale, float((np.abs(D[live] @ centre + d[live]) / norms[live]).max()))
    return centre, scale


def _seed(
    layers: list[PieceLayer], G_dom: FloatArray, h_dom: FloatArray, centre: FloatArray, scale: float,
    rng: np.random.Generator, cap: float,
) -> tuple[IntArray, FloatArray, int]:
    tol = RADIUS_TOL * scale
    lps = 0
    for _ in range(10):
        T = seed_candidates(centre, scale, rng)
        pats, _ = point_patterns(layers, T)
        Gr, hr, _ = region_rows(layers, pats)
        Gr, hr = _rows_with_domain(Gr, hr, G_dom, h_dom)
        radii = _radii(Gr, hr, T)
        best = int(np.argmax(radii))
        if radii[best] > tol:
            x, r = chebyshev(Gr[best], hr[best], cap=cap)
            lps += 1
            if x is not None and r > radii[best]:
                return pats[best], x, lps
            return pats[best], T[best], lps
    raise SolverError("lp: could not find a point in the interior of any region (degenerate domain?)")


def maxout_lp_engine(
    net: Network, G: FloatArray, h: FloatArray, *, budget: Budget, options: dict[str, Any]
) -> EngineResult:
    """Serial region-graph traversal of a network with maxout layers (module docstring)."""
    k = net.input_dim
    U = net.num_neurons
    G = np.asarray(G, dtype=np.float64).reshape(-1, k)
    h = np.asarray(h, dtype=np.float64).ravel()
    dn = np.linalg.norm(G, axis=1)
    if np.any(dn > 0):
        G = np.where(dn[:, None] > 0, G / np.where(dn > 0, dn, 1.0)[:, None], G)
        h = np.where(dn > 0, h / np.where(dn > 0, dn, 1.0), h)
    layers = piece_layers(net)
    bounded = is_bounded(G, h)
    if not bounded and k == 1:
        raise DomainError(
            "method 'lp' needs a bounded domain in 1 dimension for maxout networks; give finite bounds"
        )
    if bounded:
        centre, own_scale = domain_scale(G, h)
        cap = 1e6
    else:
        centre, own_scale = unbounded_maxout_scale(layers, G, h)
        cap = CHEBYSHEV_CAP * own_scale
    scale = float(options.get("_scale") or own_scale)
    tol = RADIUS_TOL * scale
    method = facet_method(options.get("facets"), k)
    far = None if bounded else QHULL_FAR * scale
    volumes = bool(options.get("volumes", k <= 2)) and bounded
    collect = bool(options.get("collect"))
    batch_size = int(options.get("batch", 64 if method != "lp" else 8))
    rng = np.random.default_rng(options.get("seed", 0))
    s0, p0, lps = _seed(layers, G, h, centre, scale, rng, cap)
    row_unit, row_piece, _ = row_index(layers)
    R = row_unit.size
    # the LP facet finder decides unit rows only: domain rows are never crossed
    candidates = np.arange(R + h.size) < R
    dom_norms = np.linalg.norm(G, axis=1)

    index: dict[bytes, int] = {s0.tobytes(): 0}
    patterns: list[IntArray] = [s0]
    points: list[FloatArray] = [p0]
    halfspaces: dict[int, tuple[FloatArray, FloatArray]] = {}
    queue = collections.deque([0])
    edges: list[tuple[int, int]] = []
    measures: dict[int, float] = {}
    stats = collections.Counter[str]()
    bar = progress_bar(desc="lp (maxout): regions", unit=" regions", enabled=options.get("progress"))
    complete = True
    while queue:
        if budget.stop:
            complete = False
            break
        batch = [queue.popleft() for _ in range(min(batch_size, len(queue)))]
        S = np.array([patterns[i] for i in batch])
        Gn, hn, _ = region_rows(layers, S)
        Gb, hb = _rows_with_domain(Gn, hn, G, h)
        norms = np.sqrt(np.einsum("bmk,bmk->bm", Gb, Gb))
        Xs, rows_l, owner_l = [np.zeros((0, k))], [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        done = 0
        for b, i in enumerate(batch):
            if b and method == "lp" and budget.stop:
                queue.extendleft(reversed(batch[b:]))
                break
            done += 1
            live = norms[b] > 0.0
            fac = find_facets(Gb[b], hb[b], points[i], scale, method, live, candidates, far=far)
            stats["facet_lps"] += fac.lps
            stats["qhull_fallbacks"] += int(fac.fallback)
            stats["facets"] += int(fac.rows.size)
            if volumes:
                measures[i] = _volume(fac.vertices, Gb[b], hb[b], points[i])
            if collect:
                halfspaces[i] = (Gb[b].copy(), hb[b].copy())
            unit_row = fac.rows < R
            Xs.append(fac.points[unit_row])
            rows_l.append(fac.rows[unit_row])
            owner_l.append(np.full(int(unit_row.sum()), b))
        bar.update(done)
        X = np.concatenate(Xs)
        rows = np.concatenate(rows_l)
        owner = np.concatenate(owner_l)
        if X.shape[0]:
            dom_slack = h[None, :] - X @ G.T
            inside = ~np.any(dom_slack <= tol * dom_norms, axis=1)
            X, rows, owner = X[inside], rows[inside], owner[inside]
        stats["crossed_facets"] += int(rows.size)
        if not rows.size:
            continue
        Gf = Gb[owner, rows]
        normals = Gf / np.linalg.norm(Gf, axis=1, keepdims=True)
        npats, amb = _fast_cross(layers, S[owner], Gb[owner], hb[owner], norms[owner], X, rows, row_unit,
                                 row_piece, normals, scale, R)
        stats["ambiguous_crossings"] += int(amb.sum())
        first: dict[bytes, int] = {}
        pending: list[tuple[int, bytes]] = []
        for f, row in enumerate(npats):
            key = row.tobytes()
            src = batch[int(owner[f])]
            j = index.get(key)
            if j is not None:
                edges.append((src, j))
                continue
            first.setdefault(key, f)
            pending.append((src, key))
        if not first:
            continue
        sel = np.array(list(first.values()))
        Gq, hq, _ = region_rows(layers, npats[sel])
        Gq, hq = _rows_with_domain(Gq, hq, G, h)
        P = _witness_points(Gq, hq, X[sel], normals[sel], scale)
        radii = _radii(Gq, hq, P)
        for q, (key, f) in enumerate(first.items()):
            point, r = P[q], float(radii[q])
            if not r > CENTRE_TOL * scale:
                x, r2 = chebyshev(Gq[q], hq[q], cap=cap)
                stats["chebyshev_lps"] += 1
                if x is not None and r2 > max(r, 0.0):
                    point, r = x, radius_at(Gq[q], hq[q], x)
            if r > tol:
                index[key] = len(patterns)
                queue.append(len(patterns))
                patterns.append(npats[f])
                points.append(point)
            else:
                stats["thin_neighbours"] += 1
        for src, key in pending:
            j = index.get(key)
            if j is not None:
                edges.append((src, j))
    bar.close()
    stats["boundary_facets"] = stats["facets"] - stats["crossed_facets"]
    nreg = len(patterns)
    details: dict[str, Any] = {
        "regions": nreg,
        "bounded": bounded,
        "facet_finder": method,
        "scale": scale,
        "radius_tol": tol,
        "maxout_ranks": list(net.maxout_ranks),
        "rows_per_region": int(R),
        "lps": lps + stats["facet_lps"] + stats["chebyshev_lps"],
        **{key: int(v) for key, v in stats.items()},
    }
    exact, certificate = traversal_certificate(
        "region graph closed under facet crossings (maxout ties)", "a tie through a facet point",
        stats, complete, edges, nreg, details,
        measures if volumes else {}, lambda: _volume(None, G, h, centre),
    )
    pat_arr: Any = np.array(patterns, dtype=PATTERN_DTYPE).reshape(nreg, U)
    pts = np.array(points).reshape(nreg, k)
    meas = np.array([measures[i] for i in range(nreg)]) if volumes and len(measures) == nreg else None
    adjacency = None
    if options.get("adjacency") and complete:
        E = np.sort(np.array(edges, dtype=np.int64).reshape(-1, 2), axis=1)
        adjacency = np.unique(E[E[:, 0] != E[:, 1]], axis=0)
    hs_list = [halfspaces[i] for i in range(nreg)] if collect and len(halfspaces) == nreg else None
    return EngineResult(
        pat_arr, pts, complete, exact, certificate, details, halfspaces=hs_list, measures=meas,
        adjacency=adjacency,
    )


def _volume(vertices: FloatArray | None, G: FloatArray, h: FloatArray, t0: FloatArray) -> float:
    """Length/area/volume of ``{G t <= h}`` (from its vertices when known)."""
    k = G.shape[1]
    norms = np.linalg.norm(G, axis=1)
    live = norms > 0
    if k == 1:
        if vertices is not None:
            return float(vertices.max() - vertices.min())
        g = G[live, 0]
        hh = h[live]
        return float((hh[g > 0] / g[g > 0]).min() - (hh[g < 0] / g[g < 0]).max())
    from scipy.spatial import ConvexHull, HalfspaceIntersection

    if vertices is None:
        vertices = HalfspaceIntersection(np.hstack([G[live], -h[live, None]]), t0).intersections
    return float(ConvexHull(vertices).volume)
