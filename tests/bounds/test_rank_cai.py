"""Rank distributions and Cai et al.'s expected bound against exact rational oracles."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from relu_regions.bounds import (
    BoundConditionError,
    cai2023_bound,
    rank_distribution,
    serra2018_bound,
)
from relu_regions.bounds._rank import INITIAL_SAMPLES, SAMPLES_PER_RANK, _matrix_ranks
from relu_regions.exceptions import DimensionError, UnknownChoiceError

from .reference import cai_theorem1_fraction, log10_fraction, refined_recurrence


def _fraction_pmfs(dists):
    return [{k: Fraction(float(p)) for k, p in enumerate(d.pmf) if p > 0} for d in dists]


# ----------------------------------------------------------------- rank distributions
@pytest.mark.parametrize("rows,cols,p", [(10, 8, 0.3), (40, 100, 0.02), (5, 5, 0.9)])
def test_binomial_estimator_is_the_papers_binomial(rows, cols, p):
    d = rank_distribution(rows, cols, p, estimator="binomial")
    q = 1 - (1 - p) ** cols
    np.testing.assert_allclose(d.pmf, stats.binom.pmf(np.arange(rows + 1), rows, q), rtol=1e-9, atol=1e-300)
    assert d.samples == 0 and d.complete


def test_binomial_estimator_never_underflows():
    d = rank_distribution(4096, 1024, 0.1, estimator="binomial")
    # P(k = 0) = (1 - q)^4096 with 1 - q = 0.9^1024: far below 1e-308, still finite in log space
    assert np.isfinite(d.log_pmf[0]) and d.log_pmf[0] < -1e5
    assert d.log_pmf[0] == pytest.approx(4096 * 1024 * math.log(0.9), rel=1e-12)
    assert float(np.exp(d.log_pmf).sum()) == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("estimator", ["binomial", "sampled"])
def test_density_one_is_full_rank(estimator):
    d = rank_distribution(6, 4, 1.0, estimator=estimator)
    full = 6 if estimator == "binomial" else 4  # binomial counts non-zero rows
    assert d.support == (full, full)


def test_sampled_follows_the_papers_rule_and_is_deterministic():
    a = rank_distribution(30, 30, 0.06, estimator="sampled", seed=3)
    b = rank_distribution(30, 30, 0.06, estimator="sampled", seed=3)
    np.testing.assert_array_equal(a.log_pmf, b.log_pmf)
    lo, hi = a.support
    assert a.samples >= max(INITIAL_SAMPLES, (hi - lo + 1) * SAMPLES_PER_RANK)
    assert hi > lo  # sparse enough that the rank varies
    assert float(a.pmf.sum()) == pytest.approx(1.0)
    counts = a.pmf * a.samples
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)  # frequencies


def test_structural_rank_equals_numerical_rank_on_the_same_matrices(rng):
    masks = rng.random((40, 12, 15)) < 0.12
    values = rng.standard_normal(masks.shape)
    np.testing.assert_array_equal(
        _matrix_ranks(masks, values, "structural"), _matrix_ranks(masks, values, "numerical")
    )


def test_sampled_numerical_method_runs_like_the_paper():
    d = rank_distribution(12, 12, 0.15, estimator="sampled", rank_method="numerical", seed=1)
    lo, hi = d.support
    assert d.rank_method == "numerical" and d.samples >= (hi - lo + 1) * SAMPLES_PER_RANK


@pytest.mark.parametrize("p", [0, -0.1, 1.5, "abc", None, float("nan")])
def test_bad_density(p):
    with pytest.raises(BoundConditionError, match=r"density must"):
        rank_distribution(3, 3, p)


def test_bad_rank_arguments():
    with pytest.raises(DimensionError, match="rows must be a positive integer"):
        rank_distribution(0, 3, 0.5)
    with pytest.raises(UnknownChoiceError, match="choose one of: sampled, binomial"):
        rank_distribution(3, 3, 0.5, estimator="magic")
    with pytest.raises(UnknownChoiceError, match="structural, numerical"):
        rank_distribution(3, 3, 0.5, estimator="sampled", rank_method="qr")


# ----------------------------------------------------------------- Cai et al. Theorem 1
archs = st.lists(st.integers(1, 7), min_size=2, max_size=4)


@settings(max_examples=40, deadline=None)
@given(archs, st.floats(0.05, 1.0), st.sampled_from(["binomial", "sampled"]))
def test_cai2023_logspace_equals_exact_rational_transcription(widths, p, estimator):
    from relu_regions.bounds._cai import layer_densities

    dists = [rank_distribution(r, c, q, estimator=estimator, seed=0)
             for r, c, q in zip(widths[1:], widths[:-1], layer_densities(p, len(widths) - 1), strict=True)]
    b = cai2023_bound(widths, distributions=dists)
    exact = cai_theorem1_fraction(tuple(widths), _fraction_pmfs(dists))
    assert b.log10 == pytest.approx(log10_fraction(exact), abs=1e-11)
    assert b.value == pytest.approx(float(exact), rel=1e-10)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=2, max_size=5), st.sampled_from(["binomial", "sampled"]))
def test_cai2023_at_density_one_is_the_refined_recurrence(widths, estimator):
    b = cai2023_bound(widths, 1.0, rank_estimator=estimator)
    exact = refined_recurrence(tuple(widths))
    assert exact == serra2018_bound(widths).value
    assert b.log10 == pytest.approx(math.log10(exact), abs=1e-11)


def test_cai2023_density_one_big_architectures():
    for widths in ([784, 400, 400], [1024, 4096, 4096], [20, 500, 300, 200]):
        assert cai2023_bound(widths, 1.0).log10 == pytest.approx(serra2018_bound(widths).log10, abs=1e-9)


def test_cai2023_alexnet_against_the_rational_oracle():
    widths = (1024, 4096, 4096)
    b = cai2023_bound(widths, 0.1, rank_estimator="binomial")
    dists = [rank_distribution(4096, 1024, 0.1), rank_distribution(4096, 4096, 0.1)]
    exact = cai_theorem1_fraction(widths, _fraction_pmfs(dists))
    assert b.value is None and b.log10 == pytest.approx(log10_fraction(exact), abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 30), min_size=2, max_size=4), st.floats(0.01, 0.99))
def test_cai2023_orderings(widths, p):
    lo = cai2023_bound(widths, p)
    hi = cai2023_bound(widths, min(1.0, p * 1.5))
    full = serra2018_bound(widths)
    # an expectation of the rank-k bound is at most the full-rank bound, and (binomial ranks
    # being stochastically increasing in the density) grows with the density
    assert lo.log10 <= hi.log10 + 1e-12 <= full.log10 + 2e-12


def test_cai2023_per_layer_densities_and_errors():
    a = cai2023_bound([10, 8, 8], [0.1, 1.0])
    assert a.details["densities"] == [0.1, 1.0]
    with pytest.raises(DimensionError, match="got 3 densities for 2 hidden layers"):
        cai2023_bound([10, 8, 8], [0.1, 0.2, 0.3])
    with pytest.raises(BoundConditionError, match=r"density of layer 2 must lie in \(0, 1\]"):
        cai2023_bound([10, 8, 8], [0.1, 0.0])
    with pytest.raises(DimensionError, match="layer 1 is 8x10"):
        cai2023_bound([10, 8, 8], distributions=[rank_distribution(8, 9, 0.5), rank_distribution(8, 8, 0.5)])


def test_sampled_2x400_case():
    b = cai2023_bound([784, 400, 400], 0.02, rank_estimator="sampled", seed=0)
    info = b.details["rank_distributions"]
    assert all(d["samples"] >= 50 for d in info)
    assert b.log10 < serra2018_bound([784, 400, 400]).log10


@pytest.mark.parametrize("p", [0.06, 0.2])  # sparse position draws and dense masks
def test_structural_sampling_matches_the_papers_svd_sampling_in_distribution(p):
    a = rank_distribution(12, 12, p, estimator="sampled", seed=5, rank_method="structural")
    b = rank_distribution(12, 12, p, estimator="sampled", seed=6, rank_method="numerical")
    sd = np.sqrt(np.sum(a.pmf * (np.arange(13) - a.mean) ** 2))
    n = min(a.samples, b.samples)
    assert abs(a.mean - b.mean) < 4 * sd * np.sqrt(2 / n) + 1e-9
