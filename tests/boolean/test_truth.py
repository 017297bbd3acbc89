"""Truth tables, codes and NPN classes against hand examples and an independent count."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from relu_regions.boolean import (
    BooleanInputError,
    count_npn_classes,
    function_code,
    input_points,
    input_transforms,
    npn_canonical,
    npn_classes,
    parity_code,
    truth_table,
)

# Table 3.3 of the dissertation: decimal codes with their printed binary strings.
TABLE_3_3 = {
    7140: "0001101111100100", 1716: "0000011010110100", 5804: "0001011010101100",
    6042: "0001011110011010", 1641: "0000011001101001", 5805: "0001011010101101",
    406: "0000000110010110", 5737: "0001011001101001", 278: "0000000100010110",
    27030: "0110100110010110", 2022: "0000011111100110", 1713: "0000011010110001",
    5786: "0001011010011010", 1717: "0000011010110101", 5774: "0001011010001110",
    7905: "0001111011100001", 6038: "0001011110010110", 7128: "0001101111011000",
}


@pytest.mark.parametrize("code,binary", sorted(TABLE_3_3.items()))
def test_codes_read_the_binary_column_of_table_3_3(code: int, binary: str) -> None:
    assert "".join(map(str, truth_table(code, 4))) == binary
    assert function_code([int(b) for b in binary]) == code


def test_code_convention_on_hand_examples() -> None:
    # f(x1, x2) = x1 AND NOT x2 is true only at (1, 0), the third input in lexicographic order
    assert input_points(2)[2].tolist() == [1, 0]
    assert function_code([0, 0, 1, 0]) == 0b0010
    assert parity_code(4) == 27030  # Table 3.3: "Problem 27030 corresponds to parity"
    for n in range(1, 7):
        t = truth_table(parity_code(n), n)
        assert np.array_equal(t, input_points(n).sum(axis=1) % 2)


def test_round_trip_all_small_codes() -> None:
    for n in (1, 2, 3):
        for code in range(1 << (1 << n)):
            assert function_code(truth_table(code, n)) == code


def test_transforms_are_the_hyperoctahedral_group() -> None:
    for n in (1, 2, 3):
        T = input_transforms(n)
        assert len({tuple(r) for r in T}) == 2**n * int(np.prod(range(1, n + 1)))
        assert T[0].tolist() == list(range(1 << n))  # identity first
        # each is a bijection that maps edges of the cube to edges
        pts = input_points(n)
        for row in T:
            assert sorted(row.tolist()) == list(range(1 << n))
            for i, j in itertools.combinations(range(1 << n), 2):
                d1 = np.abs(pts[i] - pts[j]).sum()
                d2 = np.abs(pts[row[i]] - pts[row[j]]).sum()
                assert d1 == d2


@pytest.mark.parametrize("n,count", [(1, 2), (2, 4), (3, 14), (4, 222)])
def test_npn_class_counts(n: int, count: int) -> None:
    classes = npn_classes(n)
    assert classes.count == count == len(classes.representatives)
    assert sum(classes.sizes) == 2 ** (2**n)
    assert count_npn_classes(n) == count  # Burnside: an independent count


def test_burnside_counts_oeis_a000370() -> None:
    assert [count_npn_classes(n) for n in range(1, 7)] == [2, 4, 14, 222, 616126, 200253952527184]


def test_npn_classes_of_two_inputs_by_hand() -> None:
    # constant, a single true point (AND-like), a single variable, XOR
    assert npn_classes(2).representatives == (0, 1, 3, 6)
    assert npn_classes(2).sizes == (2, 8, 4, 2)


def test_canonical_forms_are_invariant_and_minimal() -> None:
    rng = np.random.default_rng(3)
    T = input_transforms(4)
    for code in rng.integers(0, 1 << 16, size=20):
        canon = npn_canonical(int(code), 4)
        assert canon <= code
        t = truth_table(int(code), 4)
        for k in rng.integers(0, len(T), size=5):
            other = function_code(t[T[k]])
            assert npn_canonical(other, 4) == canon
            assert npn_canonical((1 << 16) - 1 - other, 4) == canon


def test_table_3_3_codes_are_class_representatives() -> None:
    reps = set(npn_classes(4).representatives)
    assert set(TABLE_3_3) <= reps
    assert 1785 in reps  # Fig. 3.2


@pytest.mark.parametrize("bad", [(-1, 2), (16, 2), (1.5, 2), (3, 0), (3, 99)])
def test_bad_input_is_a_one_line_error(bad: tuple[object, int]) -> None:
    with pytest.raises(BooleanInputError):
        truth_table(*bad)  # type: ignore[arg-type]


def test_listing_stops_at_four_inputs() -> None:
    with pytest.raises(BooleanInputError, match="count_npn_classes"):
        npn_classes(5)
