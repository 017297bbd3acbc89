"""Lower bounds (with their width conditions) and Hanin & Rolnick's expected counts."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relu_regions.bounds import (
    BoundConditionError,
    hanin_rolnick2019_bound,
    hanin_rolnick2019_theorem5_bound,
    montufar2014_lower_bound,
    serra2018_bound,
    serra2018_lower_bound,
)


def test_lower_bounds_hand_computed():
    # Montufar: prod_{l<L} floor(n_l/n0)^n0 * sum_{j<=n0} C(n_L, j)
    assert montufar2014_lower_bound([2, 4, 4]).value == 2**2 * (1 + 4 + 6)
    assert montufar2014_lower_bound([2, 5, 7, 3]).value == 2**2 * 3**2 * (1 + 3 + 3)
    # Serra: prod_{l<L} (floor(n_l/n0) + 1)^n0 * sum_{j<=n0} C(n_L, j)
    assert serra2018_lower_bound([2, 6, 6]).value == 4**2 * (1 + 6 + 15)
    assert serra2018_lower_bound([1, 3, 3]).value == 4 * 4
    b = serra2018_lower_bound([2, 6, 6])
    assert b.kind == "lower" and b.exact


@pytest.mark.parametrize(
    "fn,widths,match",
    [
        (montufar2014_lower_bound, [3, 2, 5], r"n_l >= n_0 = 3, but layer 1 has width 2"),
        (montufar2014_lower_bound, [3, 5, 2], r"layer 2 has width 2"),
        (serra2018_lower_bound, [2, 5, 6], r"n_l >= 3 \* n_0 = 6, but layer 1 has width 5"),
        (serra2018_lower_bound, [1, 3, 2], r"layer 2 has width 2"),
    ],
)
def test_lower_bound_conditions_fail_with_clear_message(fn, widths, match):
    with pytest.raises(BoundConditionError, match=match):
        fn(widths)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 4), st.lists(st.integers(0, 30), min_size=1, max_size=4))
def test_lower_bounds_below_upper_bound(n0, extra):
    widths = [n0, *(3 * n0 + e for e in extra)]
    up = serra2018_bound(widths).value
    mont = montufar2014_lower_bound(widths).value
    ser = serra2018_lower_bound(widths).value
    assert mont <= ser <= up


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(3, 40), min_size=1, max_size=5))
def test_one_dimensional_input_lower_equals_upper(ns):
    # Serra et al.: exact for inputs of dimension one -- both bounds are prod (n_l + 1)
    widths = [1, *ns]
    expected = math.prod(n + 1 for n in ns)
    assert serra2018_lower_bound(widths).value == expected == serra2018_bound(widths).value


def test_one_hidden_layer_lower_bounds_are_zaslavsky():
    assert montufar2014_lower_bound([3, 7]).value == serra2018_bound([3, 7]).value == 1 + 7 + 21 + 35


def test_hanin_rolnick_hand_computed():
    b = hanin_rolnick2019_bound([2, 32, 32, 32])  # their Fig. 5: 96^2 / 2! = 4608
    assert b.value == 4608.0 and b.kind == "expected" and not b.exact
    assert hanin_rolnick2019_bound([1, 10, 10]).value == 20.0  # the 1-D count: #neurons
    assert hanin_rolnick2019_bound([5, 2, 1]).value == 8.0  # N < n_in: 2^N
    big = hanin_rolnick2019_bound([784, 400, 400])  # 800^784 / 784!: beyond the float range
    assert big.value is None
    expected = 784 * math.log10(800) - math.lgamma(785) / math.log(10)
    assert big.log10 == pytest.approx(expected, rel=1e-13)
    assert "note" in big.details  # exceeds 2^N: flagged


def test_hanin_rolnick_theorem5():
    widths = [2, 3, 3]
    t1 = hanin_rolnick2019_theorem5_bound(widths, 1.0)
    assert t1.value == hanin_rolnick2019_bound(widths).value == 18.0
    assert hanin_rolnick2019_theorem5_bound(widths, 2.0, volume=0.5).value == 0.5 * 12**2 / 2
    assert hanin_rolnick2019_theorem5_bound([4, 2], 3.0, volume=2.0).value == 2.0 * 2**2


@pytest.mark.parametrize("T,vol", [(0.0, 1.0), (-1.0, 1.0), (1.0, 0.0), (float("inf"), 1.0), (1.0, "x")])
def test_hanin_rolnick_theorem5_bad_constants(T, vol):
    with pytest.raises(BoundConditionError, match="positive finite"):
        hanin_rolnick2019_theorem5_bound([2, 3], T, volume=vol)
