"""Integer budgets and weight selection, checked against brute force and hand counts."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from relu_regions.pruning import (
    PruningError,
    counts_for_densities,
    global_magnitude_masks,
    layer_sizes,
    magnitude_masks,
    random_masks,
    uniform_counts,
)


def test_uniform_counts_round_half_up_and_floor_one() -> None:
    assert layer_sizes([784, 20, 20]) == (15680, 400)
    assert uniform_counts([15680, 400], 0.1) == (1568, 40)
    assert uniform_counts([10, 3], 0.5) == (5, 2)  # 1.5 rounds up
    assert uniform_counts([10, 5], 0.25) == (3, 1)  # 2.5 -> 3, 1.25 -> 1
    assert uniform_counts([1000, 7], 1e-6) == (1, 1)  # never disconnects a layer
    assert uniform_counts([4, 4], 1.0) == (4, 4)


@pytest.mark.parametrize("bad", [0, -0.1, 1.5, "x", True, float("nan")])
def test_bad_density(bad: object) -> None:
    with pytest.raises(PruningError):
        uniform_counts([4], bad)  # type: ignore[arg-type]


def test_counts_for_densities_exact_budget(rng: np.random.Generator) -> None:
    for _ in range(300):
        L = int(rng.integers(1, 5))
        sizes = [int(s) for s in rng.integers(1, 60, size=L)]
        total = int(rng.integers(L, sum(sizes) + 1))
        ps = rng.random(L)
        k = counts_for_densities(sizes, ps.tolist(), total)
        assert sum(k) == total
        assert all(1 <= ki <= m for ki, m in zip(k, sizes, strict=True))
    # already-integral targets are kept as they are
    assert counts_for_densities([100, 50], [0.3, 0.4], 50) == (30, 20)
    with pytest.raises(PruningError):
        counts_for_densities([3, 3], [1.0, 1.0], 7)


def test_magnitude_masks_keep_the_largest(rng: np.random.Generator) -> None:
    Ws = [rng.standard_normal((7, 5)), rng.standard_normal((3, 7))]
    masks = magnitude_masks(Ws, [9, 4])
    for W, m, k in zip(Ws, masks, [9, 4], strict=True):
        assert m.sum() == k
        # oracle: every kept |w| is at least every pruned |w|
        assert np.abs(W[m]).min() >= np.abs(W[~m]).max()


def test_global_masks_keep_the_largest_overall(rng: np.random.Generator) -> None:
    Ws = [rng.standard_normal((6, 4)), 3 * rng.standard_normal((2, 6))]
    masks = global_magnitude_masks(Ws, 10)
    kept = np.concatenate([np.abs(W[m]) for W, m in zip(Ws, masks, strict=True)])
    dropped = np.concatenate([np.abs(W[~m]) for W, m in zip(Ws, masks, strict=True)])
    assert kept.size == 10 and kept.min() >= dropped.max()


def test_ties_are_broken_by_index() -> None:
    W = np.array([[1.0, -1.0, 1.0], [1.0, 0.5, -1.0]])
    assert magnitude_masks([W], [3])[0].astype(int).tolist() == [[1, 1, 1], [0, 0, 0]]
    ms = global_magnitude_masks([np.ones((1, 2)), np.ones((1, 2))], 3)
    assert [m.astype(int).tolist() for m in ms] == [[[1, 1]], [[1, 0]]]
    # deterministic: the same call gives the same masks
    a = random_masks([np.ones((5, 5))], [7], seed=3)[0]
    b = random_masks([np.ones((5, 5))], [7], seed=3)[0]
    assert (a == b).all() and a.sum() == 7


def test_counts_for_densities_is_closest_split() -> None:
    # brute force over all integer splits: the rule returns one minimising the l1 distance
    sizes, ps, total = [10, 20, 30], [0.33, 0.41, 0.17], 16
    k = counts_for_densities(sizes, ps, total)
    target = np.array(ps) * sizes
    target *= total / target.sum()
    best = min(
        (c for c in itertools.product(*(range(1, m + 1) for m in sizes)) if sum(c) == total),
        key=lambda c: float(np.abs(np.array(c) - target).sum()),
    )
    assert np.abs(np.array(k) - target).sum() == pytest.approx(np.abs(np.array(best) - target).sum())
