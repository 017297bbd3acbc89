"""Hypothesis: ``lp`` equals brute force on small integer nets (degenerate by construction).

Weights and biases in {-1, 0, 1} make duplicate and opposite neurons, zero rows, neurons that
vanish on whole regions, hyperplanes through vertices and along the domain's boundary.
``LP_HYP_EXAMPLES=1500`` runs a longer search (passes; 25 examples by default).
"""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relu_regions import Box, Network
from relu_regions.regions import enumerate_regions

from ._reference import brute_force_patterns, chart_problem, pattern_set


@st.composite
def integer_nets(draw):  # type: ignore[no-untyped-def]
    k = draw(st.integers(2, 3))
    n1 = draw(st.integers(1, 3))
    n2 = draw(st.integers(1, 2))
    val = st.integers(-1, 1)
    W1 = np.array(draw(st.lists(val, min_size=n1 * k, max_size=n1 * k)), float).reshape(n1, k)
    b1 = np.array(draw(st.lists(val, min_size=n1, max_size=n1)), float)
    W2 = np.array(draw(st.lists(val, min_size=n2 * n1, max_size=n2 * n1)), float).reshape(n2, n1)
    b2 = np.array(draw(st.lists(val, min_size=n2, max_size=n2)), float)
    half = draw(st.sampled_from([1.0, 2.0]))
    return Network([W1, W2, np.ones((1, n2))], [b1, b2, [0.0]]), Box(-half * np.ones(k), half * np.ones(k))


@settings(max_examples=int(os.environ.get("LP_HYP_EXAMPLES", "25")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(integer_nets())
def test_lp_equals_brute_force_on_integer_nets(case):
    net, dom = case
    rs = enumerate_regions(net, dom, method="lp", volumes=True)
    assert rs.count.exact
    assert pattern_set(rs.patterns) == brute_force_patterns(*chart_problem(net, dom))
    assert rs.count.certificate["volume_rel_error"] < 1e-9
    by_lps = enumerate_regions(net, dom, method="lp", facets="lp")
    assert pattern_set(by_lps.patterns) == pattern_set(rs.patterns)
    every_row = enumerate_regions(net, dom, method="lp", facets="lp", stable_prefilter=False)
    assert pattern_set(every_row.patterns) == pattern_set(rs.patterns)
    box_bounds = enumerate_regions(net, dom, method="lp", facets="lp", box_bounds=True)
    assert pattern_set(box_bounds.patterns) == pattern_set(rs.patterns)
