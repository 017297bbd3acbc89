from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from relu_regions import UnknownChoiceError
from relu_regions.solvers import MILP, SOLVERS, available_solvers, solve, solve_lp

INSTALLED = available_solvers()


@pytest.mark.parametrize("solver", INSTALLED)
def test_random_lps_match_scipy(solver, rng):
    for _ in range(10):
        n, m = 4, 8
        A = rng.normal(size=(m, n))
        b = rng.uniform(0.5, 2.0, size=m)  # origin feasible
        c = rng.normal(size=n)
        ours = solve_lp(c, A_ub=A, b_ub=b, bounds=(-5, 5), solver=solver)
        ref = linprog(c, A_ub=A, b_ub=b, bounds=(-5, 5), method="highs")
        assert ours.status == "optimal"
        assert ours.objective == pytest.approx(ref.fun, abs=1e-7)
        assert np.all(A @ ours.x <= b + 1e-7)


@pytest.mark.parametrize("solver", INSTALLED)
def test_small_milp_knapsack(solver):
    # max 5a + 4b + 3c s.t. 2a + 3b + c <= 5, 4a + b + 2c <= 11, 3a + 4b + 2c <= 8, binary
    res = solve_lp(
        [5, 4, 3],
        A_ub=[[2, 3, 1], [4, 1, 2], [3, 4, 2]],
        b_ub=[5, 11, 8],
        bounds=(0, 1),
        integrality=[1, 1, 1],
        sense="max",
        solver=solver,
    )
    assert res.status == "optimal"
    assert res.objective == pytest.approx(9.0)  # a = b = 1 (all three violate row 1)
    assert res.bound == pytest.approx(9.0)


@pytest.mark.parametrize("solver", INSTALLED)
def test_infeasible_and_unbounded(solver):
    assert solve_lp([1.0], A_ub=[[1.0], [-1.0]], b_ub=[-1.0, 0.0], solver=solver).status == "infeasible"
    assert solve_lp([-1.0], A_ub=[[-1.0]], b_ub=[0.0], solver=solver).status == "unbounded"


def test_equality_constraints_and_offset():
    prob = MILP.build([1.0, 1.0], A_eq=[[1.0, -1.0]], b_eq=[0.5], bounds=(0, None), offset=2.0)
    res = solve(prob)
    assert res.objective == pytest.approx(2.5)


def test_unknown_solver_lists_choices():
    with pytest.raises(UnknownChoiceError, match="choose one of: highs, scip, gurobi"):
        solve_lp([1.0], bounds=(0, 1), solver="cplex")
    assert "highs" in SOLVERS
