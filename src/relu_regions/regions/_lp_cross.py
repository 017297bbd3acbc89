"""Crossing facets in the ``lp`` traversal: which neurons flip, witness points, the seed region.

Helpers of :func:`~relu_regions.regions._lp.lp_serial` (see that module's docstring for the
traversal): :func:`cross_facets` decides the pattern across a facet from the gradients of
the tight neurons, :func:`_witnesses` steps just across, :func:`_seed` finds the first
region's interior point and :func:`_fast_cross` the neighbours' patterns in one batch.
"""

from __future__ import annotations

import numpy as np

from .._typing import BoolArray, FloatArray, IntArray
from ..exceptions import SolverError
from ..network import Network
from ._polytope import (
    RADIUS_TOL,
    TIGHT_TOL,
    ZERO_ROW_TOL,
    ActLayer,
    chebyshev,
    pattern_rows,
    radius_at,
    region_halfspaces,
    seed_candidates,
)

__all__ = ["cross_facets", "DIR_TOL"]

#: A tight neuron turns active across a facet when ``grad z . n > DIR_TOL |grad z|``; a
#: tight neuron with ``|grad z . n| <= DIR_TOL |grad z|`` (hyperplane transversal to the
#: facet at the facet point) makes the crossing ambiguous.
DIR_TOL = 1e-6


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
    tol = RADIUS_TOL * scale
    lps = 0
    for _ in range(10):
        T = seed_candidates(centre, scale, rng)
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
