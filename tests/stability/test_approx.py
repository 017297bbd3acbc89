from __future__ import annotations

import itertools

import numpy as np
import pytest

from relu_regions import Box, random_network
from relu_regions.regions import enumerate_regions
from relu_regions.stability import global_linear_approximation, theorem2_widths, theorem3_widths
from relu_regions.stability._approx import _all_prefixes, _build, _check


@pytest.mark.parametrize(
    "widths,expected",
    [
        ([784, 5, 5, 5, 10], (5450, 10240)),  # the paper's Table 1
        ([784, 5, 5, 10, 10, 10], (10506570, 10485760)),
        ([784, 5, 5, 5, 10, 10, 10], (336210250, 335544320)),
    ],
)
def test_theorem2_widths_reproduce_table1(widths, expected):
    assert theorem2_widths(widths) == expected


def test_theorem2_widths_are_exact_big_integers():
    n1, n2 = theorem2_widths([784, 100, 100, 10])
    assert n1 == 2 * 100 + 2**100 * 100 and n2 == 2**100 * 10
    assert isinstance(n1, int)
    # Appendix F's closed form for L layers of n units: n/(2^n - 1) (2^{Ln} + 2^{(L-1)n} - 2)
    n, L = 4, 3
    assert theorem2_widths([7, n, n, n, 2])[0] == n * (2 ** (L * n) + 2 ** ((L - 1) * n) - 2) // (2**n - 1)


def test_theorem3_with_all_patterns_equals_theorem2():
    widths = [3, 2, 3, 2, 4]
    P = np.array(list(itertools.product([0, 1], repeat=7)), dtype=bool)
    assert theorem3_widths(widths, P) == theorem2_widths(widths)


@pytest.mark.parametrize("theorem", [2, 3])
@pytest.mark.parametrize(
    "widths,output_relu", [([2, 3, 3, 1], False), ([2, 4, 3, 3, 2], False), ([3, 3, 3, 2], True), ([2, 5, 3], False)]
)
def test_built_approximation_agrees_away_from_boundaries(widths, output_relu, theorem):
    net = random_network(widths, seed=3, output_relu=output_relu)
    box = Box(-np.ones(widths[0]), np.ones(widths[0]))
    res = global_linear_approximation(net, domain=box, theorem=theorem, check_points=3000)
    assert res.built == theorem and res.network is not None
    expect = res.theorem2 if theorem == 2 else res.theorem3
    assert res.network.hidden_widths == (expect["n1"], expect["n2"])
    assert res.interior_points > 2000
    assert res.max_abs_difference < 1e-9


def test_theorem3_patterns_from_the_counting_engine():
    net = random_network([2, 4, 4, 2], seed=5)
    box = Box([-1, -1], [1, 1])
    res = global_linear_approximation(net, domain=box)
    rs = enumerate_regions(net, box)
    assert rs.count.exact and res.theorem3["exact"]
    assert res.theorem3["patterns"] == rs.count.regions
    assert (res.theorem3["n1"], res.theorem3["n2"]) == theorem3_widths(net.widths, rs.patterns)
    assert res.built == 3 and res.max_abs_difference < 1e-9
    assert res.theorem3["n1"] < res.theorem2["n1"]


def test_a_too_small_H_breaks_the_approximation():
    """The check can fail: with H divided by 1e6 the wrong patterns leak into the output."""
    net = random_network([2, 4, 4, 1], seed=1)
    box = Box([-1, -1], [1, 1])
    shallow, H, _ = _build(net, box, _all_prefixes([4, 4]), 1e-3)
    W2 = shallow.weights[1].copy()
    W2[W2 == -H] = -H * 1e-6
    weak = shallow.replace_layers([shallow.weights[0], W2, shallow.weights[2]], shallow.biases)
    assert _check(net, shallow, box, 2, 1e-3, 2000, 0)[0] < 1e-9
    assert _check(net, weak, box, 2, 1e-3, 2000, 0)[0] > 1e-3


def test_large_networks_report_widths_only():
    net = random_network([784, 100, 100, 10], seed=0)
    res = global_linear_approximation(net)
    assert res.built is None and res.network is None and res.theorem3 is None
    assert res.theorem2["n1"] == 200 + 2**100 * 100
    assert "domain" in res.note
    d = res.to_dict()
    assert d["theorem2"]["n2"] == 2**100 * 10 and "network" not in d


def test_bad_input():
    net = random_network([2, 3, 1], seed=0)
    with pytest.raises(Exception, match="Theorem 3 needs"):
        global_linear_approximation(net, theorem=3)
    with pytest.raises(Exception, match="bounded domain"):
        global_linear_approximation(net, build=True)
    with pytest.raises(Exception, match="ReLU networks only"):
        global_linear_approximation(random_network([2, 3, 1], negative_slope=0.2))
    with pytest.raises(Exception, match="boolean array"):
        theorem3_widths([2, 3, 1], np.ones((4, 2)))
