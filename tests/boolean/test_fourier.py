"""Fourier metrics against their combinatorial definitions (independent oracles)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from relu_regions.boolean import (
    fourier_spectrum,
    input_points,
    input_transforms,
    npn_classes,
    parity_code,
    truth_table,
)


def influence_by_flips(code: int, n: int) -> list[float]:
    """I_k(f) = P[f(x) != f(x with bit k flipped)] straight from the definition (Sec. 3.2)."""
    t = truth_table(code, n)
    pts = input_points(n)
    index = {tuple(p): i for i, p in enumerate(pts.tolist())}
    out = []
    for k in range(n):
        flipped = pts.copy()
        flipped[:, k] ^= 1
        j = [index[tuple(p)] for p in flipped.tolist()]
        out.append(float(np.mean(t != t[j])))
    return out


def coefficients_by_sum(code: int, n: int) -> dict[tuple[int, ...], float]:
    t = truth_table(code, n)
    F = 1 - 2 * t
    pts = input_points(n)
    out = {}
    for k in range(n + 1):
        for S in itertools.combinations(range(n), k):
            chi = (-1) ** pts[:, list(S)].sum(axis=1)
            val = float(np.mean(F * chi))
            if val:
                out[tuple(i + 1 for i in S)] = val
    return out


@pytest.mark.parametrize("code", [0, 1, 1785, 7140, 27030, 278, 65535, 12345])
def test_against_definitions(code: int) -> None:
    s = fourier_spectrum(code, 4)
    ref = coefficients_by_sum(code, 4)
    assert {k: v for k, v in s.coefficients.items()} == {str(k): v for k, v in ref.items()}
    flips = influence_by_flips(code, 4)
    assert s.influences == pytest.approx(flips, abs=0)
    assert s.total_influence == pytest.approx(sum(flips), abs=1e-15)
    assert s.degree == max((len(k) for k in ref), default=0)
    assert sum(v * v for v in ref.values()) == pytest.approx(1.0)  # Parseval
    ent = -sum(v * v * math.log2(v * v) for v in ref.values())
    assert s.entropy == pytest.approx(ent, abs=1e-12)


def test_parity_is_maximal_influence_and_single_coefficient() -> None:
    for n in range(1, 9):
        s = fourier_spectrum(parity_code(n), n)
        assert (s.degree, s.total_influence, s.entropy) == (n, float(n), 0.0)


def test_or_has_large_entropy_and_dictator_none() -> None:
    # OR of 4 inputs: true everywhere but 0000 -> code 2^15 - 1
    s = fourier_spectrum((1 << 15) - 1, 4)
    assert s.entropy > 1.5 and s.degree == 4
    dictator = fourier_spectrum(0b0000000011111111, 4)  # f = x1
    assert (dictator.degree, dictator.total_influence, dictator.entropy) == (1, 1.0, 0.0)


def test_npn_invariance_appendix_a5() -> None:
    T = input_transforms(4)
    rng = np.random.default_rng(0)
    for code in npn_classes(4).representatives[::20]:
        s = fourier_spectrum(code, 4)
        t = truth_table(code, 4)
        for k in rng.integers(0, len(T), size=4):
            for neg in (0, 1):
                other = int("".join(map(str, t[T[k]] ^ neg)), 2)
                o = fourier_spectrum(other, 4)
                assert (o.degree, o.total_influence) == (s.degree, s.total_influence)
                assert o.entropy == pytest.approx(s.entropy, abs=1e-12)
