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
