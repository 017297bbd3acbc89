"""Closed-form and network-aware bounds on the number of linear regions.

Every bound is a function returning a :class:`Bound` (value, ``log10``, kind, reference);
:func:`bound_regions` computes several at once by name (see :data:`BOUND_METHODS`).
"""

from ._api import bound_regions, methods_help, network_densities
from ._architecture import (
    check_widths,
    montufar2017_bound,
    raghu2017_bound,
    serra2018_bound,
    serra2018_maxout_bound,
    trivial_bound,
)
from ._cai import cai2023_bound
from ._expected import hanin_rolnick2019_bound, hanin_rolnick2019_theorem5_bound
from ._lower import montufar2014_lower_bound, serra2018_lower_bound
from ._maxout import (
    MAXOUT_METHODS,
    maxout_network_bound,
    maxout_ranks,
    serra2018_maxout_layers,
    tseran_montufar2021_estimate,
)
from ._network_aware import network_aware_bound
from ._numbers import format_magnitude, log10_int, zaslavsky
from ._rank import RANK_ESTIMATORS, RankDistribution, rank_distribution
from ._types import BOUND_METHODS, Bound, BoundConditionError, BoundReport

__all__ = [
    "bound_regions",
    "methods_help",
    "Bound",
    "BoundReport",
    "BoundConditionError",
    "BOUND_METHODS",
    "zaslavsky",
    "log10_int",
    "format_magnitude",
    "network_densities",
    "check_widths",
    "trivial_bound",
    "raghu2017_bound",
    "montufar2017_bound",
    "serra2018_bound",
    "serra2018_maxout_bound",
    "montufar2014_lower_bound",
    "serra2018_lower_bound",
    "hanin_rolnick2019_bound",
    "hanin_rolnick2019_theorem5_bound",
    "cai2023_bound",
    "network_aware_bound",
    "rank_distribution",
    "RankDistribution",
    "RANK_ESTIMATORS",
    "MAXOUT_METHODS",
    "maxout_network_bound",
    "maxout_ranks",
    "serra2018_maxout_layers",
    "tseran_montufar2021_estimate",
]
