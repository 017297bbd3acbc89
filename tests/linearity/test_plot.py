"""The linearity figures draw what the results hold (Agg backend, no display)."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from relu_regions import random_network  # noqa: E402
from relu_regions.linearity import (  # noqa: E402
    active_subspace,
    cross_section,
    kmeans_compression,
    local_affine_maps,
    pieces_1d,
    similarity_matrices,
)
from relu_regions.plot import (  # noqa: E402
    plot_active_direction,
    plot_coefficient_scatter,
    plot_coefficients_1d,
    plot_cross_section,
    plot_grid_regions,
    plot_kmeans_accuracy,
    plot_pieces_1d,
    plot_similarity,
    plot_spectrum,
)


def test_cross_section_figures() -> None:
    from matplotlib.collections import LineCollection, PolyCollection

    net = random_network([4, 8, 8, 3], seed=1)
    A, B, C = np.random.default_rng(0).normal(size=(3, 4))
    cs = cross_section(net, A, B, C, grid=24)
    ax = plot_cross_section(cs)
    polys = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(polys[0].get_paths()) == cs.regions
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines[-1].get_segments()) == len(cs.boundary)
    assert ax.get_xlim() == pytest.approx(cs.window[:2])
    ax2 = plot_grid_regions(cs.grid_result, cs.window)
    assert str(cs.grid_regions) in ax2.get_title()


def test_other_figures() -> None:
    net1 = random_network([1, 6, 1], seed=0)
    p = pieces_1d(net1)
    assert len(plot_pieces_1d(p).lines) == 1 + p.linear_pieces + (1 if p.linear_pieces > 1 else 0)
    ax = plot_coefficients_1d(p)
    assert ax.collections[0].get_offsets().shape == (p.linear_pieces, 2)
    net = random_network([16, 6, 3], seed=0)
    X = np.random.default_rng(0).uniform(size=(60, 16))
    a = active_subspace(net, X)
    im = plot_active_direction(a, 1).images[0].get_array()
    assert im.shape == (4, 4) and float(np.abs(im).max()) == pytest.approx(float(np.abs(a.directions[1, 0]).max()))
    plot_spectrum(a)
    r = kmeans_compression(net, (X, X), k=[1, 2])
    assert len(plot_kmeans_accuracy([r], labels=["n"]).lines) == 2
    sim = similarity_matrices([net, random_network([16, 6, 3], seed=1)], X)
    assert len(plot_similarity(sim, "linear_cka").texts) == 4
    net2 = random_network([2, 6, 2], seed=0)
    X2 = np.random.default_rng(1).normal(size=(50, 2))
    plot_coefficient_scatter(local_affine_maps(net2, X2), np.argmax(net2(X2), axis=1))
    assert math.isfinite(p.mse_sine)
