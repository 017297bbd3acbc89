from __future__ import annotations

import numpy as np
import pytest

from relu_regions import (
    AffineSubspace,
    Box,
    DomainError,
    LInfBall,
    Polytope,
    UnsupportedLayerError,
    random_network,
)
from relu_regions.stability import BOUND_METHODS, SOLVER_PAD, preactivation_bounds

from ._oracle import box_halfspaces, exact_extremes

METHODS = BOUND_METHODS.names()


def _domains(n0):
    rng = np.random.default_rng(n0)
    c = rng.uniform(-0.5, 0.5, n0)
    return [
        Box(-np.ones(n0), np.ones(n0)),
        LInfBall(c, 0.3, clip=[-0.6, 0.6]),
        Polytope(np.vstack([np.eye(n0), -np.eye(n0), np.ones((1, n0))]), np.r_[np.ones(2 * n0), 0.5]),
        AffineSubspace(rng.normal(size=(2, n0)), coefficient_bounds=(-1, 1)),
    ]


@pytest.mark.parametrize("method", METHODS)
def test_every_method_is_sound_on_samples(method):
    for seed in range(2):
        net = random_network([3, 6, 5, 4, 2], seed=seed)
        for dom in _domains(3):
            b = preactivation_bounds(net, dom, method=method)
            X = dom.sample(4000, seed=seed)
            assert b.contains(net.preactivations(X), tol=1e-9), (method, seed, dom)


def test_methods_are_nested(small_random_net):
    box = Box(-np.ones(3), np.ones(3))
    res = {m: preactivation_bounds(small_random_net, box, method=m) for m in METHODS}
    order = ["interval", "crown", "lp", "milp"]
    for loose, tight in zip(order[:-1], order[1:], strict=True):
        for layer in range(2):
            pad = 2 * SOLVER_PAD * (1 + np.abs(res[loose].upper[layer]))
            assert np.all(res[tight].upper[layer] <= res[loose].upper[layer] + pad), (loose, tight)
            assert np.all(res[tight].lower[layer] >= res[loose].lower[layer] - pad), (loose, tight)


def test_milp_is_exact_against_pattern_enumeration(tiny_nets):
    for net in tiny_nets:
        lo_box, hi_box = -np.ones(net.input_dim), np.ones(net.input_dim)
        b = preactivation_bounds(net, Box(lo_box, hi_box), method="milp")
        assert b.all_exact and not b.partial
        lowers, uppers = exact_extremes(net, *box_halfspaces(lo_box, hi_box))
        for layer in range(len(lowers)):
            np.testing.assert_allclose(b.upper[layer], uppers[layer], atol=1e-5, rtol=1e-5)
            np.testing.assert_allclose(b.lower[layer], lowers[layer], atol=1e-5, rtol=1e-5)


def test_milp_exact_on_polytope_domain():
    net = random_network([2, 4, 3, 1], seed=4)
    A = np.array([[1.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [1.0, -2.0]])
    bb = np.array([1.0, 0.5, 0.5, 1.0])
    b = preactivation_bounds(net, Polytope(A, bb), method="milp")
    lowers, uppers = exact_extremes(net, A, bb)
    for layer in range(2):
        np.testing.assert_allclose(b.upper[layer], uppers[layer], atol=1e-5)
        np.testing.assert_allclose(b.lower[layer], lowers[layer], atol=1e-5)


def test_first_layer_is_exact_in_closed_form():
    net = random_network([4, 6, 3], seed=2)
    box = Box(np.zeros(4), np.ones(4))
    for method in ("interval", "crown"):
        b = preactivation_bounds(net, box, method=method)
        assert b.exact[0].all() and not b.exact[-1].any() or len(b.exact) == 1
        W, c = net.weights[0], net.biases[0]
        np.testing.assert_allclose(b.upper[0], np.maximum(W, 0).sum(1) + c)
        np.testing.assert_allclose(b.lower[0], np.minimum(W, 0).sum(1) + c)


def test_time_limit_falls_back_to_sound_bounds():
    net = random_network([6, 30, 30, 30, 1], seed=0)
    box = Box(-np.ones(6), np.ones(6))
    b = preactivation_bounds(net, box, method="milp", time_limit=0.2)
    assert b.partial and b.stop_reason == "time_limit" and not b.all_exact
    assert any(b.not_exact)
    X = box.sample(5000, seed=1)
    assert b.contains(net.preactivations(X))


def test_doctest_example_hand_values():
    from relu_regions import Network

    net = Network([[[1.0, 1.0], [1.0, -1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    b = preactivation_bounds(net, Box([0, 0], [1, 1]), method="milp")
    assert b.lower[0].tolist() == [0.0, -1.0] and b.upper[0].tolist() == [2.0, 1.0]
    d = b.to_dict()
    assert d["method"] == "milp" and d["upper"][0] == [2.0, 1.0]


def test_bad_input_raises_clear_errors():
    leaky = random_network([2, 3, 1], seed=0, negative_slope=0.1)
    with pytest.raises(UnsupportedLayerError, match="ReLU networks only"):
        preactivation_bounds(leaky, Box([0, 0], [1, 1]))
    net = random_network([2, 3, 1], seed=0)
    with pytest.raises(DomainError, match="bounded domain"):
        preactivation_bounds(net, AffineSubspace([[0, 0], [1, 1]]))
    with pytest.raises(Exception, match="unknown bound method"):
        preactivation_bounds(net, Box([0, 0], [1, 1]), method="nope")
    with pytest.raises(Exception, match="2 inputs"):
        preactivation_bounds(net, Box([0, 0, 0], [1, 1, 1]))
