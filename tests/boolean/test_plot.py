"""Exact decision boundaries and the chapter 3-4 figures (Agg, no display)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from relu_regions import Box, Network
from relu_regions.boolean import annulus_network
from relu_regions.plot import (
    decision_segments,
    plot_decision_boundary,
    plot_metric_strip,
    plot_success_grid,
)


def test_diamond_boundary_is_exact() -> None:
    # v(x) = 1 - |x1| - |x2|: the boundary is the square |x1| + |x2| = 1, length 4 sqrt(2)
    net = Network([[[1, 0], [-1, 0], [0, 1], [0, -1]], [[-1, -1, -1, -1]]], [[0] * 4, [1.0]])
    segs = decision_segments(net, Box([-2, -2], [2, 2]))
    assert len(segs) == 4
    length = sum(np.linalg.norm(np.subtract(p, q)) for p, q in segs)
    assert length == pytest.approx(4 * np.sqrt(2), abs=1e-9)
    for p, q in segs:
        assert abs(p).sum() == pytest.approx(1.0) and abs(q).sum() == pytest.approx(1.0)


def test_hexagon_of_the_width_three_construction() -> None:
    res = annulus_network(2)
    segs = decision_segments(res.network, Box([-1, -1], [1, 1]))
    assert len(segs) == 6  # the regular hexagon of Sec. 4.1.1
    for p, q in segs:
        assert res.network.forward(np.array([p, q])).ravel() == pytest.approx([0, 0], abs=1e-9)
        for r in (p, q):
            assert res.inradius - 1e-9 <= np.linalg.norm(r) <= res.circumradius + 1e-9


def test_figures_draw_on_given_axes() -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3)
    assert plot_metric_strip({"a": [1, 2, 3], "b": [0, 0, 1]}, order=[2, 0, 1], ax=axes[0]) is axes[0]
    grid = np.array([[0.1, 0.5], [0.9, 1.0]])
    assert plot_success_grid(grid, [2, 3], [1, 2], predicted=grid > 0.5, ax=axes[1]) is axes[1]
    net = annulus_network(2).network
    X = np.random.default_rng(0).uniform(-1, 1, size=(50, 2))
    assert plot_decision_boundary(net, X, X[:, 0] > 0, ax=axes[2]) is axes[2]
    plt.close(fig)
