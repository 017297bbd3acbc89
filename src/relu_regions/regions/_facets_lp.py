"""The ``lp`` facet finder: ray shooting, then one Chebyshev LP per undecided row.

See :mod:`~relu_regions.regions._facets` for how the finders compare, and
:func:`facets_lp` for the steps (with a box as column bounds, and in a low-dimensional row
space with ``basis``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._typing import FloatArray
from ..exceptions import SolverError
from ._facet_models import _FacetLP, _LiftedFacetLP, _LiftFailed
from ._facet_rows import Facets, _representatives, _row_norms
from ._polytope import RADIUS_TOL

__all__ = ["facets_lp", "RAYS_PER_DIM", "MAX_RANDOM_RAYS", "BOX_MARGIN", "OUTER_DEPTH_TOL"]

#: Random rays shot per dimension by the ``lp`` finder before it solves any LP (at most
#: ``MAX_RANDOM_RAYS``: in hundreds of dimensions the rays would cost more than the LPs).
RAYS_PER_DIM = 16
MAX_RANDOM_RAYS = 256
#: :func:`facets_lp` with a box first looks for section points this far (times the domain's
#: Chebyshev radius) from the box.
BOX_MARGIN = 1e-2
#: The ``y``-space Qhull screen of :func:`facets_lp` (with ``basis``) rejects a row only when
#: its dual point lies deeper than this (relative to the dual points' extent) inside the hull.
OUTER_DEPTH_TOL = 1e-7


@functools.lru_cache(maxsize=16)
def _random_directions(k: int) -> FloatArray:
    """The ``lp`` finder's random unit rays in ``k`` dimensions (fixed seed; drawn once)."""
    dirs = np.random.default_rng(0).normal(size=(min(RAYS_PER_DIM * k, MAX_RANDOM_RAYS), k))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    dirs.flags.writeable = False
    return dirs


def _segment_point(
    x: FloatArray,
    t_hat: FloatArray,
    slack_rows: Callable[[FloatArray], FloatArray],
    lo: FloatArray,
    hi: FloatArray,
) -> tuple[FloatArray, float]:
    """The best point of the segment ``[x, t_hat]`` (both on the facet's hyperplane).

    Along the segment every row slack and every box margin is affine, so the radius
    ``min(rows' slacks, box margins)`` is concave and piecewise linear: it is evaluated on a
    geometric grid of ``theta`` (from ``x``) and the best point returned with its radius
    (re-evaluated in float64 by the caller).  This turns a point that satisfies the rows
    but touches (or leaves) the box, plus a point inside the box that may violate rows,
    into a point inside both when one exists near the grid.
    """
    theta = np.r_[0.0, np.geomspace(1e-9, 0.5, 28), 0.75, 1.0]
    sx, sh = slack_rows(x), slack_rows(t_hat)
    bx = np.minimum(x - lo, hi - x)
    bh = np.minimum(t_hat - lo, hi - t_hat)
    rows = np.min((1.0 - theta[:, None]) * sx + theta[:, None] * sh, axis=1, initial=np.inf)
    box = np.min((1.0 - theta[:, None]) * bx + theta[:, None] * bh, axis=1)
    best = int(np.argmax(np.minimum(rows, box)))
    return x + theta[best] * (t_hat - x), float(min(rows[best], box[best]))


def _outer_facets(
    Ay: FloatArray,
    hn: FloatArray,
    V: FloatArray,
    y0: FloatArray,
    lo: FloatArray,
    hi: FloatArray,
    rep: np.ndarray,
) -> dict[int, FloatArray] | None:
    """Facet rows of the region's image in ``y`` inside an outer box of the domain's image, by Qhull.

    The image ``Y = V^T [lo, hi]`` lies in the box ``|y - V^T m| <= |V|^T w`` (``m, w``: the
    box's centre and half-widths; it is ``Y``'s support function in the axis directions), so
    the region's image lies in the ``r``-dimensional polytope ``P = {A_y y <= h} ∩ B``.  A
    row that is not a facet of ``P`` has a section of dimension ``< r - 1`` there, so none
    of positive radius in the region: not a facet.  Returns ``{row: centroid of its facet of
    P}`` for the representatives of the facet rows, or ``None`` when Qhull fails.
    """
    from scipy.spatial import ConvexHull, QhullError  # type: ignore[attr-defined]

    r = V.shape[1]
    mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
    cy, wy = V.T @ mid, np.abs(V).T @ half
    eye = np.eye(r)
    m = Ay.shape[0]
    G = np.vstack([Ay, eye, -eye])
    s = np.r_[hn, cy + wy, wy - cy] - G @ y0
    if not s.min() > 0:
        return None
    D = G / s[:, None]  # polar duality, as in facets_qhull
    try:
        hull = ConvexHull(D, qhull_options="Qt")
    except (QhullError, ValueError):
        return None
    eq = hull.equations
    if np.any(eq[:, r] >= 0):
        return None
    V_out = y0 - eq[:, :r] / eq[:, r:]  # the polytope's vertices
    # a row counts unless its dual point lies clearly inside the dual hull: rows whose dual
    # points Qhull may have merged (nearly coinciding hyperplanes) go to the LPs
    depth = -np.max(D[:m] @ eq[:, :r].T + eq[:, r], axis=1)
    near = depth <= OUTER_DEPTH_TOL * float(np.max(np.linalg.norm(D, axis=1)))
    simp = hull.simplices
    nf = simp.shape[0]
    inc = np.zeros((D.shape[0], nf))
    inc[simp, np.arange(nf)[:, None]] = 1.0  # row i's dual point is a vertex of dual facet f
    cnt = inc[:m].sum(axis=1)
    cent = (inc[:m] @ V_out) / np.maximum(cnt, 1.0)[:, None]  # centroid of row i's facet
    points: dict[int, FloatArray] = {}
    for i in np.flatnonzero(near):
        points.setdefault(int(rep[i]), cent[i] if cnt[i] > 0 else y0 + Ay[i])
    return points


def facets_lp(
    G: FloatArray,
    h: FloatArray,
    t0: FloatArray,
    scale: float,
    candidates: np.ndarray | None = None,
    box: tuple[FloatArray, FloatArray] | None = None,
    basis: FloatArray | None = None,
    models: dict[Any, Any] | None = None,
) -> Facets:
    """The ``lp`` finder for ``{G t <= h}`` (and ``lower <= t <= upper`` with ``box``).

    ``candidates`` (a boolean mask over the rows, default all) limits the rows that are
    decided: the others only constrain.  A group of coinciding rows is decided when any of
    its rows is a candidate.  Only rows of ``G`` are reported, never the box's.

    With ``box`` the same decisions as with the box's ``2 k`` rows appended to ``G``, but far
    cheaper in high dimension: the box enters the LPs as column bounds.  For each row ``j``
    that ray shooting left undecided (most are not facets):

    1. the section within the box, as far as possible from the other rows: when it is empty
       or no point is farther than ``tol`` from the other rows, no ball of radius ``> tol``
       fits: not a facet; when the optimum is also ``tol``-far from the box: a facet;
    2. else the bounds shrunk by ``rho = BOX_MARGIN * scale``: a point at distance ``> tol``
       from the other rows is then ``rho``-far from the box: a facet;
    3. else (a facet can only be hugging the box) the exact Chebyshev LP with the box rows.

    With ``basis`` (a ``k x r`` matrix ``V`` with orthonormal columns whose span contains
    every row of ``G``, ``r << k``: the rows of a network's regions lie in the row space of
    its first layer) the rows depend on ``t`` only through ``y = V^T t`` and the region is
    ``{A_y y <= h} ∩ Y`` with ``Y = V^T box`` (a zonotope).  The same decisions, taken in
    ``r`` dimensions wherever a certificate allows:

    a. *reject* the rows that are not facets of the image inside an outer box of ``Y`` (one
       Qhull call in ``r`` dimensions, :func:`_outer_facets`; only rows clearly inside);
    b. *confirm* by rays from ``t0`` along ``y``-directions (the rows' normals, towards the
       outer facets' centroids, random), lifted to ``t`` by Dikin weights (the squared
       distances of ``t0`` to the box), so they run far before they reach the box;
    c. the section LP of step 1 in ``y`` over the outer box (``r + 1`` columns, bounds only):
       its ball is at least step 1's, so a radius ``<= tol`` (or infeasibility) rejects as
       step 1 would; its optimum ``x`` (on the row, ``tol``-far from the others, maybe
       outside the box) and a point of the row's hyperplane inside the box (``t0`` or the
       box's centre moved onto it) span a segment on which both margins are affine: a point
       with both ``> tol`` confirms (:func:`_segment_point`);
    d. rows left (or an LP HiGHS did not solve) go through steps 1-3, step 1 as the lifted
       LP :class:`_LiftedFacetLP` (``y`` and ``t`` as columns, ``m r + r k`` non-zeros), its
       optimum (on the box) first moved inside along such a segment.

    Every confirmation is an explicit point whose radius is certified in float64 in ``t``;
    every rejection is a relaxation of step 1's LP.  ``models`` keeps the lifted LP's
    HiGHS model from one call to the next (same ``m``, ``V`` and box).
    """
    k = G.shape[1]
    norms, live = _row_norms(G)
    idx = np.flatnonzero(live)
    Gn = G[idx] / norms[idx, None]
    hn = h[idx] / norms[idx]
    m = idx.size
    rep = _representatives(Gn, hn)
    wanted = np.ones(m, dtype=bool)
    if candidates is not None:
        wanted[:] = False
        wanted[rep[np.asarray(candidates, dtype=bool)[idx]]] = True
    reps = np.flatnonzero((rep == np.arange(m)) & wanted)
    # without a box: an infinite one (no bound, no distance to it)
    lo = np.full(k, -np.inf) if box is None else np.asarray(box[0], dtype=np.float64)
    hi = np.full(k, np.inf) if box is None else np.asarray(box[1], dtype=np.float64)
    s = hn - Gn @ t0
    if np.any(s <= 0) or np.any(t0 <= lo) or np.any(t0 >= hi):
        raise SolverError("LP facets: the point is not interior")
    if reps.size == 0:
        return Facets(np.zeros(0, dtype=np.int64), np.zeros((0, k)))
    tol = RADIUS_TOL * scale

    def rows_radius(x: FloatArray, j: int) -> float:
        others = rep != j
        return float(np.min(hn[others] - Gn[others] @ x)) if others.any() else math.inf

    def radius(x: FloatArray, j: int) -> float:
        return min(rows_radius(x, j), float(np.min(x - lo)), float(np.min(hi - x)))

    def slacks(j: int) -> Callable[[FloatArray], FloatArray]:
        others = rep != j
        return lambda x: hn[others] - Gn[others] @ x

    def in_box_on(j: int) -> FloatArray | None:
        """A point of row ``j``'s hyperplane inside the box: ``t0`` or the box's centre
        moved onto it along the row's normal, whichever is deeper in the box."""
        g = Gn[j]
        best, depth = None, 0.0
        for p in (t0, 0.5 * (lo + hi)):
            q = p + (hn[j] - g @ p) * g
            d = float(np.min(np.minimum(q - lo, hi - q)))
            if d > depth:
                best, depth = q, d
        return best

    # Ray shooting along each representative's normal and along random directions: the
    # group hit first, strictly before every other (and before the box), is a facet, and
    # the hit point is in it.
    if basis is None:
        dirs = np.vstack([Gn[reps], _random_directions(k)])
        rates = Gn @ dirs.T  # (m, D)
    else:
        V = np.asarray(basis, dtype=np.float64)
        Ay = Gn @ V  # the rows in y = V^T t (unit norm: the rows lie in span(V))
        y0 = V.T @ t0
        outer = _outer_facets(Ay, hn, V, y0, lo, hi, rep) if box is not None else None
        if outer is not None:  # rows that are not facets of the outer polytope are not facets
            wanted &= np.isin(np.arange(m), list(outer))
            reps = reps[wanted[reps]]
            toward = np.array([outer[int(j)] - y0 for j in reps]).reshape(-1, V.shape[1])
        else:
            toward = np.zeros((0, V.shape[1]))
        E = np.vstack([Ay[reps], toward, _random_directions(V.shape[1])])
        E /= np.linalg.norm(E, axis=1, keepdims=True)
        if box is not None:
            # each y-direction lifted to the t-direction of least weighted norm, weights the
            # squared distances to the box (Dikin's ellipsoid at t0 lies in the box): the rays
            # run far in y before they reach the box
            w = np.minimum(t0 - lo, hi - t0) ** 2
            WV = w[:, None] * V
            dirs = (WV @ np.linalg.solve(V.T @ WV, E.T)).T
        else:
            dirs = E @ V.T
        rates = Ay @ E.T
    with np.errstate(divide="ignore", invalid="ignore"):
        hit = np.where(rates > 1e-12, s[:, None] / rates, np.inf)
        to_box = np.where(dirs > 1e-12, (hi - t0) / dirs, np.where(dirs < -1e-12, (lo - t0) / dirs, np.inf))
    t_box = to_box.min(axis=1)
    first_row = np.argmin(hit, axis=0)
    t_first = hit[first_row, np.arange(dirs.shape[0])]
    confirmed: dict[int, FloatArray] = {}
    for d in np.argsort(t_first):
        j = int(rep[first_row[d]])
        if j in confirmed or not wanted[j] or not np.isfinite(t_first[d]) or t_first[d] >= t_box[d]:
            continue
        x = t0 + t_first[d] * dirs[d]
        if radius(x, j) > tol:
            confirmed[j] = x
    lps = 0
    todo = [int(r) for r in reps if int(r) not in confirmed]
    lifted: _LiftedFacetLP | None = None
    if todo and basis is not None:
        # the section LPs in y = V^T t without the box first (module docstring of the finder)
        left: list[int] = []
        ysolver = _FacetLP(Ay, hn, cap=10.0 * scale) if todo else None
        # the outer box of the domain's image bounds y (Y lies in it: rejections stay valid)
        y_box = (V.T @ (0.5 * (lo + hi)) - np.abs(V).T @ (0.5 * (hi - lo)),
                 V.T @ (0.5 * (lo + hi)) + np.abs(V).T @ (0.5 * (hi - lo))) if box is not None else None
        for j in todo:
            assert ysolver is not None
            yc = ysolver.section_centre(j, np.flatnonzero((rep == j) & (np.arange(m) != j)), y_box)
            lps += 1
            if yc is None and ysolver.failed and box is not None:
                left.append(j)  # not solved: the lifted LP decides
                continue
            if yc is None:
                continue  # the section is empty even without the box
            x = t0 + V @ (yc - y0)
            if rows_radius(x, j) <= tol:
                continue  # no ball of radius > tol fits even without the box: not a facet
            if radius(x, j) > tol:
                confirmed[j] = x
                continue
            if box is not None:
                t_hat = in_box_on(j)
                if t_hat is not None:
                    x, _ = _segment_point(x, t_hat, slacks(j), lo, hi)
                    if radius(x, j) > tol:
                        confirmed[j] = x
                        continue
                left.append(j)
        todo = left
        if todo:
            key = ("lifted", m, id(basis))
            if models is not None and key in models:
                lifted = models[key]
                lifted.reset(Ay, hn)
            else:
                lifted = _LiftedFacetLP(Ay, hn, V, cap=10.0 * scale)
                if models is not None:
                    models.clear()  # one model per run (the basis and the box stay)
                    models[key] = lifted
    if todo and box is None:
        solver = _FacetLP(Gn, hn, cap=10.0 * scale)
        for j in todo:
            xs = solver.section_centre(j, np.flatnonzero((rep == j) & (np.arange(m) != j)))
            lps += 1
            if xs is not None and radius(xs, j) > tol:
                confirmed[j] = xs
    elif todo:
        rho = min(BOX_MARGIN * scale, 0.25 * float(np.min(hi - lo)))
        dense: _FacetLP | None = None

        def section(j: int, same: np.ndarray, bounds: tuple[FloatArray, FloatArray]) -> FloatArray | None:
            nonlocal dense, lifted
            if lifted is not None:
                try:
                    return lifted.section_centre(j, same, bounds)
                except _LiftFailed:  # HiGHS's simplex gave up ("unknown"): the dense LP below
                    lifted = None
            if dense is None:
                dense = _FacetLP(Gn, hn, cap=10.0 * scale)
            return dense.section_centre(j, same, bounds)

        full: _FacetLP | None = None
        for j in todo:
            same = np.flatnonzero((rep == j) & (np.arange(m) != j))
            x = section(j, same, (lo, hi))
            lps += 1
            if x is None or rows_radius(x, j) <= tol:
                continue  # no ball of radius > tol fits even ignoring the box: not a facet
            if radius(x, j) <= tol and lifted is not None:
                t_hat = in_box_on(j)
                if t_hat is not None:  # x meets the rows, t_hat the box: a point between
                    x = _segment_point(x, t_hat, slacks(j), lo, hi)[0]
            if radius(x, j) <= tol:
                x = section(j, same, (lo + rho, hi - rho))
                lps += 1
            if x is None or radius(x, j) <= tol:
                if full is None:
                    eye = np.eye(k)
                    full = _FacetLP(np.vstack([Gn, eye, -eye]), np.r_[hn, hi, -lo], cap=10.0 * scale)
                x = full.section_centre(j, same)
                lps += 1
            if x is not None and radius(x, j) > tol:
                confirmed[j] = x
    rows = np.array(sorted(confirmed), dtype=np.int64)
    pts = np.array([confirmed[int(j)] for j in rows]).reshape(-1, k)
    return Facets(idx[rows], pts, lps=lps)
