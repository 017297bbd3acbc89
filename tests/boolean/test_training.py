"""Batched training: each network trains exactly as it would alone; determinism; errors."""

from __future__ import annotations

import numpy as np
import pytest

from relu_regions.boolean import input_points, parity_code, train_batched, truth_table
from relu_regions.exceptions import TrainingError

X2 = 2.0 * input_points(2) - 1.0
X3 = 2.0 * input_points(3) - 1.0


def test_a_network_in_a_batch_trains_as_if_alone() -> None:
    T = np.array([truth_table(c, 3) for c in (23, 105, 30)])
    # (early stopping off: with it a batch trains until all its members succeed)
    together = train_batched(X3, T, [3, 2], seeds=[5, 5, 7], problem=[0, 1, 2], epochs=60,
                             stop_when_all_succeed=False)
    for b, (seed, p) in enumerate([(5, 0), (5, 1), (7, 2)]):
        alone = train_batched(X3, T[[p]], [3, 2], seeds=[seed], epochs=60,
                              stop_when_all_succeed=False)
        assert together.first_success[b] == alone.first_success[0]
        for (W, bias), (W0, b0) in zip(together.params[b], alone.params[0], strict=True):
            np.testing.assert_allclose(W, W0, rtol=0, atol=1e-10)
            np.testing.assert_allclose(bias, b0, rtol=0, atol=1e-10)
        assert together.final_loss[b] == pytest.approx(alone.final_loss[0], abs=1e-10)


def test_deterministic_and_network_export_agrees() -> None:
    T = truth_table(parity_code(3), 3)[None, :]
    a = train_batched(X3, T, [4], seeds=range(6), epochs=150, stop_when_all_succeed=False)
    b = train_batched(X3, T, [4], seeds=range(6), epochs=150, stop_when_all_succeed=False)
    assert a.success == b.success and a.final_loss == b.final_loss
    for k in range(6):
        net = a.network(k, negative_slope=0.1)
        pred = net.forward(X3).ravel() > 0
        assert np.mean(pred == (T[0] == 1)) == pytest.approx(a.accuracy[k])


def test_xor_is_learned_and_success_epochs_are_recorded() -> None:
    res = train_batched(X2, [[0, 1, 1, 0]], [4], seeds=range(8), epochs=500)
    assert sum(res.success) >= 6
    for ok, first in zip(res.success, res.first_success, strict=True):
        assert (first > 0) == ok


def test_minibatches_and_mse() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(200, 2))
    y = (X[:, 0] > 0).astype(int)
    res = train_batched(X, y[None, :], [3], seeds=range(4), loss="mse", lr=0.01, epochs=30,
                        batch_size=20, success_accuracy=0.95)
    assert sum(res.success) >= 3


def test_bad_arguments() -> None:
    with pytest.raises(TrainingError):
        train_batched(X2, [[0, 1, 1]], [2], seeds=[0])
    with pytest.raises(TrainingError):
        train_batched(X2, [[0, 1, 1, 0]], [2], seeds=[0], negative_slope=1.5)
    with pytest.raises(ValueError, match="bce"):
        train_batched(X2, [[0, 1, 1, 0]], [2], seeds=[0], loss="hinge")
