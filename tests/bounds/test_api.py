"""``bound_regions``: names, skipping vs errors, models, JSON output."""

import json
import sys

import numpy as np
import pytest

from relu_regions import Box, Network, random_network
from relu_regions.bounds import BOUND_METHODS, BoundConditionError, bound_regions
from relu_regions.exceptions import DimensionError, UnknownChoiceError

ISSUE_NAMES = {"trivial", "raghu2017", "montufar2017", "serra2018", "serra2018_maxout",
               "montufar2014_lower", "serra2018_lower", "hanin_rolnick2019", "cai2023", "network_aware"}


def test_registry_has_every_method_of_the_issue():
    assert ISSUE_NAMES <= set(BOUND_METHODS)


def test_all_on_widths_skips_what_does_not_apply():
    r = bound_regions([2, 3, 3])
    assert set(r.bounds) | set(r.skipped) == set(BOUND_METHODS)
    assert "n_l >= 3 * n_0 = 6" in r.skipped["serra2018_lower"]
    assert "needs a model" in r.skipped["network_aware"]
    assert "constant T" in r.skipped["hanin_rolnick2019_theorem5"]
    assert r["serra2018"].value == 40 and r["cai2023"].value == pytest.approx(40)
    with pytest.raises(KeyError, match="needs a model"):
        r["network_aware"]


def test_ordering_tightest_first():
    r = bound_regions([2, 8, 8], hr_constant=1.0)
    kinds = [b.kind for b in r.ordered()]
    assert kinds == sorted(kinds, key=["upper", "expected", "lower"].index)
    uppers = [b.log10 for b in r.ordered() if b.kind == "upper"]
    lowers = [b.log10 for b in r.ordered() if b.kind == "lower"]
    assert uppers == sorted(uppers) and lowers == sorted(lowers, reverse=True)
    assert max(lowers) <= min(uppers)


def test_explicit_methods_raise_instead_of_skipping():
    with pytest.raises(BoundConditionError, match="layer 1 has width 3"):
        bound_regions([2, 3, 3], methods="serra2018_lower")
    with pytest.raises(BoundConditionError, match="needs a model"):
        bound_regions([2, 3], methods=["network_aware"])
    with pytest.raises(UnknownChoiceError, match="choose one of: trivial, raghu2017"):
        bound_regions([2, 3], methods="serra2019")
    with pytest.raises(BoundConditionError, match="no bound method"):
        bound_regions([2, 3], methods="")


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        ({"density": 1.5}, BoundConditionError, r"density must lie in \(0, 1\]"),
        ({"density": [0.5, 0.5, 0.5]}, DimensionError, "3 densities for 2 hidden layers"),
        ({"maxout_rank": 1}, BoundConditionError, "maxout rank"),
        ({"hr_constant": 0.0}, BoundConditionError, "positive finite constant T"),
        ({"volume": -1.0}, BoundConditionError, "positive finite volume"),
        ({"domain": "box:0,1"}, BoundConditionError, "a domain needs a model"),
    ],
)
def test_bad_parameters_are_errors_even_with_all(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        bound_regions([2, 3, 3], **kwargs)


def test_model_bounds_use_its_architecture_and_densities():
    net = random_network([3, 6, 5, 2], seed=4)
    W = [np.array(w) for w in net.weights]
    W[0][:, 0] = 0.0  # prune a column: density 2/3 in layer 1
    pruned = Network(W, net.biases)
    r = bound_regions(pruned, "box:-1,1")
    assert r.widths == (3, 6, 5) and r.domain_dim == 3
    assert r["cai2023"].details["densities"] == pytest.approx([2 / 3, 1.0])
    assert r["network_aware"].value <= r["serra2018"].value
    assert r["network_aware"].details["layers"][0]["rank"] == 2  # a zero column: rank 2


def test_leaky_model_skips_relu_only_bounds():
    net = random_network([2, 4, 4, 1], seed=0, negative_slope=0.1)
    r = bound_regions(net)
    assert "leaky" in r.skipped["serra2018"]
    assert {"trivial", "montufar2017", "network_aware", "serra2018_maxout"} <= set(r.bounds)
    assert r["network_aware"].value <= r["montufar2017"].value


def test_output_relu_neurons_are_part_of_the_architecture():
    net = random_network([2, 3, 4], seed=0, output_relu=True)
    assert bound_regions(net, methods="serra2018").widths == (2, 3, 4)


def test_to_dict_is_json_with_exact_huge_integers():
    r = bound_regions([1024, 4096, 4096], methods="trivial,serra2018,cai2023")
    d = r.to_dict()
    assert d["bounds"]["trivial"]["value"] == 2**8192
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        text = json.dumps(d)
    finally:
        sys.set_int_max_str_digits(old)
    back = json.loads(text)
    assert back["bounds"]["cai2023"]["value"] is None
    assert back["bounds"]["cai2023"]["log10"] == pytest.approx(r["serra2018"].log10, abs=1e-9)
    assert set(back["bounds"]["serra2018"]) >= {"value", "log10", "kind", "reference"}


def test_domain_via_box_object():
    net = random_network([2, 5, 1], seed=3)
    small = bound_regions(net, Box([0.0, 0.0], [1e-3, 1e-3]), methods="network_aware")
    assert small["network_aware"].value <= 4
