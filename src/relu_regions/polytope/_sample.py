"""Uniform samples of a bounded chart polytope: direct for boxes, rejection, then hit-and-run.

Hit-and-run (Smith 1984, "Efficient Monte Carlo procedures for generating points uniformly
distributed over bounded regions", Oper. Res. 32(6)): from the current point pick a uniformly
random direction, intersect its line with the polytope and jump to a uniform point of that
chord.  The chain's stationary law is uniform; it mixes in polynomial time (Lovász 1999,
"Hit-and-run mixes fast", Math. Program. 86) but successive points are correlated, hence the
burn-in and thinning below.  The constants are engineering choices for the low-dimensional
charts used here, not values from the papers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._typing import FloatArray
from ..exceptions import DomainError
from ._chart import Chart
from ._lp import chebyshev_center

__all__ = [
    "chart_sampler",
    "sample_chart",
    "REJECTION_ROUNDS",
    "REJECTION_OVERSAMPLE",
    "REJECTION_MIN_BATCH",
    "HIT_AND_RUN_BURN_IN",
    "HIT_AND_RUN_THINNING",
]

#: Batches of rejection sampling from the bounding box before switching to hit-and-run.
REJECTION_ROUNDS = 20
#: Each rejection batch draws this many candidates per requested point ...
REJECTION_OVERSAMPLE = 4
#: ... and at least this many.
REJECTION_MIN_BATCH = 1000
#: Hit-and-run steps discarded before the first kept point (from the Chebyshev centre).
HIT_AND_RUN_BURN_IN = 100
#: Keep every this-many-th hit-and-run step.
HIT_AND_RUN_THINNING = 10


def chart_sampler(ch: Chart, rng: np.random.Generator) -> Callable[[int], FloatArray]:
    """A function ``draw(n)`` of ``n`` uniform points of the (bounded) chart polytope.

    The bounding box of a general polytope is computed once (``2 k`` LPs, cached on the
    chart), so drawing many batches costs no further LPs.  Boxes are sampled directly; other
    polytopes by rejection from the bounding box while it accepts, then by hit-and-run
    (uniform in the limit).
    """
    if not ch.bounded:
        raise DomainError("cannot sample uniformly from an unbounded domain; give finite bounds")
    if ch.A.shape[0] == 0:
        return lambda n: rng.uniform(ch.lower, ch.upper, size=(int(n), ch.dim))
    G, h = ch.halfspaces()
    lo, hi = ch.bounding_box()
    state: dict[str, FloatArray | None] = {"x": None}

    def draw(n: int) -> FloatArray:
        n = int(n)
        out = np.empty((0, ch.dim))
        for _ in range(REJECTION_ROUNDS):
            cand = rng.uniform(lo, hi, size=(max(REJECTION_OVERSAMPLE * n, REJECTION_MIN_BATCH), ch.dim))
            cand = cand[np.all(cand @ G.T <= h, axis=1)]
            out = np.vstack([out, cand])
            if len(out) >= n:
                return out[:n]
        x = state["x"]
        if x is None:
            x = chebyshev_center(G, h)[0]
        pts = np.empty((n, ch.dim))
        for i in range(n * HIT_AND_RUN_THINNING + HIT_AND_RUN_BURN_IN):
            d = rng.normal(size=ch.dim)
            d /= np.linalg.norm(d)
            gd = G @ d
            slack = np.maximum(h - G @ x, 0.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                steps = slack / gd
            tmax = np.min(steps[gd > 0]) if np.any(gd > 0) else 0.0
            tmin = np.max(steps[gd < 0]) if np.any(gd < 0) else 0.0
            x = x + rng.uniform(tmin, tmax) * d
            j = i - HIT_AND_RUN_BURN_IN
            if j >= 0 and j % HIT_AND_RUN_THINNING == 0:
                pts[j // HIT_AND_RUN_THINNING] = x
        state["x"] = x
        return pts

    return draw


def sample_chart(ch: Chart, n: int, rng: np.random.Generator) -> FloatArray:
    """``n`` uniform points ``(n, k)`` of the (bounded) chart polytope (see :func:`chart_sampler`)."""
    return chart_sampler(ch, rng)(n)
