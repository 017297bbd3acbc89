"""Early stops of MILP solves (``objective_stop`` / ``bound_stop``) on every installed backend."""

from __future__ import annotations

import numpy as np
import pytest

from relu_regions.solvers import MILP, available_solvers, solve

INSTALLED = available_solvers()


def _knapsack(sense: str = "max") -> tuple[MILP, float]:
    rng = np.random.default_rng(3)
    n = 40
    w = rng.uniform(1, 10, n)
    v = rng.uniform(1, 10, n)
    sign = 1.0 if sense == "max" else -1.0
    prob = MILP.build(
        sign * v, A_ub=[w], b_ub=[w.sum() / 3], bounds=(0, 1), integrality=np.ones(n), sense=sense
    )
    opt = solve(prob)
    assert opt.status == "optimal"
    return prob, opt.objective


@pytest.mark.parametrize("solver", INSTALLED)
@pytest.mark.parametrize("sense", ["max", "min"])
def test_objective_stop_returns_good_enough_incumbent(solver, sense):
    prob, opt = _knapsack(sense)
    target = 0.9 * opt  # easy to reach (opt > 0 for max, < 0 for min)
    res = solve(prob, solver=solver, objective_stop=target)
    assert res.status in ("stopped", "optimal")
    assert res.x is not None
    better = res.objective >= target - 1e-9 if sense == "max" else res.objective <= target + 1e-9
    assert better
    w = prob.A.toarray()[0]
    assert w @ res.x <= prob.row_upper[0] + 1e-6


@pytest.mark.parametrize("solver", INSTALLED)
@pytest.mark.parametrize("sense", ["max", "min"])
def test_bound_stop_proves_no_better_solution(solver, sense):
    prob, opt = _knapsack(sense)
    limit = opt + (5.0 if sense == "max" else -5.0)  # looser than the optimum: provable fast
    res = solve(prob, solver=solver, bound_stop=limit)
    assert res.status in ("stopped", "optimal")
    assert (res.bound <= limit + 1e-9) if sense == "max" else (res.bound >= limit - 1e-9)
    # the bound is a valid bound on the true optimum
    assert (res.bound >= opt - 1e-6) if sense == "max" else (res.bound <= opt + 1e-6)


@pytest.mark.parametrize("solver", INSTALLED)
def test_unreachable_stops_solve_to_optimality(solver):
    prob, opt = _knapsack("max")
    res = solve(prob, solver=solver, objective_stop=opt + 1.0, bound_stop=opt - 1.0)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(opt, abs=1e-6)


def test_stops_do_not_affect_lps():
    prob = MILP.build([1.0, 1.0], A_ub=[[-1.0, -2.0]], b_ub=[-2.0], bounds=(0, None))
    res = solve(prob, objective_stop=100.0, bound_stop=-100.0)
    assert res.status == "optimal" and res.objective == pytest.approx(1.0)
