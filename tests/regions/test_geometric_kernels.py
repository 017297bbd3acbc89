"""The two 2-D kernels of the geometric engine give the same regions.

``KERNEL = "neuron"`` is the previous engine (:class:`relu_regions.regions._partition.Partition`,
maps per piece, one neuron at a time); ``"layer"`` (the default,
:mod:`relu_regions.regions._pieces2d`) keeps the maps per layer root and splits the pieces
of all roots in rounds.  Both must give identical activation patterns, areas, vertices and
adjacency on random nets (depths, widths, leaky slopes, boxes, polygons, planes) and on
degenerate ones (lines through vertices, along edges, duplicate and zero neurons); the
independent LP reference checks both on the degenerate integer nets.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import relu_regions.regions._geometric as geometric
import relu_regions.regions._geometric_window as window
from relu_regions import AffineSubspace, Box, Network, Polytope, random_network
from relu_regions.regions import count_regions, enumerate_regions

from ._prefix_reference import reference_patterns
from .test_geometric_random import integer_nets


def packed(p) -> set[bytes]:
    return {r.tobytes() for r in np.packbits(np.asarray(p, dtype=bool), axis=1)}


def run(net, dom, kernel, monkeypatch, **kw):
    monkeypatch.setattr(geometric, "KERNEL", kernel)
    return enumerate_regions(net, dom, method="geometric", progress=False, **kw)


def by_pattern(rs) -> dict[bytes, int]:
    return {p.tobytes(): i for i, p in enumerate(np.packbits(rs.patterns, axis=1))}


def assert_same(net, dom, monkeypatch, **kw):
    old = run(net, dom, "neuron", monkeypatch, **kw)
    new = run(net, dom, "layer", monkeypatch, **kw)
    assert old.count.exact == new.count.exact
    assert packed(old.patterns) == packed(new.patterns)
    io, inew = by_pattern(old), by_pattern(new)
    perm = np.array([inew[key] for key in io])  # old index -> new index
    if old.measures is not None:
        np.testing.assert_allclose(new.measures[perm], old.measures, rtol=1e-9, atol=1e-15)
    np.testing.assert_array_equal(net.pattern_vector(new.interior_points), new.patterns)
    if old.adjacency is not None:
        mapped = {tuple(sorted((int(perm[a]), int(perm[b])))) for a, b in old.adjacency}
        assert mapped == {tuple(map(int, p)) for p in new.adjacency}
    if old.vertices is not None:
        for i_old, i_new in enumerate(perm):
            vo, vn = old.vertices[i_old], new.vertices[i_new]
            assert len(vo) == len(vn)
            # same polygon, possibly another first vertex
            d = np.abs(vn[:, None, :] - vo[None, :, :]).max(axis=2).min(axis=1)
            assert d.max() <= 1e-9 * (1 + np.abs(vo).max())
    return old, new


@pytest.mark.parametrize("seed", range(12))
def test_random_deep_nets_on_boxes(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(1, 5))
    widths = [2, *rng.integers(2, 20, size=depth).tolist(), 1]
    net = random_network(widths, seed=seed, bias_std=float(rng.choice([0.1, 0.5, 1.0])),
                         negative_slope=float(rng.choice([0.0, 0.0, 0.1])))
    s = float(rng.choice([0.3, 1.0, 3.0]))
    c = rng.normal(size=2)
    old, new = assert_same(net, Box(c - s, c + s), monkeypatch)
    assert new.count.exact


def test_the_benchmark_nets(monkeypatch):
    for w in (16, 32):
        net = random_network([2, w, w, w, 1], seed=3, bias_std=0.1)
        old, new = assert_same(net, Box([-1, -1], [1, 1]), monkeypatch)
        assert len(new) == {16: 793, 32: 3781}[w]


@pytest.mark.parametrize("seed", range(4))
def test_polygons_planes_and_lines(seed, monkeypatch):
    net = random_network([2, 9, 7, 5, 1], seed=seed)
    # a random convex pentagon
    rng = np.random.default_rng(seed)
    ang = np.arange(5) * 2 * np.pi / 5 + rng.uniform(0, 0.5, 5)  # bounded: no gap of pi
    normals = np.stack([np.cos(ang), np.sin(ang)], axis=1)
    assert_same(net, Polytope(normals, rng.uniform(0.5, 2.0, 5)), monkeypatch)
    assert_same(net, AffineSubspace([[0, 0], [1, 0], [0, 1]]), monkeypatch)
    line = AffineSubspace([[0, 0], rng.normal(size=2)])
    assert_same(net, line, monkeypatch)
    # a plane in a higher-dimensional input space
    net5 = random_network([5, 8, 8, 1], seed=seed)
    assert_same(net5, AffineSubspace([rng.normal(size=5) for _ in range(3)], coefficient_bounds=[-2, 2]),
                monkeypatch)


@pytest.mark.parametrize("seed", range(3))
def test_geometry_and_adjacency(seed, monkeypatch):
    net = random_network([2, 8, 8, 8, 1], seed=seed)
    assert_same(net, Box([-1, -1], [1, 1]), monkeypatch, collect=True, adjacency=True)


def test_degenerate_hand_built_nets(monkeypatch):
    box = Box([-1, -1], [1, 1])
    # duplicate, zero and parallel neurons; lines through the corners and along the sides
    W1 = [[1.0, 0.0], [1.0, 0.0], [0.0, 0.0], [2.0, 0.0], [1.0, 1.0], [1.0, -1.0], [0.0, 1.0], [1.0, 0.0]]
    b1 = [0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 1.0, -1.0]
    W2 = [[1.0, -1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
          [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0]]
    net = Network([W1, W2, [[1.0] * 4]], [b1, [0.0, 0.0, 0.0, -0.5], [0.0]])
    old, new = assert_same(net, box, monkeypatch, collect=True, adjacency=True)
    G, h = box.chart().halfspaces()
    assert packed(new.patterns) == reference_patterns(net, G, h)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(integer_nets())
def test_degenerate_integer_nets(monkeypatch, net):
    dom = Box([-1, -1], [1, 1])
    old, new = assert_same(net, dom, monkeypatch)
    G, h = dom.chart().halfspaces()
    assert packed(new.patterns) == reference_patterns(net, G, h)


def test_partial_result_under_a_time_limit(monkeypatch):
    monkeypatch.setattr(geometric, "KERNEL", "layer")
    net = random_network([2, 64, 64, 64, 1], seed=0)
    box = Box([-1, -1], [1, 1])
    res = enumerate_regions(net, box, method="geometric", time_limit=0.05, progress=False)
    assert res.count.partial and not res.count.exact
    np.testing.assert_array_equal(net.pattern_vector(res.interior_points), res.patterns)
    assert len(packed(res.patterns)) == len(res)


def test_progress_reaches_the_number_of_neurons(monkeypatch):
    monkeypatch.setattr(geometric, "KERNEL", "layer")
    seen = []

    class Bar:
        def update(self, n):
            seen.append(n)

    from relu_regions._budget import Budget

    net = random_network([2, 12, 12, 1], seed=1)
    G, h = Box([-1, -1], [1, 1]).chart().halfspaces()
    geometric.geometric_engine(net, G, h, budget=Budget(None), options={})
    lifted = window._standard(net)
    V0, E0 = window._clip_window(window._box_corners(np.array([-1.0, -1.0]), np.array([1.0, 1.0])), G, h)
    part, done = window._partition(lifted, V0, E0, budget=Budget(None), progress=Bar())
    assert done and sum(seen) == net.num_neurons and all(n > 0 for n in seen)
    assert count_regions(net, Box([-1, -1], [1, 1]), method="geometric", progress=False).regions == part.P
