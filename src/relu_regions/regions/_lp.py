"""The ``lp`` method: exact region enumeration in any dimension by region-graph traversal.

Algorithm
---------
Breadth-first search over the adjacency graph of the activation regions inside a domain
``D = {t : G t <= h}`` (chart coordinates), bounded or not (the whole space ``R^k``, an
unbounded affine subspace or polyhedron).  The regions of a ReLU network are
polytopes that meet face to face across neuron hyperplanes (each pre-activation is
continuous), so the graph is connected and every region is reached from any other:

1. *Seed*: the best of a few random points near the domain's Chebyshev centre (largest
   certified inscribed ball in its own region), centred by one Chebyshev LP.
2. *Facets*: for the region ``R_s = {t : (2 s_i - 1) z_i(t) >= 0, t in D}`` find its facet
   rows and a point ``x_f`` in each facet's relative interior
   (:mod:`~relu_regions.regions._facets`: Qhull in 2-8 dimensions, LPs above).  Facets on
   the domain's boundary have no neighbour.  The LP finder decides only the rows of
   neurons that are not stable on the whole domain (CROWN bounds over the domain's
   bounding box, :func:`candidate_neurons`) and leaves the stable ones' rows out of its
   LPs (they hold on the whole domain, so they are redundant).  Neither loses a facet:
   the domain's own rows are never crossed, and a neuron of constant sign on ``D`` never
   alone defines a facet inside ``D`` (across an interior facet the earliest neuron tight
   on it keeps its affine map, so it changes sign there and is unstable; coinciding rows
   are decided as one group).
3. *Crossing* (the limit rule): the neighbour across facet ``F`` (outward unit normal
   ``n``) is the pattern of ``x_f + eps n`` for small ``eps > 0``; layer by layer,

   .. math::

       s'_i = \\begin{cases} [z_i(x_f) > 0] & \\text{if } x_f \\text{ is not within }
       \\text{TIGHT\\_TOL of } z_i\\text{'s hyperplane} \\\\
       [\\nabla z_i^{(s')} \\cdot n > 0] & \\text{otherwise,}\\end{cases}

   where the gradient uses the new pattern of the earlier layers.  Neurons tight on the
   whole facet (the flipped one and any coinciding with it: duplicates, later neurons
   bending along it) are resolved together; a neuron with zero gradient there is constant
   (identically zero) on the neighbour and stays inactive, so it splits nothing.
4. *Witness*: ``p = x_f + eps n`` with ``eps`` half the largest step that stays in the
   neighbour's polytope; the neighbour counts when the ball certified at ``p`` (or, failing
   that, its Chebyshev LP centre) has radius ``> RADIUS_TOL * scale``
   (:mod:`~relu_regions.regions._polytope`).  Only full-dimensional regions count.

Unbounded domains (the whole space)
-----------------------------------
An unbounded region is a polyhedron ``P = Q + C`` (a polytope plus its recession cone
``C = {d : G d <= 0}``); nothing in steps 1-4 needs ``P`` bounded when facets are found by
the ``lp`` finder: a facet of ``P`` is a row whose hyperplane section of ``P`` holds a ball
of radius ``> RADIUS_TOL * scale``, and the section's Chebyshev LP stays bounded because the
ball's radius is capped (at ``10 * scale``; the centre ``t`` is free).  Rays that hit no
row are skipped.  So the traversal runs on ``R^k`` itself, without a window, and the
certificate is the same (no region has a boundary facet there).  Unbounded domains of
dimension 1 are left to ``geometric`` (exact and direct on lines).  Qhull's polar duality
needs a bounded polytope: in 2-8 dimensions it takes the regions whose vertices all lie
within ``QHULL_FAR * scale`` of their interior point (a dual facet at offset ``d`` is a
vertex at distance ``1 / |d|``) and hands the others (the unbounded ones) to the LP finder.  The tolerance
scale of an unbounded domain (:func:`unbounded_scale`) is the largest distance from the
domain's reference point (its Chebyshev centre, ball capped at radius 1) to a first-layer
hyperplane, at least 1 (rows are normalised, so it does not depend on the weights' scale).
Networks with ``output_relu`` count the output neurons too (they are activated layers).

High dimension: the first layer's row space
-------------------------------------------
Every neuron's pre-activation on a region is ``z = M (W_1 t + b_1) + c`` (the chain rule), so
every row the facet finder decides lies in the row space of the first layer, of dimension
``r = rank(W_1) <= n_1``: the regions' arrangement lives in ``y = V^T t`` (``V``: an
orthonormal basis, :func:`row_space_basis`, together with the domain's rows that are not a
box's), and the domain enters as its image ``Y = V^T D``.  With a box domain above
``BOX_BOUNDS_MIN_DIM`` dimensions and ``r <= k / RANK_FRACTION``, the LP finder decides the
facets in ``y`` (``facets_lp(basis=V)``: Qhull, rays and ``(r + 1)``-column LPs; LPs with the
box as column bounds only near ``Y``'s boundary), and the box's ``2 k`` rows never enter a
witness or boundary test (closed form).  Points stay in ``t`` and every radius is still
certified there, so the regions and the certificate are those of the ``k``-dimensional
traversal (option ``reduce_rank=False`` runs that one: the reference in the tests and
``benchmarks/bench_count_highdim.py --rowspace``).  784-5-5-5-5-10 on ``[0, 1]^784``: 1,454
regions, 5x-10x faster than deciding facets in 784 dimensions.

Certificate: every facet of every region was crossed and its neighbour found (or proven
thinner than the tolerance), the adjacency found is symmetric (each facet was seen from both
sides), and optionally (``volumes=True``) the regions' volumes sum to the domain's.
Stopped by a time limit or Ctrl-C, the regions found so far are returned: each has a
certified interior point, so their number is a lower bound.

Examples
--------
>>> from relu_regions import Box, random_network
>>> from relu_regions.regions import count_regions
>>> net = random_network([3, 8, 8, 1], seed=1, bias_std=0.1)
>>> res = count_regions(net, Box([-1, -1, -1], [1, 1, 1]), method="lp")
>>> res.regions, res.exact
(681, True)

References: Serra, Tjandraatmadja & Ramalingam (2018) and Cai et al. (2023, Sec. 5) for the
counted objects (full-dimensional activation regions); Hanin & Rolnick (2019, Lemma 3) for
their convexity.  The traversal is the classical reverse-search/adjacency enumeration of
polyhedral complexes (Avis & Fukuda 1996) specialised to bent-hyperplane arrangements.

Layout: the traversal (:func:`lp_serial`) is here; the set-up on the domain
(``candidate_neurons``, ``row_space_basis``, ``is_bounded``, ``unbounded_scale``,
``RANK_FRACTION``) is in :mod:`relu_regions.regions._lp_domain`, the facet crossing
(``cross_facets``, ``DIR_TOL``, witnesses, the seed region) in
:mod:`relu_regions.regions._lp_cross`.
"""

from __future__ import annotations

import collections
import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._budget import Budget, progress_bar
from .._typing import BoolArray, FloatArray
from ..exceptions import DomainError
from ..network import Network
from ._facets import facet_method, find_facets
from ._facets_lp import facets_lp
from ._lp_cross import _fast_cross, _seed, _witnesses
from ._lp_domain import candidate_neurons, is_bounded, row_space_basis, unbounded_scale
from ._parallel import serial_or_parallel, wants_parallel
from ._polytope import (
    RADIUS_TOL,
    ZERO_ROW_TOL,
    activated_layers,
    axis_box,
    axis_rows,
    chebyshev,
    domain_scale,
    live_rows,
    pattern_rows,
)
from ._types import ENGINES, EngineInfo, EngineResult

__all__ = ["lp_engine", "lp_serial"]

#: Above this chart dimension a box domain enters the LP facet finder as column bounds
#: (:func:`~relu_regions.regions._facets_lp.facets_lp` with ``box``): 61-D ball, 146 regions 1.3 -> 0.6 s;
#: 784-D ball, 904 regions > 120 s -> 48 s; at 10-12 D it is 3-8% slower than box rows.
BOX_BOUNDS_MIN_DIM = 16
#: Chebyshev balls in an unbounded domain are capped at ``CHEBYSHEV_CAP * scale`` (the
#: centres stay near the network's features instead of running off along recession rays).
CHEBYSHEV_CAP = 10.0
#: In an unbounded domain Qhull finds the facets of the regions whose vertices all lie within
#: ``QHULL_FAR * scale`` of their interior point; the LP finder those of the others
#: (unbounded regions, or bounded ones reaching that far).
QHULL_FAR = 1e6
#: Witness points closer than ``CENTRE_TOL * scale`` to their region's boundary are moved to
#: the region's Chebyshev centre before Qhull sees them (its dual points scale with 1/slack).
CENTRE_TOL = 1e-5


def lp_serial(
    net: Network, G: FloatArray, h: FloatArray, *, budget: Budget, options: dict[str, Any]
) -> EngineResult:
    """Serial region-graph traversal (see the module docstring)."""
    k = net.input_dim
    N = net.num_neurons
    G = np.asarray(G, dtype=np.float64).reshape(-1, k)
    h = np.asarray(h, dtype=np.float64).ravel()
    # domain rows normalised: their tolerances are distances, whatever the user's scale
    dn = np.linalg.norm(G, axis=1)
    if np.any(dn > 0):
        G = np.where(dn[:, None] > 0, G / np.where(dn > 0, dn, 1.0)[:, None], G)
        h = np.where(dn > 0, h / np.where(dn > 0, dn, 1.0), h)
    bounded = is_bounded(G, h)
    if not bounded and k == 1:
        raise DomainError(
            "method 'lp' needs a bounded domain in 1 dimension; a whole line or ray is counted "
            "exactly by method='geometric'"
        )
    if bounded:
        centre, own_scale = domain_scale(G, h)
        cap = 1e6
    else:
        centre, own_scale = unbounded_scale(net, G, h)
        cap = CHEBYSHEV_CAP * own_scale
    scale = float(options.get("_scale") or own_scale)
    tol = RADIUS_TOL * scale
    if N == 0 or k == 0:
        pat = net.pattern_vector(centre[None, :]).reshape(1, N)
        return EngineResult(pat, centre[None, :], True, True, {"regions": 1}, {"regions": 1})
    method = facet_method(options.get("facets"), k)
    # Qhull's duality needs a bounded polytope: in an unbounded domain it takes only the
    # regions with every vertex within QHULL_FAR * scale, the LP finder the others
    far = None if bounded else QHULL_FAR * scale
    volumes = bool(options.get("volumes", k <= 2)) and bounded
    # regions whose facets are found per round (the LP finder checks the budget per region)
    batch_size = int(options.get("batch", 64 if method != "lp" else 8))
    layers = activated_layers(net)
    rng = np.random.default_rng(options.get("seed", 0))
    s0, p0, lps = _seed(net, layers, G, h, centre, scale, rng, cap)
    keep = candidates = box = basis = None
    # with a box: its rows are handled in closed form, only the other domain rows as rows
    box_w = axis_box(G, h) if bounded and k > BOX_BOUNDS_MIN_DIM else None
    G_w, h_w = (G[~axis_rows(G)], h[~axis_rows(G)]) if box_w is not None else (G, h)
    if method == "lp" and bounded and options.get("stable_prefilter", True):
        undecided = candidate_neurons(net, G, h)
        # A box around the domain (a box or ball, or a cell of one) enters the facet LPs as
        # column bounds, its rows are left out; the other domain rows stay rows.
        axis = axis_rows(G)
        box = axis_box(G, h) if options.get("box_bounds", k > BOX_BOUNDS_MIN_DIM) else None
        dom_rows = ~axis if box is not None else np.ones(h.size, dtype=bool)
        # a stable neuron's row holds on the whole domain: it is redundant, drop it
        keep = np.flatnonzero(np.concatenate([undecided, dom_rows]))
        candidates = np.arange(keep.size) < int(undecided.sum())  # decide neuron rows only
        stats_pre = {
            "prefilter_stable_neurons": int(N - undecided.sum()),
            "facet_rows_decided": "neurons not stable on the domain (domain rows are never crossed)",
        }
        if box is not None and options.get("reduce_rank", True):
            basis = row_space_basis(layers[0][0], G[dom_rows], k)
            if basis is not None:
                stats_pre["row_space_dim"] = int(basis.shape[1])
    else:
        stats_pre = {}

    models: dict[Any, Any] = {}  # the LP finder's HiGHS models, re-used from region to region
    index: dict[bytes, int] = {s0.tobytes(): 0}
    patterns: list[BoolArray] = [s0]
    points: list[FloatArray] = [p0]
    queue = collections.deque([0])
    edges: list[tuple[int, int]] = []
    measures: dict[int, float] = {}
    stats = collections.Counter[str]()
    bar = progress_bar(desc="lp: regions", unit=" regions", enabled=options.get("progress"))
    complete = True
    while queue:
        if budget.stop:
            complete = False
            break
        batch = [queue.popleft() for _ in range(min(batch_size, len(queue)))]
        S = np.array([patterns[i] for i in batch])
        A, c = pattern_rows(layers, S)
        sign = np.where(S, -1.0, 1.0)
        GA = sign[:, :, None] * A
        hA = -sign * c
        if keep is None:
            Gb = np.concatenate([GA, np.broadcast_to(G, (len(batch), *G.shape))], axis=1)
            hb = np.concatenate([hA, np.broadcast_to(h, (len(batch), h.size))], axis=1)
            norms = np.sqrt(np.einsum("bmk,bmk->bm", Gb, Gb))
            live = norms > ZERO_ROW_TOL * np.maximum(norms.max(axis=1, keepdims=True), 1.0)
        else:  # only the rows the LP finder sees (in high dimension the box's would dominate)
            nk = keep[keep < N]
            Gd, hd = G[keep[keep >= N] - N], h[keep[keep >= N] - N]
            Gb = np.concatenate([GA[:, nk], np.broadcast_to(Gd, (len(batch), *Gd.shape))], axis=1)
            hb = np.concatenate([hA[:, nk], np.broadcast_to(hd, (len(batch), hd.size))], axis=1)
        Xs, rows_l, owner_l = [np.zeros((0, k))], [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        done = 0
        for b, i in enumerate(batch):
            if b and keep is not None and budget.stop:
                # LP facets are slow in high dimension: stop within the batch; the regions
                # left are found (they count) but not explored, so the run is partial
                queue.extendleft(reversed(batch[b:]))
                break
            done += 1
            Gr, hr = Gb[b], hb[b]
            if keep is None:
                fac = find_facets(Gr, hr, points[i], scale, method, live[b], far=far)
            else:
                fac = facets_lp(Gr, hr, points[i], scale, candidates, box=box, basis=basis, models=models)
                fac = dataclasses.replace(fac, rows=keep[fac.rows])
            stats["facet_lps"] += fac.lps
            stats["qhull_fallbacks"] += int(fac.fallback)
            stats["facets"] += int(fac.rows.size)
            if volumes:
                if keep is None:
                    measures[i] = _volume(fac.vertices, Gr, hr, points[i])
                else:  # the LP finder's rows may leave out the box (column bounds): use every row
                    Gv, hv = np.vstack([GA[b], G]), np.concatenate([hA[b], h])
                    nv = np.linalg.norm(Gv, axis=1)
                    lv = nv > ZERO_ROW_TOL * max(float(nv.max()), 1.0)
                    measures[i] = _volume(None, Gv[lv], hv[lv], points[i])
            neuron = fac.rows < N
            Xs.append(fac.points[neuron])
            rows_l.append(fac.rows[neuron])
            owner_l.append(np.full(int(neuron.sum()), b))
        bar.update(done)
        X = np.concatenate(Xs)
        rows = np.concatenate(rows_l)
        owner = np.concatenate(owner_l)
        if X.shape[0]:
            dom_slack = h_w[None, :] - X @ G_w.T
            inside = ~np.any(dom_slack <= tol * np.linalg.norm(G_w, axis=1), axis=1)
            if box_w is not None:  # unit axis rows: the slack is the distance to the box
                inside &= np.min(np.minimum(X - box_w[0], box_w[1] - X), axis=1) > tol
            X, rows, owner = X[inside], rows[inside], owner[inside]
        stats["crossed_facets"] += int(rows.size)
        if not rows.size:
            continue
        Gf = GA[owner, rows]
        normals = Gf / np.linalg.norm(Gf, axis=1, keepdims=True)
        npats, amb = _fast_cross(layers, S[owner], A[owner], c[owner], X, rows, normals, scale)
        stats["ambiguous_crossings"] += int(amb.sum())
        keys = [row.tobytes() for row in npats]
        first: dict[bytes, int] = {}
        pending: list[tuple[int, bytes]] = []
        for f, key in enumerate(keys):
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
        nA, nc = pattern_rows(layers, npats[sel])
        P, radii = _witnesses(npats[sel], nA, nc, X[sel], normals[sel], G_w, h_w, scale, box_w)
        for q, (key, f) in enumerate(first.items()):
            point, r = P[q], float(radii[q])
            if not r > CENTRE_TOL * scale:
                sq = np.where(npats[f], -1.0, 1.0)
                x, r2 = chebyshev(np.vstack([sq[:, None] * nA[q], G]), np.r_[-sq * nc[q], h], cap=cap)
                stats["chebyshev_lps"] += 1
                if x is not None and r2 > max(r, 0.0):
                    point, r = x, r2
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
    R = len(patterns)
    details: dict[str, Any] = {
        "regions": R,
        "bounded": bounded,
        "facet_finder": method,
        "scale": scale,
        "radius_tol": tol,
        "lps": lps + stats["facet_lps"] + stats["chebyshev_lps"],
        **{key: int(v) for key, v in stats.items()},
        **stats_pre,
    }
    exact, certificate = traversal_certificate(
        "region graph closed under facet crossings", "a hyperplane through a facet point",
        stats, complete, edges, R, details,
        measures if volumes else {}, lambda: _volume(None, G, h, centre),
    )
    pat_arr = np.array(patterns, dtype=bool).reshape(R, N)
    pts = np.array(points).reshape(R, k)
    meas = np.array([measures[i] for i in range(R)]) if volumes and len(measures) == R else None
    adjacency = None
    if options.get("adjacency") and complete:
        E = np.sort(np.array(edges, dtype=np.int64).reshape(-1, 2), axis=1)
        adjacency = np.unique(E[E[:, 0] != E[:, 1]], axis=0)
    return EngineResult(
        pat_arr, pts, complete, exact, certificate, details, measures=meas, adjacency=adjacency
    )


def traversal_certificate(
    kind: str,
    tie: str,
    stats: dict[str, Any],
    complete: bool,
    edges: list[tuple[int, int]],
    n_regions: int,
    details: dict[str, Any],
    measures: dict[int, float],
    domain_volume: Callable[[], float],
) -> tuple[bool, dict[str, Any]]:
    """``(exact, certificate)`` of a finished region-graph traversal (ReLU and maxout engines).

    A complete traversal is exact when every facet was seen from both sides (symmetric
    adjacency) and no crossing was ambiguous (``tie`` names what passes through a facet point);
    otherwise ``details["not_exact_reason"]`` says why.  With region ``measures`` their sum is
    compared with ``domain_volume()``.
    """
    certificate: dict[str, Any] = {
        "kind": kind,
        "facets": int(stats["facets"]),
        "boundary_facets": int(stats["boundary_facets"]),
        "ambiguous_crossings": int(stats["ambiguous_crossings"]),
        "thin_neighbours": int(stats["thin_neighbours"]),
    }
    exact = complete
    if complete:
        sym = _symmetric(edges, n_regions)
        certificate["adjacency_symmetric"] = sym
        if not sym:
            exact = False
            details["not_exact_reason"] = (
                "some facet was seen from one side only (numerically degenerate facets)"
            )
        if stats["ambiguous_crossings"]:
            exact = False
            details["not_exact_reason"] = f"ambiguous facet crossings ({tie})"
        if measures:
            dom_vol = domain_volume()
            tot = float(np.sum(list(measures.values())))
            certificate["volume_sum"] = tot
            certificate["domain_volume"] = dom_vol
            certificate["volume_rel_error"] = abs(tot - dom_vol) / dom_vol if dom_vol > 0 else math.nan
    return exact, certificate


def _symmetric(edges: list[tuple[int, int]], R: int) -> bool:
    if not edges:
        return True
    E = np.array(edges, dtype=np.int64)
    fwd = np.unique(E[:, 0] * R + E[:, 1])
    bwd = np.unique(E[:, 1] * R + E[:, 0])
    return bool(fwd.size == bwd.size and np.array_equal(fwd, bwd))


def _volume(vertices: FloatArray | None, G: FloatArray, h: FloatArray, t0: FloatArray) -> float:
    """Length/area/volume of ``{G t <= h}`` (from its vertices when known)."""
    k = G.shape[1]
    if k == 1:
        if vertices is not None:
            return float(vertices.max() - vertices.min())
        g = G[:, 0]
        return float((h[g > 0] / g[g > 0]).min() - (h[g < 0] / g[g < 0]).max())
    from scipy.spatial import ConvexHull, HalfspaceIntersection

    if vertices is None:
        norms = np.linalg.norm(G, axis=1)
        live = live_rows(norms)
        vertices = HalfspaceIntersection(np.hstack([G[live], -h[live, None]]), t0).intersections
    return float(ConvexHull(vertices).volume)


_lp_cells = serial_or_parallel(lp_serial)


def lp_engine(
    net: Network, G: FloatArray, h: FloatArray, *, budget: Budget, options: dict[str, Any]
) -> EngineResult:
    """Entry point of :func:`lp_serial`: serial, or parallel over first-layer cells of a
    bounded domain (an unbounded one is traversed serially)."""
    if wants_parallel(options) and not is_bounded(np.asarray(G, dtype=np.float64), np.asarray(h)):
        res = lp_serial(net, G, h, budget=budget, options=options)
        res.details["parallel"] = "serial: unbounded domains are not split into cells"
        return res
    return _lp_cells(net, G, h, budget=budget, options=options)


ENGINES.add(
    "lp",
    EngineInfo(
        lp_engine,
        exact=True,
        max_dim=None,
        needs_bounded=False,
        parallel=True,
        description="region-graph traversal with LPs/Qhull: exact in any dimension, bounded or not",
    ),
)
