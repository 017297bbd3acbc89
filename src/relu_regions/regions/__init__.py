"""Exact and sampled region counting and enumeration.

Methods are engines registered by name in :data:`ENGINES`; importing this package
registers every built-in engine.  See :mod:`relu_regions.regions._types` for the
definitions of activation and linear regions used throughout.
"""

from . import _geometric, _lp, _milp, _sample, _skeleton  # noqa: F401  (register the engines)
from ._api import AUTO_ORDER, chart_points, choose_method, count_regions, enumerate_regions
from ._export import REGION_FILE_FORMATS, load_regions, regions_to_dataframe, save_regions, stream_regions
from ._linear import chart_affine_maps, count_linear_regions, linear_region_labels, summarize_linear
from ._options import ENGINE_OPTIONS
from ._sample import BOUNDARY_TOL
from ._types import ENGINES, EngineInfo, EngineResult, Region, RegionCount, RegionSet

__all__ = [
    "count_regions",
    "enumerate_regions",
    "count_linear_regions",
    "linear_region_labels",
    "summarize_linear",
    "save_regions",
    "stream_regions",
    "load_regions",
    "regions_to_dataframe",
    "REGION_FILE_FORMATS",
    "chart_affine_maps",
    "chart_points",
    "choose_method",
    "AUTO_ORDER",
    "ENGINES",
    "EngineInfo",
    "EngineResult",
    "Region",
    "RegionCount",
    "RegionSet",
    "BOUNDARY_TOL",
    "ENGINE_OPTIONS",
]
