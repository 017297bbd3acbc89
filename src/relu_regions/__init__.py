"""relu-regions: the piecewise-linear geometry of ReLU networks, computed exactly.

Public API (imported lazily, so ``import relu_regions`` is fast and needs neither
torch, onnx nor any optional solver)::

    from relu_regions import load_network, Box, count_regions

Every algorithm is a function ``verb_noun(net, domain, *, ...)`` returning a frozen
result with ``to_dict()``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> submodule that defines it.  Sections are kept apart so that each subpackage's
# exports can grow without touching the others'.
_EXPORTS: dict[str, str] = {
    # --- network
    "Network": "network",
    "Layer": "network",
    "random_network": "network",
    "load_network": "io",
    "save_network": "io",
    # --- io: model import/export (relu_regions.io)
    "from_torch": "io",
    "from_state_dict": "io",
    "to_torch": "io",
    "to_torchscript": "io",
    "from_onnx": "io",
    "to_onnx": "io",
    "UntrustedPickleError": "exceptions",
    # --- domains
    "Space": "domain",
    "Domain": "domain",
    "Box": "domain",
    "LInfBall": "domain",
    "AffineSubspace": "domain",
    "Polytope": "domain",
    "parse_domain": "domain",
    # --- solvers
    "solve_lp": "solvers",
    # --- regions (counting and enumeration)
    "stream_regions": "regions",
    "load_regions": "regions",
    "count_regions": "regions",
    "enumerate_regions": "regions",
    "count_linear_regions": "regions",
    "RegionCount": "regions",
    "RegionSet": "regions",
    "Region": "regions",
    # --- bounds
    "bound_regions": "bounds",
    "Bound": "bounds",
    "BoundReport": "bounds",
    "BoundConditionError": "bounds",
    "zaslavsky": "bounds",
    "serra2018_bound": "bounds",
    "cai2023_bound": "bounds",
    "network_aware_bound": "bounds",
    "rank_distribution": "bounds",
    # --- data, training, report (foundation)
    "Dataset": "data",
    "load_dataset": "data",
    "list_datasets": "data",
    "load_default_model": "data.default_model",
    "train_network": "train",
    "evaluate_network": "train",
    "TrainResult": "train",
    "build_report": "report",
    "Report": "report",
    # --- stability (stable neurons, exact bounds, lossless compression)
    "preactivation_bounds": "stability",
    "stable_neurons": "stability",
    "compress": "stability",
    "local_stability": "stability",
    "global_linear_approximation": "stability",
    # --- infrastructure
    "Budget": "_budget",
    # --- pruning
    "prune": "pruning",
    "choose_densities": "pruning",
    "PruneResult": "pruning",
    "DensityChoice": "pruning",
    "PruningError": "pruning",
    # --- linearity
    "local_affine_maps": "linearity",
    "LocalMaps": "linearity",
    "cross_section": "linearity",
    "CrossSection": "linearity",
    "active_subspace": "linearity",
    "kmeans_compression": "linearity",
    "compare_networks": "linearity",
    "similarity_matrices": "linearity",
    "pieces_1d": "linearity",
    # --- boolean
    "swaps": "boolean",
    "max_swaps": "boolean",
    "npn_classes": "boolean",
    "npn_canonical": "boolean",
    "count_npn_classes": "boolean",
    "fourier_spectrum": "boolean",
    "truth_table": "boolean",
    "swaps_network": "boolean",
    "annulus_network": "boolean",
    "sphere_shell": "boolean",
    # --- experiments (training dynamics: RegionTracker)
    "RegionTracker": "experiments.tracker",
    # --- maxout
    "stable_units": "stability",
    "compress_maxout": "stability",
    "Maxout": "io",
    "UnsupportedNetworkError": "exceptions",
    # --- exceptions
    "ReluRegionsError": "exceptions",
    "ModelFormatError": "exceptions",
    "UnsupportedLayerError": "exceptions",
    "DimensionError": "exceptions",
    "DomainError": "exceptions",
    "EmptyDomainError": "exceptions",
    "UnknownChoiceError": "exceptions",
    "SolverError": "exceptions",
    "MissingDependencyError": "exceptions",
    "DatasetError": "exceptions",
    "TrainingError": "exceptions",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'relu_regions' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # pragma: no cover
    from ._budget import Budget
    from .bounds import (
        Bound,
        BoundConditionError,
        BoundReport,
        bound_regions,
        cai2023_bound,
        network_aware_bound,
        rank_distribution,
        serra2018_bound,
        zaslavsky,
    )
    from .data import Dataset, list_datasets, load_dataset
    from .data.default_model import load_default_model
    from .domain import AffineSubspace, Box, Domain, LInfBall, Polytope, parse_domain
    from .exceptions import (
        DatasetError,
        DimensionError,
        DomainError,
        EmptyDomainError,
        MissingDependencyError,
        ModelFormatError,
        ReluRegionsError,
        SolverError,
        TrainingError,
        UnknownChoiceError,
        UnsupportedLayerError,
        UntrustedPickleError,
    )
    from .io import (
        from_onnx,
        from_state_dict,
        from_torch,
        load_network,
        save_network,
        to_onnx,
        to_torch,
        to_torchscript,
    )
    from .network import Layer, Network, random_network
    from .regions import (
        Region,
        RegionCount,
        RegionSet,
        count_linear_regions,
        count_regions,
        enumerate_regions,
    )
    from .report import Report, build_report
    from .solvers import solve_lp
    from .stability import (
        compress,
        global_linear_approximation,
        local_stability,
        preactivation_bounds,
        stable_neurons,
    )
    from .train import TrainResult, evaluate_network, train_network
