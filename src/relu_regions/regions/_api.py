"""Public entry points: :func:`count_regions` and :func:`enumerate_regions`."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .._budget import Budget
from .._typing import DomainLike, FloatArray, NetworkLike
from ..domain import Domain, parse_domain
from ..exceptions import DimensionError, DomainError, OptionError
from ..io import load_network
from ..network import Network
from ._maxout import choose_maxout_method, maxout_engine_info
from ._maxout_polytope import maxout_unit_row_network
from ._polytope import unit_row_network
from ._types import ENGINES, EngineInfo, EngineResult, RegionCount, RegionSet

__all__ = ["count_regions", "enumerate_regions", "AUTO_ORDER", "choose_method", "chart_points"]

#: Exact methods in order of preference for ``method="auto"``: the first registered one
#: that supports the domain's dimension and boundedness is used.
AUTO_ORDER = ("geometric", "skeleton", "lp", "milp")

#: ``auto`` uses the skeleton engine only up to this chart dimension: above it the skeleton
#: stores many more vertices than regions (about 4x in 6-D, 22x in 8-D; see
#: ``benchmarks/results/lowdim.txt``) and ``lp`` is the safer default.
AUTO_SKELETON_MAX_DIM = 6


def choose_method(dim: int, bounded: bool) -> str:
    """The method ``auto`` picks for a domain of chart dimension ``dim``.

    Examples
    --------
    >>> choose_method(2, bounded=False)
    'geometric'
    >>> choose_method(4, bounded=True), choose_method(4, bounded=False)
    ('skeleton', 'lp')
    """
    reasons = []
    for name in AUTO_ORDER:
        if name not in ENGINES:
            continue
        if name == "skeleton" and dim > AUTO_SKELETON_MAX_DIM:
            continue
        why = ENGINES[name].supports(dim, bounded)
        if why is None:
            return name
        reasons.append(f"{name} {why}")
    raise DomainError(
        "no exact counting method applies to this domain: " + "; ".join(reasons or ["none installed"])
    )


def chart_points(dom: Domain, points: Any, *, tol: float = 1e-9) -> FloatArray:
    """Points given in input coordinates ``(N, n0)`` -> chart coordinates ``(N, k)``.

    Raises :class:`DomainError` naming the first point that is not in the domain.
    """
    X = np.asarray(points, dtype=np.float64)
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2 or X.shape[1] != dom.ambient_dim:
        raise DimensionError(
            f"points have shape {np.shape(points)}, expected (N, {dom.ambient_dim}) input coordinates"
        )
    if not np.all(np.isfinite(X)):
        raise DimensionError("points contain NaN or infinite values")
    inside = np.atleast_1d(dom.contains(X, tol=tol))
    if not np.all(inside):
        bad = np.flatnonzero(~inside)
        raise DomainError(
            f"{bad.size} of {len(X)} points are not in the domain (first: row {int(bad[0])}); "
            "give points on the domain, e.g. the samples the subspace was built from"
        )
    ch = dom.chart()
    B = ch.basis
    if np.all((B == 0.0) | (B == 1.0)) and np.all(B.sum(axis=0) == 1.0) and np.all(B.sum(axis=1) <= 1.0):
        return np.asarray((X - ch.origin)[:, np.argmax(B, axis=0)], dtype=np.float64)  # boxes: a selection
    t, *_ = np.linalg.lstsq(B, (X - ch.origin).T, rcond=None)
    return np.asarray(t.T, dtype=np.float64)


def _run(
    net: Any,
    domain: Any,
    method: str,
    time_limit: float | None,
    options: dict[str, Any],
    progress: bool | None = None,
) -> tuple[Network, Domain, str, EngineResult, RegionCount]:
    net = load_network(net)
    dom = parse_domain(domain, input_dim=net.input_dim)
    chart = dom.chart()
    if chart.dim == 0:
        raise DomainError(
            "the domain is a single point (every coordinate fixed); regions are counted on "
            "domains of dimension >= 1"
        )
    bounded = chart.bounded
    if options.get("points") is not None:
        options["points"] = chart_points(dom, options["points"])
    name = choose_method(chart.dim, bounded) if method == "auto" else method
    info: EngineInfo = ENGINES[name]
    if net.has_maxout:  # --- maxout: their own engines (regions/_maxout.py); others refuse
        name = choose_maxout_method(chart.dim, bounded) if method == "auto" else name
        info = maxout_engine_info(name)
    why = info.supports(chart.dim, bounded, options)
    if why is not None:
        raise DomainError(f"method {name!r} {why}")
    if not info.parallel and (options.get("workers", 1) not in (None, 1) or options.get("executor")):
        kind = " on networks with maxout layers" if net.has_maxout else ""
        raise OptionError(f"method {name!r} does not run in parallel{kind}; drop workers/executor")
    # the terms of net_t's first layer before they cancelled (for round-off tolerances)
    pullback = (net.layers[0].weight, net.layers[0].bias, chart.origin, chart.basis)
    # every engine sees the same network up to positive per-neuron factors, with unit weight
    # rows: counts do not depend on how the layers or neurons were scaled
    normalise = maxout_unit_row_network if net.has_maxout else unit_row_network  # --- maxout
    net_t, factors = normalise(net.with_input_map(chart.origin, chart.basis), pullback)
    if factors:
        d0 = factors[0]
        pullback = (pullback[0] / d0[:, None], pullback[1] / d0, chart.origin, chart.basis)
    options["_pullback"] = pullback
    G, h = chart.halfspaces()
    budget = Budget(time_limit)
    t0 = time.perf_counter()
    options["progress"] = progress
    with budget.catch_interrupt():
        res = info.function(net_t, G, h, budget=budget, options=options)
    seconds = time.perf_counter() - t0
    stopped = budget.reason if not res.complete else None
    exact = bool(res.exact and res.complete)
    if exact:
        reason = f"{name}: complete enumeration, proven exact"
    elif not info.exact:
        reason = f"{name} is a sampling estimate: a lower bound on the number of regions"
    elif stopped:
        reason = f"stopped by {stopped}: a lower bound (every counted region has an interior point)"
    else:
        reason = res.details.get("not_exact_reason", "the method could not prove the count")
    count = RegionCount(
        regions=res.count,
        exact=exact,
        method=name,
        partial=not res.complete,
        seconds=seconds,
        reason=reason,
        stop_reason=stopped,
        domain_dim=chart.dim,
        # a stopped run proves nothing beyond its witnesses: its certificate is only progress
        certificate=res.certificate if res.complete else {},
        details=res.details if res.complete else {**res.details, "unfinished_certificate": res.certificate},
    )
    return net, dom, name, res, count


def count_regions(
    net: NetworkLike,
    domain: DomainLike,
    *,
    method: str = "auto",
    time_limit: float | None = None,
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = None,
    **options: Any,
) -> RegionCount:
    """Count the activation regions of ``net`` on ``domain``.

    Parameters
    ----------
    net:
        A :class:`~relu_regions.network.Network` (or anything :func:`load_network` takes).
    domain:
        A :class:`~relu_regions.domain.Domain` or a spec :func:`parse_domain` accepts.
    method:
        A name in :data:`ENGINES` (``relu_regions.regions.ENGINES.names()``), or
        ``"auto"`` for the fastest exact method that supports the domain.
    time_limit:
        Seconds; when reached (or on Ctrl-C) the result is partial and a lower bound.
    workers, executor:
        Parallelism for engines that support it (a process count, or any
        ``concurrent.futures.Executor`` such as a Dask client's).
    progress:
        A progress bar on stderr: ``None`` shows it when stderr is a terminal,
        ``True``/``False`` force it on/off.
    **options:
        Engine options (e.g. ``samples``/``seed`` for ``sample``, ``solver`` for ``milp``).
        ``points``: data points in input coordinates ``(N, n0)``, all on the domain;
        ``sample`` then uses them instead of uniform samples (unbounded domains too).

    Examples
    --------
    >>> from relu_regions import Network, Box, AffineSubspace
    >>> net = Network([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    >>> count_regions(net, Box([-1, -1], [1, 1]), method="sample", samples=2000).regions
    4
    >>> res = count_regions(net, AffineSubspace([[0, 0], [1, 0], [0, 1]]))  # the whole plane
    >>> res.regions, res.exact, res.method
    (4, True, 'geometric')
    """
    options = dict(options, workers=workers, executor=executor)
    return _run(net, domain, method, time_limit, options, progress)[4]


def enumerate_regions(
    net: NetworkLike,
    domain: DomainLike,
    *,
    method: str = "auto",
    time_limit: float | None = None,
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = None,
    **options: Any,
) -> RegionSet:
    """Enumerate the activation regions of ``net`` on ``domain``.

    Returns a :class:`RegionSet`: iterate it for :class:`Region` objects with pattern,
    interior point, affine map ``(J, c)``, H-representation and (1-D/2-D) vertices;
    ``.count`` is the :class:`RegionCount` summary.  Arguments as :func:`count_regions`.

    Examples
    --------
    >>> from relu_regions import Network, Box
    >>> net = Network([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])  # |x|
    >>> regions = enumerate_regions(net, Box([-1], [2]))
    >>> [r.vertices.ravel().tolist() for r in regions]
    [[0.0, 2.0], [-1.0, 0.0]]
    >>> [r.jacobian.item() for r in regions]
    [1.0, -1.0]
    """
    options = dict(options, workers=workers, executor=executor, collect=True)
    net_, dom, _, res, count = _run(net, domain, method, time_limit, options, progress)
    return RegionSet(net_, dom.chart(), res, count)
