"""Bound-guided layer densities: exact budgets, never below uniform, exhaustive-search oracle."""

from __future__ import annotations

import itertools

import pytest

from relu_regions.bounds import cai2023_bound
from relu_regions.pruning import PruningError, choose_densities, layer_sizes, uniform_counts
from relu_regions.pruning._densities import TIE_LOG10


def brute_force(widths: list[int], p: float) -> float:
    """The best log10 bound over every integer split of uniform's budget (independent oracle)."""
    sizes = layer_sizes(widths)
    total = sum(uniform_counts(sizes, p))
    best = -float("inf")
    for c in itertools.product(*(range(1, m + 1) for m in sizes)):
        if sum(c) == total:
            best = max(best, cai2023_bound(widths, [k / m for k, m in zip(c, sizes, strict=True)]).log10)
    return best


@pytest.mark.parametrize(("widths", "p"), [([3, 2, 2], 0.5), ([4, 3, 2], 0.3), ([2, 3, 2], 0.4),
                                           ([3, 2, 2, 2], 0.4)])
def test_optimize_finds_the_exhaustive_optimum(widths: list[int], p: float) -> None:
    c = choose_densities(widths, p, strategy="optimize")
    assert c.bound_log10 == pytest.approx(brute_force(widths, p), abs=TIE_LOG10)
    assert sum(c.layer_nonzeros) == c.parameters_kept == sum(uniform_counts(layer_sizes(widths), p))


@pytest.mark.parametrize("widths", [[784, 20, 20], [784, 100, 100], [400, 128, 84], [64, 32, 16]])
@pytest.mark.parametrize("p", [0.3, 0.05, 0.01])
def test_budget_and_never_below_uniform_or_two_layer(widths: list[int], p: float) -> None:
    opt = choose_densities(widths, p, strategy="optimize")
    two = choose_densities(widths, p, strategy="two-layer")
    uni = choose_densities(widths, p, strategy="uniform")
    for c in (opt, two, uni):
        assert sum(c.layer_nonzeros) == c.parameters_kept == uni.parameters_kept
        assert c.uniform_bound_log10 == uni.bound_log10
    assert opt.bound_log10 >= uni.bound_log10
    assert opt.bound_log10 >= two.bound_log10 - TIE_LOG10
    # the reported bound is the bound at the realised integer densities
    assert opt.bound_log10 == pytest.approx(cai2023_bound(widths, list(opt.layer_densities)).log10, abs=1e-12)


def test_optimize_returns_uniform_when_nothing_is_strictly_better() -> None:
    c = choose_densities([8, 4, 4], 1.0)  # density 1: the only feasible point
    assert c.layer_nonzeros == (32, 16) and c.details.get("winner", "uniform") == "uniform"
    # binomial bound saturated: other splits tie with uniform up to rounding noise (~1e-14)
    for widths, p in (([784, 400, 400], 0.5), ([784, 100, 100], 0.03), ([784, 100, 100], 0.1)):
        flat = choose_densities(widths, p)
        assert flat.details["winner"] == "uniform" and flat.layer_densities == (p, p)


def test_two_layer_procedure_follows_the_paper() -> None:
    c = choose_densities([784, 20, 20], 0.02, strategy="two-layer")
    sizes = layer_sizes([784, 20, 20])
    uni = uniform_counts(sizes, 0.02)
    d = c.details
    # interpolation through the two extremes and the uniform point
    lo, hi = max(1, sum(uni) - sizes[1]), min(sizes[0], sum(uni) - 1)
    assert d["interpolation_counts"] == [lo, uni[0], hi]
    # the answer prunes more than uniform from the layer with more parameters (layer 1),
    # or comes from the fallback grid from p down to that layer's extreme
    assert c.layer_nonzeros[0] < uni[0] or "fallback_sampling" in d
    with pytest.raises(PruningError):
        choose_densities([8, 4, 4, 4], 0.5, strategy="two-layer")


def test_three_and_four_layers_and_fixed_layers() -> None:
    for widths in ([64, 16, 16, 16], [64, 16, 16, 16, 16]):
        c = choose_densities(widths, 0.05)
        assert c.bound_log10 >= c.uniform_bound_log10
        assert sum(c.layer_nonzeros) == c.parameters_kept
    # a layer held at density 1 is outside the budget
    c = choose_densities([64, 16, 16, 16], 0.05, fixed=[None, 1.0, None])
    assert len(c.layer_nonzeros) == 2 and c.parameters_kept == sum(uniform_counts([1024, 256], 0.05))


def test_sampled_estimator_and_unknown_strategy() -> None:
    c = choose_densities([20, 8, 8], 0.1, strategy="two-layer", rank_estimator="sampled", seed=1)
    assert c.rank_estimator == "sampled" and sum(c.layer_nonzeros) == c.parameters_kept
    with pytest.raises(Exception, match="choose one of"):
        choose_densities([20, 8, 8], 0.1, strategy="nope")
    with pytest.raises(Exception, match="choose one of"):
        choose_densities([20, 8, 8], 0.1, rank_estimator="nope")


def test_time_limit_gives_a_partial_answer_never_below_uniform() -> None:
    c = choose_densities([200, 30, 30, 30], 0.005, rank_estimator="sampled", time_limit=0.5)
    assert c.partial and c.bound_log10 >= c.uniform_bound_log10
    assert sum(c.layer_nonzeros) == c.parameters_kept
