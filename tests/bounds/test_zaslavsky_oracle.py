"""Analytic oracle: one hidden layer in general position has exactly Zaslavsky's count.

Checked against dense sampling (a lower bound that reaches the count when every region is
hit) on a box containing every vertex of the arrangement with a wide margin, so every
region of the whole-space arrangement meets the box in a set of substantial area.
"""

import itertools

import numpy as np
import pytest

from relu_regions import Box, random_network
from relu_regions.bounds import serra2018_bound, zaslavsky
from relu_regions.regions import count_regions


def _vertex_box(net, margin=3.0):
    W, b = net.weights[0], net.biases[0]
    n0 = W.shape[1]
    pts = [np.linalg.solve(W[list(idx)], -b[list(idx)]) for idx in itertools.combinations(range(len(W)), n0)]
    pts = np.array(pts)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.maximum(hi - lo, 1.0)
    return Box(lo - margin * span, hi + margin * span)


@pytest.mark.parametrize("n0,n1,seed", [(1, 6, 0), (2, 5, 1), (2, 4, 7)])
def test_one_layer_count_equals_zaslavsky(n0, n1, seed):
    net = random_network([n0, n1, 1], seed=seed)
    found = count_regions(net, _vertex_box(net), method="sample", samples=200_000, seed=seed).regions
    assert found == zaslavsky(n1, n0) == serra2018_bound([n0, n1]).value
