"""Network-aware bound: hand cases, a brute-force oracle, soundness against sampling, orderings."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relu_regions import AffineSubspace, Box, Network, random_network
from relu_regions.bounds import network_aware_bound, serra2018_bound, zaslavsky
from relu_regions.bounds._network_aware import _interval_signs, network_layer_specs
from relu_regions.bounds._recurrence import LayerSpec, region_recurrence
from relu_regions.exceptions import DimensionError
from relu_regions.regions import count_regions

from .reference import network_aware_bruteforce


def test_parallel_hyperplanes_rank_one():
    W = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    net = Network([W, np.ones((1, 3))], [np.array([0.0, 1.0, 2.0]), np.zeros(1)])
    b = network_aware_bound(net)
    assert b.value == 4  # three parallel lines: 4 regions, not Zaslavsky's 7
    assert b.details["layers"][0]["rank_unstable"] == 1
    assert serra2018_bound([2, 3]).value == 7


def test_all_neurons_stable_gives_one_region(identity_net):
    assert network_aware_bound(identity_net, Box([1, 1], [2, 2])).value == 1
    assert network_aware_bound(identity_net, Box([-1, 1], [1, 2])).value == 2  # only x1 cuts
    assert network_aware_bound(identity_net, Box([-1, -1], [1, 1])).value == 4


def test_pruned_rows_are_stable_without_a_domain():
    net = random_network([3, 5, 4, 1], seed=2)
    W0, W1, W2 = (np.array(w) for w in net.weights)
    b0, b1, b2 = (np.array(b) for b in net.biases)
    W0[[0, 1]] = 0.0
    b0[0], b0[1] = 0.5, -0.5  # neuron 0 constant active, neuron 1 constant dead
    W1[0] = 0.0
    W1[1, 2:] = 0.0  # fed only by neurons 0 (constant) and 1 (dead): constant too
    pruned = Network([W0, W1, W2], [b0, b1, b2])
    b = network_aware_bound(pruned)
    l1, l2 = b.details["layers"]
    assert (l1["unstable"], l1["stably_active"], l1["stably_inactive"]) == (3, 1, 1)
    assert l2["unstable"] == 2
    assert b.value < network_aware_bound(net).value <= serra2018_bound([3, 5, 4]).value


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(1, 12), st.integers(0, 10_000))
def test_one_hidden_layer_in_general_position_is_zaslavsky(n0, n1, seed):
    net = random_network([n0, n1, 1], seed=seed)
    assert network_aware_bound(net).value == zaslavsky(n1, n0)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=3, max_size=5), st.integers(0, 10_000), st.floats(0.05, 3.0))
def test_below_architecture_bound_and_monotone_in_the_domain(widths, seed, radius):
    net = random_network(widths, seed=seed)
    arch = serra2018_bound([widths[0], *widths[1:-1]]).value
    whole = network_aware_bound(net).value
    n0 = widths[0]
    big = network_aware_bound(net, Box(-radius * np.ones(n0), radius * np.ones(n0))).value
    small = network_aware_bound(net, Box(-radius / 4 * np.ones(n0), radius / 4 * np.ones(n0))).value
    assert small <= big <= whole <= arch


@settings(max_examples=12, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=3, max_size=4).filter(lambda w: w[0] <= 3),
       st.integers(0, 1000), st.sampled_from([0.0, 0.1]))
def test_sound_against_sampled_regions(widths, seed, slope):
    net = random_network(widths, seed=seed, negative_slope=slope)
    box = Box(-np.ones(widths[0]), np.ones(widths[0]))
    found = count_regions(net, box, method="sample", samples=5000, seed=seed).regions
    assert found <= network_aware_bound(net, box).value


def test_line_domain_uses_its_dimension():
    net = random_network([4, 6, 5, 1], seed=1)
    seg = AffineSubspace([[0, 0, 0, 0], [1, 1, 0, 0]], coefficient_bounds=(-5, 5))
    b = network_aware_bound(net, seg)
    assert b.details["domain_dim"] == 1
    assert b.value <= (6 + 1) * (5 + 1)  # 1-D: at most prod (u_l + 1)
    found = count_regions(net, seg, method="sample", samples=20000).regions
    assert found <= b.value


def test_interval_signs_are_sound(small_random_net, rng):
    lo, hi = -np.ones(3), np.ones(3)
    signs = _interval_signs(small_random_net, lo, hi)
    x = rng.uniform(lo, hi, size=(5000, 3))
    for z, s in zip(small_random_net.preactivations(x), signs, strict=True):
        assert np.all(z[:, s == 1] > 0) and np.all(z[:, s == -1] <= 0)


def test_interval_signs_with_unbounded_inputs():
    net = Network([[[1.0, 0.0], [0.0, 0.0]], [[0.0, 2.0]], [[1.0]]], [[0.0, -1.0], [0.5], [0.0]])
    s1, s2 = _interval_signs(net, np.full(2, -np.inf), np.full(2, np.inf))
    assert s1.tolist() == [0, -1] and s2.tolist() == [1]  # z2 = 2 * relu(-1) + 0.5 > 0


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 6), st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3), st.integers(0, 6),
                                             st.integers(0, 8), st.booleans()), min_size=1, max_size=4))
def test_recurrence_equals_bruteforce(d0, raw):
    specs, ref = [], []
    for u, s, r, k, leaky in raw:
        k = min(k, s + u) if not leaky else k
        specs.append(LayerSpec(u=u, s=s, r=r, k=k, leaky=leaky))
        ref.append((u, s, r, k, leaky))
    assert region_recurrence(d0, specs) == network_aware_bruteforce(d0, ref)


def test_domain_dimension_mismatch():
    net = random_network([3, 4, 1], seed=0)
    with pytest.raises(DimensionError, match="the domain lives in 2 dimensions"):
        network_aware_bound(net, Box([0, 0], [1, 1]))


def test_specs_of_a_leaky_network():
    net = random_network([2, 4, 3, 1], seed=0, negative_slope=0.2)
    d0, specs, _, note = network_layer_specs(net)
    assert note.startswith("constant neurons only")
    assert d0 == 2 and all(s.leaky for s in specs)


def test_point_domain_has_one_region():
    net = random_network([2, 3, 1], seed=0)
    b = network_aware_bound(net, Box([0.3, 0.1], [0.3, 0.1]))
    assert b.value == 1 and b.details["domain_dim"] == 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_stability_is_tightest_and_still_sound(seed):
    from relu_regions.regions import count_regions

    net = random_network([2, 6, 6, 1], seed=seed)
    box = Box([0.2, -0.4], [0.6, 0.1])
    exact = network_aware_bound(net, box, stability="auto")
    assert "stable_neurons(method='auto')" in exact.details["stability"]
    for method in ("interval", "crown", "lp"):
        assert exact.value <= network_aware_bound(net, box, stability=method).value
    assert count_regions(net, box, method="lp").regions <= exact.value


def test_stability_fallbacks_and_errors():
    from relu_regions.bounds import bound_regions
    from relu_regions.exceptions import UnknownChoiceError

    leaky = random_network([2, 4, 1], seed=0, negative_slope=0.1)
    b = network_aware_bound(leaky, Box([-1, -1], [1, 1]))
    assert b.details["stability"] == "interval propagation (leaky ReLU)"
    plane = AffineSubspace([[0, 0], [1, 0], [0, 1]])  # the whole plane: unbounded
    b = network_aware_bound(random_network([2, 4, 1], seed=0), plane)
    assert b.details["stability"] == "interval propagation (unbounded domain)"
    assert b.value == zaslavsky(4, 2)
    with pytest.raises(UnknownChoiceError, match="crown"):
        bound_regions(random_network([2, 4, 1], seed=0), methods="network_aware", stability="exactish")
