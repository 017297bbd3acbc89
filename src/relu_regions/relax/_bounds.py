"""Pre-activation bounds of every neuron over a domain: interval, CROWN, LP, MILP.

Layers are bounded in order and each layer uses the tightened bounds of the earlier ones
(as big-M constants in the LP/MILP).  Every method is sound: ``lower[l][i] <= z_i(x) <=
upper[l][i]`` for every ``x`` in the domain.  ``milp`` is exact (Kumar, Serra &
Ramalingam, Appendix B: two MILPs per neuron); a bound is marked exact when a solver
proved it optimal (LP/MILP) or when it is attained in closed form (first layer on a box).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .._budget import Budget
from .._registry import Registry
from .._results import FrozenResult
from .._typing import BoolArray, FloatArray
from ..solvers import solve
from ._crown import crown_layer, interval_layer
from ._formulation import build_model
from ._setup import SOLVER_PAD, Setup, prepare

__all__ = ["PreactivationBounds", "preactivation_bounds", "BOUND_METHODS", "layer_bounds"]


@dataclasses.dataclass(frozen=True)
class PreactivationBounds(FrozenResult):
    """Lower/upper bounds of the pre-activations of every activated layer.

    ``exact[l][i]`` says that both bounds of neuron ``i`` of layer ``l`` are proven tight
    (up to :data:`~relu_regions.stability.SOLVER_PAD`); ``partial`` that a time limit or
    Ctrl-C stopped an exact method, whose remaining bounds are then relaxation bounds.
    """

    lower: tuple[FloatArray, ...]
    upper: tuple[FloatArray, ...]
    exact: tuple[BoolArray, ...]
    method: str
    seconds: float
    partial: bool = False
    stop_reason: str | None = None
    details: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def all_exact(self) -> bool:
        return all(bool(np.all(e)) for e in self.exact)

    @property
    def not_exact(self) -> list[list[int]]:
        """Indices of the neurons whose bounds are not proven tight, per layer."""
        return [np.flatnonzero(~e).tolist() for e in self.exact]

    def contains(self, preactivations: list[FloatArray], *, tol: float = 0.0) -> bool:
        """Whether sampled pre-activations ``(N, n_l)`` per layer lie within the bounds."""
        return all(
            bool(np.all(z >= lo - tol) and np.all(z <= hi + tol))
            for z, lo, hi in zip(preactivations, self.lower, self.upper, strict=True)
        )


#: A method computes the bounds of one layer from the earlier layers' bounds:
#: ``fn(setup, layer, bounds, *, budget, options) -> (lower, upper, exact_mask)``.
LayerMethod = Callable[..., tuple[FloatArray, FloatArray, BoolArray]]
BOUND_METHODS: Registry[LayerMethod] = Registry("bound method")


def _first_layer_exact(setup: Setup, layer: int) -> bool:
    return layer == 0 and setup.is_box


@BOUND_METHODS.register("interval", help="interval arithmetic, layer by layer (exact on layer 1 of a box)")
def _interval(setup: Setup, layer: int, bounds: list, *, budget: Budget, options: dict) -> tuple:
    lo, hi = interval_layer(setup.net_t, layer, bounds, setup.lower, setup.upper)
    return lo, hi, np.full(lo.size, _first_layer_exact(setup, layer))


@BOUND_METHODS.register("crown", help="CROWN backward linear relaxation (milliseconds; default)")
def _crown(setup: Setup, layer: int, bounds: list, *, budget: Budget, options: dict) -> tuple:
    lo, hi = crown_layer(setup.net_t, layer, bounds, setup.lower, setup.upper)
    return lo, hi, np.full(lo.size, _first_layer_exact(setup, layer))


def _solve_layer(
    setup: Setup, layer: int, bounds: list, *, budget: Budget, options: dict, relax: bool
) -> tuple[FloatArray, FloatArray, BoolArray]:
    lo, hi, exact = _crown(setup, layer, bounds, budget=budget, options=options)
    trace = options.get("_trace")
    if exact.all():  # first layer on a box: the maximiser is the vertex the weights point to
        if trace is not None:
            W = setup.net_t.layers[0].weight
            pts = np.vstack(
                [np.where(W > 0, setup.upper, setup.lower), np.where(W > 0, setup.lower, setup.upper)]
            )
            trace.append({"lower": lo.copy(), "upper": hi.copy(), "points": pts})
        return lo, hi, exact
    exact = np.zeros(lo.size, bool)
    raw_lo, raw_hi = lo.copy(), hi.copy()
    points: list[FloatArray] = []
    model = build_model(setup, bounds, layer, relax=relax)
    solver = options.get("solver", "highs")
    stats = options.setdefault("_stats", {"solves": 0, "timeouts": 0})
    for i in range(lo.size):
        tight = 0
        for sense in ("max", "min"):
            if budget.stop:
                break
            res = solve(
                model.objective(setup, i, sense=sense), solver=solver, time_limit=budget.remaining()
            )
            stats["solves"] += 1
            if res.status in ("time_limit", "interrupted"):
                stats["timeouts"] += 1
            if res.x is not None and not relax:
                points.append(model.input_point(res.x, setup))
            if not math.isfinite(res.bound):
                continue
            pad = SOLVER_PAD * (1.0 + abs(res.bound))
            if sense == "max":
                hi[i] = min(hi[i], res.bound + pad)
                raw_hi[i] = min(raw_hi[i], res.bound)
            else:
                lo[i] = max(lo[i], res.bound - pad)
                raw_lo[i] = max(raw_lo[i], res.bound)
            tight += res.status == "optimal"
        # the LP relaxation is exact only where nothing is relaxed (the first layer)
        exact[i] = tight == 2 and (not relax or layer == 0)
    if trace is not None:
        trace.append(
            {"lower": raw_lo, "upper": raw_hi, "points": np.array(points).reshape(-1, setup.dim)}
        )
    return lo, hi, exact


@BOUND_METHODS.register("lp", help="LP relaxation per neuron (triangle relaxation, two LPs per neuron)")
def _lp(setup: Setup, layer: int, bounds: list, *, budget: Budget, options: dict) -> tuple:
    return _solve_layer(setup, layer, bounds, budget=budget, options=options, relax=True)


@BOUND_METHODS.register("milp", help="exact: two MILPs per neuron (Appendix B), LP/CROWN fallback on timeout")
def _milp(setup: Setup, layer: int, bounds: list, *, budget: Budget, options: dict) -> tuple:
    return _solve_layer(setup, layer, bounds, budget=budget, options=options, relax=False)


def layer_bounds(
    setup: Setup,
    method: str,
    *,
    budget: Budget,
    options: dict[str, Any] | None = None,
    depth: int | None = None,
) -> tuple[list[tuple[FloatArray, FloatArray]], list[BoolArray]]:
    """Bounds of activated layers ``0..depth-1`` by ``method`` (used by :func:`preactivation_bounds`)."""
    fn = BOUND_METHODS[method]
    options = {} if options is None else options
    bounds: list[tuple[FloatArray, FloatArray]] = []
    exact: list[BoolArray] = []
    for layer in range(setup.layers if depth is None else depth):
        if budget.stop and method in ("lp", "milp"):
            fn = BOUND_METHODS["crown"]  # out of time: cheap sound bounds for the rest
        lo, hi, ex = fn(setup, layer, bounds, budget=budget, options=options)
        bounds.append((lo, hi))
        exact.append(ex)
    return bounds, exact


def preactivation_bounds(
    net: Any,
    domain: Any,
    *,
    method: str = "crown",
    time_limit: float | None = None,
    solver: str = "highs",
) -> PreactivationBounds:
    """Lower and upper bounds of every hidden pre-activation over ``domain``.

    Parameters
    ----------
    net, domain:
        A ReLU :class:`~relu_regions.network.Network` (or a model path) and a bounded
        domain (or a spec :func:`~relu_regions.domain.parse_domain` accepts).
    method:
        ``"interval"``, ``"crown"`` (default), ``"lp"`` or ``"milp"`` (exact); see
        :data:`BOUND_METHODS`.  Layer ``l`` is bounded with the method's own bounds of
        layers ``< l``, so ``milp`` uses exact big-M constants (Appendix B of Kumar, Serra
        & Ramalingam, "Equivalent and approximate transformations of deep neural networks").
    time_limit:
        Seconds for ``lp``/``milp``; when reached (or on Ctrl-C) the remaining neurons get
        the solver's proven bound so far or the CROWN bound, are listed in
        :attr:`PreactivationBounds.not_exact`, and the result is ``partial``.

    Returns
    -------
    PreactivationBounds
        With ``lower[l] <= z_l(x) <= upper[l]`` for every ``x`` in the domain.

    Examples
    --------
    >>> from relu_regions import Network, Box
    >>> net = Network([[[1.0, 1.0], [1.0, -1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    >>> b = preactivation_bounds(net, Box([0, 0], [1, 1]), method="milp")
    >>> b.lower[0].tolist(), b.upper[0].tolist(), b.all_exact
    ([0.0, -1.0], [2.0, 1.0], True)
    """
    setup = prepare(net, domain)
    budget = Budget(time_limit)
    options: dict[str, Any] = {"solver": solver}
    t0 = time.perf_counter()
    with budget.catch_interrupt():
        bounds, exact = layer_bounds(setup, method, budget=budget, options=options)
    stopped = budget.reason if method in ("lp", "milp") else None
    return PreactivationBounds(
        lower=tuple(lo for lo, _ in bounds),
        upper=tuple(hi for _, hi in bounds),
        exact=tuple(exact),
        method=method,
        seconds=time.perf_counter() - t0,
        partial=stopped is not None,
        stop_reason=stopped,
        details=dict(options.get("_stats", {})),
    )
