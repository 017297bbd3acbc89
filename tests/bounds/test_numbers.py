import math

import pytest

from relu_regions.bounds import log10_int, zaslavsky
from relu_regions.bounds._numbers import binomial_prefix_sums, binomial_row, log_binomial_row
from relu_regions.exceptions import DimensionError


@pytest.mark.parametrize(
    "n,d,expected",
    [(3, 2, 7), (0, 5, 1), (4, 1, 5), (4, 10, 16), (5, 2, 16), (10, 3, 176), (2, 0, 1)],
)
def test_zaslavsky_hand_computed(n, d, expected):
    assert zaslavsky(n, d) == expected


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_zaslavsky_rejects_bad_input(bad):
    with pytest.raises(DimensionError, match="non-negative integer"):
        zaslavsky(bad, 2)


def test_binomial_rows_match_math_comb():
    for n in (0, 1, 7, 40):
        assert binomial_row(n, n + 3) == [math.comb(n, j) for j in range(n + 4)]
        assert binomial_prefix_sums(n, n)[-1] == 2**n


def test_log_binomial_row():
    row = log_binomial_row(30, 35)
    for j in range(31):
        assert row[j] == pytest.approx(math.log(math.comb(30, j)), abs=1e-11)
    assert row[31:].tolist() == [-math.inf] * 5


@pytest.mark.parametrize("e", [0, 1, 20, 64, 5000, 20000])
def test_log10_int_is_accurate_for_huge_integers(e):
    # more than Python's 4300-digit str limit: log10_int never converts to decimal
    for v in (3**e, 10**e, 10**e + 7, 2**e):
        assert log10_int(v) == pytest.approx(math.log10(v), rel=1e-15, abs=1e-12)
