"""k-means compression (Sec. 7.2) and active subspaces (Sec. 6.4) against hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest

from relu_regions import Network, random_network
from relu_regions.exceptions import DimensionError, ReluRegionsError
from relu_regions.linearity import active_subspace, kmeans_compression


def test_kmeans_linear_net_is_one_cluster() -> None:
    """An affine classifier has one local map: k = 1 reproduces it exactly."""
    net = Network([[[1.0, -2.0], [0.5, 1.0], [-1.0, 0.0]]], [[0.0, 0.1, 0.2]])
    X = np.random.default_rng(0).normal(size=(80, 2))
    y = np.argmax(net(X), axis=1)
    r = kmeans_compression(net, (X, X, y), k=[1, 3])
    assert r.accuracy == (1.0, 1.0) and r.agreement == (1.0, 1.0) and r.distinct_patterns == 1


def test_kmeans_abs_like_net_needs_two_maps() -> None:
    """Output 0 is |x| (two maps, -x and x), output 1 the constant 1: argmax is |x| > 1.
    One cluster averages the two slopes to 0 (always class 1); two clusters are exact."""
    net = Network([[[1.0], [-1.0]], [[1.0, 1.0], [0.0, 0.0]]], [[0.0, 0.0], [0.0, 1.0]])
    X = np.linspace(-3, 3, 60)[:, None]  # avoids the ties at 0 and +-1
    y = (np.abs(X[:, 0]) < 1).astype(int)
    r = kmeans_compression(net, (X, X, y), k=[1, 2])
    expected_k1 = float(np.mean(y == 1))
    assert r.accuracy[0] == pytest.approx(expected_k1)
    assert r.accuracy[1] == 1.0 and r.original_accuracy == 1.0 and r.distinct_patterns == 2


def test_kmeans_errors_and_time_limit() -> None:
    net = random_network([2, 4, 3], seed=0)
    X = np.zeros((5, 2)) + np.arange(5)[:, None]
    with pytest.raises(ReluRegionsError):
        kmeans_compression(net, X, k=[6])
    with pytest.raises(ReluRegionsError):
        kmeans_compression(net, X, k=[0])


def test_active_subspace_of_affine_and_ridge_functions() -> None:
    # f(x) = relu(w . x) + 0.5 relu(-w . x): every gradient is parallel to w -> rank 1
    w = np.array([1.0, 2.0, -2.0]) / 3.0
    net = Network([[w, -w], [[1.0, 0.5]]], [[0.0, 0.0], [0.0]])
    X = np.random.default_rng(1).normal(size=(400, 3))
    a = active_subspace(net, X)
    assert a.rank == (1,)
    np.testing.assert_allclose(a.directions[0, 0], w * np.sign(w[np.argmax(np.abs(w))]), atol=1e-12)
    # eigenvalue: mean squared gradient norm = share(active)*1 + share(inactive)*0.25
    frac = np.mean(X @ w > 0)
    assert a.eigenvalues[0, 0] == pytest.approx(frac + 0.25 * (1 - frac), rel=1e-12)
    assert a.explained[0, 0] == pytest.approx(1.0)


def test_active_subspace_rank_bounded_by_hidden_width() -> None:
    net = random_network([10, 4, 2], seed=3)
    X = np.random.default_rng(2).normal(size=(300, 10))
    a = active_subspace(net, X, top=6)
    assert all(r <= 4 for r in a.rank) and a.eigenvalues.shape == (2, 6)
    assert np.all(np.diff(a.eigenvalues, axis=1) <= 1e-12)
    assert np.all((a.output_r2 >= -1e-12) & (a.output_r2 <= 1 + 1e-12))
    with pytest.raises(DimensionError):
        active_subspace(net, X, outputs=[5])
