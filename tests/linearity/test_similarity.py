"""Similarity metrics of Sec. 7.3 on hand-computed cases: identical, permuted, rescaled nets."""

from __future__ import annotations

import math

import numpy as np
import pytest

from relu_regions import Network, random_network
from relu_regions.exceptions import DimensionError, ReluRegionsError, UnknownChoiceError
from relu_regions.linearity import (
    compare_networks,
    fit_affine_maps,
    linear_cka,
    local_affine_maps,
    scaled_mse,
    similarity_matrices,
    softmax_cross_entropy,
)


def permuted(net: Network, seed: int = 0) -> Network:
    """The same function with every hidden layer's neurons permuted."""
    rng = np.random.default_rng(seed)
    Ws = [np.array(w) for w in net.weights]
    bs = [np.array(b) for b in net.biases]
    for l in range(len(Ws) - 1):
        p = rng.permutation(Ws[l].shape[0])
        Ws[l], bs[l] = Ws[l][p], bs[l][p]
        Ws[l + 1] = Ws[l + 1][:, p]
    return net.replace_layers(Ws, bs)


def rescaled(net: Network, a: float) -> Network:
    return net.replace_layers([*net.weights[:-1], a * net.weights[-1]], [*net.biases[:-1], a * net.biases[-1]])


@pytest.fixture(scope="module")
def setup() -> tuple[Network, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(5)
    net = random_network([4, 12, 10, 3], seed=2)
    Xtr, Xte = rng.normal(size=(300, 4)), rng.normal(size=(200, 4))
    y = np.argmax(net(Xte) + rng.normal(scale=0.5, size=(200, 3)), axis=1)  # ~not all correct
    return net, (Xtr, Xte, y)


def test_cka_hand_values() -> None:
    assert linear_cka([[1.0], [2.0], [3.0]], [[1.0], [3.0], [2.0]]) == pytest.approx(0.25)  # corr 0.5
    X = np.random.default_rng(0).normal(size=(20, 4))
    Q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(4, 4)))
    assert linear_cka(X, 3.0 * X @ Q) == pytest.approx(1.0, abs=1e-12)  # orthogonal + scale invariant
    # uncorrelated single columns: [1,-1,1,-1] vs [1,1,-1,-1] (both centred): CKA 0
    assert linear_cka([[1.0], [-1.0], [1.0], [-1.0]], [[1.0], [1.0], [-1.0], [-1.0]]) == 0.0
    with pytest.raises(ReluRegionsError):
        linear_cka(np.ones((3, 2)), np.eye(3))
    with pytest.raises(ReluRegionsError):  # equal rows up to rounding of the mean
        linear_cka(np.tile([0.1, 0.7, 1e-3], (7, 1)), np.eye(7)[:, :3])


def test_cka_of_an_affine_network_is_nan() -> None:
    lin = Network([[[1.0, 2.0], [0.5, -1.0]]], [[0.1, 0.0]])
    X = np.random.default_rng(0).normal(size=(30, 2))
    s = compare_networks(lin, random_network([2, 6, 2], seed=0), X)
    assert math.isnan(s.linear_cka) and s.scaled_mse > 0


def test_scaled_mse_hand_value() -> None:
    net1 = Network([[[2.0]]], [[1.0]])  # f = 2x + 1: C rows [2, 1], a = 2 -> [1, 0.5]
    net2 = Network([[[1.0]]], [[1.0]])  # f = x + 1:  C rows [1, 1], a = 1 -> [1, 1]
    X = np.linspace(-1, 1, 7)[:, None]
    C1 = local_affine_maps(net1, X).coefficient_matrices()
    C2 = local_affine_maps(net2, X).coefficient_matrices()
    assert scaled_mse(C1, C2) == pytest.approx(0.25 / 2)


def test_cross_entropy_hand_value_for_rescaled_constant_net() -> None:
    log3 = math.log(3.0)
    net = Network([[[0.0]], [[0.0], [0.0]]], [[0.0], [0.0, log3]])  # softmax = (1/4, 3/4)
    X = np.zeros((3, 1))
    p, q = net(X), rescaled(net, 2.0)(X)  # q = softmax(0, 2 log 3) = (1/10, 9/10)
    expected = -(0.25 * math.log(0.1) + 0.75 * math.log(0.9))
    assert softmax_cross_entropy(p, q) == pytest.approx(expected, rel=1e-12)
    entropy = -(0.25 * math.log(0.25) + 0.75 * math.log(0.75))
    assert softmax_cross_entropy(p, p) == pytest.approx(entropy, rel=1e-12)


def test_identical_and_permuted_nets(setup) -> None:  # type: ignore[no-untyped-def]
    net, data = setup
    acc = float(np.mean(np.argmax(net(data[1]), axis=1) == data[2]))
    assert 0.3 < acc < 1.0
    for other in (net, permuted(net)):
        s = compare_networks(net, other, data)
        assert s.linear_cka == pytest.approx(1.0, abs=1e-12)
        assert s.scaled_mse == pytest.approx(0.0, abs=1e-24)
        assert s.affine_mapped_accuracy == pytest.approx(acc)
        assert s.accuracy_1 == s.accuracy_2 == pytest.approx(acc)
        P = np.exp(net(data[1]) - net(data[1]).max(1, keepdims=True))
        P /= P.sum(1, keepdims=True)
        assert s.cross_entropy == pytest.approx(float(-(P * np.log(P)).sum(1).mean()), rel=1e-10)


def test_rescaled_net(setup) -> None:  # type: ignore[no-untyped-def]
    net, data = setup
    big = rescaled(net, 3.0)
    s = compare_networks(net, big, data)
    assert s.linear_cka == pytest.approx(1.0, abs=1e-12)
    assert s.scaled_mse == pytest.approx(0.0, abs=1e-24)  # a_2 = 3 a_1
    assert s.affine_mapped_accuracy == pytest.approx(s.accuracy_2)
    C1 = local_affine_maps(net, data[0]).coefficient_matrices()
    M = fit_affine_maps(C1, 3.0 * C1)
    np.testing.assert_allclose(M, np.broadcast_to(3.0 * np.eye(5), M.shape), atol=1e-8)
    assert s.cross_entropy > compare_networks(net, net, data).cross_entropy  # sharper q costs


def test_different_nets_are_less_similar(setup) -> None:  # type: ignore[no-untyped-def]
    net, data = setup
    other = random_network([4, 12, 10, 3], seed=9)
    s = compare_networks(net, other, data)
    assert s.linear_cka < 0.9 and s.scaled_mse > 0


def test_matrices(setup) -> None:  # type: ignore[no-untyped-def]
    net, data = setup
    nets = {"a": net, "b": permuted(net), "c": random_network([4, 12, 10, 3], seed=9)}
    m = similarity_matrices(nets, data)
    cka = np.array(m.matrices["linear_cka"])
    np.testing.assert_allclose(cka, cka.T)
    np.testing.assert_allclose(np.diag(cka), 1.0, atol=1e-12)
    assert cka[0, 1] == pytest.approx(1.0, abs=1e-12) and cka[0, 2] < 0.9
    aff = np.array(m.matrices["affine_mapped_accuracy"])
    np.testing.assert_allclose(np.diag(aff), m.accuracies)
    assert set(m.to_dict()["matrices"]) == {"linear_cka", "scaled_mse", "affine_mapped_accuracy", "cross_entropy"}
    with pytest.raises(UnknownChoiceError):
        similarity_matrices(nets, data, metrics=["nope"])
    with pytest.raises(DimensionError):
        similarity_matrices({"a": net, "b": random_network([4, 3, 2], seed=0)}, data)


def test_unlabelled_data_uses_agreement(setup) -> None:  # type: ignore[no-untyped-def]
    net, data = setup
    s = compare_networks(net, permuted(net), data[0])
    assert s.affine_mapped_accuracy == 1.0 and not s.labelled
