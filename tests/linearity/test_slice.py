"""Cross-sections (Ch. 6) and the 1-D view (Sec. 5.3) against independent oracles."""

from __future__ import annotations

import math

import numpy as np
import pytest

from relu_regions import AffineSubspace, Network, random_network
from relu_regions.exceptions import DomainError, ReluRegionsError
from relu_regions.linearity import (
    class_pieces,
    cross_section,
    grid_regions,
    pieces_1d,
    piecewise_mse,
    plane_axes,
)
from relu_regions.regions import count_regions


@pytest.fixture(scope="module")
def net_and_points() -> tuple[Network, np.ndarray]:
    return random_network([6, 10, 8, 3], seed=4), np.random.default_rng(3).normal(size=(3, 6))


def test_plane_axes_eq_6_2() -> None:
    A, B, C = np.array([1.0, 1, 1]), np.array([3.0, 1, 1]), np.array([2.0, 4, 1])
    o, E = plane_axes(A, B, C)
    np.testing.assert_allclose(E @ E.T, np.eye(2), atol=1e-15)
    np.testing.assert_allclose(E[0], [1, 0, 0])  # along A -> B
    np.testing.assert_allclose(E[1], [0, 1, 0])  # C - A minus its projection on B - A
    with pytest.raises(DomainError):
        plane_axes(A, B, 2 * B - A)  # collinear
    with pytest.raises(DomainError):
        plane_axes(A, A, C)


def test_whole_plane_count_equals_counting_engine(net_and_points) -> None:  # type: ignore[no-untyped-def]
    net, (A, B, C) = net_and_points
    cs = cross_section(net, A, B, C, window="plane")
    ref = count_regions(net, AffineSubspace([A, B, C]))  # the same plane, other coordinates
    assert cs.exact and ref.exact and cs.regions == ref.regions


def test_window_count_agrees_with_lp_engine_and_sampling(net_and_points) -> None:  # type: ignore[no-untyped-def]
    net, (A, B, C) = net_and_points
    cs = cross_section(net, A, B, C, grid=48)
    o, E = cs.origin, cs.axes
    w = cs.window
    dom = AffineSubspace([o, o + E[0], o + E[1]], ([w[0], w[2]], [w[1], w[3]]))
    assert count_regions(net, dom, method="lp").regions == cs.regions  # another exact engine
    # the plane coordinates of B and C are recovered
    np.testing.assert_allclose(o + cs.anchors[1] @ E, B, atol=1e-12)
    np.testing.assert_allclose(o + cs.anchors[2] @ E, C, atol=1e-12)
    # dense pattern sampling is a lower bound; every sampled pattern is an exact region
    rng = np.random.default_rng(0)
    T = np.column_stack([rng.uniform(w[0], w[1], 20000), rng.uniform(w[2], w[3], 20000)])
    pats = {p.tobytes() for p in net.pattern_vector(o + T @ E)}
    exact = {p.tobytes() for p in cs.region_set.patterns}
    assert pats <= exact
    # polygons tile the window
    area = sum(abs(0.5 * np.sum(P[:, 0] * np.roll(P[:, 1], -1) - P[:, 1] * np.roll(P[:, 0], -1)))
               for P in cs.polygons)
    assert area == pytest.approx((w[1] - w[0]) * (w[3] - w[2]), rel=1e-9)
    assert cs.grid_regions is not None and cs.grid_regions > 0.5 * cs.linear_regions
    d = cs.to_dict()
    assert set(d) >= {"regions", "grid_regions", "origin", "axes", "window"} and len(d["window"]) == 4


def test_decision_boundary_is_where_classes_tie(net_and_points) -> None:  # type: ignore[no-untyped-def]
    net, (A, B, C) = net_and_points
    cs = cross_section(net, A, B, C)
    assert cs.boundary and cs.regions_with_boundary > 0
    o, E = cs.origin, cs.axes
    for seg in cs.boundary[:50]:
        for lam in (0.25, 0.5, 0.75):
            f = np.sort(net(o + (seg[0] + lam * (seg[1] - seg[0])) @ E))
            assert f[-1] - f[-2] == pytest.approx(0.0, abs=1e-9 * max(1.0, abs(f[-1])))
    # argmax pieces: sampled points take the class of the piece that contains them
    rng = np.random.default_rng(1)
    w = cs.window
    T = np.column_stack([rng.uniform(w[0], w[1], 3000), rng.uniform(w[2], w[3], 3000)])
    cls = np.argmax(net(o + T @ E), axis=1)
    from matplotlib.path import Path

    hit = np.full(len(T), -1)
    for _, k, Q in cs.pieces:
        hit[Path(Q).contains_points(T)] = k
    inside = hit >= 0
    assert inside.mean() > 0.99 and np.all(hit[inside] == cls[inside])
    assert sum(cs.regions_per_class) == len(cs.pieces) >= cs.regions + cs.regions_with_boundary


def test_class_pieces_single_output() -> None:
    sq = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    pcs = class_pieces(sq, [[1.0, 0.0]], [-0.25])  # f = t1 - 1/4: class 1 where f > 0
    areas = {k: abs(0.5 * np.sum(Q[:, 0] * np.roll(Q[:, 1], -1) - Q[:, 1] * np.roll(Q[:, 0], -1)))
             for k, Q in pcs}
    assert areas == pytest.approx({0: 0.25, 1: 0.75})


def test_grid_method_on_hand_net() -> None:
    """f = relu(x) + relu(y) has 4 regions (quadrants) with 4 different maps."""
    net = Network([np.eye(2), [[1.0, 1.0]]], [np.zeros(2), [0.0]])
    g = grid_regions(net, [0.0, 0.0], np.eye(2), (-1, 1, -1, 1), 21)
    assert g.regions == 4 and g.pattern_regions == 4
    assert g.labels[0, 0] != g.labels[-1, -1]
    with pytest.raises(ReluRegionsError):
        grid_regions(net, [0.0, 0.0], np.eye(2), (-1, 1, -1, 1), 1)
    with pytest.raises(ReluRegionsError):
        cross_section(net, [0, 0], [1, 0], [0, 1], window=[1, 0, 0, 1])


def test_pieces_1d_breakpoints_oracle() -> None:
    """One hidden layer: breakpoints are the kinks -b_i / w_i inside the interval."""
    rng = np.random.default_rng(0)
    w, b, v = rng.normal(size=6), rng.normal(size=6), rng.normal(size=6)
    net = Network([w[:, None], v[None, :]], [b, [0.3]])
    p = pieces_1d(net, (-math.pi, math.pi))
    kinks = np.sort([-bi / wi for wi, bi in zip(w, b, strict=True) if -math.pi < -bi / wi < math.pi])
    np.testing.assert_allclose(p.breakpoints, kinks, atol=1e-12)
    xs = np.linspace(-math.pi, math.pi, 1001)
    r = np.searchsorted(p.breakpoints, xs)
    np.testing.assert_allclose(p.intercepts[r] + p.slopes[r] * xs, net(xs[:, None])[:, 0], atol=1e-12)
    from scipy.integrate import quad

    num = sum(quad(lambda x, a=a, s=s: (a + s * x - math.sin(x)) ** 2, lo, hi)[0]
              for a, s, (lo, hi) in zip(p.intercepts, p.slopes, p.intervals, strict=True))
    assert p.mse_sine == pytest.approx(num / (2 * math.pi), rel=1e-10)
    assert piecewise_mse([0.0], [0.0], [[-math.pi, math.pi]]) == pytest.approx(0.5)


def test_pieces_1d_merges_equal_neighbours() -> None:
    # relu(x) + relu(x - 5): the second neuron never turns on in [-1, 1] -> pieces x<0, x>0
    net = Network([[[1.0], [1.0], [1.0]], [[1.0, 1.0, 0.0]]], [[0.0, -5.0, -0.5], [0.0]])
    p = pieces_1d(net, (-1.0, 1.0))
    assert p.activation_regions == 3 and p.linear_pieces == 2  # the third neuron splits nothing visible
    np.testing.assert_allclose(p.breakpoints, [0.0])


def test_time_limit_gives_a_labelled_partial_result() -> None:
    net = random_network([10, 64, 64, 64, 3], seed=0)
    A, B, C = np.random.default_rng(0).normal(size=(3, 10)) * 3
    cs = cross_section(net, A, B, C, time_limit=0.05, grid=8)
    assert cs.partial and not cs.exact and cs.stop_reason == "time_limit"
    assert cs.linear_regions is None and cs.regions >= 1 and cs.grid_regions is not None
    assert cs.to_dict()["partial"] is True
