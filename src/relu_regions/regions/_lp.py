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
"""

from __future__ import annotations

import collections
import dataclasses
import math
from typing import Any

import numpy as np

from .._budget import Budget, progress_bar
from .._typing import BoolArray, FloatArray, IntArray
from ..exceptions import DomainError, EmptyDomainError, SolverError
from ..network import Network
from ._facets import facet_method, find_facets
from ._facets_lp import facets_lp
from ._parallel import serial_or_parallel, wants_parallel
from ._polytope import (
    RADIUS_TOL,
    TIGHT_TOL,
    ZERO_ROW_TOL,
    ActLayer,
    activated_layers,
    axis_box,
    axis_rows,
    bounding_box,
    chebyshev,
    domain_scale,
    live_rows,
    pattern_rows,
    radius_at,
    region_halfspaces,
)
from ._types import ENGINES, EngineInfo, EngineResult

__all__ = [
    "lp_engine", "lp_serial", "cross_facets", "candidate_neurons", "is_bounded", "unbounded_scale", "DIR_TOL"
]

#: A tight neuron turns active across a facet when ``grad z . n > DIR_TOL |grad z|``; a
#: tight neuron with ``|grad z . n| <= DIR_TOL |grad z|`` (hyperplane transversal to the
#: facet at the facet point) makes the crossing ambiguous.
DIR_TOL = 1e-6
#: Above this chart dimension a box domain enters the LP facet finder as column bounds
#: (:func:`~relu_regions.regions._facets_lp.facets_lp` with ``box``): 61-D ball, 146 regions 1.3 -> 0.6 s;
#: 784-D ball, 904 regions > 120 s -> 48 s; at 10-12 D it is 3-8% slower than box rows.
BOX_BOUNDS_MIN_DIM = 16
#: The traversal decides facet rows in the row space of the first layer (plus the domain's
#: rows that are not a box's) when its dimension ``r`` is at most ``k / RANK_FRACTION``.
RANK_FRACTION = 4
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


def cross_facets(
    layers: list[ActLayer], X: FloatArray, rows: IntArray, normals: FloatArray, scale: float
) -> tuple[BoolArray, BoolArray]:
    """Patterns just across facets, by the limit rule (module docstring, step 3).

    Parameters
    ----------
    layers:
        activated layers of the chart network.
    X, rows, normals:
        ``(F, k)`` facet points, the neuron defining each facet (always tight there) and
        unit normals pointing into the neighbour.
    scale:
        the domain's Chebyshev radius.

    Returns
    -------
    patterns, ambiguous:
        ``(F, N)`` neighbour patterns and a flag per facet for an ambiguous crossing.
    """
    F, k = X.shape
    H = X
    dH = normals
    J: FloatArray = np.broadcast_to(np.eye(k), (F, k, k))
    pats = []
    ambiguous = np.zeros(F, dtype=bool)
    start = 0
    for W, b, slope in layers:
        n = W.shape[0]
        Z = H @ W.T + b
        dZ = dH @ W.T
        JZ = np.matmul(W, J)
        g = np.sqrt(np.einsum("fnk,fnk->fn", JZ, JZ))
        live = g > ZERO_ROW_TOL * np.maximum(g.max(axis=1, keepdims=True), 1.0)
        mag = np.abs(H) @ np.abs(W).T + np.abs(b)
        tight = np.abs(Z) <= TIGHT_TOL * scale * g + 1e-13 * mag
        own = (rows >= start) & (rows < start + n)
        tight[np.flatnonzero(own), rows[own] - start] = True
        flat = tight & live & (np.abs(dZ) <= DIR_TOL * g)
        ambiguous |= flat.any(axis=1)
        active = np.where(tight, live & (dZ > DIR_TOL * g), Z > 0)
        pats.append(active)
        d = np.where(active, 1.0, slope)
        H = d * Z
        dH = d * dZ
        J = d[:, :, None] * JZ
        start += n
    return np.concatenate(pats, axis=1), ambiguous


def candidate_neurons(net: Network, G: FloatArray, h: FloatArray) -> BoolArray:
    """Neurons that may change sign on ``{t : G t <= h}`` (bounded, non-empty).

    The complement is proven stable: sound CROWN/interval bounds of every pre-activation
    over a box around the domain (read off its axis-aligned rows, else the bounding box by
    2 k LPs) have a constant strict sign.
    """
    from ..exceptions import DomainError
    from ..relax import crown_layer

    if not net.is_relu:  # the CROWN relaxation below is for ReLU; LeakyReLU: decide every row
        return np.ones(net.num_neurons, dtype=bool)
    box = axis_box(G, h)  # a box around the domain (cells of a split box keep its rows)
    if box is None:
        try:
            box = bounding_box(G, h)
        except DomainError:
            return np.ones(net.num_neurons, dtype=bool)  # no bounding box: decide every row
    lower, upper = box
    pad = 1e-9 * (1.0 + np.maximum(np.abs(lower), np.abs(upper)))
    lower, upper = lower - pad, upper + pad
    bounds: list[tuple[FloatArray, FloatArray]] = []
    masks = []
    for layer, lay in enumerate(net.layers):
        if not lay.activated:
            break  # only the affine output layer is not activated
        lo, hi = crown_layer(net, layer, bounds, lower, upper)
        bounds.append((lo, hi))
        masks.append(~((lo > 0) | (hi < 0)))
    return np.concatenate(masks) if masks else np.zeros(0, dtype=bool)


def row_space_basis(W1: FloatArray, G_other: FloatArray, k: int) -> FloatArray | None:
    """Orthonormal basis ``V`` (``k x r``) of the row space of the first layer and ``G_other``.

    Every later neuron's row on a region is a combination of first-layer rows (the chain
    rule), so all facet rows of the traversal lie in ``span(V)`` and depend on ``t`` only
    through ``y = V^T t`` (:func:`~relu_regions.regions._facets_lp.facets_lp` with ``basis``).
    ``None`` when that space is not much smaller than ``R^k`` (``r > k / RANK_FRACTION``)
    or is ``{0}``.  Directions with singular value below NumPy's rank tolerance
    (``s_max max(shape) eps``) are dropped: ``W1`` of rank ``< n1`` loses nothing.
    """
    M = np.vstack([W1, G_other]) if G_other.size else np.asarray(W1, dtype=np.float64)
    if M.shape[0] == 0 or M.shape[0] * RANK_FRACTION > k and M.shape[0] >= k:
        return None
    _, sv, Vt = np.linalg.svd(M, full_matrices=False)
    if sv.size == 0 or not sv[0] > 0:
        return None
    r = int(np.sum(sv > sv[0] * max(M.shape) * np.finfo(np.float64).eps))
    if r * RANK_FRACTION > k:
        return None
    return np.ascontiguousarray(Vt[:r].T)


def _witnesses(
    pats: BoolArray,
    A: FloatArray,
    c: FloatArray,
    X: FloatArray,
    normals: FloatArray,
    G_dom: FloatArray,
    h_dom: FloatArray,
    scale: float,
    box: tuple[FloatArray, FloatArray] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Points ``x_f + eps n`` inside each neighbour and their certified radii (vectorised).

    The neighbours are ``{sign * (A t + c) >= 0, G_dom t <= h_dom}`` and, with ``box``
    (``lower, upper``), ``lower <= t <= upper``: the box's unit rows are handled in closed
    form (in high dimension its ``2 k`` rows would dominate).  Returns ``(points, radii)``.
    """
    F = pats.shape[0]
    sign = np.where(pats, -1.0, 1.0)
    G = np.concatenate([sign[:, :, None] * A, np.broadcast_to(G_dom, (F, *G_dom.shape))], axis=1)
    h = np.concatenate([-sign * c, np.broadcast_to(h_dom, (F, h_dom.size))], axis=1)
    norms = np.sqrt(np.einsum("fmk,fmk->fm", G, G))
    big = np.maximum(norms.max(axis=1, keepdims=True, initial=0.0), 1.0)
    live = norms > ZERO_ROW_TOL * big
    slack0 = h - np.einsum("fmk,fk->fm", G, X)
    rate = np.einsum("fmk,fk->fm", G, normals)
    moving = live & (rate > DIR_TOL * norms)
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = np.where(moving, np.maximum(slack0, 0.0) / rate, np.inf)
    step = steps.min(axis=1, initial=np.inf)
    if box is not None:
        lo, hi = box
        with np.errstate(divide="ignore", invalid="ignore"):
            up = np.where(normals > DIR_TOL, np.maximum(hi - X, 0.0) / normals, np.inf)
            down = np.where(normals < -DIR_TOL, np.maximum(X - lo, 0.0) / -normals, np.inf)
        step = np.minimum(step, np.minimum(up, down).min(axis=1))
    eps = np.minimum(0.5 * step, scale)
    P = X + eps[:, None] * normals
    slack = h - np.einsum("fmk,fk->fm", G, P)
    with np.errstate(divide="ignore", invalid="ignore"):
        dist = np.where(live, slack / norms, np.inf)
    radii = dist.min(axis=1, initial=np.inf)
    if box is not None:
        radii = np.minimum(radii, np.minimum(P - box[0], box[1] - P).min(axis=1))
    return P, radii


def _seed(
    net: Network,
    layers: list[ActLayer],
    G_dom: FloatArray,
    h_dom: FloatArray,
    centre: FloatArray,
    scale: float,
    rng: np.random.Generator,
    cap: float = 1e6,
) -> tuple[BoolArray, FloatArray, int]:
    """A first region: the sampled point with the largest certified ball in its region."""
    k = net.input_dim
    tol = RADIUS_TOL * scale
    lps = 0
    for _ in range(10):
        U = rng.normal(size=(64, k))
        U /= np.linalg.norm(U, axis=1, keepdims=True)
        U *= 0.9 * scale * rng.uniform(0, 1, size=(64, 1)) ** (1.0 / k)
        T = np.vstack([centre[None, :], centre + U])
        pats = net.pattern_vector(T)
        A, c = pattern_rows(layers, pats)
        radii = np.array(
            [radius_at(*region_halfspaces(A[i], c[i], pats[i], G_dom, h_dom), T[i]) for i in range(len(T))]
        )
        best = int(np.argmax(radii))
        if radii[best] > tol:
            Gr, hr = region_halfspaces(A[best], c[best], pats[best], G_dom, h_dom)
            x, r = chebyshev(Gr, hr, cap=cap)
            lps += 1
            if x is not None and r > radii[best]:
                return pats[best], x, lps
            return pats[best], T[best], lps
    raise SolverError("lp: could not find a point in the interior of any region (degenerate domain?)")


def _fast_cross(
    layers: list[ActLayer],
    S: BoolArray,
    A: FloatArray,
    c: FloatArray,
    X: FloatArray,
    rows: IntArray,
    normals: FloatArray,
    scale: float,
) -> tuple[BoolArray, BoolArray]:
    """Neighbour patterns across facets; the common case without computing any gradient.

    ``S, A, c`` are the owning regions' patterns and maps (one per facet).  At a facet point
    only the facet's own neuron is usually tight; then the neighbour differs in that bit
    alone (earlier layers are unchanged, so the neuron's gradient is the owner's and points
    across the facet).  Facets where other neurons are tight too (coinciding hyperplanes,
    neurons constant on the owner) go through :func:`cross_facets`.
    """
    F = X.shape[0]
    Z = np.einsum("fk,fnk->fn", X, A) + c
    g = np.sqrt(np.einsum("fnk,fnk->fn", A, A))
    mag = np.einsum("fk,fnk->fn", np.abs(X), np.abs(A)) + np.abs(c)
    tight = np.abs(Z) <= TIGHT_TOL * scale * g + 1e-13 * mag
    tight[np.arange(F), rows] = True
    simple = tight.sum(axis=1) == 1
    pats = S.copy()
    pats[np.arange(F), rows] ^= True
    amb = np.zeros(F, dtype=bool)
    hard = np.flatnonzero(~simple)
    if hard.size:
        hp, ha = cross_facets(layers, X[hard], rows[hard], normals[hard], scale)
        pats[hard] = hp
        amb[hard] = ha
    return pats, amb


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
    certificate: dict[str, Any] = {
        "kind": "region graph closed under facet crossings",
        "facets": int(stats["facets"]),
        "boundary_facets": int(stats["boundary_facets"]),
        "ambiguous_crossings": int(stats["ambiguous_crossings"]),
        "thin_neighbours": int(stats["thin_neighbours"]),
    }
    exact = complete
    if complete:
        sym = _symmetric(edges, R)
        certificate["adjacency_symmetric"] = sym
        if not sym:
            exact = False
            details["not_exact_reason"] = (
                "some facet was seen from one side only (numerically degenerate facets)"
            )
        if stats["ambiguous_crossings"]:
            exact = False
            details["not_exact_reason"] = "ambiguous facet crossings (a hyperplane through a facet point)"
        if volumes and measures:
            dom_vol = _volume(None, G, h, centre)
            tot = float(np.sum(list(measures.values())))
            certificate["volume_sum"] = tot
            certificate["domain_volume"] = dom_vol
            certificate["volume_rel_error"] = abs(tot - dom_vol) / dom_vol if dom_vol > 0 else math.nan
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


def is_bounded(G: FloatArray, h: FloatArray) -> bool:
    """Whether the (non-empty) polyhedron ``{t : G t <= h}`` is bounded.

    Read off its axis rows when they bound every coordinate; otherwise by one LP: it is
    bounded iff its recession cone ``{d : G d <= 0}`` is ``{0}``, i.e. iff ``G`` has rank
    ``k`` and its rows positively span ``R^k``: some ``y >= 1`` has ``G^T y = 0`` (then
    ``G d <= 0`` and ``y^T G d = 0`` force ``G d = 0``, so ``d = 0``; conversely Gordan).
    """
    m, k = G.shape
    if m <= k:
        return False  # fewer than k + 1 rows never bound a polyhedron
    if axis_box(G, h) is not None:
        return True
    if np.linalg.matrix_rank(G) < k:
        return False
    from ..solvers import solve_lp

    res = solve_lp(np.zeros(m), A_eq=G.T, b_eq=np.zeros(k), bounds=[(1.0, None)] * m)
    return res.status == "optimal"


def unbounded_scale(net: Network, G: FloatArray, h: FloatArray) -> tuple[FloatArray, float]:
    """Reference point and tolerance scale of an unbounded domain (module docstring).

    The point is the domain's Chebyshev centre with the ball capped at radius 1; the scale
    is the largest distance from it to a first-layer hyperplane, at least 1.
    """
    centre, r = chebyshev(G, h, cap=1.0) if G.shape[0] else (np.zeros(G.shape[1]), 1.0)
    if centre is None or not r > 0:
        raise EmptyDomainError("the domain has no interior in its chart (it is empty or flat)")
    scale = 1.0
    if net.activated_layers:
        W0, b0 = net.layers[0].weight, net.layers[0].bias
        norms = np.linalg.norm(W0, axis=1)
        live = norms > 0
        if live.any():
            dist = np.abs(W0[live] @ centre + b0[live]) / norms[live]
            scale = max(scale, float(dist.max()))
    return centre, scale


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
