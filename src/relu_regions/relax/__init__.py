"""Relaxations: sound pre-activation bounds and certified neuron signs, shared by every engine.

The layer below the engines (regions, bounds, stability, ...): everything here takes a
network and a domain and bounds what its neurons can see.

- :func:`interval_layer`, :func:`crown_layer`: closed-form interval and CROWN bounds
  (Zhang et al., NeurIPS 2018) of one layer given the bounds of the earlier ones.
- :func:`preactivation_bounds` (:data:`BOUND_METHODS`: interval, CROWN, LP, MILP) and
  :func:`layer_bounds`: every layer in order, each tightened with the earlier ones.
- :func:`stable_neurons` (:data:`STABILITY_METHODS`): stably active / inactive / unstable
  neurons with certificates (Kumar, Serra & Ramalingam, Sec. 3 and Appendix B).
- :func:`prepare` / :class:`Setup`: the network pulled back to the domain's chart, with the
  chart's finite bounding box; :func:`build_model`: the big-M MILP encoding.

``relu_regions.stability`` re-exports the public names, so ``from relu_regions.stability
import stable_neurons`` keeps working.
"""

from ._bounds import BOUND_METHODS, PreactivationBounds, layer_bounds, preactivation_bounds
from ._crown import crown_layer, interval_layer
from ._formulation import NetworkModel, build_model
from ._maxout import MAXOUT_STABILITY_METHODS, stable_units
from ._maxout_pieces import prepare_units
from ._maxout_units import PLLayer, StableUnits, UnitLayerStability, pl_layers
from ._setup import SIGN_TOL, SOLVER_PAD, Setup, prepare
from ._stable import STABILITY_METHODS, stable_neurons
from ._stable_results import (
    ACTIVE,
    INACTIVE,
    UNDECIDED,
    UNSTABLE,
    LayerCertificates,
    LayerStability,
    StableNeurons,
)

__all__ = [
    "interval_layer",
    "crown_layer",
    "preactivation_bounds",
    "layer_bounds",
    "PreactivationBounds",
    "BOUND_METHODS",
    "stable_neurons",
    "StableNeurons",
    "LayerStability",
    "LayerCertificates",
    "STABILITY_METHODS",
    "ACTIVE",
    "INACTIVE",
    "UNSTABLE",
    "UNDECIDED",
    "Setup",
    "prepare",
    "SIGN_TOL",
    "SOLVER_PAD",
    "NetworkModel",
    "build_model",
    "stable_units",
    "StableUnits",
    "UnitLayerStability",
    "MAXOUT_STABILITY_METHODS",
    "PLLayer",
    "pl_layers",
    "prepare_units",
]
