"""The geometric engine: analytic counts, degenerate nets, references, windows, budgets."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

from relu_regions import AffineSubspace, Box, DomainError, Network, Polytope, random_network
from relu_regions._budget import Budget
from relu_regions.regions import count_regions, enumerate_regions
from relu_regions.regions._geometric import geometric_engine

from ._prefix_reference import reference_patterns


def packed(patterns: np.ndarray) -> set[bytes]:
    return {p.tobytes() for p in np.packbits(np.asarray(patterns, dtype=bool), axis=1)}


def geo(net, dom, **kw):
    return count_regions(net, dom, method="geometric", progress=False, **kw)


def reference_for(net, dom, **kw) -> set[bytes]:
    ch = dom.chart()
    G, h = ch.halfspaces()
    return reference_patterns(net.with_input_map(ch.origin, ch.basis), G, h, **kw)


# --------------------------------------------------------------------------- analytic counts
def test_identity_net_has_four_regions(identity_net):
    res = geo(identity_net, Box([-1, -1], [1, 1]))
    assert (res.regions, res.exact, res.partial) == (4, True, False)
    assert res.certificate["measure_sum"] == pytest.approx(4.0, rel=1e-12)
    plane = AffineSubspace([[0, 0], [1, 0], [0, 1]])
    assert geo(identity_net, plane).regions == 4


def test_abs_net_on_segment_and_line(abs_net):
    assert geo(abs_net, Box([-1], [1])).regions == 2
    assert geo(abs_net, Box([0.5], [1])).regions == 1
    assert geo(abs_net, AffineSubspace([[-1.0], [1.0]])).regions == 2


@pytest.mark.parametrize("n", [1, 3, 8, 20])
def test_one_layer_on_the_plane_gives_zaslavsky_count(n):
    # lines in general position: 1 + n + C(n, 2) regions of the whole plane
    net = random_network([2, n, 1], seed=n)
    res = geo(net, AffineSubspace([[0, 0], [1, 0], [0, 1]]))
    assert res.regions == 1 + n + comb(n, 2)
    assert res.exact and res.certificate["projective_regions_found_in_window"] == res.certificate["projective_regions"] == res.regions


@pytest.mark.parametrize("n", [1, 5, 17])
def test_one_layer_on_a_line_gives_n_plus_one(n):
    net = random_network([3, n, 2], seed=100 + n)
    line = AffineSubspace([[0.1, 0.2, -0.3], [1.0, -0.5, 0.7]])
    assert geo(net, line).regions == n + 1


def test_one_layer_plane_through_data_in_high_dimension():
    rng = np.random.default_rng(5)
    n = 12
    net = random_network([30, n, 4], seed=3)
    plane = AffineSubspace(rng.normal(size=(3, 30)))
    assert geo(net, plane).regions == 1 + n + comb(n, 2)


def test_hand_built_deep_net_matches_reference(deep_net):
    dom = Box([-2, -2], [2, 2])
    rs = enumerate_regions(deep_net, dom, method="geometric", progress=False)
    assert packed(rs.patterns) == reference_for(deep_net, dom)
    assert rs.count.exact


# --------------------------------------------------------------------------- degenerate nets
def test_duplicate_zero_and_parallel_neurons():
    W = [[1.0, 0.0], [1.0, 0.0], [0.0, 0.0], [2.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    b = [0.0, 0.0, 0.0, -1.0, 0.5, 0.0]  # x, x again, zero, x = 0.5, x = -0.5, y
    net = Network([W, [[1.0] * 6]], [b, [0.0]])
    # vertical lines x = -0.5, 0, 0.5 and the line y = 0: 4 * 2 regions
    res = geo(net, Box([-1, -1], [1, 1]))
    assert res.regions == 8 and res.exact
    assert res.details["rejected_slivers"] == 0


def test_hyperplanes_along_the_domain_boundary():
    net = Network([[[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]], [[1.0, 1.0, 1.0]]], [[-1.0, 1.0, 0.0], [0.0]])
    # x = 1 and y = -1 lie on the boundary of the box; x = 0 cuts it
    res = geo(net, Box([-1, -1], [1, 1]))
    assert res.regions == 2


def test_later_neuron_constant_zero_or_repeating_an_earlier_one():
    W0 = [[1.0, 0.0], [0.0, 1.0]]
    # layer 2: identically zero, constant positive, equal to relu(x) (zero set = {x <= 0})
    W1 = [[0.0, 0.0], [0.0, 0.0], [1.0, 0.0]]
    b1 = [0.0, 3.0, 0.0]
    net = Network([W0, W1, [[1.0, 1.0, 1.0]]], [[0.0, 0.0], b1, [0.0]])
    dom = Box([-1, -1], [1, 1])
    rs = enumerate_regions(net, dom, method="geometric", progress=False)
    assert len(rs) == 4
    assert packed(rs.patterns) == reference_for(net, dom)


def test_bent_hyperplane_cancelling_to_round_off():
    # z2 = 0.1 h + 0.2 h - 0.3 h vanishes identically up to round-off on the half x > 0
    net = Network([[[1.0, 0.0]] * 3, [[0.1, 0.2, -0.3]], [[1.0]]], [[0.0] * 3, [0.0], [0.0]])
    assert geo(net, Box([-1, -1], [1, 1])).regions == 2


def test_leaky_relu_and_output_relu_match_reference():
    net = random_network([2, 4, 3, 2], seed=11, negative_slope=0.1, output_relu=True)
    dom = Polytope([[-1, 0], [0, -1], [1, 1]], [1, 1, 1])
    rs = enumerate_regions(net, dom, method="geometric", progress=False)
    assert packed(rs.patterns) == reference_for(net, dom)


@pytest.mark.parametrize("seed", range(4))
def test_random_nets_match_lp_reference(seed):
    widths = [[2, 4, 4, 1], [2, 6, 3, 1], [2, 3, 3, 3, 1], [2, 5, 2, 1]][seed]
    net = random_network(widths, seed=seed)
    dom = Box([-1.5, -1.0], [1.0, 2.0])
    rs = enumerate_regions(net, dom, method="geometric", progress=False)
    assert packed(rs.patterns) == reference_for(net, dom)


@pytest.mark.parametrize("seed", range(3))
def test_random_nets_on_segments_match_reference(seed):
    net = random_network([5, 6, 6, 1], seed=seed)
    rng = np.random.default_rng(seed)
    seg = AffineSubspace(rng.normal(size=(2, 5)), coefficient_bounds=(-1, 2))
    rs = enumerate_regions(net, seg, method="geometric", progress=False)
    assert packed(rs.patterns) == reference_for(net, seg)
    np.testing.assert_allclose(rs.measures.sum(), 3.0, rtol=1e-12)


# --------------------------------------------------------------------------- regions' geometry
def test_regions_geometry_is_consistent():
    net = random_network([2, 8, 8, 1], seed=4)
    dom = Box([-1, -1], [1, 1])
    rs = enumerate_regions(net, dom, method="geometric", progress=False)
    assert len(packed(rs.patterns)) == len(rs)
    np.testing.assert_array_equal(net.pattern_vector(rs.interior_points), rs.patterns)
    total = 0.0
    for r in rs:
        V = r.vertices
        assert V.shape[1] == 2 and len(V) >= 3
        d = np.roll(V, -1, axis=0)
        area = 0.5 * np.sum(V[:, 0] * d[:, 1] - V[:, 1] * d[:, 0])
        assert area > 0 and area == pytest.approx(r.measure, rel=1e-9)  # counter-clockwise
        G, h = r.halfspaces
        assert np.all(G @ V.T <= h[:, None] + 1e-9)
        total += area
    assert total == pytest.approx(4.0, rel=1e-12)


# --------------------------------------------------------------------------- unbounded domains
@pytest.mark.parametrize("seed", range(3))
def test_plane_count_does_not_depend_on_a_window(seed):
    net = random_network([2, 6, 6, 1], seed=seed)
    plane = AffineSubspace([[0, 0], [1, 0], [0, 1]])
    full = enumerate_regions(net, plane, method="geometric", progress=False)
    assert full.count.exact and full.count.certificate["projective_regions_found_in_window"] == len(full)
    lo, hi = full.count.details["window"]
    for scale in (1.0, 3.0, 100.0):
        c = 0.5 * (np.asarray(lo) + np.asarray(hi))
        half = 0.5 * (np.asarray(hi) - np.asarray(lo)) * scale
        boxed = enumerate_regions(net, Box(c - half, c + half), method="geometric", progress=False)
        assert packed(boxed.patterns) == packed(full.patterns)
    # small boxes see a subset
    small = enumerate_regions(net, Box([-0.2, -0.2], [0.2, 0.2]), method="geometric", progress=False)
    assert packed(small.patterns) <= packed(full.patterns)


def test_plane_count_independent_of_the_chart():
    net = random_network([3, 8, 8, 1], seed=9)
    p = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 0.5], [-1.0, 0.5, 1.0]])
    a = geo(net, AffineSubspace(p)).regions
    # the same plane through other points of it, far from the first ones
    q = np.array([p[0] + 50 * (p[1] - p[0]), p[0] - 3 * (p[2] - p[0]), p[0] + 0.01 * (p[1] - p[0])])
    assert geo(net, AffineSubspace(q)).regions == a
    assert geo(net, AffineSubspace.through_origin(p[1:])).regions == a


def test_half_plane_and_half_line():
    net = random_network([2, 5, 1], seed=2)
    half = AffineSubspace([[0, 0], [1, 0], [0, 1]], coefficient_bounds=([0, None], [None, None]))
    full = geo(net, AffineSubspace([[0, 0], [1, 0], [0, 1]])).regions
    h = geo(net, half)
    assert h.exact and 1 <= h.regions <= full
    ray = AffineSubspace([[0.3, -0.2], [1.0, 0.4]], coefficient_bounds=(0, None))
    rays = geo(net, ray)
    W, b = net.weights[0], net.biases[0]
    d, o = np.array([0.7, 0.6]), np.array([0.3, -0.2])
    roots = -(W @ o + b) / (W @ d)
    assert rays.regions == 1 + int(np.sum(roots > 0))


def test_parallel_lines_only_on_the_plane():
    # all hyperplanes parallel: the regions are strips without vertices
    W = [[1.0, 2.0], [2.0, 4.0], [-1.0, -2.0]]
    net = Network([W, [[1.0, 1.0, 1.0]]], [[0.0, 7.0, 30.0], [0.0]])
    assert geo(net, AffineSubspace([[0, 0], [1, 0], [0, 1]])).regions == 4


def test_far_away_structure_is_found():
    # the two lines meet near (1e4, 1e4): far outside any default window
    net = Network([[[1.0, -1.0], [1.0, -1.001]], [[1.0, 1.0]]], [[0.0, 10.0], [0.0]])
    res = geo(net, AffineSubspace([[0, 0], [1, 0], [0, 1]]))
    assert res.regions == 4


def test_deeper_net_on_plane_agrees_with_sampling_lower_bound():
    net = random_network([10, 10, 10, 1], seed=1)
    rng = np.random.default_rng(0)
    P = rng.normal(size=(3, 10))
    plane = AffineSubspace(P)
    rs = enumerate_regions(net, plane, method="geometric", progress=False)
    lo, hi = rs.count.details["window"]
    # sample the coefficient box around the window; every pattern seen is an exact region
    box = AffineSubspace(P, coefficient_bounds=(lo, hi))
    sampled = enumerate_regions(net, box, method="sample", samples=50_000, seed=1)
    assert packed(sampled.patterns) <= packed(rs.patterns)


# --------------------------------------------------------------------------- sampling
def test_sampling_is_below_exact_and_dense_sampling_finds_large_regions():
    net = random_network([2, 16, 16, 1], seed=6)
    dom = Box([-1, -1], [1, 1])
    ex = enumerate_regions(net, dom, method="geometric", progress=False)
    N = 200_000
    sm = enumerate_regions(net, dom, method="sample", samples=N, seed=3)
    assert packed(sm.patterns) <= packed(ex.patterns)
    large = ex.patterns[ex.measures / 4.0 > 30.0 / N]  # missed with probability < e^-30 each
    assert packed(large) <= packed(sm.patterns)


def test_sample_with_given_points_on_a_plane(identity_net):
    plane = AffineSubspace([[0, 0], [1, 0], [0, 1]])
    pts = np.array([[1.0, 1.0], [-1.0, 2.0], [-3.0, -0.5], [0.5, 0.25]])
    res = count_regions(identity_net, plane, method="sample", points=pts)
    assert res.regions == 3 and not res.exact
    line = AffineSubspace([[0, 0], [1, 1]])
    with pytest.raises(DomainError, match="not in the domain"):
        count_regions(identity_net, line, method="sample", points=pts)


# --------------------------------------------------------------------------- budgets
class StopAfter(Budget):
    def __init__(self, polls: int) -> None:
        super().__init__(None)
        self.left = polls

    @property
    def stop(self) -> bool:  # type: ignore[override]
        self.left -= 1
        if self.left < 0:
            self.request_stop("interrupted")
        return super().stop


@pytest.mark.parametrize("polls", [0, 5, 15])
def test_interrupted_run_is_a_labelled_lower_bound(polls):
    net = random_network([2, 10, 10, 1], seed=3)
    dom = Box([-1, -1], [1, 1])
    exact = packed(enumerate_regions(net, dom, method="geometric", progress=False).patterns)
    ch = dom.chart()
    G, h = ch.halfspaces()
    res = geometric_engine(net.with_input_map(ch.origin, ch.basis), G, h, budget=StopAfter(polls), options={})
    assert not res.complete and not res.exact
    assert 1 <= res.count <= len(exact)
    assert packed(res.patterns) <= exact
    np.testing.assert_array_equal(net.pattern_vector(res.points), res.patterns)


def test_time_limit_gives_partial_result():
    net = random_network([2, 64, 64, 64, 1], seed=0)
    res = count_regions(net, Box([-1, -1], [1, 1]), method="geometric", time_limit=1e-6, progress=False)
    assert res.partial and not res.exact and res.stop_reason == "time_limit"
    assert res.regions >= 1 and "lower bound" in res.reason


def test_interrupted_unbounded_run_is_a_lower_bound():
    net = random_network([2, 8, 8, 1], seed=3)
    plane = AffineSubspace([[0, 0], [1, 0], [0, 1]])
    exact = packed(enumerate_regions(net, plane, method="geometric", progress=False).patterns)
    ch = plane.chart()
    G, h = ch.halfspaces()
    res = geometric_engine(net, G, h, budget=StopAfter(20), options={})
    assert not res.complete and packed(res.patterns) <= exact
    np.testing.assert_array_equal(net.pattern_vector(res.points), res.patterns)


def test_progress_bar_runs(capsys):
    net = random_network([2, 4, 1], seed=0)
    assert count_regions(net, Box([-1, -1], [1, 1]), progress=True).regions >= 1


def test_three_dimensional_domain_is_rejected():
    net = random_network([3, 4, 1], seed=0)
    with pytest.raises(DomainError, match="dimension <= 2"):
        count_regions(net, Box([-1] * 3, [1] * 3), method="geometric")


def test_plane_inside_a_neurons_hyperplane_splits_nothing():
    # every point of the plane satisfies w.x = 0.7 up to round-off: that neuron is identically
    # zero on it, so the count equals the count without the neuron (bounded and unbounded)
    rng = np.random.default_rng(4)
    w = np.array([0.1, 0.2, 0.3])
    xy = rng.normal(size=(3, 2))
    P = np.column_stack([xy, (0.7 - xy @ w[:2]) / w[2]])
    base = random_network([3, 6, 5, 1], seed=8)
    W0, b0 = np.vstack([base.weights[0], w]), np.append(base.biases[0], -0.7)
    W1 = np.hstack([base.weights[1], rng.normal(size=(5, 1))])
    net = Network([W0, W1, base.weights[2]], [b0, base.biases[1], base.biases[2]])
    for dom in (AffineSubspace(P), AffineSubspace(P, coefficient_bounds=(-2, 3))):
        with_neuron = geo(net, dom)
        assert with_neuron.exact and with_neuron.regions == geo(base, dom).regions


def test_unbounded_regions_come_with_window_geometry():
    net = random_network([4, 6, 6, 1], seed=5)
    plane = AffineSubspace(np.random.default_rng(2).normal(size=(3, 4)))
    rs = enumerate_regions(net, plane, method="geometric", progress=False)
    lo, hi = (np.asarray(v) for v in rs.count.details["window"])
    assert rs.vertices is not None and len(rs.vertices) == len(rs)
    total = 0.0
    for r in rs:
        V = r.vertices
        assert np.all(V >= lo - 1e-9 * np.abs(lo).max()) and np.all(V <= hi + 1e-9 * np.abs(hi).max())
        total += r.measure
    assert total == pytest.approx(float(np.prod(hi - lo)), rel=1e-9)
    np.testing.assert_array_equal(net.pattern_vector(rs.interior_points), rs.patterns)


def test_ctrl_c_returns_a_partial_lower_bound():
    import os
    import signal
    import threading

    net = random_network([2, 160, 160, 160, 1], seed=1)
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        rs = enumerate_regions(net, Box([-1, -1], [1, 1]), method="geometric", progress=False)
    finally:
        timer.cancel()
    c = rs.count
    assert c.partial and not c.exact and c.stop_reason == "interrupted" and c.regions == len(rs) >= 1
    np.testing.assert_array_equal(net.pattern_vector(rs.interior_points), rs.patterns)
