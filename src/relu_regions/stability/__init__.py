"""Stable neurons, exact pre-activation bounds and lossless compression.

Kumar, Serra & Ramalingam, "Equivalent and approximate transformations of deep neural
networks": a neuron is *stably active* (inactive) on a domain when its pre-activation is
non-negative (non-positive) everywhere on it; such neurons can be removed or folded
without changing the network on the domain (Algorithm 1, Theorem 1).
"""

from ..relax import (
    BOUND_METHODS,
    MAXOUT_STABILITY_METHODS,
    SIGN_TOL,
    SOLVER_PAD,
    STABILITY_METHODS,
    LayerCertificates,
    LayerStability,
    PreactivationBounds,
    StableNeurons,
    StableUnits,
    UnitLayerStability,
    preactivation_bounds,
    stable_neurons,
    stable_units,
)
from ._approx import LinearApproximation, global_linear_approximation, theorem2_widths, theorem3_widths
from ._compress import RANK_TOL, CompressionReport, LayerCompression, compress
from ._local import LocalStability, RadiusStability, local_stability
from ._maxout_compress import MaxoutCompressionReport, MaxoutLayerCompression, compress_maxout

__all__ = [
    "preactivation_bounds",
    "PreactivationBounds",
    "BOUND_METHODS",
    "stable_neurons",
    "StableNeurons",
    "LayerStability",
    "LayerCertificates",
    "STABILITY_METHODS",
    "compress",
    "global_linear_approximation",
    "LinearApproximation",
    "theorem2_widths",
    "theorem3_widths",
    "local_stability",
    "LocalStability",
    "RadiusStability",
    "CompressionReport",
    "LayerCompression",
    "RANK_TOL",
    "SIGN_TOL",
    "SOLVER_PAD",
    "stable_units",
    "StableUnits",
    "UnitLayerStability",
    "MAXOUT_STABILITY_METHODS",
    "compress_maxout",
    "MaxoutCompressionReport",
    "MaxoutLayerCompression",
]
