from __future__ import annotations

import numpy as np
import pytest

from relu_regions import Box, LInfBall, Network, load_network, random_network, save_network
from relu_regions.stability import compress, stable_neurons


def _max_diff(a, b, dom, n=20000, seed=0):
    X = dom.sample(n, seed=seed)
    return float(np.abs(a.forward(X) - b.forward(X)).max())


def test_inactive_neurons_removed_and_unstable_kept(hand_net):
    box = Box([0, -1], [1, 1])
    small, rep = compress(hand_net, box)
    assert small.hidden_widths == (2,)
    assert rep.layers[0].removed_inactive == (2,) and rep.layers[0].kept == (0, 1)
    assert rep.max_abs_difference == 0.0 and _max_diff(hand_net, small, box) == 0.0


def test_all_active_layer_collapses_and_dependent_rows_fold():
    # on [1, 2]^2 every first-layer neuron is active; row 2 = row 0 + row 1 (dependent)
    net = Network(
        [[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [[1.0, -1.0, 0.5], [-1.0, 0.3, 0.2]], [[1.0, 2.0]]],
        [[0.0, 0.1, 0.3], [0.2, 0.1], [0.0]],
    )
    box = Box([1.0, 1.0], [2.0, 2.0])
    small, rep = compress(net, box)
    first = rep.layers[0]
    assert first.folded_dependent == (2,) and first.collapsed
    assert rep.hidden_layers_after < rep.hidden_layers_before
    assert _max_diff(net, small, box) < 1e-12


def test_dependent_active_rows_fold_next_to_unstable_neurons():
    # x0 in [1, 2]: neurons 0 and 1 (2 x0 - 0.5) stably active and dependent; neuron 2 (x1) unstable
    net = Network(
        [[[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]], [[1.0, -2.0, 3.0], [0.5, 0.5, -1.0]]],
        [[0.0, -0.5, 0.0], [0.1, -0.2]],
    )
    box = Box([1.0, -1.0], [2.0, 1.0])
    small, rep = compress(net, box)
    assert rep.layers[0].folded_dependent == (1,)
    assert rep.layers[0].kept == (0, 2) and small.hidden_widths == (2,)
    assert _max_diff(net, small, box) < 1e-12


def test_all_inactive_layer_makes_the_network_constant():
    net = Network(
        [[[-1.0, 0.0], [0.0, -1.0]], [[1.0, 1.0], [2.0, -1.0]], [[1.0, 1.0]]],
        [[-0.5, -0.5], [0.3, -0.7], [0.25]],
    )
    box = Box([0.0, 0.0], [1.0, 1.0])
    small, rep = compress(net, box)
    assert rep.constant and small.num_hidden_layers == 0 and small.num_neurons == 0
    assert not np.any(small.weights[0])
    np.testing.assert_allclose(small.biases[0], net.forward([0.5, 0.5]))
    assert _max_diff(net, small, box) < 1e-12


def test_zero_weight_and_unused_neurons():
    # neuron 0: zero weights, bias 0.7 (constant 0.7); neuron 1: zero weights, bias -0.2;
    # neuron 2: unused (zero outgoing weights); neurons 3, 4: unstable
    W0 = [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0]]
    b0 = [0.7, -0.2, 0.0, 0.0, 0.0]
    W1 = [[2.0, 5.0, 0.0, 1.0, -1.0]]
    net = Network([W0, W1], [b0, [0.1]])
    box = Box([-1.0, -1.0], [1.0, 1.0])
    small, rep = compress(net, box)
    lay = rep.layers[0]
    assert lay.folded_constant == (0,) and lay.removed_inactive == (1,) and lay.removed_unused == (2,)
    assert lay.kept == (3, 4) and small.hidden_widths == (2,)
    np.testing.assert_allclose(small.biases[-1], [0.1 + 2.0 * 0.7])
    assert _max_diff(net, small, box) < 1e-12


@pytest.mark.parametrize("seed", range(4))
def test_random_networks_stay_equal_on_the_domain(seed):
    rng = np.random.default_rng(seed)
    net = random_network([4, 16, 16, 12, 3], seed=seed, output_relu=bool(seed % 2))
    dom = LInfBall(rng.uniform(-1, 1, 4), [0.05, 0.3][seed % 2])
    small, rep = compress(net, dom)
    assert rep.exact_stability
    assert small.num_neurons <= net.num_neurons and rep.neurons_after == small.num_neurons
    assert rep.max_abs_difference < 1e-9
    assert _max_diff(net, small, dom, seed=seed + 10) < 1e-9


def test_undecided_neurons_are_kept_and_result_still_equal():
    net = random_network([6, 20, 20, 2], seed=3)
    box = Box(-0.3 * np.ones(6), 0.3 * np.ones(6))
    stab = stable_neurons(net, box, method="interval")
    small, rep = compress(net, box, stability=stab)
    assert _max_diff(net, small, box) < 1e-9
    assert rep.exact_stability == stab.exact


@pytest.mark.parametrize("suffix", [".npz", ".onnx", ".pt"])
def test_compressed_network_exports(tmp_path, suffix):
    if suffix == ".onnx":
        pytest.importorskip("onnx")
    if suffix == ".pt":
        pytest.importorskip("torch")
    net = random_network([3, 10, 8, 2], seed=5)
    box = Box(np.zeros(3), 0.2 * np.ones(3))
    small, _ = compress(net, box)
    path = save_network(small, tmp_path / f"small{suffix}")
    back = load_network(path)
    X = box.sample(500, seed=1)
    np.testing.assert_allclose(back.forward(X), net.forward(X), atol=1e-5)


def test_constant_network_exports(tmp_path):
    net = Network([[[-1.0]], [[3.0]]], [[-1.0], [2.0]])
    small, rep = compress(net, Box([0.0], [1.0]))
    assert rep.constant
    back = load_network(save_network(small, tmp_path / "c.npz"))
    np.testing.assert_allclose(back.forward([[0.3]]), [[2.0]])


def test_compressed_and_constant_networks_as_nn_sequential():
    torch = pytest.importorskip("torch")
    from relu_regions.network import to_torch

    net = random_network([3, 10, 8, 2], seed=5)
    box = Box(np.zeros(3), 0.2 * np.ones(3))
    X = box.sample(300, seed=2)
    for target in (compress(net, box)[0], compress(Network([[[-1.0, 0, 0]], [[3.0]]], [[-1.0], [2.0]]), box)[0]):
        model = to_torch(target)
        with torch.no_grad():
            out = model(torch.as_tensor(X)).numpy()
        np.testing.assert_allclose(out, target.forward(X), atol=1e-12)
