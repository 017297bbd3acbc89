"""The ``skeleton`` engine against ``lp`` (an independent method: LPs/Qhull, region-graph
traversal) and a brute-force pattern oracle, on random, non-box and degenerate cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from relu_regions import AffineSubspace, Box, DomainError, Network, Polytope, Space, random_network
from relu_regions._budget import Budget
from relu_regions.regions import ENGINES, count_linear_regions, count_regions, enumerate_regions
from relu_regions.regions._skeleton import skeleton_engine

from ._reference import brute_force_patterns, chart_problem, leaky_and_output_relu_nets, pattern_set


def _box(k: int, r: float = 1.0) -> Box:
    return Box(-r * np.ones(k), r * np.ones(k))


def _same_as_lp(net: Network, dom, *, general: bool = True) -> None:  # type: ignore[no-untyped-def]
    a = enumerate_regions(net, dom, method="skeleton", progress=False)
    b = enumerate_regions(net, dom, method="lp", progress=False)
    assert a.count.exact and b.count.exact
    assert a.count.regions == b.count.regions
    assert pattern_set(a.patterns) == pattern_set(b.patterns)
    # each region's interior point really has its pattern and lies in the domain
    np.testing.assert_array_equal(net.pattern_vector(a.interior_points), a.patterns)
    assert np.all(dom.contains(a.interior_points))
    if general:
        assert "fallback" not in a.count.details, a.count.details.get("fallback")
        assert a.count.certificate["same_cells_both_directions"]


@pytest.mark.parametrize(
    ("widths", "seed"),
    [
        ([2, 8, 6, 1], 0),
        ([2, 5, 5, 5, 1], 1),
        ([3, 6, 5, 1], 2),
        ([3, 4, 4, 4, 1], 3),
        ([3, 10, 1], 4),
        ([4, 6, 5, 1], 5),
        ([4, 5, 4, 3, 1], 6),
        ([5, 6, 4, 1], 7),
        ([5, 5, 5, 1], 8),
        ([6, 5, 4, 1], 9),
        ([6, 7, 1], 10),
    ],
)
def test_skeleton_equals_lp_on_random_nets(widths, seed):
    net = random_network(widths, seed=seed, bias_std=0.1)
    _same_as_lp(net, _box(widths[0]))


def test_skeleton_equals_brute_force_and_lp_on_a_larger_net():
    net = random_network([3, 8, 8, 1], seed=1, bias_std=0.1)
    res = count_regions(net, _box(3), method="skeleton", progress=False)
    assert res.regions == 681 and res.exact  # lp's count (benchmarks/results/count_nd.txt)


def test_leaky_relu_output_relu_and_offset_boxes():
    leaky, out = leaky_and_output_relu_nets()
    for net in (leaky, out):
        assert pattern_set(enumerate_regions(net, _box(2), method="skeleton").patterns) == brute_force_patterns(
            *chart_problem(net, _box(2))
        )
    net = random_network([3, 6, 6, 1], seed=12, bias_std=0.3, negative_slope=0.2)
    _same_as_lp(net, Box([-0.3, 0.1, -2.0], [0.9, 0.7, 1.5]))


@pytest.mark.parametrize(
    "dom",
    [
        Polytope([[-1, 0, 0], [0, -1, 0], [0, 0, -1], [1, 1, 1]], [0.9, 0.8, 1.1, 1.0]),  # a simplex
        Polytope(  # a rotated, elongated box with a corner cut off
            np.vstack([np.array([[1, 1, 0], [1, -1, 0.5], [0, 0.3, 1]]), -np.array([[1, 1, 0], [1, -1, 0.5], [0, 0.3, 1]]),
                       [[1, 1, 1]]]),
            [1.5, 1.0, 0.8, 1.5, 1.0, 0.8, 1.2],
        ),
    ],
    ids=["simplex", "rotated-box-cut"],
)
def test_non_box_polytopes(dom):
    net = random_network([3, 6, 5, 1], seed=21, bias_std=0.2)
    _same_as_lp(net, dom)


def test_non_box_polytope_in_4d_and_redundant_rows():
    rng = np.random.default_rng(3)
    R = rng.standard_normal((4, 4))
    A = np.vstack([R, -R, rng.standard_normal((3, 4))])  # a parallelotope with three cuts
    A = np.vstack([A, A[:2] * 2.0])  # two parallel, redundant copies
    b = np.concatenate([np.ones(11), 2.0 * np.ones(2) + 0.5])
    dom = Polytope(A, b)
    net = random_network([4, 5, 4, 1], seed=22, bias_std=0.2)
    _same_as_lp(net, dom)


def test_repeated_facet_rows_and_affine_subspace_charts():
    net = random_network([3, 5, 4, 1], seed=1, bias_std=0.1)
    A = np.array([[-1, 0, 0], [0, -1, 0], [0, 0, -1], [1, 1, 1], [2, 2, 2], [-1, 0, 0]], float)
    dom = Polytope(A, [0.9, 0.8, 1.1, 1.0, 2.0, 0.9])  # the same facets given twice
    _same_as_lp(net, dom)
    net5 = random_network([5, 6, 5, 1], seed=3, bias_std=0.1)
    plane = AffineSubspace(np.random.default_rng(0).standard_normal((4, 5)), coefficient_bounds=[-1, 1])
    _same_as_lp(net5, plane)


def test_a_network_without_hidden_neurons_has_one_region():
    lin = Network([np.ones((1, 3))], [np.zeros(1)])
    rs = enumerate_regions(lin, _box(3), method="skeleton", progress=False)
    assert rs.count.regions == 1 and rs.count.exact and rs.patterns.shape == (1, 0)


def _net(W0, b0, W1=None, b1=None) -> Network:  # type: ignore[no-untyped-def]
    W0 = np.asarray(W0, float)
    if W1 is None:
        return Network([W0, np.ones((1, W0.shape[0]))], [b0, [0.0]])
    W1 = np.asarray(W1, float)
    return Network([W0, W1, np.ones((1, W1.shape[0]))], [b0, b1, [0.0]])


I3 = np.eye(3)
DEGENERATE = {
    # name: network on [-1, 1]^3 (counts come from lp, checked against brute force)
    "duplicate neurons": _net([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], [0, 0, 0.1, 0]),
    "opposite duplicates": _net([[1, 0, 0], [-1, 0, 0], [0, 1, 1]], [0.2, -0.2, 0]),
    "four planes through a point": _net([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]], [0, 0, 0, 0]),
    "plane through a domain vertex": _net([[1, 1, 1], [1, -1, 0]], [-3, 0.1]),
    "plane on a domain facet": _net([[1, 0, 0], [0, 1, 0]], [-1, 0.3]),
    "zero row, zero bias": _net([[1, 0, 0], [0, 0, 0], [0, 1, 0]], [0, 0, 0]),
    "zero row, positive bias": _net([[1, 0, 0], [0, 0, 0], [0, 1, 0]], [0.1, 1.0, 0]),
    # layer 2: relu(x) + relu(y) is identically zero where x, y < 0 (constant on a cell)
    "neuron zero on a region": _net(I3, [0, 0, 0], [[1, 1, 0]], [0]),
    # layer 2 neuron dead on the whole domain (constant sign: splits nothing, general position)
    "dead neuron": _net(I3, [0.1, -0.2, 0.3], [[1, 1, 1], [1, -1, 0]], [-10.0, 0.05]),
    # relu(x) - relu(x) == 0 everywhere
    "cancellation": _net([[1, 0, 0], [1, 0, 0], [0, 1, 0]], [0, 0, 0], [[1, -1, 0], [0, 0, 1]], [0, 0]),
    # layer 2 bends through the line where two layer-1 planes cross
    "bend through a vertex": _net(I3, [0, 0, 0.3], [[1, 1, 0], [1, -1, 0]], [0, 0]),
}


#: handled exactly by the skeleton: neurons of one sign (or identically zero) on the whole
#: domain before any cut, whose zero set is at most a face of the domain
GENERAL = {"dead neuron", "zero row, positive bias", "zero row, zero bias", "plane on a domain facet",
           "plane through a domain vertex"}
#: degenerate nets whose first-layer cells are all in general position (no lp at all)
LOCALISED = {"duplicate neurons", "cancellation", "neuron zero on a region"}


@pytest.mark.parametrize("name", sorted(DEGENERATE))
def test_degenerate_nets_match_lp_and_brute_force(name):
    net = DEGENERATE[name]
    dom = _box(3)
    a = enumerate_regions(net, dom, method="skeleton", progress=False)
    b = enumerate_regions(net, dom, method="lp", progress=False)
    assert a.count.exact
    assert pattern_set(a.patterns) == pattern_set(b.patterns) == brute_force_patterns(*chart_problem(net, dom))
    if name not in GENERAL:  # every other net is degenerate: detected, split into cells
        assert a.count.details["fallback"].startswith("lp: ")
        assert a.count.details["general_position"] is False
        assert a.count.details["fallback_cells"] <= a.count.details["cells"]
        if name in LOCALISED:  # each cell is in general position: the skeleton did them all
            assert a.count.details["fallback_cells"] == 0
    else:
        assert "fallback" not in a.count.details


def test_workers_and_executors_give_the_serial_regions():
    from concurrent.futures import ThreadPoolExecutor

    net = random_network([3, 8, 6, 1], seed=13, bias_std=0.1)
    serial = enumerate_regions(net, _box(3), method="skeleton", progress=False)
    with ThreadPoolExecutor(2) as pool:
        par = enumerate_regions(net, _box(3), method="skeleton", executor=pool, progress=False)
    assert par.count.exact and par.count.details["cells"] > 1
    assert pattern_set(par.patterns) == pattern_set(serial.patterns)


def test_degenerate_domain_is_handed_to_lp():
    # a square pyramid: its apex lies on four facets (not a simple polytope)
    dom = Polytope([[1, 0, 1], [-1, 0, 1], [0, 1, 1], [0, -1, 1], [0, 0, -1]], [1, 1, 1, 1, 0])
    net = random_network([3, 5, 1], seed=5, bias_std=0.1)
    a = enumerate_regions(net, dom, method="skeleton", progress=False)
    assert "fallback" in a.count.details and a.count.exact
    assert pattern_set(a.patterns) == pattern_set(enumerate_regions(net, dom, method="lp").patterns)


def test_time_limit_returns_a_labelled_partial_lower_bound():
    net = random_network([4, 12, 12, 12, 1], seed=4, bias_std=0.1)
    dom = _box(4)
    G, h = dom.chart().halfspaces()
    budget = Budget(None)
    budget.request_stop("time limit")
    res = skeleton_engine(net, G, h, budget=budget, options={})
    assert not res.complete and not res.exact
    # stopped before the first neuron: the domain's one cell gives one region, a real one
    assert res.count == 1
    np.testing.assert_array_equal(net.pattern_vector(res.points), res.patterns)
    part = count_regions(net, dom, method="skeleton", time_limit=0.005, progress=False)
    full = enumerate_regions(net, dom, method="skeleton", progress=False)
    assert part.partial and not part.exact and part.stop_reason is not None
    assert 1 <= part.regions <= full.count.regions


def test_partial_patterns_are_real_regions():
    net = random_network([3, 10, 10, 10, 1], seed=6, bias_std=0.1)
    dom = _box(3)
    G, h = dom.chart().halfspaces()

    class _After(Budget):
        def __init__(self, n: int) -> None:
            super().__init__(None)
            self.n = n

        @property
        def stop(self) -> bool:
            self.n -= 1
            return self.n < 0

    part = skeleton_engine(net, G, h, budget=_After(15), options={})
    full = enumerate_regions(net, dom, method="skeleton", progress=False)
    assert not part.complete and 1 < part.count < full.count.regions
    assert pattern_set(part.patterns) <= pattern_set(full.patterns)


def test_certificate_and_details():
    net = random_network([4, 10, 10, 1], seed=2, bias_std=0.1)
    res = count_regions(net, _box(4), method="skeleton", progress=False)
    assert res.regions == 3513 and res.exact  # lp's count (benchmarks/results/count_nd.txt)
    c = res.certificate
    assert c["lowest_vertex_regions"] == c["highest_vertex_regions"] == 3513
    assert c["forward_pass_agrees"] and c["vertices_locally_simple"]
    assert c["min_certified_inradius"] > c["radius_threshold"]
    assert res.details["vertices"] >= 3513


def _pair_set(rs) -> set[frozenset[bytes]]:  # type: ignore[no-untyped-def]
    P = [np.asarray(p, dtype=bool).tobytes() for p in rs.patterns]
    return {frozenset((P[i], P[j])) for i, j in rs.adjacency}


@pytest.mark.parametrize(("widths", "seed"), [([2, 6, 5, 1], 0), ([3, 5, 4, 3, 1], 3), ([4, 6, 5, 1], 5)])
def test_adjacency_equals_lp_and_linear_regions_agree(widths, seed):
    net = random_network(widths, seed=seed, bias_std=0.1)
    dom = _box(widths[0])
    a = enumerate_regions(net, dom, method="skeleton", adjacency=True, progress=False)
    b = enumerate_regions(net, dom, method="lp", adjacency=True, progress=False)
    assert "fallback" not in a.count.details
    assert a.count.certificate["interior_facets"] == len(a.adjacency) == len(b.adjacency)
    assert _pair_set(a) == _pair_set(b)
    assert np.all(a.adjacency[:, 0] < a.adjacency[:, 1])
    la = count_linear_regions(net, dom, method="skeleton", progress=False)
    lb = count_linear_regions(net, dom, method="lp", progress=False)
    assert la.regions == lb.regions and la.details["adjacency"] == "engine"


def test_adjacency_on_a_degenerate_net_comes_from_lp():
    net = DEGENERATE["four planes through a point"]
    a = enumerate_regions(net, _box(3), method="skeleton", adjacency=True, progress=False)
    b = enumerate_regions(net, _box(3), method="lp", adjacency=True, progress=False)
    assert "fallback" in a.count.details and _pair_set(a) == _pair_set(b)


@pytest.mark.parametrize("k", [3, 4])
def test_zaslavsky_count_on_large_and_small_boxes(k):
    """n hyperplanes in general position, all vertices inside: sum_{i<=k} C(n, i) regions;
    the tolerances are relative, so the box's scale does not matter."""
    n = 7
    net = random_network([k, n, 1], seed=11, bias_std=0.3)
    res = count_regions(net, _box(k, 1e3), method="skeleton", progress=False)
    assert res.regions == sum(math.comb(n, i) for i in range(k + 1))
    assert "fallback" not in res.details
    small = random_network([k, 6, 5, 1], seed=12, bias_std=1e-3)
    _same_as_lp(small, _box(k, 1e-2))


def test_bad_domains_raise_one_line_errors():
    net = random_network([3, 4, 1], seed=0)
    with pytest.raises(DomainError, match="bounded"):
        count_regions(net, Space(3), method="skeleton")
    net1 = random_network([1, 4, 1], seed=0)
    with pytest.raises(DomainError, match="dimension >= 2"):
        count_regions(net1, Box([-1], [1]), method="skeleton")
    assert ENGINES["skeleton"].exact and ENGINES["skeleton"].needs_bounded


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(12))
def test_many_random_nets_and_polytopes_match_lp(seed):
    """Heavier sweep (``-m slow``): random widths/depths in 3-6 D, boxes and random polytopes,
    leaky slopes; counts, pattern sets and adjacency identical to ``lp``."""
    rng = np.random.default_rng(100 + seed)
    k = int(rng.integers(3, 7))
    widths = [k, *[int(w) for w in rng.integers(3, 9, size=int(rng.integers(1, 4)))], 1]
    net = random_network(widths, seed=seed, bias_std=float(rng.choice([0.1, 0.5])),
                         negative_slope=float(rng.choice([0.0, 0.1])))
    if seed % 2:
        R = rng.standard_normal((k, k))
        dom = Polytope(np.vstack([R, -R, rng.standard_normal((2, k))]), np.ones(2 * k + 2))
    else:
        dom = _box(k)
    a = enumerate_regions(net, dom, method="skeleton", adjacency=True, progress=False)
    b = enumerate_regions(net, dom, method="lp", adjacency=True, progress=False)
    assert a.count.exact and a.count.regions == b.count.regions
    assert pattern_set(a.patterns) == pattern_set(b.patterns)
    assert _pair_set(a) == _pair_set(b)
