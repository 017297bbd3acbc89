"""Stable neurons, exact pre-activation bounds and lossless compression.

Kumar, Serra & Ramalingam, "Equivalent and approximate transformations of deep neural
networks": a neuron is *stably active* (inactive) on a domain when its pre-activation is
non-negative (non-positive) everywhere on it; such neurons can be removed or folded
without changing the network on the domain (Algorithm 1, Theorem 1).
"""

from ._approx import LinearApproximation, global_linear_approximation, theorem2_widths, theorem3_widths
from ._bounds import BOUND_METHODS, PreactivationBounds, preactivation_bounds
from ._compress import RANK_TOL, CompressionReport, LayerCompression, compress
from ._local import LocalStability, RadiusStability, local_stability
from ._maxout import MAXOUT_STABILITY_METHODS, StableUnits, UnitLayerStability, stable_units
from ._maxout_compress import MaxoutCompressionReport, MaxoutLayerCompression, compress_maxout
from ._setup import SIGN_TOL, SOLVER_PAD
from ._stable import (
    STABILITY_METHODS,
    LayerCertificates,
    LayerStability,
    StableNeurons,
    stable_neurons,
)

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
