"""Metamorphic tests: transformations that provably keep the activation regions.

For a ReLU (or LeakyReLU) network, ``relu(c z) = c relu(z)`` for ``c > 0``, so

* *per-layer scaling*: multiplying every ``W_l`` by ``c`` and every ``b_l`` by ``c^(l+1)``
  multiplies each pre-activation ``z_l`` by ``c^(l+1) > 0`` and changes no sign;
* *per-neuron scaling*: multiplying row ``i`` of ``(W_l, b_l)`` by ``d_i > 0`` and column
  ``i`` of ``W_{l+1}`` by ``1 / d_i`` keeps the function (and so every later
  pre-activation);
* *permuting* a layer's neurons (rows of ``(W_l, b_l)``, columns of ``W_{l+1}``) permutes
  the pattern bits;
* *duplicating* a neuron (a second copy, the outgoing weight split between the two) or
  adding its *negation* (a neuron ``-z_i`` with zero outgoing weight) keeps the function,
  and the new bit is a copy (or the complement) of the old one on every region.

So every exact method must give the identical count, and ``sample`` must see the same
patterns at the same points.  The counts are checked against the untransformed network's
count by the same method, and across methods.
"""

from __future__ import annotations

import numpy as np
import pytest

from relu_regions import Box, Network, random_network
from relu_regions.regions import count_regions, enumerate_regions

SCALES = (1e-6, 1e-3, 1e3, 1e6)


def _box(k: int) -> Box:
    return Box(-np.ones(k), np.ones(k))


def _rebuild(net: Network, weights: list[np.ndarray], biases: list[np.ndarray]) -> Network:
    return net.replace_layers(weights, biases)  # same slopes and output_relu


def layer_scaled(net: Network, c: float) -> Network:
    """``W_l -> c W_l``, ``b_l -> c^(l+1) b_l``: ``z_l -> c^(l+1) z_l`` (same signs)."""
    W = [w * c for w in net.weights]
    b = [bb * c ** (i + 1) for i, bb in enumerate(net.biases)]
    return _rebuild(net, W, b)


def one_layer_scaled(net: Network, layer: int, c: float) -> Network:
    """Scale one layer's ``(W, b)`` by ``c`` and compensate in the next layer (same function)."""
    W = [w.copy() for w in net.weights]
    b = [bb.copy() for bb in net.biases]
    W[layer] *= c
    b[layer] *= c
    W[layer + 1] /= c
    return _rebuild(net, W, b)


def neuron_scaled(net: Network, rng: np.random.Generator, lo: float = -6, hi: float = 6) -> Network:
    """Each hidden neuron's row times ``10^U(lo, hi)``, next layer compensated (same function)."""
    W = [w.copy() for w in net.weights]
    b = [bb.copy() for bb in net.biases]
    for layer in range(len(W) - 1):
        d = 10.0 ** rng.uniform(lo, hi, size=W[layer].shape[0])
        W[layer] *= d[:, None]
        b[layer] *= d
        W[layer + 1] /= d[None, :]
    return _rebuild(net, W, b)


def permuted(net: Network, rng: np.random.Generator) -> Network:
    W = [w.copy() for w in net.weights]
    b = [bb.copy() for bb in net.biases]
    for layer in range(len(W) - 1):
        p = rng.permutation(W[layer].shape[0])
        W[layer], b[layer] = W[layer][p], b[layer][p]
        W[layer + 1] = W[layer + 1][:, p]
    return _rebuild(net, W, b)


def with_copies(net: Network, layer: int, neuron: int, *, negate: bool) -> Network:
    """Append a duplicate (outgoing weight split in half) or a negated copy (weight 0)."""
    W = [w.copy() for w in net.weights]
    b = [bb.copy() for bb in net.biases]
    s = -1.0 if negate else 1.0
    W[layer] = np.vstack([W[layer], s * W[layer][neuron]])
    b[layer] = np.append(b[layer], s * b[layer][neuron])
    nxt = W[layer + 1]
    col = np.zeros((nxt.shape[0], 1)) if negate else 0.5 * nxt[:, [neuron]]
    if not negate:
        nxt[:, neuron] *= 0.5
    W[layer + 1] = np.hstack([nxt, col])
    return _rebuild(net, W, b)


def _exact(net: Network, dom: Box, method: str) -> int:
    res = count_regions(net, dom, method=method)
    assert res.exact, (method, res.reason)
    return res.regions


# ---------------------------------------------------------------- per-layer scaling
LP_NETS = [([2, 5, 5, 5, 1], 1), ([3, 6, 6, 1], 2), ([4, 5, 5, 1], 3), ([5, 5, 4, 1], 4)]


@pytest.mark.parametrize(("widths", "seed"), LP_NETS)
def test_lp_count_is_invariant_under_layer_scaling(widths, seed):
    net = random_network(widths, seed=seed, bias_std=0.1)
    dom = _box(widths[0])
    base = _exact(net, dom, "lp")
    for c in SCALES:
        assert _exact(layer_scaled(net, c), dom, "lp") == base, c


def test_lp_count_is_invariant_under_scaling_one_layer():
    net = random_network([3, 6, 6, 1], seed=5, bias_std=0.1)
    dom = _box(3)
    base = _exact(net, dom, "lp")
    for layer in (0, 1):
        for c in (1e-6, 1e6):
            assert _exact(one_layer_scaled(net, layer, c), dom, "lp") == base, (layer, c)


def test_geometric_and_lp_agree_under_layer_scaling_in_2d():
    net = random_network([2, 6, 6, 6, 1], seed=1, bias_std=0.1)
    dom = _box(2)
    base = _exact(net, dom, "geometric")
    assert _exact(net, dom, "lp") == base
    for c in (1e-6, 1e6):
        scaled = layer_scaled(net, c)
        assert _exact(scaled, dom, "geometric") == base
        assert _exact(scaled, dom, "lp") == base


def test_milp_count_is_invariant_under_layer_scaling():
    net = random_network([2, 4, 3, 1], seed=0)
    dom = _box(2)
    base = _exact(net, dom, "milp")
    assert base == _exact(net, dom, "lp")
    for c in (1e-6, 1e6):
        assert _exact(layer_scaled(net, c), dom, "milp") == base, c


# ---------------------------------------------------------------- per-neuron scaling, permutations
@pytest.mark.parametrize(("widths", "seed"), [([3, 6, 6, 1], 6), ([4, 5, 4, 1], 7)])
def test_lp_count_is_invariant_under_neuron_scaling_and_permutation(widths, seed):
    rng = np.random.default_rng(seed)
    net = random_network(widths, seed=seed, bias_std=0.1)
    dom = _box(widths[0])
    base = _exact(net, dom, "lp")
    assert _exact(neuron_scaled(net, rng), dom, "lp") == base
    assert _exact(permuted(net, rng), dom, "lp") == base


def test_geometric_and_milp_under_neuron_scaling_and_permutation():
    rng = np.random.default_rng(8)
    net = random_network([2, 4, 3, 1], seed=8)
    dom = _box(2)
    base = _exact(net, dom, "geometric")
    for method in ("geometric", "milp", "lp"):
        assert _exact(neuron_scaled(net, rng), dom, method) == base, method
        assert _exact(permuted(net, rng), dom, method) == base, method


# ---------------------------------------------------------------- duplicated and negated neurons
@pytest.mark.parametrize("negate", [False, True])
def test_duplicated_and_negated_neurons_keep_the_count(negate):
    net = random_network([3, 5, 5, 1], seed=9, bias_std=0.1)
    dom = _box(3)
    base = _exact(net, dom, "lp")
    for layer, neuron in ((0, 2), (1, 0)):
        other = with_copies(net, layer, neuron, negate=negate)
        assert _exact(other, dom, "lp") == base, (layer, neuron)
        # ... and scaled on top of it
        assert _exact(layer_scaled(other, 1e-6), dom, "lp") == base, (layer, neuron)


def test_duplicated_and_negated_neurons_in_2d_all_methods():
    net = random_network([2, 4, 3, 1], seed=10)
    dom = _box(2)
    base = _exact(net, dom, "geometric")
    other = with_copies(with_copies(net, 0, 1, negate=False), 1, 2, negate=True)
    for method in ("geometric", "lp", "milp"):
        assert _exact(other, dom, method) == base, method


# ---------------------------------------------------------------- sampling
@pytest.mark.parametrize("c", [1e-6, 1e6])
def test_sample_sees_the_same_patterns_when_scaled(c):
    net = random_network([3, 8, 8, 8, 1], seed=11, bias_std=0.1)
    dom = _box(3)
    ref = enumerate_regions(net, dom, method="sample", samples=20_000, seed=3)
    got = enumerate_regions(layer_scaled(net, c), dom, method="sample", samples=20_000, seed=3)
    assert {p.tobytes() for p in got.patterns} == {p.tobytes() for p in ref.patterns}
    # per-neuron scaling too (same function: same points kept)
    got2 = enumerate_regions(
        neuron_scaled(net, np.random.default_rng(0)), dom, method="sample", samples=20_000, seed=3
    )
    assert {p.tobytes() for p in got2.patterns} == {p.tobytes() for p in ref.patterns}


# ---------------------------------------------------------------- LeakyReLU and output ReLU
@pytest.mark.parametrize("kind", ["leaky", "output_relu"])
def test_leaky_and_output_relu_counts_are_invariant(kind):
    base_net = random_network([3, 5, 4, 1], seed=12, bias_std=0.1)
    if kind == "leaky":
        net = Network(base_net.weights, base_net.biases, negative_slope=0.1)
    else:
        net = Network(base_net.weights, base_net.biases, output_relu=True)
    dom = _box(3)
    base = _exact(net, dom, "lp")
    rng = np.random.default_rng(12)
    for other in (layer_scaled(net, 1e-6), layer_scaled(net, 1e6), neuron_scaled(net, rng), permuted(net, rng)):
        assert _exact(other, dom, "lp") == base
