"""Batched exact local maps: equal to torch autograd per sample, and J x + c == net(x)."""

from __future__ import annotations

import numpy as np
import pytest

from relu_regions import Network, random_network
from relu_regions.exceptions import DimensionError, ReluRegionsError
from relu_regions.linearity import (
    chunk_rows,
    coefficient_matrices,
    local_affine_maps,
    workspace_bytes,
)

torch = pytest.importorskip("torch")


def autograd_maps(net: Network, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Oracle: per-sample torch.autograd Jacobians of the converted float64 torch model."""
    from relu_regions import to_torch

    model = to_torch(net).double()
    Js = []
    for x in X:
        xt = torch.tensor(x, dtype=torch.float64)
        Js.append(torch.autograd.functional.jacobian(lambda v: model(v[None])[0], xt).numpy())
    J = np.stack(Js)
    with torch.no_grad():
        out = model(torch.tensor(X, dtype=torch.float64)).numpy()
    return J, out - np.einsum("nij,nj->ni", J, X)


@pytest.mark.parametrize(
    "widths,kw",
    [
        ([5, 7, 6, 3], {}),  # reverse order (out < in)
        ([2, 6, 5, 4], {}),  # forward order (out > in)
        ([4, 8, 8, 2], {"negative_slope": 0.1}),
        ([3, 5, 2], {"output_relu": True}),
    ],
)
def test_equals_autograd_and_reconstructs_outputs(widths: list[int], kw: dict) -> None:
    net = random_network(widths, seed=3, **kw)
    X = np.random.default_rng(0).normal(size=(40, widths[0]))
    m = local_affine_maps(net, X, chunk_size=7, patterns=True)
    J_ref, c_ref = autograd_maps(net, X)
    np.testing.assert_allclose(m.jacobians, J_ref, rtol=0, atol=1e-10)
    np.testing.assert_allclose(m.offsets, c_ref, rtol=0, atol=1e-10)
    # J x + c reproduces the network, and the maps are the region maps of the patterns
    np.testing.assert_allclose(np.einsum("nij,nj->ni", m.jacobians, X) + m.offsets, net(X), atol=1e-10)
    np.testing.assert_allclose(m.outputs, net(X), atol=1e-12)
    for i in (0, 17, 39):
        Jp, cp = net.affine_map(m.patterns[i])
        np.testing.assert_allclose(m.jacobians[i], Jp, atol=1e-12)
        np.testing.assert_allclose(m.offsets[i], cp, atol=1e-12)
    assert np.array_equal(m.patterns, net.pattern_vector(X))


def test_chunking_does_not_change_results() -> None:
    net = random_network([6, 9, 4], seed=1)
    X = np.random.default_rng(1).normal(size=(33, 6))
    a = local_affine_maps(net, X, chunk_size=1)
    b = local_affine_maps(net, X, chunk_size=1000)
    np.testing.assert_allclose(a.jacobians, b.jacobians, atol=1e-13)
    np.testing.assert_allclose(a.offsets, b.offsets, atol=1e-13)


def test_converted_cnn_maps_equal_autograd_of_the_cnn() -> None:
    from relu_regions import from_torch

    torch.manual_seed(0)
    cnn = torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(3 * 3 * 3, 4),
    ).double()
    net = from_torch(cnn, input_shape=(1, 8, 8))
    X = np.random.default_rng(2).uniform(size=(6, 64))
    m = local_affine_maps(net, X)
    for i, x in enumerate(X):
        xt = torch.tensor(x.reshape(1, 1, 8, 8))
        J = torch.autograd.functional.jacobian(lambda v: cnn(v)[0], xt).numpy().reshape(4, 64)
        np.testing.assert_allclose(m.jacobians[i], J, atol=1e-10)
    np.testing.assert_allclose(m.outputs, cnn(torch.tensor(X.reshape(-1, 1, 8, 8))).detach().numpy(), atol=1e-10)


def test_hand_computed_abs() -> None:
    net = Network([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.5]])
    m = local_affine_maps(net, [[-2.0], [3.0], [0.0]])
    assert m.jacobians[:, 0, 0].tolist() == [-1.0, 1.0, 0.0]  # at 0 both neurons inactive
    assert m.offsets[:, 0].tolist() == [0.5, 0.5, 0.5]


def test_coefficient_matrices_layout() -> None:
    net = random_network([3, 5, 2], seed=0)
    X = np.random.default_rng(0).normal(size=(4, 3))
    m = local_affine_maps(net, X)
    C = coefficient_matrices(m.jacobians, m.offsets)
    assert C.shape == (2, 4, 4)
    np.testing.assert_array_equal(C[1, 2, :3], m.jacobians[2, 1])
    assert C[1, 2, 3] == m.offsets[2, 1]
    np.testing.assert_array_equal(m.coefficient_matrices(), C)


def test_memory_formula_bounds_mnist_sized_chunks() -> None:
    net = random_network([784, 128, 10], seed=0)
    B = chunk_rows(net, 256 * 2**20)
    assert workspace_bytes(net, B) <= 256 * 2**20 < workspace_bytes(net, B + 1)
    # the whole MNIST test set: J is 10,000 x 10 x 784 doubles, below 2 GB with the work space
    assert 10_000 * 10 * 785 * 8 + workspace_bytes(net, B) < 2 * 2**30


def test_bad_input() -> None:
    net = random_network([3, 4, 2], seed=0)
    with pytest.raises(DimensionError):
        local_affine_maps(net, np.zeros((2, 4)))
    with pytest.raises(DimensionError):
        local_affine_maps(net, [[np.nan, 0, 0]])
    with pytest.raises(ReluRegionsError):
        local_affine_maps(net, np.zeros((2, 3)), chunk_size=0)


@pytest.mark.parametrize("widths", [[6, 9, 7, 2], [2, 9, 7, 5]])  # reverse and forward order
def test_sparse_products_equal_dense(widths: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Sparse weights (as converted convolutions have) go through CSR products: same maps."""
    from relu_regions.linearity import _maps

    rng = np.random.default_rng(0)
    net = random_network(widths, seed=2)
    Ws = [np.where(rng.uniform(size=w.shape) < 0.3, w, 0.0) for w in net.weights]
    net = net.replace_layers(Ws, net.biases)
    X = rng.normal(size=(25, widths[0]))
    dense = local_affine_maps(net, X, chunk_size=4)
    monkeypatch.setattr(_maps, "SPARSE_MIN_SIZE", 0)
    monkeypatch.setattr(_maps, "SPARSE_DENSITY", 1.0)
    assert all(op.sparse is not None for op in (_maps._Op(w) for w in net.weights))
    sparse = local_affine_maps(net, X, chunk_size=4)
    np.testing.assert_allclose(sparse.jacobians, dense.jacobians, atol=1e-13)
    np.testing.assert_allclose(sparse.offsets, dense.offsets, atol=1e-13)
    np.testing.assert_allclose(sparse.outputs, net(X), atol=1e-12)
