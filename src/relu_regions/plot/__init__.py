"""Public figures (matplotlib, imported lazily inside each function).

Every figure function takes ``ax=None`` (a new figure is made only when it is ``None``; in a
notebook it comes from pyplot so it shows) and returns the Axes, so figures compose; the
``analyze`` report draws with these same functions.

>>> import relu_regions as rr
>>> from relu_regions.plot import plot_regions, plot_bounds
>>> net = rr.random_network([2, 8, 8, 3], seed=0)
>>> ax = plot_regions(net, "box:-1,1", color="class")
>>> ax.figure.savefig("regions.png")          # doctest: +SKIP
"""

from __future__ import annotations

from ..polytope import class_pieces, clip_convex_polygon
from ._base import (
    new_axes,
    new_figure,
    pattern_ids,
    plot_field_2d,
    plot_points_2d,
    plot_regions_2d,
    region_colors,
    save_figure,
)
from ._boolean import (
    decision_segments,
    plot_decision_boundary,
    plot_metric_strip,
    plot_success_grid,
)
from ._linearity import (
    plot_active_direction,
    plot_coefficient_scatter,
    plot_coefficients_1d,
    plot_cross_section,
    plot_grid_regions,
    plot_kmeans_accuracy,
    plot_pieces_1d,
    plot_similarity,
    plot_spectrum,
)
from ._pruning import plot_density_curve, plot_pruning_gain
from ._regions import PLOT_COLORS, plot_regions
from ._summaries import plot_bounds, plot_stability
from ._training import plot_region_tracking

__all__ = [
    "plot_metric_strip",
    "plot_success_grid",
    "plot_decision_boundary",
    "decision_segments",
    "plot_regions",
    "plot_bounds",
    "plot_stability",
    "plot_cross_section",
    "plot_grid_regions",
    "plot_pieces_1d",
    "plot_coefficients_1d",
    "plot_active_direction",
    "plot_spectrum",
    "plot_kmeans_accuracy",
    "plot_similarity",
    "plot_coefficient_scatter",
    "plot_density_curve",
    "plot_pruning_gain",
    "plot_region_tracking",
    "PLOT_COLORS",
    "class_pieces",
    "clip_convex_polygon",
    "new_axes",
    "new_figure",
    "save_figure",
    "region_colors",
    "pattern_ids",
    "plot_regions_2d",
    "plot_field_2d",
    "plot_points_2d",
]
