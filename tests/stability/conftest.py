from __future__ import annotations

import pytest

from relu_regions import Box, Network, random_network


@pytest.fixture(scope="module")
def tiny_nets():
    """Small random nets whose patterns can be enumerated (<= 2^9 per layer)."""
    nets = [random_network([2, 4, 4, 3, 1], seed=s) for s in range(2)]
    nets.append(random_network([3, 5, 4, 2], seed=11, output_relu=True))
    return nets


@pytest.fixture
def unit_box2():
    return Box([-1.0, -1.0], [1.0, 1.0])


@pytest.fixture
def hand_net():
    """2-3-1 on [0,1] x [-1,1]: neuron 0 (x0 + 0.5) stably active, neuron 1 (x1) unstable,
    neuron 2 (-x0 - x1 - 3) stably inactive."""
    return Network(
        [[[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]], [[1.0, 2.0, 3.0]]], [[0.5, 0.0, -3.0], [0.25]]
    )
