r"""Prune the fully connected layers of an ``nn.Module`` or a :class:`Network`.

Cai et al. (2023), Sec. 4 and 6: only fully connected layers are pruned (by default the
hidden ones: "not pruning the connections to the output layer"); a convolutional front
end is left alone, and the bound of Theorem 1 takes the input of the first pruned layer
(the last convolutional output, flattened) as its input dimension, as the paper does for
LeNet (400-128-84) and AlexNet (1024-4096-4096).

Strategies (:data:`PRUNE_STRATEGIES`) combine a density choice
(:func:`~relu_regions.pruning.choose_densities`) with a selection rule
(:mod:`._masks`):

=============  ======================================  ==========================
strategy       weights kept per layer                  which weights
=============  ======================================  ==========================
``uniform``    :math:`k_l(p)` (same density)            largest ``|w|`` per layer
``bound``      ``optimize`` densities (Theorem 1)       largest ``|w|`` per layer
``two-layer``  the paper's two-layer densities          largest ``|w|`` per layer
``global``     ``K`` in total                           largest ``|w|`` overall
``random``     :math:`k_l(p)`                           uniformly at random
=============  ======================================  ==========================

Every strategy keeps exactly :math:`K = \sum_l k_l(p)` weights (biases are not pruned).
The masks are kept (:class:`PruneMasks`) so that fine-tuning keeps pruned weights at
zero: gradient hooks zero their gradients and :meth:`PruneMasks.apply` re-zeroes the
weights after each optimiser step.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .._budget import Budget
from .._registry import Registry
from .._results import FrozenResult
from .._typing import BoolArray, FloatArray
from ..exceptions import ReluRegionsError
from ..io import from_torch, to_torch
from ..network import Network
from ._counts import check_global_density, uniform_counts
from ._densities import BoundObjective, choose_densities
from ._errors import PruningError
from ._masks import global_magnitude_masks, magnitude_masks, random_masks

__all__ = ["prune", "PruneResult", "PruneMasks", "PRUNE_STRATEGIES", "linear_layers"]


class PruneMasks:
    """Binary masks on the weights of a model's pruned ``nn.Linear`` layers.

    ``attach()`` registers gradient hooks that zero the gradients of pruned weights;
    ``apply()`` multiplies the weights by their masks (call it after each optimiser step,
    e.g. for weight decay); ``nonzeros()`` counts the non-zero weights per layer.
    """

    def __init__(self, modules: Sequence[Any], masks: Sequence[BoolArray]) -> None:
        import torch

        self.modules = list(modules)
        self.masks = [np.asarray(m, dtype=bool) for m in masks]
        self._t = [torch.as_tensor(m, dtype=mod.weight.dtype)
                   for m, mod in zip(self.masks, self.modules, strict=True)]
        self._handles: list[Any] = []

    def apply(self) -> None:
        import torch

        with torch.no_grad():
            for mod, t in zip(self.modules, self._t, strict=True):
                mod.weight.mul_(t.to(mod.weight.dtype))

    def attach(self) -> PruneMasks:
        self.detach()
        for mod, t in zip(self.modules, self._t, strict=True):
            self._handles.append(mod.weight.register_hook(lambda g, t=t: g * t.to(g.dtype)))
        return self

    def detach(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []

    def nonzeros(self) -> list[int]:
        return [int((mod.weight.detach() != 0).sum()) for mod in self.modules]


@dataclasses.dataclass(frozen=True, eq=False)
class PruneResult(FrozenResult):
    """A pruned model, its masks, and the bound at its layer densities.

    ``layers`` are the indices (among the model's fully connected layers) that were
    pruned, in order; ``layer_nonzeros`` are the kept weights per pruned layer (the masks'
    sizes: exactly the stated counts), ``layer_densities`` their share of
    ``layer_sizes``.  ``bound_widths`` is the chain Theorem 1 is evaluated on (input of the
    first pruned layer, then the hidden widths); ``bound_log10`` is the bound at the
    realised densities of the hidden pruned layers and ``uniform_bound_log10`` at uniform
    pruning's (both *expected upper bounds*, ``log10``).
    """

    strategy: str
    density: float
    layers: tuple[int, ...]
    layer_sizes: tuple[int, ...]
    layer_nonzeros: tuple[int, ...]
    layer_densities: tuple[float, ...]
    parameters_kept: int
    parameters_total: int
    bound_widths: tuple[int, ...]
    bound_log10: float
    uniform_bound_log10: float
    rank_estimator: str
    details: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    module: Any = dataclasses.field(default=None, metadata={"json": False}, repr=False)
    network: Network | None = dataclasses.field(default=None, metadata={"json": False}, repr=False)
    masks: PruneMasks | None = dataclasses.field(default=None, metadata={"json": False}, repr=False)

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["gain_log10"] = self.bound_log10 - self.uniform_bound_log10
        return d


def linear_layers(model: Any) -> list[Any]:
    """The ``nn.Linear`` modules of ``model`` in registration order (assumed forward order)."""
    import torch

    return [m for m in model.modules() if isinstance(m, torch.nn.Linear)]


# -- strategies: f(weights, counts_uniform, total, choose) -> masks, density details ---------

Selected = tuple[list[BoolArray], dict[str, Any]]
Select = Callable[..., Selected]
PRUNE_STRATEGIES: Registry[Select] = Registry("pruning strategy")


def _layerwise(density_strategy: str) -> Select:
    def select(weights: Sequence[FloatArray], uni: tuple[int, ...], choose: Callable[[str], tuple[int, ...]],
               seed: int) -> tuple[list[BoolArray], dict[str, Any]]:
        counts = choose(density_strategy)
        return magnitude_masks(weights, counts), {}

    return select


def _global(weights: Sequence[FloatArray], uni: tuple[int, ...], choose: Any, seed: int) -> Selected:
    return global_magnitude_masks(weights, sum(uni)), {}


def _random(weights: Sequence[FloatArray], uni: tuple[int, ...], choose: Any, seed: int) -> Selected:
    return random_masks(weights, uni, seed=seed), {}


PRUNE_STRATEGIES.add("uniform", _layerwise("uniform"), help="layerwise magnitude, the same density per layer")
PRUNE_STRATEGIES.add("bound", _layerwise("optimize"),
                     help="layerwise magnitude, densities maximising the Theorem 1 bound (any depth)")
PRUNE_STRATEGIES.add("two-layer", _layerwise("two-layer"),
                     help="layerwise magnitude, the paper's two-layer density procedure")
PRUNE_STRATEGIES.add("global", _global, help="global magnitude (may disconnect layers)")
PRUNE_STRATEGIES.add("random", _random, help="random weights, the same density per layer")


def _select_layers(n_fc: int, layers: Sequence[int] | None, include_output: bool) -> tuple[int, ...]:
    if layers is None:
        chosen = list(range(n_fc if include_output else n_fc - 1))
    else:
        chosen = sorted({int(i) if i >= 0 else n_fc + int(i) for i in layers})
        if any(not 0 <= i < n_fc for i in chosen):
            raise PruningError(
                f"layers must be indices of the {n_fc} fully connected layers, got {list(layers)}"
            )
    if not chosen:
        raise PruningError("no fully connected layer to prune (a single output layer is pruned only "
                           "with include_output=True)")
    return tuple(chosen)


def prune(
    model: Any,
    density: float,
    *,
    strategy: str = "bound",
    layers: Sequence[int] | None = None,
    include_output: bool = False,
    rank_estimator: str = "binomial",
    seed: int = 0,
    input_shape: Sequence[int] | None = None,
    time_limit: float | None = None,
) -> PruneResult:
    r"""Prune the fully connected layers of ``model`` to global density ``density``.

    Parameters
    ----------
    model:
        An ``nn.Module`` (its ``nn.Linear`` layers, in registration order, are the fully
        connected layers; anything else, e.g. convolutions, is left alone) or a
        :class:`~relu_regions.network.Network` (every layer is fully connected).  The
        input is not modified: a pruned copy is returned.
    density:
        Global density ``p`` in ``(0, 1]``: the pruned layers keep
        :math:`K = \sum_l \min(m_l, \max(1, \lfloor p m_l + 1/2 \rfloor))` weights.
    strategy:
        A name in :data:`PRUNE_STRATEGIES` (``uniform``, ``bound``, ``two-layer``,
        ``global``, ``random``).
    layers, include_output:
        Indices of the fully connected layers to prune (default: all but the output layer;
        ``include_output=True`` adds it).  The output layer is outside the bound, so the
        bound-guided strategies keep it at the uniform count and share the rest.
    rank_estimator, seed:
        Rank distributions of Theorem 1 (``binomial`` or ``sampled``); ``seed`` also seeds
        the ``random`` strategy.
    input_shape:
        Shape of one input, to convert a convolutional ``nn.Module`` into the returned
        :class:`Network` (``None`` leaves ``network`` empty for such models).

    Examples
    --------
    >>> from relu_regions import random_network
    >>> res = prune(random_network([64, 32, 32, 10], seed=0), 0.25, strategy="uniform")
    >>> res.layer_nonzeros, res.parameters_kept
    ((512, 256), 768)
    >>> [int((W != 0).sum()) for W in res.network.weights[:2]]
    [512, 256]
    """
    import torch

    p = check_global_density(density)
    select = PRUNE_STRATEGIES[strategy]
    if isinstance(model, Network):
        module = to_torch(model)
        net_in: Network | None = model
    elif isinstance(model, torch.nn.Module):
        module = copy.deepcopy(model)
        net_in = None
    else:
        raise PruningError(f"expected an nn.Module or a Network, got {type(model).__name__}")
    fcs = linear_layers(module)
    if not fcs:
        raise PruningError("the model has no nn.Linear layer to prune")
    chosen = _select_layers(len(fcs), layers, include_output)
    mods = [fcs[i] for i in chosen]
    weights = [m.weight.detach().cpu().double().numpy() for m in mods]
    sizes = tuple(int(w.size) for w in weights)
    uni = uniform_counts(sizes, p)

    # the bound's chain: from the first pruned layer to the last hidden fully connected layer
    hidden = [i for i in chosen if i < len(fcs) - 1]
    first = chosen[0] if hidden else None
    bud = Budget(time_limit)
    choice_details: dict[str, Any] = {}
    bound_widths: tuple[int, ...] = ()
    obj: BoundObjective | None = None
    if first is not None:
        chain = list(range(first, len(fcs) - 1))
        bound_widths = (int(fcs[first].in_features), *[int(fcs[i].out_features) for i in chain])
        fixed: list[float | None] = [None if i in chosen else 1.0 for i in chain]
        obj = BoundObjective(bound_widths, fixed=fixed, rank_estimator=rank_estimator, seed=seed, budget=bud)
    pos = {layer: j for j, layer in enumerate(chosen)}

    def choose(density_strategy: str) -> tuple[int, ...]:
        if density_strategy == "uniform" or obj is None:
            return uni
        free_total = sum(uni[pos[i]] for i in hidden)
        ch = choose_densities(bound_widths, p, strategy=density_strategy, fixed=obj.fixed,
                              rank_estimator=rank_estimator, seed=seed, budget=bud)
        if ch.parameters_kept != free_total:  # pragma: no cover - same rounding rule
            raise PruningError("internal error: density choice broke the budget")
        choice_details.update(ch.to_dict())
        counts = list(uni)
        for i, k in zip(hidden, ch.layer_nonzeros, strict=True):
            counts[pos[i]] = k
        return tuple(counts)

    masks, extra = select(weights, uni, choose, seed)
    pm = PruneMasks(mods, masks)
    pm.apply()
    kept = tuple(int(m.sum()) for m in masks)

    def bound_of(counts: Sequence[int]) -> float:
        if obj is None:
            return float("nan")
        return obj([max(counts[pos[i]] / sizes[pos[i]], 1e-12) for i in hidden])

    network: Network | None
    if net_in is not None:
        Ws = [np.array(W) for W in net_in.weights]
        for i, m in zip(chosen, masks, strict=True):
            Ws[i] = Ws[i] * m
        network = Network(Ws, [np.array(b) for b in net_in.biases],
                          negative_slope=list(net_in.negative_slopes), output_relu=net_in.output_relu,
                          input_shape=net_in.input_shape, name=net_in.name)
    else:
        network = _as_network(module, input_shape)
    return PruneResult(
        strategy=strategy,
        density=p,
        layers=chosen,
        layer_sizes=sizes,
        layer_nonzeros=kept,
        layer_densities=tuple(k / m for k, m in zip(kept, sizes, strict=True)),
        parameters_kept=int(sum(kept)),
        parameters_total=int(sum(sizes)),
        bound_widths=bound_widths,
        bound_log10=bound_of(kept),
        uniform_bound_log10=bound_of(uni),
        rank_estimator=rank_estimator,
        details={**extra, "density_choice": choice_details, "partial": bud.stop} if choice_details else extra,
        module=module,
        network=network,
        masks=pm,
    )


def _as_network(module: Any, input_shape: Sequence[int] | None) -> Network | None:
    try:
        return from_torch(module, input_shape=input_shape)
    except ReluRegionsError:
        return None

