"""The geometry floor: H-polytopes, charts, LP helpers, samplers and exact 2-D polygons.

Everything here knows polytopes and nothing about networks; the domains
(:mod:`relu_regions.domain`) and the engines build on it.

- :class:`Chart`: affine coordinates ``x = origin + basis @ t`` over ``{t : lo <= t <= hi, A t <= b}``.
- :func:`lp_min`, :func:`lp_bounding_box`, :func:`chebyshev_center`: LPs over ``{t : G t <= h}``.
- :func:`chart_sampler`, :func:`sample_chart`: uniform points (rejection, then hit-and-run).
- :func:`clip_convex_polygon`, :func:`polygon_area`, :func:`class_pieces`,
  :func:`class_boundary`: exact convex polygons in the plane (regions on a 2-D slice).
"""

from ._chart import Chart
from ._lp import CHEBYSHEV_RADIUS_CAP, chebyshev_center, lp_bounding_box, lp_min
from ._polygon import TIE_RTOL, class_boundary, class_pieces, clip_convex_polygon, polygon_area
from ._sample import (
    HIT_AND_RUN_BURN_IN,
    HIT_AND_RUN_THINNING,
    REJECTION_MIN_BATCH,
    REJECTION_OVERSAMPLE,
    REJECTION_ROUNDS,
    chart_sampler,
    sample_chart,
)

__all__ = [
    "clip_convex_polygon",
    "polygon_area",
    "class_pieces",
    "class_boundary",
    "TIE_RTOL",
    "Chart",
    "lp_min",
    "lp_bounding_box",
    "chebyshev_center",
    "CHEBYSHEV_RADIUS_CAP",
    "chart_sampler",
    "sample_chart",
    "REJECTION_ROUNDS",
    "REJECTION_OVERSAMPLE",
    "REJECTION_MIN_BATCH",
    "HIT_AND_RUN_BURN_IN",
    "HIT_AND_RUN_THINNING",
]
