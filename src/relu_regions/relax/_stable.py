"""Stably active / stably inactive / unstable neurons on a domain, with certificates.

A neuron with pre-activation ``z`` is *stably inactive* on ``D`` when
``max_D z <= 0``, *stably active* when ``min_D z >= 0`` and *unstable* otherwise
(Kumar, Serra & Ramalingam, Sec. 3), with ``0`` read as ``SIGN_TOL``.  Certificates:
an unstable neuron gets two points of ``D`` with ``z > SIGN_TOL`` and ``z < -SIGN_TOL``
(checked by a forward pass); a stable one gets the bound that proves it and the method
that produced the bound (interval, CROWN, LP or MILP).

Methods (:data:`STABILITY_METHODS`):

``auto`` (exact, fast)
    witnesses from samples and random vertices settle most unstable neurons; interval and
    CROWN bounds settle the easy stable ones; a sign-gradient attack finds more
    witnesses; what is left is asked only for its *sign*: first of the LP relaxation
    tightened round by round with the ideal-formulation cuts of Anderson et al. (2020)
    (:mod:`~relu_regions.stability._cuts`), whose bound often already proves the neuron
    stable, then of a MILP that stops at the first incumbent above ``SIGN_TOL`` (a
    witness) or as soon as its bound proves ``<= SIGN_TOL``.  Every LP/MILP solution is
    fed back as a witness candidate for the other neurons.
``milp`` (exact, the paper's Appendix B)
    two full MILPs per neuron, layer by layer, big-M constants from the exact bounds.
``lp``, ``crown``, ``interval`` (sound, incomplete)
    stable when the relaxation proves it; unstable when samples show it; otherwise the
    neuron is *undecided* and the result is not exact.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .._budget import Budget
from .._registry import Registry
from .._typing import DomainLike, FloatArray, NetworkLike, Seed
from ..exceptions import OptionError
from ..solvers import solve
from ._bounds import layer_bounds
from ._crown import crown_layer
from ._cuts import CutPool
from ._formulation import build_model
from ._setup import SIGN_TOL, Setup, prepare
from ._stable_results import (
    ACTIVE,
    INACTIVE,
    UNDECIDED,
    UNSTABLE,
    LayerCertificates,
    LayerStability,
    StableNeurons,
)
from ._witness import WitnessPool, attack, initial_points

__all__ = [
    "StableNeurons",
    "LayerStability",
    "LayerCertificates",
    "stable_neurons",
    "STABILITY_METHODS",
]

class _State:
    """Per-layer working arrays shared by the methods."""

    def __init__(self, setup: Setup, pool: WitnessPool) -> None:
        self.setup = setup
        self.pool = pool
        widths = setup.net_t.pattern_widths
        self.status = [np.full(w, UNDECIDED, dtype=np.int8) for w in widths]
        self.proof = [np.full(w, "", dtype=object) for w in widths]
        self.bound = [np.full(w, np.nan) for w in widths]
        self.bounds: list[tuple[FloatArray, FloatArray]] = []
        self.stats: dict[str, Any] = {}

    def bump(self, key: str, n: float = 1) -> None:
        self.stats[key] = self.stats.get(key, 0) + n

    def settle_by_witnesses(self, layer: int) -> int:
        both = self.pool.has_pos(layer) & self.pool.has_neg(layer) & (self.status[layer] == UNDECIDED)
        self.status[layer][both] = UNSTABLE
        self.proof[layer][both] = "witness"
        return int(both.sum())

    def settle_by_bounds(self, layer: int, lo: FloatArray, hi: FloatArray, name: str) -> int:
        st = self.status[layer]
        und = st == UNDECIDED
        dead = und & (hi <= SIGN_TOL)
        live = und & ~dead & (lo >= -SIGN_TOL)
        st[dead] = INACTIVE
        st[live] = ACTIVE
        self.proof[layer][dead | live] = name
        self.bound[layer][dead] = hi[dead]
        self.bound[layer][live] = lo[live]
        return int(dead.sum() + live.sum())

    def signs(self, layer: int) -> np.ndarray:
        st = self.status[layer]
        return np.where(st == ACTIVE, 1, np.where(st == INACTIVE, -1, 0))

    def tightened(self, layer: int, lo: FloatArray, hi: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Bounds clipped by the proven signs (within SIGN_TOL), for later big-M/CROWN use."""
        st = self.status[layer]
        lo = np.where(st == ACTIVE, np.maximum(lo, 0.0), lo)
        return lo, np.where(st == INACTIVE, np.minimum(hi, 0.0), hi)


#: ``fn(state, *, budget, options) -> None``: fill ``state.status`` layer by layer.
StabilityMethod = Callable[..., None]
STABILITY_METHODS: Registry[StabilityMethod] = Registry("stability method")


@STABILITY_METHODS.register("auto", help="exact and fast: witnesses, bounds, attack, then sign-only MILPs")
def _auto(state: _State, *, budget: Budget, options: dict[str, Any]) -> None:
    setup = state.setup
    solver = options.get("solver", "highs")
    for layer in range(setup.layers):
        lo, hi = crown_layer(setup.net_t, layer, state.bounds, setup.lower, setup.upper)
        state.bump("settled_by_samples", state.settle_by_witnesses(layer))
        name = "interval" if layer == 0 else "crown"
        state.bump("settled_by_bounds", state.settle_by_bounds(layer, lo, hi, name))
        und = np.flatnonzero(state.status[layer] == UNDECIDED)
        if und.size:
            need_pos = ~state.pool.has_pos(layer)[und]
            need_neg = ~state.pool.has_neg(layer)[und]
            neurons = np.concatenate([und[need_pos], und[need_neg]])
            direction = np.concatenate([np.ones(need_pos.sum()), -np.ones(need_neg.sum())])
            state.bump("attack_points", attack(setup, state.pool, layer, neurons, direction))
            state.bump("settled_by_attack", state.settle_by_witnesses(layer))
        if np.any(state.status[layer] == UNDECIDED) and not budget.stop:
            cuts = bool(options.get("cuts", True))
            if options.get("executor") is not None:
                from ._parallel import parallel_sign_milps

                parallel_sign_milps(
                    state, layer, lo, hi, executor=options["executor"], solver=solver, budget=budget,
                    cuts=cuts,
                )
            else:
                _sign_milps(state, layer, lo, hi, solver=solver, budget=budget, cuts=cuts)
        state.bounds.append(state.tightened(layer, lo, hi))


def _record(state: _State, layer: int, i: int, sign: float, res: Any, model: Any) -> bool:
    """Use one sign-MILP result; ``False`` when it settled nothing and may be re-solved."""
    state.bump("milp_solves")
    if res.x is not None:  # every incumbent is a candidate witness for all neurons
        state.pool.add(model.input_point(res.x, state.setup)[None, :])
    has = state.pool.has_pos if sign > 0 else state.pool.has_neg
    if has(layer)[i]:
        return True
    if res.status in ("optimal", "stopped") and math.isfinite(res.bound) and sign * res.bound <= SIGN_TOL:
        state.status[layer][i] = INACTIVE if sign > 0 else ACTIVE
        state.proof[layer][i] = "milp"
        state.bound[layer][i] = res.bound
        state.bump("settled_by_milp")
        return True
    return res.status != "stopped"  # only an early stop is worth solving to optimality


#: Rounds of LP + cut separation per sign question before the MILP.
CUT_ROUNDS = 8
#: A round that moves the LP bound less than this fraction of its distance to 0 ends the loop.
CUT_PROGRESS = 0.05


def _sign_milps(
    state: _State, layer: int, lo: FloatArray, hi: FloatArray, *, solver: str, budget: Budget, cuts: bool
) -> None:
    """Settle the undecided neurons of ``layer`` by sign-only LPs with cuts, then MILPs."""
    setup = state.setup
    model = build_model(setup, state.bounds, layer, signs=[state.signs(k) for k in range(layer)])
    pool = CutPool(model) if cuts and model.num_binaries else None
    state.stats["milp_binaries_max"] = max(state.stats.get("milp_binaries_max", 0), model.num_binaries)
    t0 = time.perf_counter()
    for i in np.flatnonzero(state.status[layer] == UNDECIDED):
        for sense, has in (("max", state.pool.has_pos), ("min", state.pool.has_neg)):
            if state.status[layer][i] != UNDECIDED or has(layer)[i] or budget.stop:
                continue
            sign = 1.0 if sense == "max" else -1.0
            problem = model.objective(setup, int(i), sense=sense)
            if pool is not None:
                # the MILP itself runs without the cuts: thousands of dense rows slow
                # HiGHS's nodes down more than they tighten its root (measured)
                if _lp_with_cuts(state, layer, int(i), sign, problem, pool, model, solver, budget):
                    continue
            if budget.stop:
                continue
            res = solve(
                problem,
                solver=solver,
                time_limit=budget.remaining(),
                objective_stop=sign * 10 * SIGN_TOL,
                bound_stop=sign * SIGN_TOL,
            )
            if not _record(state, layer, int(i), sign, res, model):
                # stopped at an incumbent the forward pass does not confirm (numerically
                # thin): solve to optimality and decide by the bound
                full = solve(problem, solver=solver, time_limit=budget.remaining())
                _record(state, layer, int(i), sign, full, model)
        state.settle_by_witnesses(layer)
    if pool is not None:
        state.bump("cuts", len(pool))
    state.stats["milp_seconds"] = state.stats.get("milp_seconds", 0.0) + time.perf_counter() - t0


def _lp_with_cuts(
    state: _State,
    layer: int,
    i: int,
    sign: float,
    problem: Any,
    pool: CutPool,
    model: Any,
    solver: str,
    budget: Budget,
) -> bool:
    """LP relaxation + ideal-formulation cuts; ``True`` when that settled the question.

    The LP optimum's input is evaluated too: it may be a witness.  A bound ``<= SIGN_TOL``
    of the relaxation (with valid cuts) proves the neuron stable.
    """
    has = state.pool.has_pos if sign > 0 else state.pool.has_neg
    prev = np.inf
    for _ in range(CUT_ROUNDS):
        if budget.stop:
            return False
        r = solve(pool.apply(problem, relax=True), solver=solver, time_limit=budget.remaining())
        state.bump("lp_solves")
        if r.status != "optimal" or r.x is None:
            return False
        state.pool.add(model.input_point(r.x, state.setup)[None, :])
        if has(layer)[i]:
            return True
        value = sign * r.objective
        if value <= SIGN_TOL:
            state.status[layer][i] = INACTIVE if sign > 0 else ACTIVE
            state.proof[layer][i] = "lp+cuts"
            state.bound[layer][i] = r.objective
            state.bump("settled_by_lp_cuts")
            return True
        if pool.separate(r.x) == 0 or prev - value < CUT_PROGRESS * value:
            return False
        prev = value
    return False


@STABILITY_METHODS.register("milp", help="exact: the paper's two full MILPs per neuron (slow baseline)")
def _milp(state: _State, *, budget: Budget, options: dict[str, Any]) -> None:
    trace: list[dict[str, Any]] = []
    opts = {"solver": options.get("solver", "highs"), "_trace": trace}
    bounds, exact = layer_bounds(state.setup, "milp", budget=budget, options=opts)
    state.stats.update(opts.get("_stats", {}))
    for layer, ((lo, hi), ex) in enumerate(zip(bounds, exact, strict=True)):
        raw = trace[layer] if layer < len(trace) else None
        rlo = raw["lower"] if raw is not None else lo
        rhi = raw["upper"] if raw is not None else hi
        if raw is not None:
            state.pool.add(raw["points"])
        # exact neurons are classified by the solver's optimum, the others (time limit) by
        # their sound padded bounds
        ex = np.asarray(ex, bool)
        rhi, rlo = np.where(ex, rhi, hi), np.where(ex, rlo, lo)
        st, pr = state.status[layer], state.proof[layer]
        dead = (st == UNDECIDED) & (rhi <= SIGN_TOL)
        live = (st == UNDECIDED) & ~dead & (rlo >= -SIGN_TOL)
        st[dead], st[live] = INACTIVE, ACTIVE
        pr[dead | live] = "milp"
        state.bound[layer][dead], state.bound[layer][live] = rhi[dead], rlo[live]
        state.settle_by_witnesses(layer)


def _relaxation(name: str) -> StabilityMethod:
    def run(state: _State, *, budget: Budget, options: dict[str, Any]) -> None:
        opts = {"solver": options.get("solver", "highs")}
        bounds, _ = layer_bounds(state.setup, name, budget=budget, options=opts)
        for layer, (lo, hi) in enumerate(bounds):
            state.settle_by_witnesses(layer)
            state.settle_by_bounds(layer, lo, hi, name)

    return run


for _name, _help in (
    ("lp", "sound: LP relaxation bounds + sample witnesses (may leave neurons undecided)"),
    ("crown", "sound: CROWN bounds + sample witnesses (may leave neurons undecided)"),
    ("interval", "sound: interval bounds + sample witnesses (may leave neurons undecided)"),
):
    STABILITY_METHODS.add(_name, _relaxation(_name), help=_help)


def stable_neurons(
    net: NetworkLike,
    domain: DomainLike,
    *,
    method: str = "auto",
    time_limit: float | None = None,
    solver: str = "highs",
    samples: int = 4096,
    points: Any = None,
    seed: Seed = 0,
    executor: Any = None,
) -> StableNeurons:
    """Classify every neuron as stably active, stably inactive or unstable on ``domain``.

    Parameters
    ----------
    net, domain:
        A ReLU network (or model path) and a bounded domain (or its spec).
    method:
        A name in :data:`STABILITY_METHODS`: ``auto`` (exact, default), ``milp`` (exact,
        the paper's two MILPs per neuron), or the incomplete ``lp``/``crown``/``interval``.
    time_limit:
        Seconds; on expiry (or Ctrl-C) the neurons not yet decided are ``undecided`` and
        the result is ``partial`` and not exact.
    solver:
        MILP/LP backend name (see :data:`relu_regions.solvers.SOLVERS`).
    samples, points, seed:
        Uniform samples (plus a quarter as many random box vertices) and optional data
        points ``(N, n0)`` used as witnesses.
    executor:
        A ``concurrent.futures.Executor`` (e.g. from :func:`relu_regions.cluster.dask_executor`)
        on which ``auto`` runs the sign MILPs of the neurons its prefilters left, a layer's
        neurons in parallel chunks; the classification equals the serial one (which proof
        settled a neuron may differ).  Only ``method="auto"`` farms out work.

    Notes
    -----
    With pre-activation ``z_i`` of neuron ``i`` (Kumar, Serra & Ramalingam, Appendix B):

    .. math::

        \\text{inactive} \\iff \\max_{x \\in D} z_i(x) \\le 0, \\qquad
        \\text{active} \\iff \\min_{x \\in D} z_i(x) \\ge 0,

    with ``0`` read as :data:`SIGN_TOL`.  ``auto`` only needs the sign of each optimum,
    so its MILPs stop at the first witness or as soon as the bound crosses zero.

    Examples
    --------
    >>> from relu_regions import Network, Box
    >>> net = Network([[[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]], [[1.0, 1.0, 1.0]]],
    ...               [[0.5, 0.0, -3.0], [0.0]])
    >>> s = stable_neurons(net, Box([0, -1], [1, 1]))
    >>> s.layers[0].active, s.layers[0].inactive, s.layers[0].unstable, s.exact
    ((0,), (2,), (1,), True)
    """
    from ..io import load_network

    net = load_network(net)
    if net.has_maxout:  # maxout units by their stable piece: see stability/_maxout.py
        from ._maxout import stable_units

        return stable_units(net, domain, method=method, time_limit=time_limit, solver=solver,
                            samples=samples, points=points, seed=seed)
    setup = prepare(net, domain)
    fn = STABILITY_METHODS[method]
    if executor is not None and method != "auto":
        raise OptionError(f"executor= farms out the sign MILPs of method 'auto' only, not {method!r}")
    budget = Budget(time_limit)
    t0 = time.perf_counter()
    pool = WitnessPool(setup.net_t, setup.dim)
    pts = None if points is None else np.atleast_2d(np.asarray(points, dtype=np.float64))
    with budget.catch_interrupt():
        pool.add(initial_points(setup, samples=int(samples), seed=seed, points=pts))
        state = _State(setup, pool)
        fn(state, budget=budget, options={"solver": solver, "executor": executor})
        for layer in range(setup.layers):  # late witnesses (from MILP incumbents)
            state.settle_by_witnesses(layer)
    state.stats["points_evaluated"] = pool.points_seen
    return _result(state, method, time.perf_counter() - t0, budget)


def _result(state: _State, method: str, seconds: float, budget: Budget) -> StableNeurons:
    setup = state.setup
    layers, certs = [], []
    for layer, st in enumerate(state.status):
        def idx(code: int, st: np.ndarray = st) -> tuple[int, ...]:
            return tuple(int(i) for i in np.flatnonzero(st == code))

        layers.append(LayerStability(idx(ACTIVE), idx(INACTIVE), idx(UNSTABLE), idx(UNDECIDED)))
        certs.append(
            LayerCertificates(
                positive=_ambient(setup, state.pool.pos_pt[layer], state.pool.has_pos(layer)),
                negative=_ambient(setup, state.pool.neg_pt[layer], state.pool.has_neg(layer)),
                proof=tuple(str(p) for p in state.proof[layer]),
                bound=state.bound[layer].copy(),
            )
        )
    undecided = sum(len(ls.undecided) for ls in layers)
    stopped = budget.reason
    if undecided == 0:
        reason = f"{method}: every stable neuron has a proven bound, every unstable one two witnesses"
    elif stopped:
        reason = f"stopped by {stopped} with {undecided} neurons undecided"
    else:
        reason = f"{method} is a relaxation: {undecided} neurons are neither proven stable nor shown unstable"
    return StableNeurons(
        layers=tuple(layers),
        exact=undecided == 0,
        method=method,
        seconds=seconds,
        partial=stopped is not None and undecided > 0,
        stop_reason=stopped if undecided else None,
        reason=reason,
        details={k: (round(v, 6) if isinstance(v, float) else v) for k, v in state.stats.items()},
        certificates=tuple(certs),
    )


def _ambient(setup: Setup, T: FloatArray, ok: np.ndarray) -> FloatArray:
    out = np.full((T.shape[0], setup.net.input_dim), np.nan)
    if np.any(ok):
        out[ok] = setup.to_ambient(T[ok])
    return out
