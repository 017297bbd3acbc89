"""Theorem 3.3.2's width-s networks classify their functions on every input."""

from __future__ import annotations

import numpy as np
import pytest

from relu_regions.boolean import (
    BooleanInputError,
    input_points,
    interpolation_network,
    npn_classes,
    parity_code,
    swaps_network,
    truth_table,
)


def predict(res: object, n: int, encoding: str) -> np.ndarray:
    x = input_points(n).astype(float)
    if encoding == "pm1":
        x = 2 * x - 1
    return res.network.forward(x).ravel() > 0  # type: ignore[attr-defined]


@pytest.mark.parametrize("slope", [0.0, 0.1, 0.5])
@pytest.mark.parametrize("encoding", ["01", "pm1"])
def test_every_three_input_function(slope: float, encoding: str) -> None:
    for code in range(256):
        res = swaps_network(code, 3, negative_slope=slope, encoding=encoding)
        assert res.width == max(res.swaps, 1)
        assert res.network.hidden_widths == (res.width,)
        assert np.array_equal(predict(res, 3, encoding), truth_table(code, 3) == 1), code
        assert res.verified and res.margin > 0


@pytest.mark.parametrize("slope", [0.0, 0.1])
def test_every_four_input_class(slope: float) -> None:
    for code in npn_classes(4).representatives:
        res = swaps_network(code, 4, negative_slope=slope, encoding="pm1")
        assert np.array_equal(predict(res, 4, "pm1"), truth_table(code, 4) == 1), code
        assert res.width == max(res.swaps, 1)


def test_parity_width_n_and_json() -> None:
    for n in (2, 3, 4):
        res = swaps_network(parity_code(n), n)
        assert res.width == n and res.verified
    d = swaps_network(parity_code(3), 3).to_dict()
    assert "network" not in d and d["width"] == 3 and len(d["weights"]["W1"]) == 3


def test_lemma_a_2_1_interpolates_any_points() -> None:
    rng = np.random.default_rng(0)
    for slope in (0.0, 0.2, 0.9):
        t = np.sort(rng.uniform(-3, 3, size=7))
        y = rng.normal(size=7)
        a, kinks, d = interpolation_network(t, y, negative_slope=slope)
        z = t[:, None] - kinks[None, :]
        v = d + np.maximum(z, slope * z) @ a
        np.testing.assert_allclose(v, y, atol=1e-9)


def test_bad_slope() -> None:
    with pytest.raises(BooleanInputError):
        swaps_network(6, 2, negative_slope=1.0)


@pytest.mark.parametrize("width", [2, 3, 4, 6])
def test_deep_parity_networks_theorem_3_3_4(width: int) -> None:
    from relu_regions.boolean import parity_network

    for n in range(1, 12):
        for slope in (0.0, 0.1):
            res = parity_network(n, width=width, negative_slope=slope, encoding="pm1")
            assert width ** res.depth >= n and (res.depth == 1 or width ** (res.depth - 1) < n)
            assert res.network.hidden_widths == (width,) * res.depth
            x = 2.0 * input_points(n) - 1.0
            pred = res.network.forward(x).ravel() > 0
            assert np.array_equal(pred, input_points(n).sum(axis=1) % 2 == 1), (n, width)
            assert res.margin == pytest.approx(0.5, abs=1e-9)


def test_deep_parity_refuses_too_small_nets() -> None:
    from relu_regions.boolean import parity_network

    with pytest.raises(BooleanInputError, match="n <= w"):
        parity_network(10, width=3, depth=2)
    assert parity_network(9, width=3, depth=2).verified


@pytest.mark.parametrize("slope", [0.01, 0.1, 0.5])
def test_minimal_width_s_minus_one_for_leaky(slope: float) -> None:
    for n, codes in ((3, range(256)), (4, npn_classes(4).representatives)):
        for code in codes:
            res = swaps_network(code, n, negative_slope=slope, encoding="pm1", minimal=True)
            expected = res.swaps - 1 if res.swaps >= 3 else max(res.swaps, 1)
            assert res.width == expected == res.network.hidden_widths[0]
            assert np.array_equal(predict(res, n, "pm1"), truth_table(code, n) == 1), code


def test_minimal_keeps_width_s_for_relu() -> None:
    res = swaps_network(7140, 4, negative_slope=0.0, minimal=True)
    assert res.width == 5 and res.verified
    assert swaps_network(parity_code(3), 3, minimal=True).width == 2  # 3-parity, swaps 3
