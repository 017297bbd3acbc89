"""Maxout layers in the network representation: forward, patterns, local maps, structure.

Oracles: a brute-force Python loop over units and pieces for the forward pass and the
arg-max; finite differences for the local affine map; and the ReLU network itself for the
rank-2 maxout with pieces ``(0, a)``, which computes ``max(0, a) = relu(a)`` exactly.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from relu_regions import DimensionError, ModelFormatError, Network, random_network
from relu_regions.exceptions import ReluRegionsError, UnsupportedNetworkError
from tests.conftest import ATOL


def relu_as_maxout(net: Network) -> Network:
    """The rank-2 maxout network with pieces ``(0, a)`` (``(alpha a, a)`` for leaky)."""
    Ws, bs = [], []
    for layer in net.layers:
        if layer.slope is None:
            Ws.append(layer.weight)
            bs.append(layer.bias)
            continue
        s = layer.slope
        Ws.append(np.stack([s * layer.weight, layer.weight]))
        bs.append(np.stack([s * layer.bias, layer.bias]))
    return Network(Ws, bs)


def brute_forward(net: Network, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Loop over points, units and pieces; returns outputs and per-layer patterns."""
    outs, pats = [], [[] for _ in net.activated_layers]
    for point in np.atleast_2d(x):
        h = list(point)
        for li, layer in enumerate(net.layers):
            W, b = layer.weight, layer.bias
            new, pat = [], []
            for j in range(layer.width):
                if layer.is_maxout:
                    vals = [sum(W[p, j, i] * h[i] for i in range(len(h))) + b[p, j]
                            for p in range(layer.rank)]
                    best = 0
                    for p in range(1, layer.rank):
                        if vals[p] > vals[best]:  # strict: ties go to the lowest index
                            best = p
                    new.append(vals[best])
                    pat.append(best)
                else:
                    z = sum(W[j, i] * h[i] for i in range(len(h))) + b[j]
                    if layer.slope is None:
                        new.append(z)
                    else:
                        new.append(z if z > 0 else layer.slope * z)
                        pat.append(int(z > 0))
            if layer.activated:
                pats[li].append(pat)
            h = new
        outs.append(h)
    return np.array(outs), [np.array(p) for p in pats]


@pytest.mark.parametrize("ranks", [[2], [3, 1], [1, 4], [2, 3, 2]])
def test_forward_and_patterns_equal_brute_force(ranks):
    widths = [3, *[4 + i for i in range(len(ranks))], 2]
    net = random_network(widths, maxout_rank=ranks, seed=len(ranks), negative_slope=0.1)
    X = np.random.default_rng(3).normal(size=(25, 3))
    y, pats = brute_forward(net, X)
    np.testing.assert_allclose(net.forward(X), y, rtol=1e-12, atol=ATOL)
    got = net.activation_patterns(X)
    for g, p, layer in zip(got, pats, net.activated_layers, strict=True):
        assert np.array_equal(g.astype(int), p)
        assert g.dtype == (np.int16 if layer.is_maxout else bool)
    vec = net.pattern_vector(X)
    assert vec.dtype == np.int16 and vec.shape == (25, net.num_neurons)
    assert np.array_equal(vec, np.concatenate(pats, axis=1))
    # single points give the same as rows of the batch
    np.testing.assert_allclose(net.forward(X[4]), y[4], rtol=1e-12, atol=ATOL)
    assert np.array_equal(net.pattern_vector(X[4]), vec[4])


def test_ties_break_to_lowest_index():
    # unit 0: pieces x, x, -x (two identical); unit 1: pieces 0, 0
    W = np.array([[[1.0], [0.0]], [[1.0], [0.0]], [[-1.0], [0.0]]])
    b = np.zeros((3, 2))
    net = Network([W, [[1.0, 1.0]]], [b, [0.0]])
    pats = net.activation_patterns(np.array([[2.0], [0.0], [-1.0]]))[0]
    assert pats.tolist() == [[0, 0], [0, 0], [2, 0]]
    z = net.preactivations(np.array([2.0]))[0]
    assert z.shape == (3, 2)
    np.testing.assert_allclose(z[:, 0], [2.0, 2.0, -2.0])


def test_local_affine_matches_finite_differences_and_forward():
    net = random_network([4, 6, 5, 3], maxout_rank=[3, 2], seed=11)
    rng = np.random.default_rng(5)
    X = rng.normal(size=(20, 4))
    J, c = net.local_affine(X)
    assert J.shape == (20, 3, 4) and c.shape == (20, 3)
    np.testing.assert_allclose(np.einsum("nij,nj->ni", J, X) + c, net.forward(X), atol=1e-10)
    eps = 1e-7
    for n in range(5):
        fd = np.stack([(net.forward(X[n] + eps * e) - net.forward(X[n] - eps * e)) / (2 * eps)
                       for e in np.eye(4)], axis=1)
        np.testing.assert_allclose(J[n], fd, rtol=1e-5, atol=1e-6)
        # the pattern's affine map is the same map and matches the forward pass nearby
        Ja, ca = net.affine_map(net.activation_patterns(X[n]))
        np.testing.assert_allclose(Ja, J[n], atol=1e-12)
        np.testing.assert_allclose(ca, c[n], atol=1e-12)
        y = X[n] + 1e-9 * rng.normal(size=4)
        np.testing.assert_allclose(Ja @ y + ca, net.forward(y), atol=1e-9)
        # the flat pattern vector works too
        Jf, _ = net.affine_map(net.pattern_vector(X[n]))
        np.testing.assert_allclose(Jf, Ja)


def test_preactivation_maps_give_the_region_inequalities():
    net = random_network([2, 5, 4, 1], maxout_rank=[3, 1], seed=2)
    X = np.random.default_rng(0).uniform(-1, 1, size=(30, 2))
    for x in X:
        pats = net.activation_patterns(x)
        maps = net.preactivation_maps(pats)
        zs = net.preactivations(x)
        for (A, c), z in zip(maps, zs, strict=True):
            np.testing.assert_allclose(A @ x + c, z, atol=1e-10)
        A, c = maps[0]
        assert A.shape == (3, 5, 2)
        p = pats[0]
        act = (A[p, np.arange(5)] @ x + c[p, np.arange(5)])[None, :]
        assert np.all(act >= (A @ x + c) - 1e-12)  # the active piece is the max


def test_relu_equivalent_rank2_net_is_the_relu_net():
    relu = random_network([3, 5, 4, 2], seed=4)
    mx = relu_as_maxout(relu)
    assert mx.maxout_ranks == (2, 2) and mx.has_maxout and not mx.is_relu
    X = np.random.default_rng(1).normal(size=(200, 3))
    np.testing.assert_array_equal(mx.forward(X), relu.forward(X))
    assert np.array_equal(mx.pattern_vector(X), relu.pattern_vector(X).astype(np.int16))
    Jm, cm = mx.local_affine(X)
    Jr, cr = relu.local_affine(X)
    np.testing.assert_allclose(Jm, Jr, atol=1e-14)
    np.testing.assert_allclose(cm, cr, atol=1e-14)
    # the exactly-zero convention agrees: max(0, 0) picks piece 0 = inactive
    net0 = Network([np.eye(2), [[1.0, 1.0]]], [np.zeros(2), [0.0]])
    assert relu_as_maxout(net0).pattern_vector(np.zeros(2)).tolist() == [0, 0]
    assert net0.pattern_vector(np.zeros(2)).tolist() == [False, False]
    # leaky: max(alpha a, a)
    leaky = random_network([3, 5, 2], seed=9, negative_slope=0.2)
    np.testing.assert_allclose(relu_as_maxout(leaky).forward(X), leaky.forward(X), atol=1e-14)


def test_structure_summary_and_repr():
    net = random_network([3, 4, 5, 2], maxout_rank=[3, 1], seed=0)
    assert net.hidden_widths == (4, 5) and net.widths == (3, 4, 5, 2)
    assert net.num_neurons == 9
    assert [layer.rank for layer in net.layers] == [3, 1, 1]
    assert [layer.is_maxout for layer in net.layers] == [True, False, False]
    assert net.maxout_ranks == (3, 1)
    assert net.num_parameters == 3 * 4 * 3 + 3 * 4 + 5 * 4 + 5 + 2 * 5 + 2
    s = net.summary()
    assert s["maxout_ranks"] == [3, 1] and s["activation"] == "mixed (maxout, relu)"
    assert "maxout ranks" in str(s)
    assert "maxout ranks 3-1" in repr(net)
    relu = random_network([3, 4, 2], seed=0)
    assert "maxout_ranks" not in relu.summary() and relu.maxout_ranks == (1,)
    assert not relu.has_maxout and relu.pattern_dtype == np.dtype(bool)
    assert random_network([2, 3, 1], maxout_rank=2).summary()["activation"] == "maxout"


def test_rank_one_keeps_the_relu_draws():
    a = random_network([3, 4, 2], seed=5)
    b = random_network([3, 4, 2], seed=5, maxout_rank=1)
    assert a.allclose(b, rtol=0.0) and not b.has_maxout


def test_pickle_round_trip_and_allclose():
    net = random_network([2, 4, 3, 1], maxout_rank=[2, 3], seed=3, negative_slope=0.0)
    back = pickle.loads(pickle.dumps(net))
    assert back.allclose(net, rtol=0.0) and back.maxout_ranks == (2, 3)
    X = np.random.default_rng(2).normal(size=(10, 2))
    np.testing.assert_array_equal(back.forward(X), net.forward(X))
    other = random_network([2, 4, 3, 1], maxout_rank=[3, 2], seed=3)
    assert not net.allclose(other)
    assert not net.allclose(random_network([2, 4, 3, 1], seed=3))


def test_with_input_map_and_replace_layers():
    net = random_network([3, 4, 2], maxout_rank=3, seed=8)
    o = np.array([0.5, -1.0, 2.0])
    B = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]])
    sub = net.with_input_map(o, B)
    assert sub.input_dim == 2 and sub.maxout_ranks == (3,)
    T = np.random.default_rng(0).normal(size=(10, 2))
    np.testing.assert_allclose(sub.forward(T), net.forward(o + T @ B.T), atol=1e-12)
    again = net.replace_layers(net.weights, net.biases)
    assert again.allclose(net, rtol=0.0)


def test_bad_shapes_raise_one_line_errors():
    W3 = np.ones((2, 3, 2))
    cases = [
        ([W3, np.ones((1, 3))], [np.ones(3), np.ones(1)], "expected (2, 3)"),
        ([W3, np.ones((1, 3))], [np.ones((3, 2)), np.ones(1)], "expected (2, 3)"),
        ([np.ones((1, 3, 2)), np.ones((1, 3))], [np.ones((1, 3)), np.ones(1)], "k >= 2"),
        ([np.ones((3, 2)), W3], [np.ones(3), np.ones((2, 3))], "output layer must be affine"),
        ([W3, np.ones((1, 4))], [np.ones((2, 3)), np.ones(1)], "expects 4 inputs"),
        ([np.ones((2, 2, 3, 2)), np.ones((1, 3))], [np.ones(3), np.ones(1)], "maxout stack"),
    ]
    for ws, bs, msg in cases:
        with pytest.raises(ModelFormatError, match="^[^\n]*$") as err:
            Network(ws, bs)
        assert msg in str(err.value)


def test_pattern_checks():
    net = random_network([2, 3, 2, 1], maxout_rank=[3, 1], seed=0)
    with pytest.raises(DimensionError, match="outside 0..2"):
        net.affine_map([np.array([0, 3, 1]), np.array([1, 0])])
    with pytest.raises(DimensionError, match="outside 0..1"):
        net.affine_map([np.array([0, 2, 1]), np.array([2, 0])])
    with pytest.raises(DimensionError, match="integers"):
        net.affine_map([np.array([0.0, 2.0, 1.0]), np.array([1, 0])])
    with pytest.raises(DimensionError, match="layer sizes"):
        net.affine_map([np.array([0, 2]), np.array([1, 0])])
    flat = np.array([2, 0, 1, 1, 0], dtype=np.int16)
    parts = net.split_pattern(flat)
    assert parts[0].dtype == np.int16 and parts[1].dtype == bool
    assert parts[0].tolist() == [2, 0, 1] and parts[1].tolist() == [True, False]


def test_require_relu():
    net = random_network([2, 3, 1], maxout_rank=2)
    with pytest.raises(UnsupportedNetworkError) as err:
        net.require_relu("the frobnicator")
    assert str(err.value) == "the frobnicator does not support maxout layers yet"
    assert isinstance(err.value, ReluRegionsError)
    random_network([2, 3, 1]).require_relu("anything")  # ReLU nets pass


def test_milp_refuses_maxout():
    from relu_regions import Box, count_regions

    net = random_network([2, 3, 1], maxout_rank=2)
    with pytest.raises(UnsupportedNetworkError, match="'milp' does not support maxout"):
        count_regions(net, Box([-1, -1], [1, 1]), method="milp")
