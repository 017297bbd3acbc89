"""Pruning guided by linear regions (Cai et al. 2023, CPAIOR).

- :func:`prune`: magnitude (layerwise, global) or random pruning of the fully connected
  layers of an ``nn.Module`` or a :class:`~relu_regions.network.Network`, with masks kept
  for fine-tuning and exact non-zero counts per layer;
- :func:`choose_densities`: layer densities keeping uniform pruning's parameter count that
  maximise the expected bound of Theorem 1 (the paper's two-layer procedure, and an
  optimiser for any number of layers that never returns less than uniform's bound);
- :func:`build_model`, :func:`fit_model`: the train-prune-fine-tune pipeline (SGD; masks
  keep pruned weights at zero while fine-tuning).
- :func:`fit_model`, :func:`build_model`: the train-prune-fine-tune pipeline (SGD, masks).
"""

from ._counts import counts_for_densities, layer_sizes, uniform_counts
from ._densities import DENSITY_STRATEGIES, BoundObjective, DensityChoice, choose_densities
from ._errors import PruningError
from ._masks import global_magnitude_masks, magnitude_masks, random_masks
from ._prune import PRUNE_STRATEGIES, PruneMasks, PruneResult, linear_layers, prune
from ._train import ARCHITECTURES, FitResult, build_model, fit_model, model_accuracy

__all__ = [
    "PruningError",
    "prune",
    "PruneResult",
    "PruneMasks",
    "PRUNE_STRATEGIES",
    "linear_layers",
    "magnitude_masks",
    "global_magnitude_masks",
    "random_masks",
    "layer_sizes",
    "uniform_counts",
    "counts_for_densities",
    "choose_densities",
    "DensityChoice",
    "DENSITY_STRATEGIES",
    "BoundObjective",
    "fit_model",
    "FitResult",
    "build_model",
    "model_accuracy",
    "ARCHITECTURES",
]
