"""Architecture-only upper bounds: hand-computed cases, independent formulas, orderings."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relu_regions.bounds import (
    BoundConditionError,
    check_widths,
    montufar2017_bound,
    raghu2017_bound,
    serra2018_bound,
    serra2018_maxout_bound,
    trivial_bound,
    zaslavsky,
)
from relu_regions.exceptions import DimensionError

from .reference import montufar2017_formula, refined_recurrence, serra_theorem1_bruteforce

small_archs = st.lists(st.integers(1, 6), min_size=2, max_size=4)
medium_archs = st.lists(st.integers(1, 60), min_size=2, max_size=6)


# ----------------------------------------------------------------- hand-computed cases
@pytest.mark.parametrize(
    "widths,expected",
    [
        # one hidden layer: Zaslavsky sum_{j<=n0} C(n1, j)
        ([2, 3], 7),
        ([3, 2], 4),
        ([1, 5], 6),
        # 1-D input, widths >= 2: (n1 + 1)(n2 + 1)...
        ([1, 2, 2], 9),
        ([1, 3, 4, 2], 4 * 5 * 3),
        # 2-3-3 by hand: R2(d) = sum_{j<=d} C(3, j) -> R2(1) = 4, R2(2) = 7;
        # R1 = C(3,0) R2(2) + C(3,1) R2(2) + C(3,2) R2(1) = 7 + 21 + 12 = 40
        ([2, 3, 3], 40),
        # 2-2-2: R1 = C(2,0) R2(2) + C(2,1) R2(1) + C(2,2) R2(0) = 4 + 2*3 + 1 = 11
        ([2, 2, 2], 11),
        # a bottleneck: 2-1-5: R1 = R2(1) + R2(0) = 6 + 1
        ([2, 1, 5], 7),
    ],
)
def test_serra2018_hand_computed(widths, expected):
    b = serra2018_bound(widths)
    assert b.value == expected and b.exact and b.kind == "upper"
    assert b.log10 == pytest.approx(math.log10(expected))


def test_other_architecture_bounds_hand_computed():
    assert trivial_bound([2, 3, 3]).value == 64
    assert raghu2017_bound([2, 3, 3]).value == 7 * 7
    assert montufar2017_bound([2, 3, 3]).value == 7 * 7
    assert montufar2017_bound([3, 1, 4]).value == 2 * 5  # d_1 = d_2 = 1
    assert raghu2017_bound([3, 1, 4]).value == 2 * (1 + 4 + 6 + 4)
    # maxout rank 3 -> 3 hyperplanes per unit
    assert serra2018_maxout_bound([2, 3], rank=3).value == 1 + 9 + 36
    assert serra2018_maxout_bound([1, 2, 2], rank=4).value == (1 + 12) * (1 + 12)


# ----------------------------------------------------------------- independent implementations
@settings(max_examples=60, deadline=None)
@given(small_archs)
def test_serra2018_equals_bruteforce_sum_over_J(widths):
    assert serra2018_bound(widths).value == serra_theorem1_bruteforce(widths)


@settings(max_examples=60, deadline=None)
@given(medium_archs)
def test_serra2018_equals_naive_refined_recurrence(widths):
    assert serra2018_bound(widths).value == refined_recurrence(widths)


def test_784_400_400_is_the_exact_integer():
    b = serra2018_bound([784, 400, 400])
    assert isinstance(b.value, int) and b.exact
    assert b.value == refined_recurrence((784, 400, 400))
    assert b.log10 == pytest.approx(math.log10(b.value), abs=1e-12)
    assert 240 < b.log10 < 241


def test_big_architectures_stay_exact():
    b = serra2018_bound([1024, 4096, 4096])
    assert isinstance(b.value, int) and b.value.bit_length() > 6000
    t = trivial_bound([1024, 4096, 4096, 4096])
    assert t.value == 2 ** (3 * 4096) and t.log10 == pytest.approx(3 * 4096 * math.log10(2))


@settings(max_examples=60, deadline=None)
@given(medium_archs)
def test_montufar2017_and_maxout_against_formula(widths):
    assert montufar2017_bound(widths).value == montufar2017_formula(widths)
    # a ReLU is a rank-2 maxout unit: the maxout bound with k = 2 is Montufar's
    assert serra2018_maxout_bound(widths, 2).value == montufar2017_formula(widths)
    k3 = serra2018_maxout_bound(widths, 3).value
    expected = 1
    d = widths[0]
    for n in widths[1:]:
        d = min(d, n)
        expected *= sum(math.comb(3 * n, j) for j in range(d + 1))
    assert k3 == expected


# ----------------------------------------------------------------- orderings
@settings(max_examples=80, deadline=None)
@given(medium_archs)
def test_chain_of_upper_bounds(widths):
    s = serra2018_bound(widths).value
    m = montufar2017_bound(widths).value
    r = raghu2017_bound(widths).value
    t = trivial_bound(widths).value
    assert s <= m <= r <= t
    assert serra2018_maxout_bound(widths, 2).value <= serra2018_maxout_bound(widths, 3).value


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 50), st.integers(1, 80))
def test_one_hidden_layer_is_zaslavsky(n0, n1):
    assert serra2018_bound([n0, n1]).value == zaslavsky(n1, n0)
    assert montufar2017_bound([n0, n1]).value == zaslavsky(n1, n0)


# ----------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "widths,match",
    [
        ([3], "at least one hidden width"),
        ([], "at least one hidden width"),
        ([2, 0, 3], "positive integers; got 0 at position 1"),
        ([2, -1], "positive integers"),
        ([2, 2.5], "positive integers"),
        (5, "sequence of integers"),
    ],
)
def test_bad_widths(widths, match):
    with pytest.raises(DimensionError, match=match):
        check_widths(widths)
    with pytest.raises(DimensionError):
        serra2018_bound(widths)


@pytest.mark.parametrize("rank", [1, 0, 2.5, True])
def test_bad_maxout_rank(rank):
    with pytest.raises(BoundConditionError, match="maxout rank must be an integer >= 2"):
        serra2018_maxout_bound([2, 3], rank)
