"""``bound_regions``: several bounds at once, chosen by name from :data:`BOUND_METHODS`."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._budget import Budget
from .._typing import DomainLike, Seed
from ..domain import Domain, parse_domain
from ..exceptions import DimensionError
from ..io import load_network
from ..network import Network
from ..relax import STABILITY_METHODS
from . import _architecture as arch
from . import _cai, _expected, _lower, _network_aware
from . import _maxout as _mx
from ._types import BOUND_METHODS, Bound, BoundConditionError, BoundMethod, BoundReport

__all__ = ["bound_regions", "methods_help", "network_densities"]


@dataclasses.dataclass
class _Context:
    widths: tuple[int, ...]
    net: Network | None
    domain: Domain | None
    density: float | Sequence[float] | None
    rank_estimator: str
    rank_method: str
    maxout_rank: int | None
    hr_constant: float | None
    volume: float
    seed: Seed
    budget: Budget
    stability: str = "crown"


def network_densities(net: Network) -> tuple[float, ...]:
    """Fraction of non-zero weights in each activated layer (the layer densities after pruning)."""
    return tuple(float(np.count_nonzero(layer.weight)) / layer.weight.size for layer in net.activated_layers)


def _maxout(ctx: _Context) -> Bound:
    if ctx.net is not None and ctx.net.has_maxout:  # each layer's own rank (bounds/_maxout.py)
        return _mx.serra2018_maxout_layers(ctx.widths, _mx.maxout_ranks(ctx.net))
    return arch.serra2018_maxout_bound(ctx.widths, 2 if ctx.maxout_rank is None else ctx.maxout_rank)


def _tseran(ctx: _Context) -> Bound:
    if ctx.net is not None and ctx.net.has_maxout:
        k = max(_mx.maxout_ranks(ctx.net))
    elif ctx.maxout_rank is not None and ctx.net is None:
        k = ctx.maxout_rank
    else:
        raise BoundConditionError("tseran_montufar2021 estimates random maxout networks; give a maxout "
                                  "model, or widths with maxout_rank (--maxout-rank)")
    return _mx.tseran_montufar2021_estimate(ctx.widths[0], sum(ctx.widths[1:]), k)


def _hr5(ctx: _Context) -> Bound:
    if ctx.hr_constant is None:
        raise BoundConditionError(
            "hanin_rolnick2019_theorem5 needs the constant T of Theorem 5 (hr_constant / --hr-constant)"
        )
    return _expected.hanin_rolnick2019_theorem5_bound(ctx.widths, ctx.hr_constant, volume=ctx.volume)


def _cai2023(ctx: _Context) -> Bound:
    density: float | Sequence[float]
    if ctx.density is not None:
        density = ctx.density
    elif ctx.net is not None:
        density = network_densities(ctx.net)
    else:
        density = 1.0
    return _cai.cai2023_bound(ctx.widths, density, rank_estimator=ctx.rank_estimator, seed=ctx.seed,
                              rank_method=ctx.rank_method, budget=ctx.budget)


def _network(ctx: _Context) -> Bound:
    if ctx.net is None:
        raise BoundConditionError("network_aware needs a model's weights; give a model instead of widths")
    if ctx.net.has_maxout:
        return _mx.maxout_network_bound(ctx.net, ctx.domain, stability=ctx.stability,
                                        time_limit=ctx.budget.remaining())
    return _network_aware.network_aware_bound(ctx.net, ctx.domain, stability=ctx.stability,
                                              time_limit=ctx.budget.remaining())


def _register() -> None:
    add = BOUND_METHODS.add
    R = {**arch.REFERENCES, **_lower.REFERENCES, **_expected.REFERENCES}
    add("trivial", BoundMethod(lambda c: arch.trivial_bound(c.widths), "upper", R["trivial"],
                               relu_only=False), help="2^N")
    add("raghu2017", BoundMethod(lambda c: arch.raghu2017_bound(c.widths), "upper", R["raghu2017"],
                                 relu_only=False), help="prod_l sum_{j<=n0} C(n_l, j)")
    add("montufar2017", BoundMethod(lambda c: arch.montufar2017_bound(c.widths), "upper",
                                    R["montufar2017"], relu_only=False),
        help="prod_l sum_{j<=d_l} C(n_l, j)")
    add("serra2018", BoundMethod(lambda c: arch.serra2018_bound(c.widths), "upper", R["serra2018"]),
        help="Theorem 1 (exact for one hidden layer)")
    add("serra2018_maxout", BoundMethod(_maxout, "upper", R["serra2018_maxout"], relu_only=False),
        help="rank-k maxout bound (k = 2 covers (leaky) ReLU)")
    add("montufar2014_lower", BoundMethod(lambda c: _lower.montufar2014_lower_bound(c.widths), "lower",
                                          R["montufar2014_lower"]), help="needs n_l >= n_0")
    add("serra2018_lower", BoundMethod(lambda c: _lower.serra2018_lower_bound(c.widths), "lower",
                                       R["serra2018_lower"]), help="needs n_l >= 3 n_0")
    add("hanin_rolnick2019", BoundMethod(lambda c: _expected.hanin_rolnick2019_bound(c.widths), "expected",
                                         R["hanin_rolnick2019"]), help="N^n0 / n0! (Remark 1)")
    add("hanin_rolnick2019_theorem5", BoundMethod(_hr5, "expected", R["hanin_rolnick2019_theorem5"]),
        help="vol * (T N)^n0 / n0! with a user-supplied T")
    add("cai2023", BoundMethod(_cai2023, "expected", _cai.REFERENCE),
        help="expected bound for layer densities p_l (Theorem 1)")
    add("network_aware", BoundMethod(_network, "upper", _network_aware.REFERENCE, needs_network=True,
                                     relu_only=False),
        help="Theorem 1 with weight ranks and, given a domain, only unstable neurons")
    add("tseran_montufar2021", BoundMethod(_tseran, "expected", _mx.REFERENCES["tseran_montufar2021"],
                                           relu_only=False),
        help="random maxout nets: (K N)^n0 C(K n0, 2 n0) / n0! (an estimate)")


_register()


def methods_help() -> list[tuple[str, str, str]]:
    """``(name, kind, one-line help)`` of every registered bound."""
    return [(n, BOUND_METHODS[n].kind, BOUND_METHODS.help(n)) for n in BOUND_METHODS]


def _parse_methods(methods: str | Sequence[str]) -> tuple[list[str], bool]:
    if isinstance(methods, str):
        names = [m.strip() for m in methods.split(",") if m.strip()]
    else:
        names = [str(m) for m in methods]
    if not names:
        raise BoundConditionError("no bound method given; use 'all' or names like serra2018,cai2023")
    if names == ["all"]:
        return BOUND_METHODS.names(), True
    for n in names:
        BOUND_METHODS[n]  # raises UnknownChoiceError listing the valid names
    return list(dict.fromkeys(names)), False


def _is_widths(x: Any) -> bool:
    if isinstance(x, (str, bytes, Network)) or not isinstance(x, Sequence | np.ndarray):
        return False
    return all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in x)


def bound_regions(
    net_or_widths: Any,
    domain: DomainLike | None = None,
    *,
    methods: str | Sequence[str] = "all",
    density: float | Sequence[float] | None = None,
    rank_estimator: str = "binomial",
    rank_method: str = "structural",
    maxout_rank: int | None = None,
    hr_constant: float | None = None,
    volume: float = 1.0,
    seed: Seed = 0,
    stability: str = "crown",
    time_limit: float | None = None,
) -> BoundReport:
    """Bounds on the number of regions of an architecture or a network.

    Parameters
    ----------
    net_or_widths:
        Either the widths ``(n0, n1, ..., nL)`` (input dimension, then hidden widths) or a
        network (anything :func:`~relu_regions.network.load_network` accepts); a network's
        architecture is ``(input_dim, *pattern_widths)``.
    domain:
        Input domain for ``network_aware`` (needs a network); the architecture bounds are
        about the whole input space.
    methods:
        ``"all"`` or names from :data:`BOUND_METHODS` (list or comma-separated).  With
        ``"all"`` a method that does not apply (failed width condition, missing model or
        constant, leaky activations for a ReLU-only bound) is listed in ``skipped`` with the
        reason; a method named explicitly raises the error instead.
    density:
        Layer densities for ``cai2023`` (one number or one per layer).  Default: the
        network's measured densities (fraction of non-zero weights), or 1 for widths.
    rank_estimator, rank_method, seed:
        How ``cai2023`` gets rank distributions (see :func:`rank_distribution`).
    maxout_rank:
        ``k`` of ``serra2018_maxout`` (default 2, which covers ReLU networks).
    hr_constant, volume:
        ``T`` and the cube volume of ``hanin_rolnick2019_theorem5``.
    stability:
        Method of :func:`relu_regions.stability.stable_neurons` for ``network_aware`` on a
        bounded domain (``crown`` default, ``auto``/``milp`` exact, ``interval``, ``lp``).
    time_limit:
        Seconds for rank sampling and the stability analysis; when exceeded the sampled
        distributions are partial and undecided neurons count as unstable.

    Examples
    --------
    >>> r = bound_regions([2, 3, 3], methods="serra2018,trivial")
    >>> [(b.name, b.value) for b in r.ordered()]
    [('serra2018', 40), ('trivial', 64)]
    """
    t0 = time.perf_counter()
    net: Network | None = None
    if _is_widths(net_or_widths):
        widths = arch.check_widths(net_or_widths)
        source = "architecture"
    else:
        net = load_network(net_or_widths)
        widths = (net.input_dim, *net.pattern_widths)
        source = net.name or "model"
        if not net.pattern_widths:
            raise DimensionError("the network has no activated layer; there is nothing to bound")
    dom = None
    if domain is not None:
        if net is None:
            raise BoundConditionError(
                "a domain needs a model: only network_aware uses it, and it needs the weights"
            )
        dom = parse_domain(domain, input_dim=net.input_dim)
        dom.check_network(net)
    names, skip_errors = _parse_methods(methods)
    # parameters given explicitly are validated up front: bad input is an error, never a skip
    if density is not None:
        density = _cai.layer_densities(density, len(widths) - 1)
    if maxout_rank is not None:
        arch.serra2018_maxout_bound([1, 1], maxout_rank)
    if hr_constant is not None or volume != 1.0:
        _expected.hanin_rolnick2019_theorem5_bound([1, 1], 1.0 if hr_constant is None else hr_constant,
                                                   volume=volume)
    STABILITY_METHODS[stability]  # unknown names list the valid ones
    ctx = _Context(widths, net, dom, density, rank_estimator, rank_method, maxout_rank, hr_constant,
                   volume, seed, Budget(time_limit), stability)
    relu = net is None or net.is_relu
    bounds: dict[str, Bound] = {}
    skipped: dict[str, str] = {}
    with ctx.budget.catch_interrupt():
        for name in names:
            spec = BOUND_METHODS[name]
            if net is not None and net.has_maxout and name not in _mx.MAXOUT_METHODS:
                why = (f"{name} assumes ReLU activations; the model has maxout layers "
                       f"(use {', '.join(sorted(_mx.MAXOUT_METHODS))})")
                if not skip_errors:
                    raise BoundConditionError(why)
                skipped[name] = why
                continue
            if spec.relu_only and not relu:
                why = f"{name} assumes ReLU activations; the model has leaky ReLUs"
                if not skip_errors:
                    raise BoundConditionError(why)
                skipped[name] = why
                continue
            if spec.needs_network and net is None:
                why = f"{name} needs a model's weights; give a model instead of widths"
                if not skip_errors:
                    raise BoundConditionError(why)
                skipped[name] = why
                continue
            try:
                bounds[name] = spec.function(ctx)
            except BoundConditionError as exc:
                if not skip_errors:
                    raise
                skipped[name] = str(exc)
    return BoundReport(
        widths=widths,
        bounds=bounds,
        skipped=skipped,
        seconds=time.perf_counter() - t0,
        source=source,
        domain_dim=None if dom is None else dom.dim,
    )
