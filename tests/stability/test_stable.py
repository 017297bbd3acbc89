from __future__ import annotations

import json

import numpy as np
import pytest

from relu_regions import Box, LInfBall, Polytope, random_network
from relu_regions.stability import STABILITY_METHODS, stable_neurons

from ._oracle import box_halfspaces, exact_extremes, truth_status


def _codes(res):
    return [res.status(layer) for layer in range(len(res.layers))]


@pytest.fixture(scope="module")
def cases(tiny_nets):
    """(net, lower, upper, exact stability codes) for tiny nets on a large and a small box."""
    out = []
    for net in tiny_nets:
        for scale in (1.0, 0.25):  # small boxes have many stable neurons
            lo, hi = -scale * np.ones(net.input_dim), scale * np.ones(net.input_dim) + 0.1
            out.append((net, lo, hi, truth_status(*exact_extremes(net, *box_halfspaces(lo, hi)))))
    return out


@pytest.mark.parametrize("method", ["auto", "milp"])
def test_exact_methods_match_pattern_enumeration(cases, method):
    for net, lo, hi, truth in cases:
        res = stable_neurons(net, Box(lo, hi), method=method)
        assert res.exact and not res.partial
        for got, want in zip(_codes(res), truth, strict=True):
            np.testing.assert_array_equal(got, want)
        assert res.verify(net, Box(lo, hi))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auto_equals_per_neuron_milp_on_unseen_nets(seed):
    """auto (sign-only MILPs after witnesses and bounds) == the paper's two MILPs per neuron."""
    net = random_network([5, 10, 8, 6, 3], seed=100 + seed)
    rng = np.random.default_rng(seed)
    dom = LInfBall(rng.uniform(-0.5, 0.5, 5), [0.2, 0.6][seed % 2])
    auto = stable_neurons(net, dom, method="auto")
    milp = stable_neurons(net, dom, method="milp")
    assert auto.exact and milp.exact
    for a, m in zip(_codes(auto), _codes(milp), strict=True):
        np.testing.assert_array_equal(a, m)
    assert auto.verify(net, dom) and milp.verify(net, dom)


def test_hand_built_network(hand_net):
    res = stable_neurons(hand_net, Box([0, -1], [1, 1]))
    layer = res.layers[0]
    assert (layer.active, layer.inactive, layer.unstable, layer.undecided) == ((0,), (2,), (1,), ())
    c = res.certificate(0, 2)
    assert c["status"] == "inactive" and c["bound"] <= 0 and c["proof"] in ("interval", "crown")
    c = res.certificate(0, 1)
    assert c["status"] == "unstable" and c["proof"] == "witness"
    assert c["positive_point"][1] > 0 > c["negative_point"][1]
    assert res.certificate(0, 0)["bound"] >= 0


@pytest.mark.parametrize("method", ["lp", "crown", "interval"])
def test_relaxation_methods_are_sound_but_may_be_undecided(cases, method):
    for net, lo, hi, truth in cases:
        res = stable_neurons(net, Box(lo, hi), method=method)
        for got, want in zip(_codes(res), truth, strict=True):
            decided = got != 2
            np.testing.assert_array_equal(got[decided], want[decided])
        assert res.exact == all(not layer.undecided for layer in res.layers)


def test_polytope_domain_and_data_points():
    net = random_network([2, 6, 5, 1], seed=3)
    A = np.array([[1.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    b = np.array([1.0, 0.2, 0.2])
    dom = Polytope(A, b)
    res = stable_neurons(net, dom, points=[[0.1, 0.1], [0.5, 0.4]])
    truth = truth_status(*exact_extremes(net, A, b))
    for got, want in zip(_codes(res), truth, strict=True):
        np.testing.assert_array_equal(got, want)
    assert res.verify(net, dom)


def test_time_limit_gives_partial_labelled_result():
    net = random_network([8, 40, 40, 40, 2], seed=0)
    res = stable_neurons(net, Box(-np.ones(8), np.ones(8)), method="milp", time_limit=0.3)
    assert res.partial and not res.exact and res.stop_reason == "time_limit"
    assert res.counts["undecided"] > 0
    assert "undecided" in res.reason


def test_json_shape():
    net = random_network([3, 4, 2], seed=1)
    res = stable_neurons(net, Box(-np.ones(3), np.ones(3)))
    d = json.loads(json.dumps(res.to_dict()))
    assert set(d["layers"][0]) == {"active", "inactive", "unstable", "undecided"}
    assert d["exact"] is True and isinstance(d["seconds"], float)
    assert "certificates" not in d
    assert sorted(sum((d["layers"][0][k] for k in ("active", "inactive", "unstable")), [])) == [0, 1, 2, 3]


def test_method_registry_lists_choices():
    assert STABILITY_METHODS.names()[:2] == ["auto", "milp"]
    with pytest.raises(Exception, match="choose one of: auto, milp"):
        stable_neurons(random_network([2, 2, 1]), Box([0, 0], [1, 1]), method="exhaustive")


def test_auto_time_limit_is_labelled_and_sound():
    net = random_network([6, 30, 30, 30, 2], seed=7)
    box = Box(-np.ones(6), np.ones(6))
    res = stable_neurons(net, box, method="auto", time_limit=1e-3, samples=64)
    assert res.exact == (res.counts["undecided"] == 0)
    if not res.exact:
        assert res.partial and res.stop_reason == "time_limit"
    assert res.verify(net, box)
