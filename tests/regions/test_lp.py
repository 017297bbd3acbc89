"""The ``lp`` engine (region-graph traversal) against independent references."""

from __future__ import annotations

import math
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

from relu_regions import AffineSubspace, Box, DomainError, Network, Polytope, random_network
from relu_regions._budget import Budget
from relu_regions.regions import count_regions, enumerate_regions
from relu_regions.regions._lp import lp_serial

from ._reference import brute_force_patterns, chart_problem, leaky_and_output_relu_nets, pattern_set


def _box(k: int, r: float = 1.0) -> Box:
    return Box(-r * np.ones(k), r * np.ones(k))


@pytest.mark.parametrize(
    ("widths", "seed"),
    [([2, 4, 3, 1], 0), ([2, 3, 3, 2], 5), ([3, 4, 3, 1], 1), ([4, 4, 3, 1], 2), ([5, 4, 3, 1], 3), ([1, 4, 4, 1], 4)],
)
def test_lp_equals_brute_force_on_random_nets(widths, seed):
    net = random_network(widths, seed=seed)
    dom = _box(widths[0])
    rs = enumerate_regions(net, dom, method="lp")
    assert rs.count.exact and not rs.count.partial
    assert pattern_set(rs.patterns) == brute_force_patterns(*chart_problem(net, dom))
    # every interior point really has its region's pattern, inside the domain
    np.testing.assert_array_equal(net.pattern_vector(rs.interior_points), rs.patterns)
    assert np.all(dom.contains(rs.interior_points))


def _net(W0, b0, W1=None, b1=None, **kw) -> Network:
    W0 = np.asarray(W0, float)
    if W1 is None:
        return Network([W0, np.ones((1, W0.shape[0]))], [b0, [0.0]], **kw)
    W1 = np.asarray(W1, float)
    return Network([W0, W1, np.ones((1, W1.shape[0]))], [b0, b1, [0.0]], **kw)


I2 = np.eye(2)
DEGENERATE = {
    # name: (network, regions on [-1, 1]^2 counted by hand)
    "duplicate neurons": (_net([[1, 0], [1, 0], [0, 1]], [0, 0, 0]), 4),
    "zero row, zero bias": (_net([[1, 0], [0, 0], [0, 1]], [0, 0, 0]), 4),
    "zero row, positive bias": (_net([[1, 0], [0, 0], [0, 1]], [0, 1, 0]), 4),
    "parallel hyperplanes": (_net([[1, 0], [1, 0], [1, 0]], [0, 0.5, -0.5]), 4),
    "hyperplane on the boundary": (_net([[1, 0], [0, 1]], [-1, 0]), 2),
    "opposite duplicates": (_net([[1, 0], [-1, 0]], [0, 0]), 2),
    "three lines through a point": (_net([[1, 0], [0, 1], [1, 1]], [0, 0, 0]), 6),
    # layer 2: relu(x) + relu(y) is identically zero on the third quadrant: it splits nothing
    "neuron zero on a region": (_net(I2, [0, 0], [[1, 1]], [0]), 4),
    # layer 2 reproduces layer 1 (bends exactly along the same lines)
    "later neurons coincide": (_net(I2, [0, 0], [[1, 0], [0, 1]], [0, 0]), 4),
    # relu(x) - relu(x) == 0 everywhere
    "cancellation": (_net([[1, 0], [1, 0], [0, 1]], [0, 0, 0], [[1, -1, 0], [0, 0, 1]], [0, 0]), 4),
    # layer 2 bends through the origin where layer 1's lines cross: x + y and x - y on the quadrants
    "bend through a vertex": (_net([[1, 0], [0, 1]], [0, 0], [[1, 1], [1, -1]], [0, 0]), 5),
}


@pytest.mark.parametrize("name", sorted(DEGENERATE))
def test_degenerate_nets(name):
    net, expected = DEGENERATE[name]
    dom = _box(2)
    res = count_regions(net, dom, method="lp", volumes=True)
    assert res.regions == expected
    assert res.exact
    assert res.certificate["volume_rel_error"] < 1e-9
    assert len(brute_force_patterns(*chart_problem(net, dom))) == expected
    # the LP facet finder, which skips the rows of neurons stable on the domain
    assert count_regions(net, dom, method="lp", facets="lp").regions == expected


def test_leaky_relu_and_output_relu_match_brute_force():
    for net in leaky_and_output_relu_nets():
        rs = enumerate_regions(net, _box(2), method="lp")
        assert pattern_set(rs.patterns) == brute_force_patterns(*chart_problem(net, _box(2)))


@pytest.mark.parametrize("k", [2, 3])
def test_zaslavsky_count_for_one_layer_in_general_position(k):
    """n hyperplanes in general position, all vertices inside: sum_{i<=k} C(n, i) regions."""
    n = 7
    net = random_network([k, n, 1], seed=11, bias_std=0.3)
    res = count_regions(net, _box(k, 1e3), method="lp")
    assert res.regions == sum(math.comb(n, i) for i in range(k + 1))


def test_lp_facet_finder_agrees_with_qhull():
    net = random_network([3, 6, 5, 1], seed=8, bias_std=0.2)
    a = enumerate_regions(net, _box(3), method="lp", facets="qhull")
    b = enumerate_regions(net, _box(3), method="lp", facets="lp")
    assert pattern_set(a.patterns) == pattern_set(b.patterns)
    assert b.count.details["facet_lps"] > 0


def test_stable_prefilter_is_sound_and_keeps_the_count():
    """Above 8 dimensions the LP finder decides only the rows of neurons that can change sign
    on the domain; a small ball makes most neurons stable, so most rows are skipped."""
    from relu_regions import LInfBall
    from relu_regions.regions._lp_domain import candidate_neurons

    net = random_network([10, 6, 5, 1], seed=21, bias_std=0.3)
    dom = LInfBall(np.full(10, 0.1), 0.1)
    cnet, G, h = chart_problem(net, dom)
    cand = candidate_neurons(cnet, G, h)
    assert 0 < cand.sum() < cnet.num_neurons
    # sound: every skipped neuron keeps one sign on dense samples of the domain
    X = dom.sample(20000, seed=0)
    Z = np.concatenate(net.preactivations(X), axis=1)
    stable = ~cand
    assert np.all((Z[:, stable] > 0).all(axis=0) | (Z[:, stable] < 0).all(axis=0))
    on = enumerate_regions(net, dom, method="lp")
    off = enumerate_regions(net, dom, method="lp", stable_prefilter=False)
    assert on.count.details["facet_finder"] == "lp" and on.count.exact
    assert on.count.details["prefilter_stable_neurons"] == int(stable.sum())
    assert pattern_set(on.patterns) == pattern_set(off.patterns)
    assert on.count.details["facet_lps"] < off.count.details["facet_lps"]
    assert pattern_set(on.patterns) == brute_force_patterns(*chart_problem(net, dom))


@pytest.mark.parametrize("kind", ["leaky", "output_relu"])
def test_lp_facet_finder_on_leaky_and_output_relu_nets(kind):
    """The stable-neuron prefilter covers output ReLUs and stays off for LeakyReLU (its
    CROWN relaxation is ReLU's); the counts equal brute force with and without it."""
    from relu_regions import LInfBall
    from relu_regions.regions._lp_domain import candidate_neurons

    base = random_network([9, 5, 4, 2], seed=31, bias_std=0.4)
    W = [layer.weight for layer in base.layers]
    b = [layer.bias for layer in base.layers]
    net = Network(W, b, negative_slope=0.1) if kind == "leaky" else Network(W, b, output_relu=True)
    dom = LInfBall(np.full(9, 0.1), 0.12)
    cnet, G, h = chart_problem(net, dom)
    cand = candidate_neurons(cnet, G, h)
    assert cand.shape == (net.num_neurons,)
    if kind == "leaky":
        assert cand.all()
    rs = enumerate_regions(net, dom, method="lp")
    assert rs.count.details["facet_finder"] == "lp" and rs.count.exact
    assert pattern_set(rs.patterns) == brute_force_patterns(cnet, G, h)
    off = enumerate_regions(net, dom, method="lp", stable_prefilter=False)
    assert pattern_set(off.patterns) == pattern_set(rs.patterns)


def test_volumes_sum_to_the_domain():
    net = random_network([3, 6, 6, 1], seed=1, bias_std=0.2)
    res = count_regions(net, _box(3), method="lp", volumes=True)
    assert res.exact and res.certificate["adjacency_symmetric"]
    assert res.certificate["volume_rel_error"] < 1e-9


def test_sampling_is_a_lower_bound():
    net = random_network([3, 8, 6, 1], seed=2, bias_std=0.1)
    exact = enumerate_regions(net, _box(3), method="lp")
    sampled = enumerate_regions(net, _box(3), method="sample", samples=20_000, seed=0)
    assert pattern_set(sampled.patterns) <= pattern_set(exact.patterns)
    assert sampled.count.regions <= exact.count.regions


def test_subspace_polytope_and_segment_domains():
    net = random_network([4, 4, 3, 1], seed=3)
    plane = AffineSubspace([[0, 0, 0, 0], [1, 0.5, 0, -1], [0, 1, 1, 0.5]], coefficient_bounds=(-1, 1))
    tri = Polytope([[-1, 0, 0, 0], [0, -1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, -1, 0],
                    [0, 0, 0, 1], [0, 0, 0, -1]], [1, 1, 1, 1, 1, 1, 1])
    seg = AffineSubspace([[-1, -1, -1, -1], [1, 1, 1, 1]], coefficient_bounds=(0, 1))
    for dom in (plane, tri, seg):
        rs = enumerate_regions(net, dom, method="lp")
        assert rs.count.exact
        assert pattern_set(rs.patterns) == brute_force_patterns(*chart_problem(net, dom))
        assert np.all(dom.contains(rs.interior_points, tol=1e-7))


def test_unbounded_domain_is_refused():
    line = AffineSubspace([[0.0, 0.0], [1.0, 0.5]])
    with pytest.raises(DomainError, match="bounded"):
        count_regions(random_network([2, 3, 1], seed=0), line, method="lp")


def test_unknown_facet_finder():
    with pytest.raises(DomainError, match="facet finder"):
        count_regions(random_network([2, 3, 1], seed=0), _box(2), method="lp", facets="magic")


NET5 = random_network([3, 8, 8, 1], seed=1, bias_std=0.1)  # 681 regions on [-1, 1]^3


class _StopAfter(Budget):
    def __init__(self, polls: int) -> None:
        super().__init__(None)
        self.polls = polls

    @property
    def stop(self) -> bool:
        self.polls -= 1
        if self.polls < 0:
            self.request_stop("interrupted")
        return super().stop


def test_budget_stop_gives_a_partial_lower_bound():
    G, h = _box(3).chart().halfspaces()
    full = lp_serial(NET5, G, h, budget=Budget(), options={"batch": 16})
    part = lp_serial(NET5, G, h, budget=_StopAfter(3), options={"batch": 16})
    assert not part.complete and not part.exact
    assert 0 < part.count < full.count
    assert pattern_set(part.patterns) <= pattern_set(full.patterns)
    np.testing.assert_array_equal(NET5.pattern_vector(part.points), part.patterns)


def test_lp_facet_finder_stops_within_a_round():
    """The LP finder checks the budget per region: a stop in the middle of a round keeps the
    regions found, all real, and leaves the rest of the round unexplored."""
    G, h = _box(3).chart().halfspaces()
    opts = {"facets": "lp", "batch": 64}
    full = lp_serial(NET5, G, h, budget=Budget(), options=opts)
    part = lp_serial(NET5, G, h, budget=_StopAfter(3), options=opts)
    assert not part.complete and not part.exact
    assert 0 < part.count < full.count
    assert pattern_set(part.patterns) <= pattern_set(full.patterns)
    np.testing.assert_array_equal(NET5.pattern_vector(part.points), part.patterns)


def test_time_limit_and_ctrl_c_are_partial():
    res = count_regions(NET5, _box(3), method="lp", time_limit=0.02)
    assert res.partial and not res.exact and res.stop_reason == "time_limit"
    assert "lower bound" in res.reason and res.regions >= 1
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        res = count_regions(random_network([5, 8, 8, 8, 1], seed=3, bias_std=0.1), _box(5), method="lp")
    finally:
        timer.cancel()
    assert res.partial and res.stop_reason == "interrupted" and 1 <= res.regions < 12770


def test_parallel_workers_and_executors_give_identical_patterns():
    serial = enumerate_regions(NET5, _box(3), method="lp")
    assert serial.count.regions == 681
    ref = pattern_set(serial.patterns)
    with ThreadPoolExecutor(2) as ex:
        threaded = enumerate_regions(NET5, _box(3), method="lp", executor=ex)
    assert pattern_set(threaded.patterns) == ref and threaded.count.exact
    assert threaded.count.details["cells"] > 1
    procs = enumerate_regions(NET5, _box(3), method="lp", workers=2)
    assert pattern_set(procs.patterns) == ref and procs.count.exact


def test_parallel_with_a_process_pool_executor():
    net = random_network([3, 6, 5, 1], seed=4, bias_std=0.2)
    serial = enumerate_regions(net, _box(3), method="lp")
    with ProcessPoolExecutor(2) as ex:
        par = enumerate_regions(net, _box(3), method="lp", executor=ex)
    assert pattern_set(par.patterns) == pattern_set(serial.patterns)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lp_equals_geometric_in_2d(seed):
    net = random_network([2, 8, 6, 1], seed=seed, bias_std=0.2)
    plane = AffineSubspace([[0, 0, 0], [1, 0.3, -0.5], [0.2, 1, 0.4]], coefficient_bounds=(-1, 1))
    net3 = random_network([3, 8, 6, 1], seed=seed)
    for n, dom in ((net, _box(2)), (net3, plane)):
        a = enumerate_regions(n, dom, method="lp")
        b = enumerate_regions(n, dom, method="geometric")
        assert a.count.exact and b.count.exact
        assert pattern_set(a.patterns) == pattern_set(b.patterns)


def test_linear_regions_from_lp_adjacency_match_the_lp_fallback():
    from relu_regions.regions import count_linear_regions

    engine = count_linear_regions(NET5, _box(3), method="lp")
    fallback = count_linear_regions(NET5, _box(3), method="lp", workers=2)  # no adjacency across cells
    assert engine.details["adjacency"] == "engine"
    assert engine.regions == fallback.regions == 660 < 681


def test_parallel_time_limit_keeps_every_cell():
    """The own pool's workers are told to stop and return what they found: no cell is lost."""
    net = random_network([5, 8, 8, 8, 1], seed=3, bias_std=0.1)
    res = count_regions(net, _box(5), method="lp", workers=2, time_limit=0.5)
    assert res.partial and not res.exact and res.stop_reason == "time_limit"
    assert res.details["cells_dropped"] == 0 and res.details["cells_finished"] < res.details["cells"]
    assert 1 <= res.regions < 12770


def test_count_verb_with_lp_and_milp(tmp_path, capsys):
    import json

    from relu_regions import save_network
    from relu_regions.cli import main

    path = tmp_path / "net.npz"
    save_network(random_network([3, 4, 3, 1], seed=1), path)
    expected = count_regions(random_network([3, 4, 3, 1], seed=1), _box(3), method="lp").regions
    for extra in (["--method", "lp", "--workers", "2"], ["--method", "milp", "--solver", "scip"]):
        assert main(["count", str(path), "--domain", "box:-1,1", *extra, "--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert doc["regions"] == expected and doc["exact"] is True and doc["partial"] is False


@pytest.mark.parametrize("seed", range(6))
def test_box_bounds_facet_finder_matches_box_rows(seed):
    """``facets_lp`` with ``box`` (the box as column bounds) finds the same neuron facets as ``facets_lp``
    with the box's rows appended, including rows parallel and close to a box face (whose
    facets hug the box: its third, exact step) and rows that miss the box."""
    from relu_regions.regions._facets_lp import facets_lp

    rng = np.random.default_rng(seed)
    k = int(rng.integers(3, 25))
    lo, hi = -rng.uniform(0.5, 2, k), rng.uniform(0.5, 2, k)
    t0 = 0.2 * (lo + hi) / 2 + rng.uniform(-0.05, 0.05, k)
    m = int(rng.integers(4, 30))
    G = rng.normal(size=(m, k))
    h = G @ t0 + rng.uniform(0.05, 2.0, m)
    e = np.zeros(k)
    e[0] = 1.0
    near = 1e-4 * (hi[0] - lo[0])
    G = np.vstack([G, e, G[:1] * 3.0, -e * 50])  # parallel to a face; a duplicate; far outside
    h = np.r_[h, hi[0] - near, h[0] * 3.0, -50 * (lo[0] - 10)]
    scale = 0.5 * float(np.min(hi - lo))
    eye = np.eye(k)
    rows = facets_lp(np.vstack([G, eye, -eye]), np.r_[h, hi, -lo], t0, scale)
    expected = set(int(r) for r in rows.rows if r < G.shape[0])
    got = facets_lp(G, h, t0, scale, box=(lo, hi))
    assert set(got.rows.tolist()) == expected
    assert G.shape[0] - 3 in expected  # the row near the face is a facet
    for r, x in zip(got.rows, got.points, strict=True):  # each point lies in its facet
        assert abs(G[r] @ x - h[r]) <= 1e-7 * np.linalg.norm(G[r])
        assert np.all(G @ x <= h + 1e-9) and np.all(x >= lo) and np.all(x <= hi)


def test_box_bounds_engine_matches_box_rows_on_a_20d_ball():
    from relu_regions import LInfBall

    net = random_network([20, 8, 6, 1], seed=4, bias_std=0.2)
    dom = LInfBall(np.full(20, 0.3), 0.08, clip=[0, 1])
    a = enumerate_regions(net, dom, method="lp")
    b = enumerate_regions(net, dom, method="lp", box_bounds=False)
    c = enumerate_regions(net, dom, method="lp", stable_prefilter=False)
    assert a.count.exact and b.count.exact and c.count.exact
    assert pattern_set(a.patterns) == pattern_set(b.patterns) == pattern_set(c.patterns)
    assert a.count.regions > 20
    # cells of a split ball keep the ball's rows plus first-layer cuts: box bounds + cut rows
    with ThreadPoolExecutor(2) as pool:
        d = enumerate_regions(net, dom, method="lp", executor=pool)
    assert d.count.exact and pattern_set(d.patterns) == pattern_set(a.patterns)
