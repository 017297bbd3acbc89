"""Random soaks of the exact methods on nets nobody chose (``-m slow``; a few minutes).

* ``lp`` in 9-39 dimensions on balls and boxes: the stable-neuron prefilter and the box kept as
  LP bounds give the same regions as the plain LP facet finder;
* ``stable_neurons(method="auto")`` equals the paper's per-neuron MILPs, is sound on samples,
  and ``compress`` stays equal to the original on the domain.

A third of the nets have rounded weights (duplicate, parallel and vanishing neurons).
"""

from __future__ import annotations

import numpy as np
import pytest

from relu_regions import Box, LInfBall, Network, compress, random_network, stable_neurons
from relu_regions.regions import enumerate_regions

pytestmark = pytest.mark.slow


def _net(rng: np.random.Generator, widths: list[int], output_relu: bool = False) -> Network:
    net = random_network(widths, seed=int(rng.integers(1_000_000)), bias_std=float(rng.uniform(0, 0.5)))
    if rng.uniform() < 1 / 3:
        W = [np.round(layer.weight * 2) for layer in net.layers]
        b = [np.round(layer.bias * 2) / 2 for layer in net.layers]
        return Network(W, b, output_relu=output_relu)
    return net


def _domain(rng: np.random.Generator, centre: np.ndarray, r: float) -> Box:
    return LInfBall(centre, r, clip=[0, 1]) if rng.uniform() < 0.7 else Box(centre - r, centre + r)


@pytest.mark.parametrize("seed", range(40))
def test_lp_high_dimensional_speedups_keep_the_regions(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(9, 40))
    widths = [k] + [int(rng.integers(3, 8)) for _ in range(int(rng.integers(1, 4)))] + [int(rng.integers(1, 3))]
    net = _net(rng, widths, output_relu=bool(rng.uniform() < 0.3))
    dom = _domain(rng, rng.uniform(0, 1, k), float(rng.uniform(0.02, 0.3)))
    fast = enumerate_regions(net, dom, method="lp", time_limit=60)
    plain = enumerate_regions(net, dom, method="lp", stable_prefilter=False, time_limit=120)
    assert fast.count.exact and plain.count.exact
    assert set(map(bytes, fast.patterns)) == set(map(bytes, plain.patterns))


@pytest.mark.parametrize("seed", range(40))
def test_auto_stability_equals_per_neuron_milp_and_compress_is_exact(seed):
    rng = np.random.default_rng(1000 + seed)
    k = int(rng.integers(2, 12))
    widths = [k] + [int(rng.integers(3, 14)) for _ in range(int(rng.integers(1, 4)))] + [int(rng.integers(1, 4))]
    net = _net(rng, widths)
    c, r = rng.uniform(-1, 1, k), float(rng.uniform(0.05, 1.0))
    dom = LInfBall(c, r) if rng.uniform() < 0.5 else Box(c - r, c + r)
    auto = stable_neurons(net, dom, method="auto")
    milp = stable_neurons(net, dom, method="milp")
    assert auto.exact
    for layer in range(len(auto.layers)):
        np.testing.assert_array_equal(auto.status(layer), milp.status(layer))
    X = dom.sample(5000, seed=seed)
    Z = net.preactivations(X)
    for layer, cls in enumerate(auto.layers):
        assert (Z[layer][:, cls.active] >= -1e-9).all() and (Z[layer][:, cls.inactive] <= 1e-9).all()
    small, _ = compress(net, dom, stability=auto)
    assert np.abs(net.forward(X) - small.forward(X)).max() < 1e-8
