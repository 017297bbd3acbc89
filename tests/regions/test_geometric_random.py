"""Randomised cross-checks of the geometric engine on nets it has not seen (Hypothesis).

Integer weights in {-1, 0, 1} make the arrangements maximally degenerate (three lines
through a point, lines through the box's corners and along its sides, duplicate and zero
neurons, bent hyperplanes that coincide with earlier ones); the independent LP reference
and the ``lp`` engine must agree with the geometric engine on every one of them.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relu_regions import AffineSubspace, Box, Network, random_network
from relu_regions.regions import enumerate_regions

from ._prefix_reference import reference_patterns


def packed(p) -> set[bytes]:
    return {r.tobytes() for r in np.packbits(np.asarray(p, dtype=bool), axis=1)}


def _reference(net, dom) -> set[bytes]:
    ch = dom.chart()
    G, h = ch.halfspaces()
    return reference_patterns(net.with_input_map(ch.origin, ch.basis), G, h)


@st.composite
def integer_nets(draw):
    widths = [2, *draw(st.lists(st.integers(1, 4), min_size=1, max_size=2)), 1]
    Ws, bs = [], []
    for a, b in zip(widths[:-1], widths[1:], strict=True):
        Ws.append(np.array(draw(st.lists(st.sampled_from([-1.0, 0.0, 1.0]), min_size=a * b, max_size=a * b))).reshape(b, a))
        bs.append(np.array(draw(st.lists(st.sampled_from([-1.0, 0.0, 0.5, 1.0]), min_size=b, max_size=b))))
    slope = draw(st.sampled_from([0.0, 0.0, 0.25]))
    return Network(Ws, bs, negative_slope=slope)


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(integer_nets())
def test_degenerate_integer_nets_match_the_references(net):
    dom = Box([-1, -1], [1, 1])
    g = enumerate_regions(net, dom, method="geometric", progress=False)
    assert g.count.exact
    ref = _reference(net, dom)
    assert packed(g.patterns) == ref
    assert packed(enumerate_regions(net, dom, method="lp", progress=False).patterns) == ref


@SETTINGS
@given(st.integers(0, 10_000), st.sampled_from([[3, 5, 4, 1], [5, 4, 4, 4, 1], [8, 6, 2]]), st.booleans())
def test_random_nets_on_random_planes_and_lines(seed, widths, line):
    rng = np.random.default_rng(seed)
    net = random_network(widths, seed=seed)
    P = rng.normal(size=(2 if line else 3, widths[0]))
    dom = AffineSubspace(P, coefficient_bounds=(-1.0, 2.0))
    g = enumerate_regions(net, dom, method="geometric", progress=False)
    assert g.count.exact
    assert packed(g.patterns) == packed(enumerate_regions(net, dom, method="lp", progress=False).patterns)
    whole = enumerate_regions(net, AffineSubspace(P), method="geometric", progress=False)
    assert whole.count.exact and packed(g.patterns) <= packed(whole.patterns)
