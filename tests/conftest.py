"""Shared fixtures: seeds, tiny hand-built networks and tolerances."""

from __future__ import annotations

import numpy as np
import pytest

from relu_regions import Network, random_network

#: Tolerances used across tests (float64 geometry).
ATOL = 1e-10
RTOL = 1e-10


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261122)


@pytest.fixture
def identity_net() -> Network:
    """2-2-1: h = relu(x), f = h1 + h2.  Four regions (the quadrants) on any box around 0."""
    return Network([np.eye(2), [[1.0, 1.0]]], [np.zeros(2), [0.0]])


@pytest.fixture
def abs_net() -> Network:
    """1-2-1: f(x) = relu(x) + relu(-x) = |x|; two regions on [-1, 1], J = -1 and +1."""
    return Network([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])


@pytest.fixture
def deep_net() -> Network:
    """2-3-2-1 network with hand-picked weights (regions can be drawn on paper)."""
    W0 = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    b0 = [0.0, 0.0, -1.0]
    W1 = [[1.0, -1.0, 2.0], [-1.0, 1.0, 0.5]]
    b1 = [0.25, -0.5]
    W2 = [[1.0, -2.0]]
    b2 = [0.1]
    return Network([W0, W1, W2], [b0, b1, b2])


@pytest.fixture
def small_random_net() -> Network:
    return random_network([3, 6, 5, 2], seed=7)
