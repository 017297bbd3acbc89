"""Stable maxout units and maxout compression, checked against independent evidence.

Oracles: dense sampling (a unit called stable never changes its arg-max piece on the
samples; a unit seen with two strictly maximal pieces is never called stable; a dead piece
is never strictly the maximum), the ReLU stability engine (a separate implementation) on
ReLU networks, hand-built units whose pieces are known on paper, and forward passes of the
compressed network on fresh samples.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from relu_regions import Box, Network, random_network
from relu_regions.stability import (
    SIGN_TOL,
    StableUnits,
    UnitLayerStability,
    compress,
    compress_maxout,
    stable_neurons,
    stable_units,
)


def _pieces(net: Network, X: np.ndarray) -> list[np.ndarray]:
    """Pieces ``(N, k, out)`` of every activated layer, ReLU neurons as ``(z, 0)``; own forward pass."""
    out, h = [], X
    for layer in net.layers[:-1]:
        if layer.weight.ndim == 3:
            Z = np.einsum("kji,ni->nkj", layer.weight, h) + layer.bias[None]
        else:
            z = h @ layer.weight.T + layer.bias
            Z = np.stack([z, np.zeros_like(z)], axis=1)
        out.append(Z)
        h = Z.max(axis=1)
    return out


def _strict_winners(Z: np.ndarray) -> np.ndarray:
    """``(N, out)`` index of the piece that is the max by more than SIGN_TOL, else -1."""
    s = np.sort(Z, axis=1)
    gap = s[:, -1] - s[:, -2]
    return np.where(gap > SIGN_TOL, np.argmax(Z, axis=1), -1)


MAXOUT_NETS = [
    ([2, 6, 5, 1], 3, 0),
    ([2, 5, 5, 1], 2, 1),
    ([3, 5, 4, 1], 3, 2),
    ([2, 4, 4, 1], [4, 1], 3),  # maxout then ReLU
    ([2, 4, 4, 1], [1, 3], 4),  # ReLU then maxout
]


@pytest.mark.parametrize("widths,rank,seed", MAXOUT_NETS)
def test_verdicts_agree_with_dense_sampling(widths, rank, seed):
    net = random_network(widths, seed=seed, maxout_rank=rank)
    dom = Box([-0.4] * widths[0], [0.3] * widths[0])
    s = stable_units(net, dom, samples=300, seed=seed)
    assert s.exact and isinstance(s, StableUnits)
    X = np.random.default_rng(100 + seed).uniform(-0.4, 0.3, size=(20_000, widths[0]))
    n_stable = n_unstable = 0
    for li, Z in enumerate(_pieces(net, X)):
        ls = s.layers[li]
        assert isinstance(ls, UnitLayerStability)
        win = _strict_winners(Z)
        for u in range(Z.shape[2]):
            seen = set(win[:, u][win[:, u] >= 0].tolist())
            piece = s.stable_piece(li, u)
            if piece is not None:  # never changes piece on the samples
                n_stable += 1
                assert seen <= {piece}
                # ReLU layers: piece 0 of (z, 0) is "active"; ours must match the net's own order
            if len(seen) >= 2:
                n_unstable += 1
                assert piece is None and u in ls.unstable
            assert not (seen & set(ls.dead_pieces[u])), "a dead piece was strictly the maximum"
    assert n_stable > 0 and n_unstable > 0  # the test sees both kinds
    assert s.verify(net, dom)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_relu_networks_agree_with_the_relu_engine(seed):
    net = random_network([3, 8, 8, 6, 1], seed=seed)
    dom = Box([-0.3] * 3, [0.5] * 3)
    a = stable_units(net, dom, samples=400)
    b = stable_neurons(net, dom)
    assert a.exact and b.exact
    for x, y in zip(a.layers, b.layers, strict=True):
        assert (x.active, x.inactive, x.unstable) == (y.active, y.inactive, y.unstable)


def test_hand_built_units():
    # unit 0: max(x0, -x0, -5) = |x0|: piece 2 dead on [-1, 1]^2; unit 1: max(x1, x1 + 1): piece 1 stable
    W = np.array([[[1.0, 0.0], [0.0, 1.0]], [[-1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 1.0]]])
    b = np.array([[0.0, 0.0], [0.0, 1.0], [-5.0, -3.0]])
    net = Network([W, [[1.0, 2.0]]], [b, [0.5]])
    s = stable_units(net, Box([-1, -1], [1, 1]))
    ls = s.layers[0]
    assert ls.kind == "maxout" and ls.rank == 3
    assert ls.live_pieces == ((0, 1), (1,)) and ls.dead_pieces == ((2,), (0, 2))
    assert ls.stable == ((1, 1),) and ls.unstable == (0,)
    assert s.counts["stable"] == 1 and s.exact
    small, rep = compress_maxout(net, Box([-1, -1], [1, 1]), stability=s)
    # the dead pieces go (rank 3 -> 2); unit 1 is affine but, alone, stays (Algorithm 1 keeps
    # the first stably active neuron of a layer with unstable ones)
    assert small.layers[0].rank == 2 and small.hidden_widths == (2,)
    assert rep.layers[0].affine_units == (1,) and rep.layers[0].dropped_pieces == 3
    X = np.random.default_rng(0).uniform(-1, 1, size=(5000, 2))
    np.testing.assert_allclose(small.forward(X), net.forward(X), rtol=0, atol=1e-12)
    assert json.loads(json.dumps(s.to_dict()))["layers"][0]["stable"] == [[1, 1]]


def test_identical_pieces_do_not_remove_each_other():
    W = np.array([[[1.0, 0.0]], [[1.0, 0.0]]])  # max(x0, x0): one piece is dead, the other stays
    net = Network([W, [[1.0]]], [np.zeros((2, 1)), [0.0]])
    s = stable_units(net, Box([-1, -1], [1, 1]))
    assert len(s.layers[0].live_pieces[0]) == 1 and s.stable_piece(0, 0) is not None


def test_relu_equivalent_maxout_matches_relu():
    relu = random_network([2, 5, 4, 1], seed=7)
    W0, W1 = relu.weights[0], relu.weights[1]
    mx = Network([np.stack([np.zeros_like(W0), W0]), np.stack([np.zeros_like(W1), W1]), relu.weights[2]],
                 [np.stack([np.zeros(5), relu.biases[0]]), np.stack([np.zeros(4), relu.biases[1]]),
                  relu.biases[2]])
    dom = Box([-0.5, -0.5], [0.5, 0.5])
    a, b = stable_units(mx, dom), stable_neurons(relu, dom)
    for x, y in zip(a.layers, b.layers, strict=True):
        assert tuple(u for u, p in x.stable if p == 1) == y.active  # piece 1 = the ReLU's z
        assert tuple(u for u, p in x.stable if p == 0) == y.inactive
        assert x.unstable == y.unstable


@pytest.mark.parametrize("widths,rank,seed", MAXOUT_NETS)
def test_compress_preserves_the_function(widths, rank, seed):
    net = random_network(widths, seed=seed, maxout_rank=rank)
    dom = Box([-0.4] * widths[0], [0.3] * widths[0])
    small, rep = compress(net, dom)  # dispatches to compress_maxout
    assert rep.exact_stability and rep.max_abs_difference < 1e-9
    assert rep.pieces_after <= rep.pieces_before and rep.parameters_after <= rep.parameters_before
    X = np.random.default_rng(1000 + seed).uniform(-0.4, 0.3, size=(20_000, widths[0]))
    np.testing.assert_allclose(small.forward(X), net.forward(X), rtol=0, atol=1e-9)
    json.dumps(rep.to_dict())


def test_compression_lowers_ranks_on_a_small_domain():
    net = random_network([2, 6, 5, 1], seed=0, maxout_rank=3)
    dom = Box([-0.2, -0.2], [0.3, 0.3])
    small, rep = compress_maxout(net, dom)
    assert sum(lc.dropped_pieces for lc in rep.layers) > 0
    assert max(layer.rank for layer in small.layers) < 3


def test_relaxations_are_sound_and_time_limit_keeps_pieces():
    net = random_network([2, 6, 5, 1], seed=1, maxout_rank=3)
    dom = Box([-0.4, -0.4], [0.3, 0.3])
    exact = stable_units(net, dom)
    for method in ("interval", "lp"):
        r = stable_units(net, dom, method=method)
        for x, y in zip(r.layers, exact.layers, strict=True):
            for u in range(len(x.live_pieces)):
                assert set(x.dead_pieces[u]) <= set(y.dead_pieces[u])  # never a wrong dead piece
    cut = stable_units(net, dom, time_limit=1e-6)
    assert not cut.exact and cut.partial and cut.counts["undecided"] > 0
    small, rep = compress_maxout(net, dom, stability=cut)
    X = np.random.default_rng(5).uniform(-0.4, 0.3, size=(5000, 2))
    np.testing.assert_allclose(small.forward(X), net.forward(X), rtol=0, atol=1e-9)


def test_stable_neurons_dispatches_and_rejects_bad_input():
    net = random_network([2, 3, 1], seed=0, maxout_rank=2)
    s = stable_neurons(net, Box([-1, -1], [1, 1]))
    assert isinstance(s, StableUnits)
    from relu_regions.exceptions import DomainError, UnknownChoiceError

    with pytest.raises(UnknownChoiceError):
        stable_units(net, Box([-1, -1], [1, 1]), method="nope")
    with pytest.raises(DomainError):
        stable_units(net, "space")
    leaky = random_network([2, 3, 1], seed=0, negative_slope=0.1)
    with pytest.raises(Exception, match="LeakyReLU"):
        stable_units(leaky, Box([-1, -1], [1, 1]))


@pytest.mark.parametrize("widths,rank,seed", MAXOUT_NETS[:3])
def test_compressed_net_has_the_same_regions_by_the_counting_engines(widths, rank, seed):
    """Dropped pieces were never on top and folded units never changed piece, so the
    activation regions are the same sets; the function is the same, so are the linear regions."""
    from relu_regions.regions import count_linear_regions, count_regions

    net = random_network(widths, seed=seed, maxout_rank=rank)
    dom = Box([-0.4] * widths[0], [0.3] * widths[0])
    small, rep = compress_maxout(net, dom)
    assert rep.distinct_pieces_after <= rep.pieces_after
    a, b = count_regions(net, dom), count_regions(small, dom)
    assert a.exact and b.exact and a.regions == b.regions
    assert count_linear_regions(net, dom).regions == count_linear_regions(small, dom).regions


@pytest.mark.parametrize("kind", ["subspace", "polytope"])
def test_verdicts_on_charts_and_polytopes(kind):
    from relu_regions.domain import AffineSubspace, Polytope

    if kind == "subspace":
        net = random_network([3, 6, 5, 1], seed=8, maxout_rank=3)
        dom = AffineSubspace([[0.1, 0.0, -0.2], [0.5, 0.2, 0.0], [0.0, 0.4, 0.3]], coefficient_bounds=(0, 1))
    else:
        net = random_network([2, 6, 5, 1], seed=9, maxout_rank=[2, 3])
        dom = Polytope([[-1.0, 0.0], [0.0, -1.0], [1.0, 1.0]], [0.2, 0.2, 0.5])  # a triangle
    s = stable_units(net, dom, samples=300)
    assert s.exact and s.verify(net, dom)
    X = dom.sample(20_000, seed=1)
    for li, Z in enumerate(_pieces(net, X)):
        win = _strict_winners(Z)
        for u in range(Z.shape[2]):
            seen = set(win[:, u][win[:, u] >= 0].tolist())
            assert seen <= set(s.layers[li].live_pieces[u])
            if len(seen) >= 2:
                assert u in s.layers[li].unstable
    small, rep = compress_maxout(net, dom, stability=s)
    np.testing.assert_allclose(small.forward(X), net.forward(X), rtol=0, atol=1e-9)


def test_leaky_layers_are_refused_but_bounded():
    from relu_regions.bounds import bound_regions

    net = random_network([2, 4, 4, 1], seed=0, maxout_rank=[3, 1], negative_slope=0.1)
    with pytest.raises(Exception, match="LeakyReLU"):
        stable_units(net, Box([-1, -1], [1, 1]))
    b = bound_regions(net, Box([-1, -1], [1, 1]), methods="network_aware")["network_aware"]
    assert "LeakyReLU" in b.details["stability"]


def test_dataframe_and_certificates():
    net = random_network([2, 4, 3, 1], seed=2, maxout_rank=[3, 1])
    dom = Box([-0.3, -0.3], [0.3, 0.3])
    s = stable_units(net, dom)
    df = s.to_dataframe()
    assert len(df) == 7 and set(df["status"]) <= {"active", "inactive", "unstable", "stable", "undecided"}
    for li, ls in enumerate(s.layers):
        for u in ls.unstable:
            c = s.certificate(li, u)
            assert c["status"] == "unstable" and len(c["witnesses"]) >= 2
            for p, x in c["witnesses"].items():  # the piece is strictly on top at its witness
                Z = _pieces(net, np.array([x]))[li][0, :, u]
                assert Z[int(p)] > np.max(np.delete(Z, int(p)))


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover
    given = None

if given is not None:

    @settings(max_examples=12, deadline=None)
    @given(seed=st.integers(0, 10_000), rank=st.integers(2, 4), half=st.floats(0.05, 1.0))
    def test_random_maxout_nets_never_contradict_sampling(seed, rank, half):
        net = random_network([2, 4, 3, 1], seed=seed, maxout_rank=[rank, 2])
        dom = Box([-half, -half], [half, half])
        s = stable_units(net, dom, samples=200, seed=seed)
        X = np.random.default_rng(seed).uniform(-half, half, size=(4000, 2))
        for li, Z in enumerate(_pieces(net, X)):
            win = _strict_winners(Z)
            for u in range(Z.shape[2]):
                seen = set(win[:, u][win[:, u] >= 0].tolist())
                assert seen <= set(s.layers[li].live_pieces[u])
        small, _ = compress_maxout(net, dom, stability=s)
        np.testing.assert_allclose(small.forward(X), net.forward(X), rtol=0, atol=1e-9)
