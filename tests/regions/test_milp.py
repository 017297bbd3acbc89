"""The ``milp`` engine (the papers' formulation) against ``lp`` and brute force, per solver."""

from __future__ import annotations

import numpy as np
import pytest

from relu_regions import Box, UnknownChoiceError, random_network
from relu_regions.regions import count_regions, enumerate_regions
from relu_regions.regions._milp import build_region_milp
from relu_regions.solvers import solver_available

from ._reference import brute_force_patterns, chart_problem, leaky_and_output_relu_nets, pattern_set
from .test_lp import DEGENERATE

SOLVERS = [
    pytest.param(s, marks=pytest.mark.skipif(not solver_available(s), reason=f"{s} not installed"))
    for s in ("highs", "scip", "gurobi")
]


def _box(k: int) -> Box:
    return Box(-np.ones(k), np.ones(k))


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize(
    ("widths", "seed"), [([2, 4, 3, 1], 0), ([2, 6, 1], 3), ([3, 3, 2, 1], 4), ([4, 3, 2, 1], 6), ([5, 3, 2, 1], 7)]
)
def test_milp_equals_lp_and_brute_force(solver, widths, seed):
    net = random_network(widths, seed=seed)
    dom = _box(widths[0])
    m = enumerate_regions(net, dom, method="milp", solver=solver)
    assert m.count.exact and m.count.details["solver"] == solver
    lp = enumerate_regions(net, dom, method="lp")
    assert pattern_set(m.patterns) == pattern_set(lp.patterns)
    assert pattern_set(m.patterns) == brute_force_patterns(*chart_problem(net, dom))
    np.testing.assert_array_equal(net.pattern_vector(m.interior_points), m.patterns)


@pytest.mark.parametrize("solver", [p for p in SOLVERS if p.values[0] != "highs"])
def test_milp_larger_net_with_fast_solvers(solver):
    net = random_network([3, 6, 5, 1], seed=4, bias_std=0.2)
    m = count_regions(net, _box(3), method="milp", solver=solver)
    assert m.exact and m.regions == count_regions(net, _box(3), method="lp").regions


@pytest.mark.parametrize("name", sorted(DEGENERATE))
def test_milp_on_degenerate_nets(name):
    """Zero rows and zero-bias neurons that vanish where their inputs are inactive are handled;
    a neuron that vanishes by exact cancellation (``relu(x) - relu(x)``) makes the paper's
    formulation miss the regions where it is zero, as documented: the sampling audit finds
    them, so the result is complete but labelled not exact (``lp`` proves the count)."""
    net, expected = DEGENERATE[name]
    solver = "scip" if solver_available("scip") else "highs"
    res = count_regions(net, _box(2), method="milp", solver=solver)
    if name == "cancellation":
        assert res.details["patterns_found"] == 2 < expected
        assert res.details["audit_missed"] == 2 and res.regions == expected
        assert not res.exact and not res.partial and "method='lp'" in res.reason
        blind = count_regions(net, _box(2), method="milp", solver=solver, audit_samples=0)
        assert blind.regions == 2 and blind.exact  # the paper's formulation alone
    else:
        assert res.regions == expected and res.exact
        assert "0 outside" in res.certificate["audit"]


def test_formulation_fixes_stable_and_zero_neurons():
    from relu_regions import Network

    # neuron 2 is zero on the whole domain, neuron 3 is stably active on [-1, 1]^2
    net = Network([[[1.0, 0.0], [0.0, 0.0], [0.0, 1.0], [0.1, 0.1]], [[1, 1, 1, 1]]], [[0, 0, 0, 5.0], [0]])
    G, h = _box(2).chart().halfspaces()
    form = build_region_milp(net, G, h)
    assert form.dead == 1 and form.stable == 1 and form.keys.size == 2
    assert count_regions(net, _box(2), method="milp").regions == 4


def test_time_limit_gives_a_verified_lower_bound():
    net = random_network([3, 8, 8, 1], seed=1, bias_std=0.1)
    res = enumerate_regions(net, _box(3), method="milp", time_limit=0.5)
    assert res.count.partial and not res.count.exact and res.count.stop_reason == "time_limit"
    assert 0 <= res.count.regions < 681
    np.testing.assert_array_equal(net.pattern_vector(res.interior_points), res.patterns)


def test_milp_parallel_matches_serial():
    net = random_network([2, 5, 3, 1], seed=2)
    a = enumerate_regions(net, _box(2), method="milp", workers=2)
    b = enumerate_regions(net, _box(2), method="milp")
    assert pattern_set(a.patterns) == pattern_set(b.patterns) and a.count.exact


def test_unknown_solver():
    with pytest.raises(UnknownChoiceError, match="solution enumerator"):
        count_regions(random_network([2, 3, 1], seed=0), _box(2), method="milp", solver="cplex")


def test_milp_leaky_relu_and_output_relu():
    for net in leaky_and_output_relu_nets():
        m = enumerate_regions(net, _box(2), method="milp")
        assert pattern_set(m.patterns) == pattern_set(enumerate_regions(net, _box(2), method="lp").patterns)


@pytest.mark.skipif(not solver_available("scip"), reason="scip not installed")
def test_scip_branching_enumerator_finds_each_pattern_once_and_only_feasible_ones():
    """The SCIP handler branches instead of adding no-good rows: every key assignment it
    records is a feasible solution with margin >= tau, none twice, and together they are
    exactly ``lp``'s regions (681 on this issue-4 net)."""
    from relu_regions.regions._milp import MARGIN_TOL
    from relu_regions.solvers._enumerate import enumerate_solutions

    net = random_network([3, 8, 8, 1], seed=1, bias_std=0.1)
    k = 3
    G, h = np.vstack([np.eye(k), -np.eye(k)]), np.ones(2 * k)
    form = build_region_milp(net, G, h)
    tau = MARGIN_TOL * form.fcap
    e = enumerate_solutions(form.problem, form.keys, threshold=tau, solver="scip")
    assert e.complete and len(e.solutions) == 681
    X, p = e.solutions, form.problem
    Ax = X @ p.A.T.toarray()
    assert np.all(Ax <= p.row_upper + 1e-7) and np.all(Ax >= p.row_lower - 1e-7)
    assert np.all(X @ p.c + p.offset >= tau - 1e-7)
    z = np.round(X[:, form.keys]) > 0.5
    assert len({r.tobytes() for r in z}) == len(z)
    lp = enumerate_regions(net, _box(k), method="lp")
    m = enumerate_regions(net, _box(k), method="milp", solver="scip")
    assert m.count.exact and pattern_set(m.patterns) == pattern_set(lp.patterns)


@pytest.mark.skipif(not solver_available("scip"), reason="scip not installed")
def test_scip_enumeration_under_a_time_limit_is_partial():
    net = random_network([4, 10, 10, 1], seed=2, bias_std=0.1)  # 3,513 regions, seconds
    res = count_regions(net, _box(4), method="milp", solver="scip", time_limit=0.5)
    assert res.partial and not res.exact and res.regions < 3513
