from __future__ import annotations

import numpy as np
import pytest

from relu_regions import AffineSubspace, Box, DomainError, UnknownChoiceError
from relu_regions.regions import count_regions, enumerate_regions


def test_sample_finds_quadrants_and_is_labelled_lower_bound(identity_net):
    res = count_regions(identity_net, Box([-1, -1], [1, 1]), method="sample", samples=5000)
    assert res.regions == 4
    assert res.exact is False and "lower bound" in res.reason
    d = res.to_dict()
    assert d["method"] == "sample" and d["partial"] is False


def test_sample_regions_have_consistent_witnesses(deep_net):
    rs = enumerate_regions(deep_net, Box([-2, -2], [2, 2]), method="sample", samples=20000, seed=1)
    assert len(rs) == rs.count.regions > 1
    for r in rs:
        x = r.interior_point
        np.testing.assert_array_equal(deep_net.pattern_vector(x), r.pattern)
        G, h = r.halfspaces
        assert np.all(G @ x <= h + 1e-12)
        J, c = r.affine_map
        np.testing.assert_allclose(J @ x + c, deep_net.forward(x), atol=1e-12)


def test_sample_on_segment(abs_net):
    seg = AffineSubspace([[-1.0], [1.0]], coefficient_bounds=(0, 1))
    assert count_regions(abs_net, seg, method="sample", samples=1000).regions == 2


def test_unknown_method_and_unbounded_domain(identity_net):
    with pytest.raises(UnknownChoiceError, match="unknown counting method 'magic'"):
        count_regions(identity_net, Box([-1, -1], [1, 1]), method="magic")
    line = AffineSubspace([[0.0, 0.0], [1.0, 0.5]])
    with pytest.raises(DomainError, match="bounded"):
        count_regions(identity_net, line, method="sample")


def test_sample_keeps_points_where_a_neuron_vanishes_identically():
    """relu(x1) - relu(x1) is identically zero: it splits nothing, and points where it is 0
    are interior points (4 quadrant regions), while true boundary points are still dropped."""
    from relu_regions import Network

    net = Network(
        [[[1, 0], [1, 0], [0, 1]], [[1, -1, 0], [0, 0, 1]], [[1.0, 1.0]]],
        [[0, 0, 0], [0, 0], [0.0]],
    )
    res = enumerate_regions(net, Box([-1, -1], [1, 1]), method="sample", samples=4000)
    assert len(res) == 4
    on_boundary = np.array([[0.0, 0.5], [0.3, -0.2]])  # the first lies on x1 = 0
    pts = enumerate_regions(net, Box([-1, -1], [1, 1]), method="sample", points=on_boundary)
    assert len(pts) == 1


def test_point_domain_is_a_clear_error(identity_net):
    with pytest.raises(DomainError, match="single point"):
        count_regions(identity_net, Box([0.5, 0.5], [0.5, 0.5]), method="sample")
