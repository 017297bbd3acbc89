"""Linear regions (Hanin & Rolnick Def. 2): merging adjacent activation regions with equal maps."""

from __future__ import annotations

import numpy as np
import pytest

from relu_regions import AffineSubspace, Box, Network, random_network
from relu_regions.regions import (
    chart_affine_maps,
    count_linear_regions,
    count_regions,
    enumerate_regions,
    linear_region_labels,
)


def test_dead_output_merges_everything():
    net = Network([np.eye(2), [[0.0, 0.0]]], [np.zeros(2), [1.0]])
    res = count_linear_regions(net, Box([-1, -1], [1, 1]), progress=False)
    assert (res.regions, res.kind, res.exact) == (1, "linear", True)
    assert res.details["activation_regions"] == 4


def test_unused_neuron_does_not_make_linear_regions():
    # third neuron's line cuts the quadrants but has zero outgoing weight
    net = Network([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [[1.0, 2.0, 0.0]]], [[0.0, 0.0, -0.5], [0.0]])
    dom = Box([-1, -1], [1, 1])
    assert count_regions(net, dom, progress=False).regions == 7  # x + y = 0.5 cuts three quadrants
    assert count_linear_regions(net, dom, progress=False).regions == 4


def test_equal_maps_that_do_not_touch_stay_apart():
    # f = relu(x) - 2 relu(x - 1) + relu(x - 2): maps 0, x, 2 - x, 0 on four intervals
    net = Network([[[1.0], [1.0], [1.0]], [[1.0, -2.0, 1.0]]], [[0.0, -1.0, -2.0], [0.0]])
    res = count_linear_regions(net, Box([-1], [3]), progress=False)
    assert res.regions == 4 and res.details["activation_regions"] == 4


def test_one_dimensional_merging_on_a_line():
    net = Network([[[1.0], [1.0]], [[1.0, 0.0]]], [[0.0, -1.0], [0.0]])  # relu(x), extra kink unused
    assert count_linear_regions(net, AffineSubspace([[0.0], [1.0]]), progress=False).regions == 2


@pytest.mark.parametrize("seed", range(3))
def test_generic_nets_have_as_many_linear_as_activation_regions(seed):
    net = random_network([2, 6, 6, 1], seed=seed)
    dom = Box([-1, -1], [1, 1])
    assert count_linear_regions(net, dom, progress=False).regions == count_regions(net, dom, progress=False).regions


def _degenerate_net(seed: int) -> Network:
    base = random_network([2, 5, 4, 2], seed=seed)
    W0, W1, W2 = (np.array(w) for w in base.weights)
    b0, b1, b2 = (np.array(b) for b in base.biases)
    W0[4], b0[4] = W0[0], b0[0]  # a duplicate neuron
    W2[:, 1] = 0.0  # a second-layer neuron the output ignores
    W1[:, 2] = 0.0  # a first-layer neuron nothing uses
    return Network([W0, W1, W2], [b0, b1, b2])


@pytest.mark.parametrize("seed", range(3))
def test_lp_adjacency_agrees_with_the_geometric_chords(seed):
    net = _degenerate_net(seed)
    dom = Box([-1.5, -1.5], [1.5, 1.5])
    with_chords = enumerate_regions(net, dom, method="geometric", adjacency=True, progress=False)
    by_lp = enumerate_regions(net, dom, method="geometric", progress=False)
    assert with_chords.adjacency is not None and by_lp.adjacency is None
    a = linear_region_labels(with_chords)
    b = linear_region_labels(by_lp)
    # the same partition of the regions (labels may be numbered differently)
    assert len(set(zip(a.tolist(), b.tolist(), strict=True))) == a.max() + 1 == b.max() + 1
    assert a.max() + 1 < len(with_chords)


def test_chart_affine_maps_match_the_network():
    net = random_network([4, 5, 5, 3], seed=2, negative_slope=0.05)
    plane = AffineSubspace(np.random.default_rng(1).normal(size=(3, 4)), coefficient_bounds=(-1, 1))
    rs = enumerate_regions(net, plane, progress=False)
    J, c = chart_affine_maps(rs.net_t, rs.patterns)
    t = rs.points
    np.testing.assert_allclose(np.einsum("nmk,nk->nm", J, t) + c, net.forward(rs.interior_points), atol=1e-10)


def test_sampled_linear_count_is_a_labelled_lower_bound():
    net = Network([np.eye(2), [[0.0, 0.0]]], [np.zeros(2), [1.0]])
    res = count_linear_regions(net, Box([-1, -1], [1, 1]), method="sample", samples=1000)
    assert res.regions == 1 and not res.exact and "lower bound" in res.reason
