"""Hanin & Rolnick (2019), section 4.2: Lemma 6 and the weight-scaling identity, exactly.

Lemma 6: with every bias multiplied by ``c > 0``, ``N(x) = N_c^bias(c x) / c``; the map
``x -> c x`` carries each activation region of ``N`` onto one of ``N_c^bias`` (same pattern),
so the number of regions on the whole input space -- and on any linear subspace, such as a
plane through the origin -- is unchanged.  Section 4.2: multiplying every weight by ``c``
gives ``N_c^weight(x) = c^d N_{1/c*}^bias(x)`` where layer ``k``'s biases are divided by
``c^k``; the two networks have the same activation regions.
"""

from __future__ import annotations

import numpy as np
import pytest

from relu_regions import AffineSubspace, Box, Network, random_network
from relu_regions.regions import count_regions, enumerate_regions


def scale_biases(net: Network, c: float) -> Network:
    return Network(net.weights, [c * L.bias for L in net.layers])


def scale_weights(net: Network, c: float) -> Network:
    return Network([c * W for W in net.weights], [L.bias for L in net.layers])


def divide_biases_by_powers(net: Network, c: float) -> Network:
    """N^bias_{1/c*}: the biases of affine layer k (1-based) divided by c^k."""
    return Network(net.weights, [L.bias / c ** (k + 1) for k, L in enumerate(net.layers)])


def patterns(net: Network, dom: object) -> set[bytes]:
    rs = enumerate_regions(net, dom)
    assert rs.count.exact
    return {np.packbits(p.astype(bool)).tobytes() for p in rs.patterns}


WHOLE_PLANE = AffineSubspace([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("c", [1e-3, 0.37, 4.0, 250.0])
def test_lemma6_whole_plane_count_and_patterns_unchanged(seed: int, c: float) -> None:
    net = random_network([2, 10, 10, 8, 1], seed=seed)
    base = count_regions(net, WHOLE_PLANE)
    scaled = count_regions(scale_biases(net, c), WHOLE_PLANE)
    assert base.exact and scaled.exact
    assert scaled.regions == base.regions
    assert patterns(scale_biases(net, c), WHOLE_PLANE) == patterns(net, WHOLE_PLANE)


@pytest.mark.parametrize("c", [0.01, 3.0, 100.0])
def test_lemma6_on_planes_and_lines_through_the_origin_in_high_dimension(c: float) -> None:
    rng = np.random.default_rng(5)
    net = random_network([20, 16, 16, 16, 3], seed=9, bias_std=0.3)
    x1, x2 = rng.normal(size=(2, 20))
    for dom in (AffineSubspace.through_origin([x1, x2]), AffineSubspace.through_origin([x1])):
        assert count_regions(scale_biases(net, c), dom).regions == count_regions(net, dom).regions


@pytest.mark.parametrize("c", [0.5, 7.0])
def test_lemma6_forward_identity(c: float) -> None:
    net = random_network([4, 9, 9, 2], seed=3)
    X = np.random.default_rng(0).normal(size=(200, 4))
    np.testing.assert_allclose(net.forward(X), scale_biases(net, c).forward(c * X) / c, rtol=1e-12, atol=1e-12)


def test_lemma6_is_global_a_fixed_window_does_change() -> None:
    # the lemma is about the whole space: inside a fixed box, scaling the biases moves the
    # hyperplanes (by 1/c) and the count changes; this is why the experiments count whole planes
    net = random_network([2, 10, 10, 1], seed=4)
    box = Box([-1, -1], [1, 1])
    counts = {c: count_regions(scale_biases(net, c), box).regions for c in (0.05, 1.0, 20.0)}
    assert len(set(counts.values())) > 1
    whole = {c: count_regions(scale_biases(net, c), WHOLE_PLANE).regions for c in counts}
    assert len(set(whole.values())) == 1


@pytest.mark.parametrize("c", [0.3, 2.5])
def test_weight_scaling_identity(c: float) -> None:
    net = random_network([3, 8, 7, 6, 2], seed=11)
    d = len(net.layers)  # depth counted in affine layers, as in the paper's c^d
    X = np.random.default_rng(1).normal(size=(300, 3))
    lhs = scale_weights(net, c).forward(X)
    rhs = c**d * divide_biases_by_powers(net, c).forward(X)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("c", [0.3, 2.5])
def test_weight_scaled_network_has_the_same_regions_as_the_bias_divided_one(c: float) -> None:
    net = random_network([2, 8, 7, 6, 1], seed=12)
    a, b = scale_weights(net, c), divide_biases_by_powers(net, c)
    for dom in (WHOLE_PLANE, Box([-2, -2], [2, 2])):  # same regions everywhere, not only globally
        assert patterns(a, dom) == patterns(b, dom)
