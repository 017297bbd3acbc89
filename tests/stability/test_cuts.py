from __future__ import annotations

import dataclasses

import numpy as np

from relu_regions import Box, random_network
from relu_regions._budget import Budget
from relu_regions.relax._bounds import layer_bounds
from relu_regions.relax._cuts import CutPool
from relu_regions.relax._formulation import build_model
from relu_regions.relax._setup import prepare
from relu_regions.solvers import solve


def _pool_after_rounds(rounds=6):
    net = random_network([6, 12, 10, 1], seed=4)
    setup = prepare(net, Box(-np.ones(6), np.ones(6)))
    bounds, _ = layer_bounds(setup, "crown", budget=Budget(), depth=2)
    model = build_model(setup, bounds, 2)
    pool = CutPool(model)
    values = []
    problem = model.objective(setup, 0, sense="max")
    for _ in range(rounds):
        r = solve(pool.apply(problem, relax=True))
        values.append(r.objective)
        if pool.separate(r.x) == 0:
            break
    return net, setup, model, pool, problem, values


def test_cuts_tighten_the_lp_relaxation():
    _, _, _, pool, _, values = _pool_after_rounds()
    assert len(pool) > 0
    assert all(b <= a + 1e-9 for a, b in zip(values, values[1:], strict=False))
    assert values[-1] < values[0] - 1e-6


def test_cuts_never_cut_off_a_point_of_the_network():
    net, setup, model, pool, problem, _ = _pool_after_rounds()
    rng = np.random.default_rng(0)
    with_cuts = pool.apply(problem)
    for t in rng.uniform(-1, 1, size=(15, 6)):
        lo, hi = with_cuts.col_lower.copy(), with_cuts.col_upper.copy()
        lo[:6] = hi[:6] = t
        fixed = dataclasses.replace(with_cuts, col_lower=lo, col_upper=hi)
        res = solve(fixed)
        assert res.status == "optimal", res.status
        # with t fixed, the objective (the network's affine output) is the network's value
        assert abs(res.objective - net.forward(t)[0]) < 1e-6
