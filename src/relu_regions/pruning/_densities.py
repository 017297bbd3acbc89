r"""Layer densities that maximise the expected bound of Cai et al. (2023), Theorem 1.

Cai, Nguyen, Shrestha, Good, Tu, Yu, Zhe, Serra, *Getting Away with More Network Pruning:
From Sparsity to Geometry and Linear Regions*, CPAIOR 2023, Sec. 4.  For a global density
``p`` the pruned layers (sizes :math:`m_l = n_l n_{l-1}`) keep exactly as many weights as
uniform pruning does, :math:`K = \sum_l k_l(p)` (:mod:`._counts`), and the layer
densities solve

.. math::

    \max_{p_1..p_L} \; \log_{10} R(1, n_0; p_1, \dots, p_L)
    \quad \text{s.t.} \quad \sum_l m_l p_l = K, \quad 1/m_l \le p_l \le 1,

with :math:`R` the bound of Theorem 1 (:func:`relu_regions.bounds.cai2023_bound`, rank
distributions ``binomial`` or ``sampled``).  Strategies (:data:`DENSITY_STRATEGIES`):

``uniform``
    :math:`p_l = p` (the paper's baseline).
``two-layer``
    The paper's procedure for two pruned layers: the bound (in ``log10``: its values are
    astronomically large) is interpolated by a quadratic in :math:`p_1` through the two
    extremes (pruning as much as possible from layer 1, then from layer 2) and the
    uniform point; if the quadratic's maximiser does not prune more than uniform from the
    layer with more parameters, densities of that layer are sampled on an even grid from
    ``p`` down to its extreme and the best is taken.  As in the paper, the answer may fall
    below uniform's bound.
``optimize``
    Beyond the paper, any number of layers: SLSQP on the continuous problem above from
    several starts (uniform, the two-layer answer when there are two layers, and each layer
    halved/doubled), then an exact-budget pattern search on the integer counts (moving
    ``s`` weights between two layers, halving ``s`` until one weight); the best of these,
    the two-layer answer and uniform is returned, uniform unless something is higher by more
    than :data:`TIE_LOG10` (``1e-9`` in ``log10``: floating-point ties), so it is never below
    uniform's bound and never below the two-layer answer by more than that tie tolerance.

Every strategy returns integer counts summing exactly to ``K``; bounds are evaluated at the
realised densities :math:`k_l / m_l`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .._budget import Budget
from .._registry import Registry
from .._results import FrozenResult
from ..bounds import RANK_ESTIMATORS, cai2023_bound, rank_distribution
from ..exceptions import DimensionError
from ._counts import check_global_density, counts_for_densities, layer_sizes, uniform_counts
from ._errors import PruningError

__all__ = ["DensityChoice", "choose_densities", "DENSITY_STRATEGIES", "BoundObjective"]

#: Evenly spaced densities tried by the two-layer fallback search (paper: "uniformly sampling").
TWO_LAYER_SAMPLES = 20
#: Largest number of bound evaluations of the ``optimize`` strategy.
MAX_EVALUATIONS = 4000
#: Gains in ``log10`` of the bound at most this large are floating-point ties (the bound of a
#: 784-100-100 net is ~59.93 in log10; rounding noise is ~1e-14): ``optimize`` keeps uniform.
TIE_LOG10 = 1e-9


class BoundObjective:
    """``log10`` of the Theorem 1 bound as a function of the free layers' densities (cached).

    Parameters
    ----------
    widths:
        ``(n_0, ..., n_L)`` of the bound's chain (input of the first pruned layer, then the
        widths of the hidden layers).
    fixed:
        Per layer ``None`` (free: density chosen) or a fixed density (a layer of the chain
        that is not pruned has density 1).
    """

    def __init__(
        self,
        widths: Sequence[int],
        *,
        fixed: Sequence[float | None] | None = None,
        rank_estimator: str = "binomial",
        seed: int = 0,
        budget: Budget | None = None,
    ) -> None:
        self.widths = tuple(int(w) for w in widths)
        self.sizes_all = layer_sizes(self.widths)
        L = len(self.sizes_all)
        self.fixed = list(fixed) if fixed is not None else [None] * L
        if len(self.fixed) != L:
            raise DimensionError(f"fixed densities: need {L} entries (None for free layers)")
        self.free = [i for i, f in enumerate(self.fixed) if f is None]
        if not self.free:
            raise PruningError("no layer to choose a density for")
        self.sizes = tuple(self.sizes_all[i] for i in self.free)
        RANK_ESTIMATORS[rank_estimator]
        self.rank_estimator = rank_estimator
        self.seed = seed
        self.budget = budget or Budget(None)
        self.evaluations = 0
        self._cache: dict[tuple[float, ...], float] = {}
        self._dists: dict[tuple[int, float], Any] = {}

    def densities(self, free_densities: Sequence[float]) -> tuple[float, ...]:
        out = [1.0 if f is None else float(f) for f in self.fixed]
        for i, p in zip(self.free, free_densities, strict=True):
            out[i] = float(p)
        return tuple(out)

    def _dist(self, layer: int, p: float) -> Any:
        key = (layer, p)
        if key not in self._dists:
            self._dists[key] = rank_distribution(
                self.widths[layer + 1], self.widths[layer], p, estimator=self.rank_estimator, seed=self.seed
            )
        return self._dists[key]

    def __call__(self, free_densities: Any) -> float:
        ps = tuple(min(1.0, max(float(p), 1e-12)) for p in free_densities)
        key = tuple(round(p, 13) for p in ps)
        if key not in self._cache:
            full = self.densities(ps)
            dists = [self._dist(i, p) for i, p in enumerate(full)]
            self._cache[key] = float(cai2023_bound(self.widths, distributions=dists).log10)
            self.evaluations += 1
        return self._cache[key]

    def of_counts(self, counts: Sequence[int]) -> float:
        return self([k / m for k, m in zip(counts, self.sizes, strict=True)])


@dataclasses.dataclass(frozen=True)
class DensityChoice(FrozenResult):
    """Layer densities for a global density, with their bound and uniform's.

    ``layer_nonzeros`` sum to ``parameters_kept``, exactly uniform pruning's count;
    ``layer_densities`` are ``layer_nonzeros / layer_sizes``; ``bound_log10`` and
    ``uniform_bound_log10`` are the Theorem 1 bound at these densities and at uniform's
    (an *expected upper bound*, ``log10``).  ``partial`` is True when a time limit stopped
    the search (the answer is then the best found, never below uniform's for ``optimize``).
    """

    strategy: str
    density: float
    widths: tuple[int, ...]
    layer_sizes: tuple[int, ...]
    layer_nonzeros: tuple[int, ...]
    layer_densities: tuple[float, ...]
    parameters_kept: int
    bound_log10: float
    uniform_bound_log10: float
    rank_estimator: str
    evaluations: int
    seconds: float
    partial: bool = False
    details: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def gain_log10(self) -> float:
        """How many orders of magnitude the bound gains over uniform pruning."""
        return self.bound_log10 - self.uniform_bound_log10

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["gain_log10"] = self.gain_log10
        return d


# -- strategies: f(objective, uniform counts, total) -> (counts, details) ----------------------

Counts = tuple[int, ...]
Strategy = Callable[[BoundObjective, Counts, int], tuple[Counts, dict[str, Any]]]
DENSITY_STRATEGIES: Registry[Strategy] = Registry("density strategy")


def _uniform(obj: BoundObjective, uni: Counts, total: int) -> tuple[Counts, dict[str, Any]]:
    return uni, {}


def _two_layer(obj: BoundObjective, uni: Counts, total: int) -> tuple[Counts, dict[str, Any]]:
    if len(uni) != 2:
        raise PruningError(
            f"the two-layer procedure needs exactly two pruned layers, got {len(uni)}; use 'optimize'"
        )
    m1, m2 = obj.sizes
    lo, hi = max(1, total - m2), min(m1, total - 1)  # feasible counts of layer 1
    if lo >= hi:
        return uni, {"note": "a single feasible split"}

    def f(k1: int) -> float:
        return obj.of_counts((k1, total - k1))

    xs = sorted({lo, uni[0], hi})
    ys = [f(k) for k in xs]
    details: dict[str, Any] = {"interpolation_counts": xs, "interpolation_log10": ys}
    if len(xs) == 3:
        t = np.array(xs, dtype=np.float64) / m1
        c2, c1, _ = np.polyfit(t, np.array(ys), 2)
        if c2 < 0:
            t_star = min(max(-c1 / (2 * c2), t[0]), t[-1])
        else:  # convex: its maximum over the interval is at an end point
            t_star = t[0] if ys[0] >= ys[-1] else t[-1]
        k_star = int(min(max(round(t_star * m1), lo), hi))
    else:
        k_star = xs[int(np.argmax(ys))]
    details["quadratic_argmax_count"] = k_star
    counts = (k_star, total - k_star)
    big = 0 if m1 > m2 else 1 if m2 > m1 else None
    if big is not None and not counts[big] < uni[big]:
        # fallback: sample the bigger layer's density evenly from p down to its extreme
        k_min_big = lo if big == 0 else total - hi
        grid = np.unique(np.round(np.linspace(uni[big], k_min_big, TWO_LAYER_SAMPLES)).astype(int))[::-1]
        best, best_val = uni, f(uni[0])
        for kb in grid:
            c = (int(kb), total - int(kb)) if big == 0 else (total - int(kb), int(kb))
            v = f(c[0])
            if v > best_val:
                best, best_val = c, v
        counts = best
        details["fallback_sampling"] = {"layer": big, "counts": [int(g) for g in grid]}
    return counts, details


def _feasible_start(sizes: Sequence[int], total: int, p: Any) -> np.ndarray:
    """Project densities onto ``{sum m_l p_l = total, 1/m_l <= p_l <= 1}`` (water filling)."""
    m = np.asarray(sizes, dtype=np.float64)
    lo, hi = 1.0 / m, np.ones_like(m)
    x = np.clip(np.asarray(p, dtype=np.float64), lo, hi)
    for _ in range(60):
        gap = total - float(m @ x)
        if abs(gap) < 1e-9 * total:
            break
        room = (hi - x) if gap > 0 else (x - lo)
        w = m * room
        if w.sum() <= 0:
            break
        x = np.clip(x + np.sign(gap) * room * min(1.0, abs(gap) / w.sum()), lo, hi)
    return x


def _slsqp(obj: BoundObjective, total: int, x0: np.ndarray) -> np.ndarray:
    from scipy.optimize import minimize

    m = np.asarray(obj.sizes, dtype=np.float64)
    cons = {"type": "eq", "fun": lambda x: float(m @ x) / total - 1.0, "jac": lambda x: m / total}
    bounds = [(1.0 / mi, 1.0) for mi in m]

    def fun(x: np.ndarray) -> float:
        if obj.budget.stop or obj.evaluations >= MAX_EVALUATIONS:
            raise StopIteration
        return -obj(x)

    try:
        res = minimize(fun, x0, method="SLSQP", bounds=bounds, constraints=[cons],
                       options={"maxiter": 60, "ftol": 1e-9, "eps": 1e-6})
        x = np.asarray(res.x, dtype=np.float64)
    except StopIteration:
        x = x0
    return _feasible_start(obj.sizes, total, x)


def _pattern_search(obj: BoundObjective, total: int, start: tuple[int, ...]) -> tuple[int, ...]:
    """Exact-budget coordinate search: move ``s`` weights from layer j to layer i."""
    m = obj.sizes
    k, val = list(start), obj.of_counts(start)
    s = max(1, total // 8)
    while s >= 1 and not obj.budget.stop and obj.evaluations < MAX_EVALUATIONS:
        best_move, best_val = None, val
        for i in range(len(k)):
            for j in range(len(k)):
                if i == j:
                    continue
                step = min(s, m[i] - k[i], k[j] - 1)
                if step < 1:
                    continue
                c = list(k)
                c[i] += step
                c[j] -= step
                v = obj.of_counts(c)
                if v > best_val + 1e-12:
                    best_move, best_val = c, v
        if best_move is None:
            s //= 2
        else:
            k, val = best_move, best_val
    return tuple(k)


def _optimize(obj: BoundObjective, uni: Counts, total: int) -> tuple[Counts, dict[str, Any]]:
    L = len(uni)
    if L == 1:
        return uni, {"note": "one pruned layer: the budget fixes its density"}
    m = np.asarray(obj.sizes, dtype=np.float64)
    p_uni = np.asarray(uni, dtype=np.float64) / m
    candidates: dict[str, tuple[int, ...]] = {"uniform": uni}
    if L == 2:
        candidates["two-layer"], _ = _two_layer(obj, uni, total)
    starts: list[tuple[str, np.ndarray]] = [("uniform", p_uni)]
    if L == 2:
        starts.append(("two-layer", np.asarray(candidates["two-layer"], dtype=np.float64) / m))
    for l in range(L):
        for factor, tag in ((0.5, "halved"), (2.0, "doubled")):
            q = p_uni.copy()
            q[l] *= factor
            rest = [i for i in range(L) if i != l]
            q[rest] = p_uni[rest] * (total - m[l] * min(q[l], 1.0)) / max(m[rest] @ p_uni[rest], 1e-300)
            starts.append((f"layer {l + 1} {tag}", _feasible_start(obj.sizes, total, q)))
    runs: list[dict[str, Any]] = []
    for name, x0 in starts:
        if obj.budget.stop or obj.evaluations >= MAX_EVALUATIONS:
            break
        x = _slsqp(obj, total, _feasible_start(obj.sizes, total, x0))
        c = counts_for_densities(obj.sizes, x.tolist(), total)
        candidates[f"slsqp from {name}"] = c
        runs.append({"start": name, "counts": list(c), "log10": obj.of_counts(c)})
    best_name = max(candidates, key=lambda n: obj.of_counts(candidates[n]))
    polished = _pattern_search(obj, total, candidates[best_name])
    candidates["pattern search"] = polished
    # the highest (first on ties); uniform unless that beats it by more than a rounding tie
    u = obj.of_counts(uni)
    winner, win_val = "uniform", u
    for n, c in candidates.items():
        v = obj.of_counts(c)
        if v > win_val:
            winner, win_val = n, v
    if win_val - u <= TIE_LOG10:
        winner = "uniform"
    table = {n: {"counts": list(c), "log10": obj.of_counts(c)} for n, c in candidates.items()}
    details = {"winner": winner, "starts": runs, "candidates": table}
    return candidates[winner], details


DENSITY_STRATEGIES.add("uniform", _uniform, help="the same density in every layer (the paper's baseline)")
DENSITY_STRATEGIES.add("two-layer", _two_layer,
                       help="the paper's quadratic interpolation for two layers (Sec. 4)")
DENSITY_STRATEGIES.add("optimize", _optimize,
                       help="SLSQP multi-start + exact-budget pattern search, any number of layers; "
                       "never below uniform")


def choose_densities(
    widths: Sequence[int],
    density: float,
    *,
    strategy: str = "optimize",
    fixed: Sequence[float | None] | None = None,
    rank_estimator: str = "binomial",
    seed: int = 0,
    time_limit: float | None = None,
    budget: Budget | None = None,
) -> DensityChoice:
    r"""Layer densities for global density ``density`` keeping uniform pruning's parameter count.

    Cai et al. (2023), Sec. 4 (``two-layer``) and its generalisation to any number of
    layers (``optimize``); see the module docstring for the problem solved.

    Parameters
    ----------
    widths:
        ``(n_0, ..., n_L)``: the input of the first pruned layer (the last convolutional
        output for a CNN) and the widths of the pruned hidden layers.
    density:
        Global density ``p`` in ``(0, 1]``.
    strategy:
        A name in :data:`DENSITY_STRATEGIES`: ``"uniform"``, ``"two-layer"``, ``"optimize"``.
    fixed:
        Optional per layer ``None`` (free) or a density held fixed (1.0 for a layer of the
        chain that is not pruned); fixed layers are outside the budget.
    rank_estimator, seed:
        The rank distributions of Theorem 1 (``"binomial"`` or ``"sampled"``).
    time_limit, budget:
        Stop the search early; the result is then ``partial`` (best found so far).

    Examples
    --------
    >>> c = choose_densities([784, 100, 100], 0.1)
    >>> c.parameters_kept == sum(c.layer_nonzeros) == 7840 + 1000
    True
    >>> c.bound_log10 >= c.uniform_bound_log10
    True
    """
    p = check_global_density(density)
    fn = DENSITY_STRATEGIES[strategy]
    bud = budget if budget is not None else Budget(time_limit)
    t0 = time.perf_counter()
    obj = BoundObjective(widths, fixed=fixed, rank_estimator=rank_estimator, seed=seed, budget=bud)
    uni = uniform_counts(obj.sizes, p)
    total = sum(uni)
    counts, details = fn(obj, uni, total)
    if sum(counts) != total:  # pragma: no cover - every strategy keeps the budget
        raise PruningError(f"internal error: strategy {strategy!r} broke the parameter budget")
    return DensityChoice(
        strategy=strategy,
        density=p,
        widths=obj.widths,
        layer_sizes=obj.sizes,
        layer_nonzeros=tuple(int(k) for k in counts),
        layer_densities=tuple(k / m for k, m in zip(counts, obj.sizes, strict=True)),
        parameters_kept=int(total),
        bound_log10=obj.of_counts(counts),
        uniform_bound_log10=obj.of_counts(uni),
        rank_estimator=rank_estimator,
        evaluations=obj.evaluations,
        seconds=time.perf_counter() - t0,
        partial=bud.stop,
        details=details,
    )
