"""Bounds against exact region counts (the ``lp`` engine: exact in any dimension).

* one hidden layer in general position: the exact count on a box containing every vertex of
  the arrangement (so every region of the whole space meets it) is Zaslavsky's number;
* every exact count is at most the network-aware bound, which is at most ``serra2018``.
"""

import itertools

import numpy as np
import pytest

from relu_regions import Box, random_network
from relu_regions.bounds import network_aware_bound, serra2018_bound, zaslavsky
from relu_regions.regions import count_regions


def _vertex_box(net, margin=1.0):
    W, b = net.weights[0], net.biases[0]
    n0 = W.shape[1]
    pts = np.array([np.linalg.solve(W[list(i)], -b[list(i)]) for i in itertools.combinations(range(len(W)), n0)])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.maximum(hi - lo, 1.0)
    return Box(lo - margin * span, hi + margin * span)


@pytest.mark.parametrize("n0,n1,seed", [(1, 7, 0), (2, 6, 1), (3, 5, 2), (2, 2, 3)])
def test_one_layer_exact_count_is_zaslavsky(n0, n1, seed):
    net = random_network([n0, n1, 1], seed=seed)
    exact = count_regions(net, _vertex_box(net), method="lp")
    assert exact.exact
    assert exact.regions == zaslavsky(n1, n0) == serra2018_bound([n0, n1]).value
    assert network_aware_bound(net).value == exact.regions


@pytest.mark.parametrize("widths,seed", [([2, 5, 4, 1], 0), ([3, 4, 4, 3, 1], 1), ([2, 3, 6, 1], 2),
                                         ([4, 3, 3, 1], 3)])
def test_exact_counts_below_network_aware_below_serra(widths, seed):
    net = random_network(widths, seed=seed)
    box = Box(-np.ones(widths[0]), np.ones(widths[0]))
    exact = count_regions(net, box, method="lp")
    assert exact.exact
    na = network_aware_bound(net, box).value
    assert exact.regions <= na <= network_aware_bound(net).value <= serra2018_bound(widths[:-1]).value


@pytest.mark.parametrize("n0,n1,seed", [(2, 6, 0), (5, 8, 1), (10, 12, 2), (3, 1, 3)])
def test_one_layer_on_a_whole_plane_is_zaslavsky_geometric(n0, n1, seed):
    """The whole plane through three random points: n1 generic lines -> Zaslavsky(n1, 2), exactly."""
    from relu_regions import AffineSubspace

    net = random_network([n0, n1, 1], seed=seed)
    plane = AffineSubspace(np.random.default_rng(seed).normal(size=(3, n0)))  # unbounded
    exact = count_regions(net, plane, method="geometric")
    assert exact.exact and exact.regions == zaslavsky(n1, 2)
    assert network_aware_bound(net, plane).value == exact.regions


@pytest.mark.parametrize("widths,seed", [([4, 6, 5, 1], 0), ([3, 8, 8, 8, 1], 1), ([6, 3, 9, 1], 2)])
def test_geometric_counts_on_planes_below_the_bounds(widths, seed):
    from relu_regions import AffineSubspace

    net = random_network(widths, seed=seed)
    P = np.random.default_rng(seed).normal(size=(3, widths[0]))
    for plane in (AffineSubspace(P), AffineSubspace(P, coefficient_bounds=(-0.5, 1.5))):
        exact = count_regions(net, plane, method="geometric")
        assert exact.exact
        na = network_aware_bound(net, plane).value
        assert exact.regions <= na <= serra2018_bound([2, *widths[1:-1]]).value
