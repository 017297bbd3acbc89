"""Exact counting and enumeration of maxout networks' regions, against independent oracles.

Oracles:
* the ReLU engines on the ReLU network whose rank-2 maxout form (pieces ``(0, a)``) is
  counted: same regions, same patterns;
* brute force over *every* pattern (``prod k^units``): a pattern is a region when its
  polytope, built here from ``Network.preactivation_maps`` (not from engine code), holds a
  Chebyshev ball (scipy's LP) of radius well above the engines' tolerance;
* ``geometric`` == ``lp`` in 1-D/2-D, sampling a lower bound (its patterns a subset),
  Serra et al.'s maxout bound an upper bound.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from relu_regions import Box, Network, random_network
from relu_regions.bounds import serra2018_maxout_bound
from relu_regions.domain import AffineSubspace
from relu_regions.exceptions import DomainError, UnsupportedNetworkError
from relu_regions.regions import count_linear_regions, count_regions, enumerate_regions


def relu_as_maxout(net: Network) -> Network:
    Ws, bs = [], []
    for layer in net.layers:
        if layer.slope is None:
            Ws.append(layer.weight)
            bs.append(layer.bias)
        else:
            s = layer.slope
            Ws.append(np.stack([s * layer.weight, layer.weight]))
            bs.append(np.stack([s * layer.bias, layer.bias]))
    return Network(Ws, bs)


def pattern_set(patterns) -> set[tuple[int, ...]]:
    return {tuple(int(v) for v in p) for p in np.asarray(patterns)}


def oracle_regions(net: Network, lo: float, hi: float, min_radius: float = 1e-6) -> set[tuple[int, ...]]:
    """Every pattern whose polytope in the box [lo, hi]^n holds a ball of radius > min_radius."""
    n = net.input_dim
    ranks = [layer.rank if layer.is_maxout else 2 for layer in net.activated_layers]
    choices = [range(k) for k, layer in zip(ranks, net.activated_layers, strict=True) for _ in range(layer.width)]
    found = set()
    for flat in itertools.product(*choices):
        pats, off = [], 0
        for layer in net.activated_layers:
            p = np.array(flat[off: off + layer.width])
            pats.append(p if layer.is_maxout else p.astype(bool))
            off += layer.width
        rows, rhs, infeasible = [], [], False
        for (A, c), p, layer in zip(net.preactivation_maps(pats), pats, net.activated_layers, strict=True):
            if not layer.is_maxout:  # ReLU: (0, z); rows -z <= 0 (active) or z <= 0
                sign = np.where(p, -1.0, 1.0)
                A, c = sign[:, None] * A, sign * c
                for j in range(layer.width):
                    rows.append(A[j])
                    rhs.append(-c[j])
                    if not np.any(A[j]) and p[j] and c[j] == 0:  # identically zero: inactive
                        infeasible = True
                continue
            for j in range(layer.width):
                for q in range(layer.rank):
                    if q == p[j]:
                        continue
                    g = A[q, j] - A[p[j], j]
                    d = c[q, j] - c[p[j], j]
                    if np.linalg.norm(g) <= 1e-12 * max(1.0, np.linalg.norm(A[q, j])):
                        if d > 1e-12 or (abs(d) <= 1e-12 and q < p[j]):  # lower identical piece wins
                            infeasible = True
                        continue
                    rows.append(g)
                    rhs.append(-d)
        if infeasible:
            continue
        G = np.array(rows).reshape(-1, n)
        h = np.array(rhs)
        G = np.vstack([G, np.eye(n), -np.eye(n)])
        h = np.concatenate([h, np.full(n, hi), np.full(n, -lo)])
        norms = np.linalg.norm(G, axis=1)
        res = linprog(np.r_[np.zeros(n), -1.0], A_ub=np.hstack([G, norms[:, None]]), b_ub=h,
                      bounds=[(None, None)] * n + [(0, 10)], method="highs")
        if res.status == 0 and res.x[-1] > min_radius:
            found.add(flat)
    return found


# ----------------------------------------------------------------- the ReLU-equivalent net
@pytest.mark.parametrize("dim", [1, 2, 3, 4, 5])
def test_rank2_relu_equivalent_net_has_exactly_the_relu_regions(dim):
    relu = random_network([dim, 6, 5, 1], seed=10 + dim)
    mx = relu_as_maxout(relu)
    box = Box([-1.0] * dim, [1.0] * dim)
    methods = ["lp", "geometric"] if dim <= 2 else ["lp"]
    for m in methods:
        a = enumerate_regions(relu, box, method=m)
        b = enumerate_regions(mx, box, method=m)
        assert b.count.exact and a.count.exact
        assert len(a) == len(b)
        assert pattern_set(a.patterns.astype(int)) == pattern_set(b.patterns)
        assert b.patterns.dtype == np.int16
    assert count_linear_regions(mx, box, method="lp").regions == count_linear_regions(relu, box, method="lp").regions


def test_rank2_relu_equivalent_net_on_the_whole_plane():
    relu = random_network([2, 5, 4, 1], seed=3)
    plane = AffineSubspace([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    a = count_regions(relu, plane, method="geometric")
    b = count_regions(relu_as_maxout(relu), plane, method="lp")
    assert a.exact and b.exact and a.regions == b.regions


def test_leaky_relu_as_maxout():
    leaky = random_network([2, 5, 4, 1], seed=8, negative_slope=0.1)
    box = Box([-1, -1], [1, 1])
    a = count_regions(leaky, box, method="geometric")
    b = count_regions(relu_as_maxout(leaky), box, method="lp")
    c = count_regions(relu_as_maxout(leaky), box, method="geometric")
    assert a.regions == b.regions == c.regions and b.exact and c.exact


# ----------------------------------------------------------------- random maxout nets
@pytest.mark.parametrize("seed,ranks", [(0, [2, 2]), (1, [3, 2]), (2, [4, 1]), (3, [1, 3]), (4, [3, 3])])
def test_geometric_equals_lp_in_2d(seed, ranks):
    net = random_network([2, 6, 5, 1], maxout_rank=ranks, seed=seed)
    box = Box([-1.5, -1.0], [1.0, 2.0])
    g = enumerate_regions(net, box, method="geometric")
    lp = enumerate_regions(net, box, method="lp")
    assert g.count.exact and lp.count.exact
    assert pattern_set(g.patterns) == pattern_set(lp.patterns)
    assert g.count.certificate["relative_error"] < 1e-9
    assert lp.count.certificate["adjacency_symmetric"]
    # every pattern is the network's own pattern at the region's interior point
    assert np.array_equal(net.pattern_vector(lp.interior_points), lp.patterns)
    assert np.array_equal(net.pattern_vector(g.interior_points), g.patterns)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_geometric_equals_lp_in_1d(seed):
    net = random_network([1, 5, 4, 1], maxout_rank=[3, 2], seed=seed)
    box = Box([-2.0], [2.0])
    g = count_regions(net, box, method="geometric")
    lp = count_regions(net, box, method="lp")
    assert g.exact and lp.exact and g.regions == lp.regions


@pytest.mark.parametrize(
    "widths,ranks,seed",
    [([2, 4, 3, 1], [2, 3], 0), ([3, 4, 3, 1], [3, 2], 1), ([4, 3, 3, 1], [3, 1], 2), ([5, 3, 2, 1], [3, 3], 3)],
)
def test_lp_equals_brute_force_oracle(widths, ranks, seed):
    net = random_network(widths, maxout_rank=ranks, seed=seed)
    n = widths[0]
    res = enumerate_regions(net, Box([-1.0] * n, [1.0] * n), method="lp")
    assert res.count.exact
    assert pattern_set(res.patterns) == oracle_regions(net, -1.0, 1.0)


@pytest.mark.parametrize("dim", [2, 3, 4, 5])
def test_sampling_is_a_lower_bound_and_the_bound_an_upper_bound(dim):
    net = random_network([dim, 5, 4, 1], maxout_rank=[3, 2], seed=dim)
    box = Box([-1.0] * dim, [1.0] * dim)
    exact = enumerate_regions(net, box, method="lp")
    sampled = enumerate_regions(net, box, method="sample", samples=20_000, seed=1)
    assert exact.count.exact and not sampled.count.exact
    assert pattern_set(sampled.patterns) <= pattern_set(exact.patterns)
    assert 0 < len(sampled) <= len(exact)
    bound = serra2018_maxout_bound([dim, *net.pattern_widths], rank=max(net.maxout_ranks))
    assert len(exact) <= bound.value


# ----------------------------------------------------------------- ties and degenerate pieces
def test_duplicate_pieces_count_once():
    base = random_network([2, 4, 3, 1], maxout_rank=[3, 2], seed=5)
    W0, b0 = base.layers[0].weight, base.layers[0].bias
    # piece 3 duplicates piece 1 in every unit: same function, same regions
    dup = base.replace_layers([np.concatenate([W0, W0[1:2]]), *base.weights[1:]],
                              [np.concatenate([b0, b0[1:2]]), *base.biases[1:]])
    box = Box([-1, -1], [1, 1])
    ref = enumerate_regions(base, box, method="lp")
    for m in ("lp", "geometric"):
        got = enumerate_regions(dup, box, method=m)
        assert got.count.exact, got.count.reason
        assert pattern_set(got.patterns) == pattern_set(ref.patterns)  # piece 3 never wins: 1 is lower
    sampled = enumerate_regions(dup, box, method="sample", samples=5000)
    assert pattern_set(sampled.patterns) <= pattern_set(ref.patterns)


def test_pieces_identical_on_part_of_the_domain():
    # layer 0: ReLU neurons relu(x), relu(y); layer 1: one maxout unit with pieces that
    # differ only in the weight on relu(x): where x < 0 they coincide (lowest piece wins)
    W0, b0 = np.eye(2), np.zeros(2)
    W1 = np.array([[[1.0, 1.0]], [[-1.0, 1.0]], [[0.0, -1.0]]])
    b1 = np.array([[0.0], [0.0], [0.5]])
    net = Network([W0, W1, [[1.0]]], [b0, b1, [0.0]])
    box = Box([-1, -1], [1, 1])
    g = enumerate_regions(net, box, method="geometric")
    lp = enumerate_regions(net, box, method="lp")
    oracle = oracle_regions(net, -1.0, 1.0)
    assert g.count.exact and lp.count.exact
    assert pattern_set(g.patterns) == pattern_set(lp.patterns) == oracle
    assert not any(p[2] == 1 and p[0] == 0 for p in oracle)  # piece 1 == piece 0 where x < 0


def test_a_unit_constant_on_the_domain_splits_nothing():
    W0 = np.array([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]])  # both units: identical pieces
    net = Network([W0, [[1.0, 1.0]]], [np.zeros((2, 2)), [0.0]])
    box = Box([-1, -1], [1, 1])
    for m in ("lp", "geometric", "sample"):
        res = enumerate_regions(net, box, method=m)
        assert len(res) == 1 and res.patterns.tolist() == [[0, 0]]


# ----------------------------------------------------------------- API behaviour
def test_regions_carry_maps_and_halfspaces():
    net = random_network([2, 4, 3, 1], maxout_rank=[3, 2], seed=9)
    box = Box([-1, -1], [1, 1])
    for m in ("lp", "geometric", "sample"):
        rs = enumerate_regions(net, box, method=m, **({"samples": 3000} if m == "sample" else {}))
        for r in list(rs)[:10]:
            x = r.interior_point
            J, c = r.affine_map
            np.testing.assert_allclose(J @ x + c, net.forward(x), atol=1e-10)
            G, h = r.halfspaces
            assert np.all(G @ r.chart_point <= h + 1e-12)
            assert r.layer_patterns[0].dtype == np.int16
    rs = enumerate_regions(net, box, method="geometric")
    areas = [r.measure for r in rs]
    assert abs(sum(areas) - 4.0) < 1e-9 and rs[0].vertices is not None


def test_auto_method_and_refusals():
    net = random_network([2, 4, 1], maxout_rank=3, seed=0)
    assert count_regions(net, Box([-1, -1], [1, 1])).method == "geometric"
    plane = AffineSubspace([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert count_regions(net, plane).method == "lp"
    assert count_regions(random_network([3, 4, 1], maxout_rank=2), Box([-1] * 3, [1] * 3)).method == "lp"
    with pytest.raises(UnsupportedNetworkError, match="'milp' does not support maxout"):
        count_regions(net, Box([-1, -1], [1, 1]), method="milp")
    with pytest.raises(DomainError, match="bounded"):
        count_regions(net, plane, method="geometric")
    line = random_network([1, 3, 1], maxout_rank=2)
    with pytest.raises(DomainError):
        count_regions(line, AffineSubspace([[0.0], [1.0]]))


def test_time_limit_gives_a_partial_lower_bound():
    net = random_network([3, 12, 12, 1], maxout_rank=3, seed=1)
    res = count_regions(net, Box([-1] * 3, [1] * 3), method="lp", time_limit=0.05)
    assert res.partial and not res.exact and res.regions >= 1


def test_scaled_units_give_the_same_count():
    net = random_network([2, 5, 4, 1], maxout_rank=[3, 2], seed=2)
    W = [w.copy() for w in net.weights]
    b = [v.copy() for v in net.biases]
    d = np.array([1e-4, 1.0, 1e3, 7.0, 0.01])  # scale all pieces of each unit alike
    W[0] *= d[:, None]
    b[0] *= d
    W[1] /= d
    scaled = net.replace_layers(W, b)
    box = Box([-1, -1], [1, 1])
    assert count_regions(scaled, box, method="lp").regions == count_regions(net, box, method="lp").regions
    assert count_regions(scaled, box, method="geometric").regions == count_regions(net, box, method="geometric").regions


# ----------------------------------------------------------------- linear regions
def test_linear_regions_merge_equal_maps():
    # the output ignores unit 1: its ties split activation regions but not linear ones
    W0 = np.array([[[1.0, 0.0], [0.0, 1.0]], [[-1.0, 0.5], [0.3, -1.0]], [[0.2, 0.2], [0.0, 0.0]]])
    b0 = np.array([[0.0, 0.1], [0.1, 0.0], [0.3, 0.2]])
    net = Network([W0, [[1.0, 0.0]]], [b0, [0.0]])
    box = Box([-1, -1], [1, 1])
    for m in ("lp", "geometric"):
        act = count_regions(net, box, method=m)
        lin = count_linear_regions(net, box, method=m)
        only_unit0 = count_regions(Network([W0[:, :1], [[1.0]]], [b0[:, :1], [0.0]]), box, method=m)
        assert lin.exact and lin.regions == only_unit0.regions < act.regions


@pytest.mark.parametrize("seed", [0, 1])
def test_linear_counts_agree_across_engines_and_with_relu(seed):
    net = random_network([2, 5, 4, 1], maxout_rank=[3, 1], seed=seed, negative_slope=0.1)
    box = Box([-1, -1], [1, 1])
    assert count_linear_regions(net, box, method="lp").regions == count_linear_regions(
        net, box, method="geometric").regions
    relu = random_network([2, 5, 4, 1], seed=seed)
    mx = relu_as_maxout(relu)
    assert count_linear_regions(mx, box, method="geometric").regions == count_linear_regions(
        relu, box, method="geometric").regions


def test_unit_identically_zero_beyond_a_tie_stays_at_the_lowest_piece():
    # found by a randomised sweep (half-integer weights): across a layer-0 tie the ReLU unit
    # 9 becomes identically zero; round-off made its derivative along the normal 1e-17 > 0,
    # and lp crossed into a pattern with no area (missing a region, yet claiming exactness)
    W0 = [[[1.5, -1.0], [0.0, -1.0], [0.0, -1.0]], [[-2.0, 1.0], [0.5, -0.5], [-1.5, 1.0]],
          [[-0.5, 0.5], [0.0, -0.5], [0.5, -3.0]], [[0.5, -0.5], [-1.0, 0.5], [-1.0, -1.0]]]
    b0 = [[0.0, -1.5, 2.5], [0.5, 0.0, 0.0], [0.5, -1.5, -1.0], [-0.5, -0.5, 1.0]]
    W1 = [[[-1.5, 0.0, 1.5], [0.0, -0.5, -1.0], [0.0, 1.0, -0.5], [0.0, 2.5, 0.0]],
          [[0.5, 0.0, -0.5], [-0.5, 0.5, 1.0], [0.0, 0.0, -1.0], [1.0, -1.0, 0.5]],
          [[0.5, 0.5, -0.5], [-0.5, 0.5, 1.5], [0.0, -0.5, 0.0], [0.0, -0.5, 0.0]]]
    b1 = [[0.5, 0.5, -2.0, 0.0], [1.0, 0.0, 0.0, -0.5], [1.5, 0.0, 0.0, -1.0]]
    W2 = [[-1.0, -0.5, -1.0, 0.0], [1.0, 1.0, -1.0, 0.5], [-0.5, 0.5, -0.5, 0.0]]
    b2 = [1.0, 0.5, 0.0]
    net = Network([W0, W1, W2, [[1.0, -1.0, 2.0]]], [b0, b1, b2, [0.0]])
    box = Box([-1, -1], [1, 1])
    g = enumerate_regions(net, box, method="geometric")
    lp = enumerate_regions(net, box, method="lp")
    sampled = enumerate_regions(net, box, method="sample", samples=50_000)
    assert len(g) == 8 and g.count.exact and lp.count.exact
    assert pattern_set(lp.patterns) == pattern_set(g.patterns) >= pattern_set(sampled.patterns)


def test_whole_plane_equals_a_box_holding_every_vertex():
    net = random_network([2, 6, 5, 1], maxout_rank=[3, 2], seed=3)
    plane = AffineSubspace([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    whole = count_regions(net, plane, method="lp")
    big = count_regions(net, Box([-1e4, -1e4], [1e4, 1e4]), method="geometric")
    small = count_regions(net, Box([-300, -300], [300, 300]), method="geometric")
    assert whole.exact and big.exact and whole.regions == big.regions == 153
    assert small.regions == 152  # one region lies beyond |t| = 300: the plane's count needs no window


@pytest.mark.parametrize("dim", [3, 4])
def test_lp_facet_finder_agrees_with_qhull(dim):
    net = random_network([dim, 5, 4, 1], maxout_rank=[3, 2], seed=dim + 20)
    box = Box([-1.0] * dim, [1.0] * dim)
    q = enumerate_regions(net, box, method="lp", facets="qhull")
    lp = enumerate_regions(net, box, method="lp", facets="lp")
    assert q.count.exact and lp.count.exact
    assert q.count.details["facet_finder"] == "qhull" and lp.count.details["facet_finder"] == "lp"
    assert pattern_set(q.patterns) == pattern_set(lp.patterns)
