"""Exact and sampled region counting and enumeration.

Methods are engines registered by name in :data:`ENGINES`; importing this package
registers every built-in engine.  See :mod:`relu_regions.regions._types` for the
definitions of activation and linear regions used throughout.
"""

from . import _lp, _milp, _sample  # noqa: F401  (register the engines)
from ._api import AUTO_ORDER, choose_method, count_regions, enumerate_regions
from ._types import ENGINES, EngineInfo, EngineResult, Region, RegionCount, RegionSet

__all__ = [
    "count_regions",
    "enumerate_regions",
    "choose_method",
    "AUTO_ORDER",
    "ENGINES",
    "EngineInfo",
    "EngineResult",
    "Region",
    "RegionCount",
    "RegionSet",
]
