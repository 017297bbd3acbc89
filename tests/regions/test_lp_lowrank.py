"""The ``lp`` traversal in the row space of the first layer (``facets_lp(basis=...)``).

Oracle: the same engine with ``reduce_rank=False`` (facet rows decided by LPs in all ``k``
chart dimensions, today's path), which is itself tested against brute force and Qhull in
``test_lp.py``.  Pattern sets must be identical, on nets whose input dimension is much larger
than the first width: boxes, clipped balls, bounded subspaces, polytopes with oblique rows,
split cells, and first layers of rank below their width.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from relu_regions import AffineSubspace, Box, LInfBall, Network, Polytope, random_network
from relu_regions.regions import enumerate_regions
from relu_regions.regions._facets_lp import facets_lp
from relu_regions.regions._lp_domain import row_space_basis

from ._reference import pattern_set


def _both(net, dom, **kw):  # type: ignore[no-untyped-def]
    a = enumerate_regions(net, dom, method="lp", progress=False, **kw)
    b = enumerate_regions(net, dom, method="lp", progress=False, reduce_rank=False, **kw)
    assert a.count.exact and b.count.exact
    assert pattern_set(a.patterns) == pattern_set(b.patterns)
    return a, b


@pytest.mark.parametrize("seed", range(4))
def test_high_dimensional_boxes_and_balls_match_the_full_dimensional_traversal(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(40, 90))
    widths = [k, int(rng.integers(3, 6)), 4, 3, 1]
    net = random_network(widths, seed=seed, bias_std=0.1)
    dom = Box(np.zeros(k), np.ones(k)) if seed % 2 == 0 else LInfBall(np.full(k, 0.4), 0.2, clip=[0, 1])
    a, _ = _both(net, dom)
    assert a.count.details["row_space_dim"] == widths[1]
    assert a.count.regions > 10


def test_first_layer_of_rank_below_its_width():
    """Duplicated and linearly dependent first-layer rows: rank 3 with 6 neurons."""
    rng = np.random.default_rng(7)
    k = 60
    W1 = rng.normal(size=(3, k)) / np.sqrt(k)
    W1 = np.vstack([W1, W1[0], 2.0 * W1[1] - W1[2], -0.5 * W1[2]])
    b1 = rng.normal(size=6) * 0.1
    b1[3] = b1[0]  # an exact duplicate hyperplane
    W2, b2 = rng.normal(size=(5, 6)), rng.normal(size=5) * 0.1
    W3, b3 = rng.normal(size=(1, 5)), np.zeros(1)
    net = Network([W1, W2, W3], [b1, b2, b3])
    a, _ = _both(net, Box(np.zeros(k), np.ones(k)))
    assert a.count.details["row_space_dim"] == 3


def test_bounded_subspace_and_oblique_polytope_rows():
    rng = np.random.default_rng(3)
    n0 = 120
    net = random_network([n0, 4, 4, 1], seed=3, bias_std=0.1)
    pts = rng.uniform(0, 1, size=(31, n0))
    _both(net, AffineSubspace(pts, coefficient_bounds=(-0.3, 0.6)))
    k = 48
    net2 = random_network([k, 4, 4, 2], seed=5, bias_std=0.1)
    A = np.vstack([np.eye(k), -np.eye(k), rng.normal(size=(2, k))])
    b = np.r_[np.ones(k), np.zeros(k), np.full(2, 1.5)]
    a, _ = _both(net2, Polytope(A, b))
    assert a.count.details["row_space_dim"] == 6  # the first layer's 4 rows and the 2 oblique rows


def test_split_cells_keep_the_reduction():
    net = random_network([50, 4, 4, 1], seed=2, bias_std=0.1)
    dom = Box(np.zeros(50), np.ones(50))
    serial = enumerate_regions(net, dom, method="lp", progress=False)
    with ThreadPoolExecutor(2) as pool:
        split = enumerate_regions(net, dom, method="lp", executor=pool, progress=False)
    assert split.count.exact and pattern_set(split.patterns) == pattern_set(serial.patterns)


def test_row_space_basis():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(4, 100))
    W = np.vstack([W, W[0] + W[1]])
    V = row_space_basis(W, np.zeros((0, 100)), 100)
    assert V is not None and V.shape == (100, 4)
    np.testing.assert_allclose(V.T @ V, np.eye(4), atol=1e-12)
    np.testing.assert_allclose(W @ V @ V.T, W, atol=1e-12)  # the rows lie in span(V)
    assert row_space_basis(rng.normal(size=(30, 100)), np.zeros((0, 100)), 100) is None  # not small
    assert row_space_basis(np.zeros((3, 100)), np.zeros((0, 100)), 100) is None


@pytest.mark.parametrize("seed", range(6))
def test_facet_finder_with_a_basis_matches_the_full_one(seed):
    """Rows in a random ``r``-dimensional subspace of ``R^k`` with a box: ``basis`` decides
    the same facets as the finder in ``k`` dimensions, each point on its facet in the box."""
    rng = np.random.default_rng(seed)
    k, r = int(rng.integers(30, 80)), int(rng.integers(2, 6))
    V = np.linalg.qr(rng.normal(size=(k, r)))[0]
    lo, hi = np.zeros(k), np.ones(k)
    t0 = rng.uniform(0.3, 0.7, k)
    m = int(rng.integers(5, 25))
    G = rng.normal(size=(m, r)) @ V.T
    h = G @ t0 + rng.uniform(0.01, 1.5, m) * np.linalg.norm(G, axis=1)
    G, h = np.vstack([G, 2.0 * G[:1]]), np.r_[h, 2.0 * h[0]]  # a coinciding row
    scale = 0.5
    full = facets_lp(G, h, t0, scale, box=(lo, hi))
    low = facets_lp(G, h, t0, scale, box=(lo, hi), basis=V)
    assert set(low.rows.tolist()) == set(full.rows.tolist())
    for j, x in zip(low.rows, low.points, strict=True):
        assert abs(G[j] @ x - h[j]) <= 1e-7 * np.linalg.norm(G[j])
        assert np.all(G @ x <= h + 1e-9) and np.all(x >= lo) and np.all(x <= hi)


def test_the_784d_benchmark_net_on_a_small_ball():
    """Kumar et al.'s 784-5-5-5-5-10 shape (He init) on a corner of [0, 1]^784."""
    net = random_network([784, 5, 5, 5, 5, 10], seed=0, bias_std=0.1)
    a, _ = _both(net, LInfBall(np.full(784, 0.005), 0.005, clip=[0, 1]))
    assert a.count.regions == 21  # benchmarks/results/count_highdim.txt


def test_segment_point_finds_a_point_inside_rows_and_box():
    """``x`` meets the rows but leaves the box, ``t_hat`` is inside the box but violates a row:
    a point between them is inside both, with its radius reported."""
    from relu_regions.regions._facets_lp import _segment_point

    lo, hi = np.zeros(3), np.ones(3)
    Gn = np.array([[0.0, 1.0, 0.0]])  # one other row: t_1 <= 0.5
    hn = np.array([0.5])

    def slacks(x):  # type: ignore[no-untyped-def]
        return hn - Gn @ x

    x = np.array([0.5, 0.1, 1.2])  # rows: slack 0.4; box: 0.2 outside
    t_hat = np.array([0.5, 0.7, 0.5])  # box: 0.3 inside; row: violated by 0.2
    p, r = _segment_point(x, t_hat, slacks, lo, hi)
    assert r > 0.05
    assert np.all(p > lo) and np.all(p < hi) and float(slacks(p).min()) >= r - 1e-12
