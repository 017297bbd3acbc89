"""Maxout bounds against independent counts.

Oracles: distinct arg-max patterns on a dense 2-D grid (each activation region is convex,
so distinct patterns are distinct regions: a lower bound on the exact count, computed by
our own forward pass here), the exact ReLU engines on ReLU networks rewritten as
``max(0, a)`` maxout networks, the exact maxout engines where they exist, the paper's
single-rank formula, and hand-counted units.
"""

from __future__ import annotations

import numpy as np
import pytest

from relu_regions import Box, Network, random_network
from relu_regions.bounds import bound_regions, hanin_rolnick2019_bound, serra2018_maxout_bound
from relu_regions.bounds._maxout import (
    maxout_network_bound,
    serra2018_maxout_layers,
    tseran_montufar2021_estimate,
)
from relu_regions.exceptions import ReluRegionsError


def grid_count(net: Network, lo: float, hi: float, n: int = 500) -> int:
    g = np.linspace(lo, hi, n)
    X = np.array(np.meshgrid(g, g)).reshape(2, -1).T
    pats, h = [], X
    for layer in net.layers[:-1]:
        if layer.weight.ndim == 3:
            Z = np.einsum("kji,ni->nkj", layer.weight, h) + layer.bias[None]
        else:
            z = h @ layer.weight.T + layer.bias
            Z = np.stack([np.zeros_like(z), z], axis=1)
        pats.append(Z.argmax(axis=1))
        h = Z.max(axis=1)
    P = np.concatenate(pats, axis=1).astype(np.uint64)
    mult = np.random.default_rng(0).integers(1, 2**63, size=P.shape[1], dtype=np.uint64) | np.uint64(1)
    with np.errstate(over="ignore"):  # a 64-bit hash: a collision could only lower the count
        key = (P * mult).sum(axis=1)
    return len(np.unique(key))


NETS = [([2, 6, 5, 1], 3, 0), ([2, 5, 5, 1], 2, 1), ([2, 4, 4, 1], [4, 1], 3), ([2, 8, 1], 4, 5)]


@pytest.mark.parametrize("widths,rank,seed", NETS)
def test_bounds_are_above_grid_counts(widths, rank, seed):
    net = random_network(widths, seed=seed, maxout_rank=rank)
    whole = bound_regions(net, methods="serra2018_maxout,network_aware")
    assert whole["network_aware"].value <= whole["serra2018_maxout"].value
    assert grid_count(net, -8, 8, 700) <= whole["network_aware"].value
    dom = Box([-0.4, -0.4], [0.3, 0.3])
    local = bound_regions(net, dom, methods="network_aware", stability="auto")["network_aware"]
    assert grid_count(net, -0.4, 0.3) <= local.value <= whole["network_aware"].value
    assert local.details["stability_exact"]


def test_bound_against_exact_maxout_engines():
    from relu_regions.regions import count_regions

    net = random_network([2, 5, 4, 1], seed=2, maxout_rank=3)
    dom = Box([-1, -1], [1, 1])
    exact = count_regions(net, dom, method="geometric")
    lp = count_regions(net, dom, method="lp")
    assert exact.exact and lp.exact and exact.regions == lp.regions
    assert grid_count(net, -1, 1) <= exact.regions <= maxout_network_bound(net, dom).value


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_relu_as_maxout_bound_covers_the_exact_relu_count(seed):
    from relu_regions.regions import count_regions

    relu = random_network([2, 6, 5, 1], seed=seed)
    W0, W1 = relu.weights[0], relu.weights[1]
    mx = Network([np.stack([np.zeros_like(W0), W0]), np.stack([np.zeros_like(W1), W1]), relu.weights[2]],
                 [np.stack([np.zeros(6), relu.biases[0]]), np.stack([np.zeros(5), relu.biases[1]]),
                  relu.biases[2]])
    dom = Box([-1, -1], [1, 1])
    exact = count_regions(relu, dom, method="geometric").regions
    b = maxout_network_bound(mx, dom, stability="auto").value
    assert exact <= b <= maxout_network_bound(relu, dom, stability="auto").value * 1  # same ties
    assert b == maxout_network_bound(relu, dom, stability="auto").value
    # the architecture bound with rank 2 everywhere is Serra's k = 2 formula
    assert bound_regions(mx, methods="serra2018_maxout")["serra2018_maxout"].value == \
        serra2018_maxout_bound([2, 6, 5], 2).value


def test_single_rank_is_the_papers_formula_and_hand_counts():
    for widths, k in (([2, 3, 3], 3), ([3, 4, 2, 5], 4), ([1, 5], 2)):
        assert serra2018_maxout_layers(widths, [k] * (len(widths) - 1)).value == \
            serra2018_maxout_bound(widths, k).value
    # one rank-3 unit max(x, -x, y) in the plane: exactly 3 regions
    W = np.array([[[1.0, 0.0]], [[-1.0, 0.0]], [[0.0, 1.0]]])
    net = Network([W, [[1.0]]], [np.zeros((3, 1)), [0.0]])
    assert grid_count(net, -1, 1) == 3 == maxout_network_bound(net).value
    # on a box where the y piece never wins (y <= -2 < |x|), two regions and a dead piece
    b = maxout_network_bound(net, Box([-1, -3], [1, -2]), stability="auto")
    assert b.value == 2 == grid_count(Network([W[:2], [[1.0]]], [np.zeros((2, 1)), [0.0]]), -1, 1)
    with pytest.raises(ReluRegionsError):
        serra2018_maxout_layers([2, 3], [1])


def test_tseran_montufar_estimate():
    assert tseran_montufar2021_estimate(2, 20, 2).value == 800.0  # the authors' README example
    for n0, N in ((1, 7), (2, 12), (3, 9)):  # K = 2: 2^n0 times Hanin & Rolnick's N^n0 / n0!
        hr = hanin_rolnick2019_bound([n0, N]).value
        assert tseran_montufar2021_estimate(n0, N, 2).value == pytest.approx(2**n0 * hr)
    full = tseran_montufar2021_estimate(2, 20, 2, c_grad=1.0, c_bias=1.0, volume=36.0)
    assert full.value == pytest.approx(36 * 32**2 * 800)
    r = bound_regions(random_network([2, 5, 1], maxout_rank=3), methods="all")
    assert r["tseran_montufar2021"].kind == "expected" and r["tseran_montufar2021"].details["rank"] == 3
    assert "maxout" in bound_regions([2, 5]).skipped["tseran_montufar2021"]


@pytest.mark.parametrize("rank,band", [(2, (0.1, 0.4)), (3, (0.005, 0.03))])
def test_tseran_montufar_estimate_against_counts(rank, band):
    """An estimate, not a bound: mean grid counts of He-initialised maxout nets on [-3, 3]^2
    over the growth (K N)^2 C(2K, 4) / 2 (measured: 0.18-0.20 for K = 2, 0.010-0.014 for K = 3)."""
    for widths in ([2, 5, 5, 1], [2, 10, 1]):
        counts = [grid_count(random_network(widths, seed=s, maxout_rank=rank), -3, 3, 500) for s in range(5)]
        est = tseran_montufar2021_estimate(2, sum(widths[1:-1]), rank).value
        assert band[0] <= np.mean(counts) / est <= band[1]


def test_maxout_net_skips_relu_bounds_and_errors_when_named():
    net = random_network([2, 4, 1], maxout_rank=2)
    r = bound_regions(net)
    assert "maxout layers" in r.skipped["serra2018"]
    with pytest.raises(ReluRegionsError, match="maxout layers"):
        bound_regions(net, methods="serra2018")
