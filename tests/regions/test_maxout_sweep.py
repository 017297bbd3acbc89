"""Randomised sweeps over small maxout networks, generic and degenerate.

Each trial draws a random mixed network (maxout ranks 1-4, ReLU or LeakyReLU layers), and
makes it degenerate one time in three (half-integer weights: many coincident ties and units
identically zero on regions) or duplicates a piece one time in three.  Evidence:

* 1-D/2-D: ``geometric`` and ``lp`` find the same patterns whenever both claim exactness,
  and ``lp`` never finds a pattern ``geometric`` does not (an ``lp`` run that cannot prove
  its count says so);
* 3-D: the volumes of the regions ``lp`` returns (their own H-representations, intersected
  by scipy) add up to the box's, and sampling finds no pattern ``lp`` missed.

The default run is a few trials; ``-m slow`` runs the long sweeps (the ones that found the
crossing bug fixed in ``_maxout_cross.maxout_cross``).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import ConvexHull, HalfspaceIntersection

from relu_regions import Box, Network, random_network
from relu_regions.regions import enumerate_regions


def pattern_set(patterns) -> set[tuple[int, ...]]:
    return {tuple(int(v) for v in p) for p in np.asarray(patterns)}


def random_case(rng: np.random.Generator, dim: int, max_depth: int, max_width: int, max_rank: int) -> Network:
    depth = int(rng.integers(1, max_depth + 1))
    widths = [dim] + [int(rng.integers(1, max_width + 1)) for _ in range(depth)] + [1]
    ranks = [int(rng.integers(1, max_rank + 1)) for _ in range(depth)]
    net = random_network(widths, maxout_rank=ranks, seed=int(rng.integers(1_000_000_000)),
                         negative_slope=float(rng.choice([0.0, 0.2])))
    kind = int(rng.integers(0, 3))
    if kind == 1:  # half-integer weights: coincident ties, units identically zero on regions
        return net.replace_layers([np.round(w * 2) / 2 for w in net.weights],
                                  [np.round(b * 2) / 2 for b in net.biases])
    if kind == 2:  # the last piece of every rank >= 3 layer duplicates the first
        Ws = [w.copy() for w in net.weights]
        bs = [b.copy() for b in net.biases]
        for i, w in enumerate(Ws[:-1]):
            if w.ndim == 3 and w.shape[0] > 2:
                Ws[i][-1], bs[i][-1] = Ws[i][0], bs[i][0]
        return net.replace_layers(Ws, bs)
    return net


def check_low_dim(seed: int, trials: int, dim: int) -> None:
    rng = np.random.default_rng(seed)
    box = Box([-1.0] * dim, [1.0] * dim)
    for trial in range(trials):
        net = random_case(rng, dim, 3, 5, 4)
        g = enumerate_regions(net, box, method="geometric")
        lp = enumerate_regions(net, box, method="lp")
        assert g.count.exact, (trial, g.count.reason)
        assert pattern_set(lp.patterns) <= pattern_set(g.patterns), trial
        if lp.count.exact:
            assert pattern_set(lp.patterns) == pattern_set(g.patterns), trial


def check_volumes(seed: int, trials: int, dim: int) -> None:
    rng = np.random.default_rng(seed)
    box = Box([-1.0] * dim, [1.0] * dim)
    for trial in range(trials):
        net = random_case(rng, dim, 2, 4, 3)
        lp = enumerate_regions(net, box, method="lp")
        assert lp.count.exact, (trial, lp.count.reason)
        vol = 0.0
        for r in lp:
            G, h = r.halfspaces
            live = np.linalg.norm(G, axis=1) > 0
            hs = HalfspaceIntersection(np.hstack([G[live], -h[live, None]]), r.chart_point)
            vol += ConvexHull(hs.intersections).volume
        assert abs(vol - 2.0**dim) < 1e-6, (trial, vol)
        sampled = enumerate_regions(net, box, method="sample", samples=5_000, seed=trial)
        assert pattern_set(sampled.patterns) <= pattern_set(lp.patterns), trial


def test_sweep_2d_quick():
    check_low_dim(seed=1, trials=12, dim=2)


def test_sweep_3d_volumes_quick():
    check_volumes(seed=5, trials=8, dim=3)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sweep_2d(seed):
    check_low_dim(seed=seed, trials=300, dim=2)


@pytest.mark.slow
def test_sweep_1d():
    check_low_dim(seed=4, trials=200, dim=1)


@pytest.mark.slow
@pytest.mark.parametrize("seed,dim", [(6, 3), (7, 4)])
def test_sweep_volumes(seed, dim):
    check_volumes(seed=seed, trials=150, dim=dim)
