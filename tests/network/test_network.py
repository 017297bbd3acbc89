from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relu_regions import DimensionError, ModelFormatError, Network, random_network
from tests.conftest import ATOL


def test_abs_net_hand_computed(abs_net):
    x = np.array([[-0.5], [0.25]])
    np.testing.assert_allclose(abs_net.forward(x), [[0.5], [0.25]])
    pats = abs_net.activation_patterns(x)
    assert pats[0].tolist() == [[False, True], [True, False]]
    J, c = abs_net.local_affine(x)
    np.testing.assert_allclose(J[:, 0, 0], [-1.0, 1.0])
    np.testing.assert_allclose(c, [[0.0], [0.0]], atol=ATOL)


def test_deep_net_local_map_by_hand(deep_net):
    # x = (2, 0.5): z0 = (2, .5, 1.5) all active; z1 = (2 - .5 + 3 + .25, -2 + .5 + .75 - .5)
    x = np.array([2.0, 0.5])
    z = deep_net.preactivations(x)
    np.testing.assert_allclose(z[0], [2.0, 0.5, 1.5])
    np.testing.assert_allclose(z[1], [4.75, -1.25])
    # only unit 0 of layer 1 active: f = W2[0,0] * (W1[0] @ W0 x + W1[0] @ b0 + b1[0]) + b2
    # W1[0] @ W0 = (1 + 2, -1 + 2) = (3, 1); W1[0] @ b0 = -2; so f = 3 x1 + x2 - 1.75 + .1
    J, c = deep_net.local_affine(x)
    np.testing.assert_allclose(J, [[3.0, 1.0]])
    np.testing.assert_allclose(c, [-1.65])
    np.testing.assert_allclose(deep_net.forward(x), [3 * 2 + 0.5 - 1.65])


def test_structure(small_random_net):
    net = small_random_net
    assert net.widths == (3, 6, 5, 2)
    assert net.hidden_widths == (6, 5)
    assert net.num_neurons == 11
    assert net.num_parameters == 3 * 6 + 6 + 6 * 5 + 5 + 5 * 2 + 2
    assert not net.output_relu and net.is_relu


def test_immutable(small_random_net):
    with pytest.raises(AttributeError):
        small_random_net.name = "x"  # type: ignore[misc]
    with pytest.raises(ValueError):
        small_random_net.weights[0][0, 0] = 1.0


def test_bad_shapes():
    with pytest.raises(ModelFormatError, match="expects 3 inputs"):
        Network([np.ones((2, 2)), np.ones((1, 3))], [np.zeros(2), np.zeros(1)])
    with pytest.raises(ModelFormatError, match="b0 has shape"):
        Network([np.ones((2, 2))], [np.zeros(3)])
    with pytest.raises(ModelFormatError, match="NaN"):
        Network([[[np.nan]]], [[0.0]])
    with pytest.raises(ModelFormatError, match="slope"):
        Network([np.ones((2, 2)), np.ones((1, 2))], [np.zeros(2), np.zeros(1)], negative_slope=1.5)


def test_wrong_input_dimension(small_random_net):
    with pytest.raises(DimensionError, match="expected \\(3,\\)"):
        small_random_net.forward(np.zeros(4))


def test_leaky_and_output_relu_forward(rng):
    net = random_network([2, 4, 3], seed=3, negative_slope=0.1, output_relu=True)
    x = rng.normal(size=(50, 2))
    # independent computation
    h = x @ net.weights[0].T + net.biases[0]
    h = np.where(h > 0, h, 0.1 * h)
    out = np.maximum(h @ net.weights[1].T + net.biases[1], 0)
    np.testing.assert_allclose(net.forward(x), out)
    assert net.pattern_widths == (4, 3)
    J, c = net.local_affine(x)
    np.testing.assert_allclose(np.einsum("nij,nj->ni", J, x) + c, out, atol=1e-12)


def test_with_input_map(small_random_net, rng):
    o = rng.normal(size=3)
    B = rng.normal(size=(3, 2))
    sub = small_random_net.with_input_map(o, B)
    t = rng.normal(size=(20, 2))
    np.testing.assert_allclose(sub.forward(t), small_random_net.forward(t @ B.T + o), atol=1e-12)


def test_pattern_roundtrip(small_random_net, rng):
    x = rng.normal(size=(5, 3))
    flat = small_random_net.pattern_vector(x)
    parts = small_random_net.split_pattern(flat)
    for a, b in zip(parts, small_random_net.activation_patterns(x), strict=True):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=40, deadline=None)
@given(
    widths=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    seed=st.integers(0, 10_000),
    slope=st.sampled_from([0.0, 0.01, 0.3]),
    output_relu=st.booleans(),
)
def test_local_affine_matches_forward_and_pattern_map(widths, seed, slope, output_relu):
    """f(x) = J x + c at x, the same map from the pattern, and a nearby point in the region."""
    net = random_network(widths, seed=seed, negative_slope=slope, output_relu=output_relu)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(8, widths[0]))
    J, c = net.local_affine(x)
    np.testing.assert_allclose(np.einsum("nij,nj->ni", J, x) + c, net.forward(x), atol=1e-9)
    for i in range(len(x)):
        J2, c2 = net.affine_map(net.activation_patterns(x[i]))
        np.testing.assert_allclose(J2, J[i], atol=1e-9)
        np.testing.assert_allclose(c2, c[i], atol=1e-9)
        maps = net.preactivation_maps(net.activation_patterns(x[i]))
        for (A, a0), z in zip(maps, net.preactivations(x[i]), strict=True):
            np.testing.assert_allclose(A @ x[i] + a0, z, atol=1e-9)
        # a tiny step keeps the pattern (generic point), so the same map holds there
        y = x[i] + 1e-9 * rng.normal(size=widths[0])
        if all((np.sign(a) == np.sign(b)).all() for a, b in zip(net.preactivations(y), net.preactivations(x[i]), strict=True)):
            np.testing.assert_allclose(J[i] @ y + c[i], net.forward(y), atol=1e-8)


def test_networks_pickle_by_value():
    import pickle

    from relu_regions import Network, load_default_model

    nets = [
        load_default_model(),
        Network([np.ones((2, 3)), np.ones((1, 2))], [np.zeros(2), np.zeros(1)], negative_slope=0.1,
                output_relu=True, input_shape=(3,), name="leaky"),
    ]
    for net in nets:
        back = pickle.loads(pickle.dumps(net))
        assert back.allclose(net, rtol=0) and back.input_shape == net.input_shape and back.name == net.name
        assert back.output_relu == net.output_relu and back.negative_slopes == net.negative_slopes
