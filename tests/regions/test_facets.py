"""The facet finders are chosen by name from a registry (``FACET_METHODS``).

Each finder, called through :func:`find_facets`, must report the same facets of a polytope
whose facets are known by construction (a square with one redundant row), and the names
are resolved per dimension with one-line :class:`DomainError`\\ s listing the registered ones.
"""

import numpy as np
import pytest

from relu_regions import Box, random_network
from relu_regions.exceptions import DomainError
from relu_regions.regions import count_regions
from relu_regions.regions._facets import FACET_METHODS, facet_method, find_facets

# the square |t_i| <= 1 plus the redundant row t_0 + t_1 <= 3 (touches no point of it)
G = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0], [1.0, 1.0]])
h = np.array([1.0, 1.0, 1.0, 1.0, 3.0])


def test_registry_names_and_dimensions():
    assert FACET_METHODS.names() == ["interval", "qhull", "lp"]
    assert facet_method(None, 1) == "interval"
    assert facet_method(None, 5) == "qhull"
    assert facet_method(None, 9) == "lp"
    assert facet_method("qhull", 1) == "interval"  # Qhull's 1-D case is an interval
    assert facet_method("lp", 1) == "lp"
    with pytest.raises(DomainError, match="'interval' facet finder works on 1-dimensional domains only"):
        facet_method("interval", 2)
    with pytest.raises(DomainError, match="unknown facet finder 'magic'; choose one of: interval, qhull, lp"):
        facet_method("magic", 2)


@pytest.mark.parametrize("name", ["qhull", "lp"])
def test_every_2d_finder_finds_the_square_s_four_sides(name):
    f = find_facets(G, h, np.array([0.1, -0.2]), 1.0, name)
    assert sorted(f.rows.tolist()) == [0, 1, 2, 3]
    # each point lies on its row's line and strictly inside the other sides
    for row, p in zip(f.rows, f.points, strict=True):
        assert abs(G[row] @ p - h[row]) < 1e-9
        others = [i for i in range(4) if i != row]
        assert np.all(G[others] @ p < h[others] - 1e-6)


def test_interval_finder_through_the_registry():
    f = find_facets(np.array([[1.0], [-1.0], [2.0]]), np.array([1.0, 2.0, 10.0]), np.array([0.0]), 1.0, "interval")
    assert f.rows.tolist() == [0, 1] and f.points.ravel().tolist() == [1.0, -2.0]


def test_engine_counts_agree_across_finders():
    net = random_network([2, 6, 6, 1], seed=3)
    counts = {name: count_regions(net, Box([-1, -1], [1, 1]), method="lp", facets=name).regions
              for name in ("qhull", "lp")}
    assert counts["qhull"] == counts["lp"] == count_regions(net, Box([-1, -1], [1, 1]), method="geometric").regions
