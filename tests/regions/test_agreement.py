"""Every exact method agrees: geometric == lp (== milp on small nets), sample <= exact <= bounds."""

from __future__ import annotations

import numpy as np
import pytest

from relu_regions import AffineSubspace, Box, Polytope, random_network
from relu_regions.regions import count_regions, enumerate_regions


def packed(p: np.ndarray) -> set[bytes]:
    return {r.tobytes() for r in np.packbits(np.asarray(p, dtype=bool), axis=1)}


def _domains(n0: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    doms = [Box(-np.ones(n0), np.ones(n0)) if n0 <= 2 else None]
    doms.append(AffineSubspace(rng.normal(size=(3, n0)), coefficient_bounds=(-1, 2)))
    doms.append(AffineSubspace(rng.normal(size=(2, n0)), coefficient_bounds=(-2, 1)))
    if n0 == 2:
        doms.append(Polytope([[-1, 0], [0, -1], [1, 1], [1, -2]], [1, 1.5, 1, 2]))
    return [d for d in doms if d is not None]


@pytest.mark.parametrize(
    ("widths", "seed"),
    [([2, 8, 6, 1], 0), ([2, 5, 5, 5, 1], 1), ([6, 8, 8, 2], 2), ([12, 10, 6, 1], 3)],
)
def test_geometric_equals_lp_on_random_nets(widths, seed):
    net = random_network(widths, seed=seed)
    for dom in _domains(widths[0], seed):
        g = enumerate_regions(net, dom, method="geometric", progress=False)
        lp = enumerate_regions(net, dom, method="lp", progress=False)
        assert g.count.exact and lp.count.exact
        assert packed(g.patterns) == packed(lp.patterns), dom


def test_geometric_equals_lp_and_milp_on_a_small_net():
    net = random_network([2, 4, 3, 1], seed=5)
    dom = Box([-1, -1], [1, 1])
    g = packed(enumerate_regions(net, dom, method="geometric", progress=False).patterns)
    assert g == packed(enumerate_regions(net, dom, method="lp", progress=False).patterns)
    assert g == packed(enumerate_regions(net, dom, method="milp", progress=False).patterns)


def test_leaky_and_output_relu_geometric_equals_lp():
    net = random_network([2, 6, 5, 2], seed=8, negative_slope=0.2, output_relu=True)
    dom = Box([-1.5, -0.5], [0.5, 1.5])
    g = enumerate_regions(net, dom, method="geometric", progress=False)
    assert packed(g.patterns) == packed(enumerate_regions(net, dom, method="lp", progress=False).patterns)


def test_sample_below_exact_below_bounds():
    from relu_regions.bounds import bound_regions

    net = random_network([2, 12, 12, 1], seed=4)
    dom = Box([-1, -1], [1, 1])
    exact = count_regions(net, dom, progress=False).regions
    sampled = count_regions(net, dom, method="sample", samples=20_000).regions
    assert sampled <= exact
    uppers = [b for b in bound_regions(net, dom).ordered() if b.kind == "upper"]
    assert len(uppers) >= 3 and all(exact <= b.value for b in uppers)


def test_plane_through_data_is_below_the_bounds_of_the_pulled_back_net():
    from relu_regions.bounds import bound_regions

    net = random_network([20, 10, 10, 1], seed=2)
    plane = AffineSubspace(np.random.default_rng(0).normal(size=(3, 20)))
    res = count_regions(net, plane, progress=False)
    ch = plane.chart()
    net_t = net.with_input_map(ch.origin, ch.basis)  # the network on the plane's coordinates
    uppers = [b for b in bound_regions(net_t).ordered() if b.kind == "upper"]
    assert res.exact and uppers and all(res.regions <= b.value for b in uppers)


@pytest.mark.parametrize("workers", [2])
def test_geometric_workers_give_the_same_regions(workers):
    from concurrent.futures import ThreadPoolExecutor

    net = random_network([2, 10, 10, 1], seed=6)
    for dom in (Box([-1, -1], [1, 1]), AffineSubspace([[0, 0], [1, 0], [0, 1]])):
        serial = enumerate_regions(net, dom, method="geometric", progress=False)
        par = enumerate_regions(net, dom, method="geometric", workers=workers, progress=False)
        assert par.count.exact and par.count.details["cells"] >= 2
        assert packed(par.patterns) == packed(serial.patterns)
        assert par.vertices is not None and len(par.vertices) == len(par)
        assert par.count.certificate["relative_error"] < 1e-9
        with ThreadPoolExecutor(2) as ex:
            threaded = count_regions(net, dom, method="geometric", executor=ex, progress=False)
        assert threaded.regions == len(serial)
