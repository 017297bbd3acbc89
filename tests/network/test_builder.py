"""The layer builder and the max-pool tournament, independently of any model format."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relu_regions import DimensionError, UnsupportedLayerError
from relu_regions.io._builder import LayerBuilder
from relu_regions.io._maxpool import pool_windows, tournament


def run_levels(levels, final, v):
    for M in levels:
        v = np.maximum(M @ v, 0.0)
    return final @ v


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 9), min_size=1, max_size=4),
    nonneg=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_tournament_computes_window_maxima(sizes, nonneg, seed):
    rng = np.random.default_rng(seed)
    n = 12
    windows = [sorted(rng.choice(n, size=k, replace=False).tolist()) for k in sizes]
    v = rng.normal(size=n)
    if nonneg:
        v = np.abs(v)
    levels, final = tournament(windows, n, nonneg=nonneg)
    assert len(levels) == int(np.ceil(np.log2(max(sizes))))
    np.testing.assert_allclose(run_levels(levels, final, v), [v[w].max() for w in windows], atol=1e-12)


def test_tournament_neuron_counts():
    levels, _ = tournament([[0, 1, 2, 3]], 4, nonneg=True)
    assert [M.shape[0] for M in levels] == [4, 2]  # two pairs of (relu(a-b), relu(b)), then one pair
    levels, _ = tournament([[0, 1, 2]], 3, nonneg=False)
    assert [M.shape[0] for M in levels] == [5, 3]  # pair (3 neurons) + carried value (2), then a pair


def test_pool_windows_with_padding_and_dilation():
    # one channel, 3x3 input, kernel 2, stride 2, padding 1: corners see 1, 2, 2, 4 positions
    assert pool_windows((1, 3, 3), (2, 2), (2, 2), (2, 2), (1, 1), (1, 1)) == [[0], [1, 2], [3, 6], [4, 5, 7, 8]]
    assert pool_windows((2, 1, 5), (1, 1), (1, 3), (1, 1), (0, 0), (1, 2)) == [[0, 2, 4], [5, 7, 9]]


def test_builder_folds_affine_maps_between_activations():
    b = LayerBuilder((2,))
    b.linear(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, -1.0]))
    b.elementwise(2.0, 1.0)  # y = 2 z + 1
    b.activation(0.0)
    b.linear(np.array([[1.0, -1.0]]), None)
    net = b.finish()
    np.testing.assert_array_equal(net.weights[0], [[2.0, 4.0], [6.0, 8.0]])
    np.testing.assert_array_equal(net.biases[0], [3.0, -1.0])


def test_builder_deferred_ops_and_errors():
    b = LayerBuilder()
    b.activation(0.1)
    b.flatten(1, -1)
    b.elementwise(1.0, 0.5)
    b.linear(np.eye(3), None)  # reveals the input size 3 and replays the ops before it
    net = b.finish()
    assert net.widths == (3, 3, 3) and net.negative_slopes == (0.1,)
    np.testing.assert_allclose(net.forward([-1.0, 0.0, 2.0]), [0.4, 0.5, 2.5])
    with pytest.raises(UnsupportedLayerError, match="no Linear layer"):
        LayerBuilder().finish()
    b = LayerBuilder((2, 3))
    with pytest.raises(DimensionError, match="cannot reshape"):
        b.reshape((4, -1))
    with pytest.raises(UnsupportedLayerError, match="flattens the batch"):
        b.flatten(0, -1)
    with pytest.raises(DimensionError, match="positive"):
        LayerBuilder((0, 2))


def test_dense_size_guard(monkeypatch):
    from relu_regions.io import _builder

    monkeypatch.setattr(_builder, "MAX_DENSE_ENTRIES", 10)
    b = LayerBuilder((4,))
    with pytest.raises(UnsupportedLayerError, match="dense 4 x 4 matrix"):
        b.activation(0.0)  # an identity layer in front of a leading activation
