"""Counts over all of ``R^n`` (the ``space`` domain, unbounded subspaces) against independent oracles.

* One layer in general position: Zaslavsky's formula ``sum_{i <= d} C(n, i)``
  (:func:`relu_regions.bounds.zaslavsky`), in 3-6 dimensions, also with ``output_relu``.
* Deeper nets: (a) every region is pointed (the first layer has full column rank), so once a
  box contains every vertex of the complex in its interior each region meets it in a
  full-dimensional set: the *bounded* count on that box equals the whole-space count.  The
  vertices are computed per region (``scipy`` halfspace intersection inside a huge window).
  (b) The recession-cone argument: for a generic net, the regions whose recession cone
  ``{d : G d <= 0}`` is full-dimensional are in bijection with the full-dimensional cones of
  the bias-free network (``z(R u) = R z_0(u) + O(1)``: far out along ``u`` the pattern is
  the fan's), a fan whose count is the bounded count on ``[-1, 1]^n``.
* ``geometric`` (projective closure) and ``lp`` agree on whole planes.
"""

from __future__ import annotations

import numpy as np
import pytest

from relu_regions import AffineSubspace, Box, DomainError, Network, Space, parse_domain, random_network
from relu_regions.bounds import zaslavsky
from relu_regions.regions import count_regions, enumerate_regions
from relu_regions.solvers import solve_lp


# ---------------------------------------------------------------- the domain
def test_space_domain_json_and_shorthand():
    assert parse_domain({"type": "space"}, input_dim=4).to_dict() == {"type": "space", "dim": 4}
    assert parse_domain('{"type": "space", "dim": 3}').dim == 3
    assert parse_domain("space", input_dim=5).ambient_dim == 5
    assert not Space(2).bounded
    with pytest.raises(DomainError, match="dim"):
        parse_domain({"type": "space"})
    with pytest.raises(DomainError, match="positive integer"):
        Space(0)
    with pytest.raises(DomainError, match="unknown keys"):
        parse_domain({"type": "space", "dim": 2, "radius": 1})


def test_auto_picks_lp_above_two_dimensions():
    net = random_network([3, 5, 1], seed=0, bias_std=1.0)
    res = count_regions(net, Space(3))
    assert res.method == "lp" and res.exact
    assert res.regions == zaslavsky(5, 3)


def test_sample_and_milp_refuse_the_whole_space():
    net = random_network([3, 4, 1], seed=0)
    for method in ("milp", "sample"):
        with pytest.raises(DomainError, match="bounded"):
            count_regions(net, Space(3), method=method)


# ---------------------------------------------------------------- one layer: Zaslavsky
@pytest.mark.parametrize(("d", "n"), [(3, 8), (4, 7), (5, 7), (6, 7)])
def test_one_layer_in_general_position_matches_zaslavsky(d, n):
    net = random_network([d, n, 1], seed=d, bias_std=1.0)
    res = count_regions(net, Space(d), method="lp")
    assert res.exact, res.reason
    assert res.regions == zaslavsky(n, d)


def test_output_relu_neurons_are_counted():
    rng = np.random.default_rng(3)
    W, b = rng.normal(size=(7, 4)), rng.normal(size=7)
    net = Network([W], [b], output_relu=True)  # the only layer: 7 ReLU output neurons
    res = count_regions(net, Space(4), method="lp")
    assert res.exact and res.regions == zaslavsky(7, 4)
    # as hidden + output layers: 3 hidden then 4 output neurons, all in the pattern
    net2 = Network([W[:3], rng.normal(size=(4, 3))], [b[:3], rng.normal(size=4)], output_relu=True)
    rs = enumerate_regions(net2, Space(4), method="lp")
    assert rs.count.exact and rs.patterns.shape[1] == 7
    plain = Network([W[:3], rng.normal(size=(1, 3))], [b[:3], [0.0]])
    assert rs.count.regions > count_regions(plain, Space(4), method="lp").regions == zaslavsky(3, 4)


# ---------------------------------------------------------------- deeper nets
def _vertices(G: np.ndarray, h: np.ndarray, x: np.ndarray, window: float) -> np.ndarray:
    """Vertices of ``{G t <= h}`` (interior point ``x``) not on the ``window`` box."""
    from scipy.spatial import HalfspaceIntersection

    k = G.shape[1]
    norms = np.linalg.norm(G, axis=1)
    live = norms > 1e-12 * norms.max()
    eye = np.eye(k)
    Gw = np.vstack([G[live] / norms[live, None], eye, -eye])
    hw = np.concatenate([h[live] / norms[live], np.full(2 * k, window)])
    V = HalfspaceIntersection(np.hstack([Gw, -hw[:, None]]), x).intersections
    return V[np.abs(V).max(axis=1) < window * (1 - 1e-6)]


def _recession(G: np.ndarray) -> tuple[bool, bool]:
    """Whether the recession cone ``{d : G d <= 0}`` of a region is non-zero, and whether it
    is full-dimensional (its Chebyshev ball inside ``[-1, 1]^k`` has a positive radius)."""
    k = G.shape[1]
    norms = np.linalg.norm(G, axis=1)
    G = G[norms > 1e-12 * norms.max()]
    norms = np.linalg.norm(G, axis=1)
    c = np.zeros(k + 1)
    c[-1] = -1.0
    res = solve_lp(c, A_ub=np.hstack([G, norms[:, None]]), b_ub=np.zeros(len(G)), bounds=[(-1.0, 1.0)] * k + [(0, 1)])
    full = res.status == "optimal" and -res.objective > 1e-7
    nonzero = full
    for j in range(k):
        for s in (1.0, -1.0):
            if nonzero:
                break
            e = np.zeros(k)
            e[j] = -s
            r = solve_lp(e, A_ub=G, b_ub=np.zeros(len(G)), bounds=[(-1.0, 1.0)] * k)
            nonzero = r.status == "optimal" and -r.objective > 1e-7
    return nonzero, full


@pytest.mark.parametrize(("widths", "seed"), [([3, 6, 5, 1], 1), ([4, 5, 4, 1], 2)])
def test_deeper_nets_bounded_window_and_recession_cones(widths, seed):
    net = random_network(widths, seed=seed, bias_std=1.0)
    d = widths[0]
    assert np.linalg.matrix_rank(net.weights[0]) == d  # every region is pointed
    rs = enumerate_regions(net, Space(d), method="lp")
    assert rs.count.exact, rs.count.reason
    verts, unbounded, full_cones = [], 0, 0
    for region in rs:
        G, h = region.halfspaces
        verts.append(_vertices(G, h, region.interior_point, 1e6))
        nonzero, full = _recession(G)
        unbounded += nonzero
        full_cones += full
    V = np.vstack(verts)
    R = 1.5 * float(np.abs(V).max()) + 1.0
    # (a) a box with every vertex inside: the bounded engine finds exactly these regions
    boxed = enumerate_regions(net, Box(-R * np.ones(d), R * np.ones(d)), method="lp")
    assert boxed.count.exact
    assert {p.tobytes() for p in boxed.patterns} == {p.tobytes() for p in rs.patterns}
    # (b) regions with a full-dimensional recession cone <-> cones of the bias-free net (a
    # fan: count it on [-1, 1]^d).  Deeper nets also have unbounded regions with thinner
    # recession cones (slabs along a first-layer hyperplane and its parallel through 0).
    fan = Network(net.weights, [np.zeros_like(b) for b in net.biases])
    cones = count_regions(fan, Box(-np.ones(d), np.ones(d)), method="lp")
    assert cones.exact and full_cones == cones.regions
    assert 0 < full_cones <= unbounded < rs.count.regions  # bounded regions occur too


# ---------------------------------------------------------------- planes: geometric vs lp
@pytest.mark.parametrize("seed", [0, 1])
def test_lp_equals_geometric_on_whole_planes(seed):
    net = random_network([2, 6, 5, 1], seed=seed, bias_std=1.0)
    g = count_regions(net, Space(2), method="geometric")
    lp = count_regions(net, Space(2), method="lp")
    assert g.exact and lp.exact and g.regions == lp.regions
    # a whole plane through three points of R^4
    net4 = random_network([4, 6, 5, 1], seed=seed + 10, bias_std=1.0)
    plane = AffineSubspace(np.random.default_rng(seed).normal(size=(3, 4)))
    g4 = enumerate_regions(net4, plane, method="geometric")
    lp4 = enumerate_regions(net4, plane, method="lp")
    assert g4.count.exact and lp4.count.exact
    assert {p.tobytes() for p in g4.patterns} == {p.tobytes() for p in lp4.patterns}


def test_unbounded_three_dimensional_subspace_in_five_dimensions():
    net = random_network([5, 6, 1], seed=4, bias_std=1.0)
    sub = AffineSubspace(np.random.default_rng(4).normal(size=(4, 5)))  # a 3-flat, no bounds
    res = count_regions(net, sub)
    assert res.method == "lp" and res.exact and res.regions == zaslavsky(6, 3)


def test_whole_space_counts_are_scale_invariant():
    net = random_network([3, 5, 4, 1], seed=5, bias_std=1.0)
    base = count_regions(net, Space(3), method="lp")
    for c in (1e-6, 1e6):
        scaled = Network([w * c for w in net.weights], [b * c ** (i + 1) for i, b in enumerate(net.biases)])
        res = count_regions(scaled, Space(3), method="lp")
        assert res.exact and res.regions == base.regions


@pytest.mark.parametrize("c", [1e-3, 1e3])
def test_whole_space_count_is_invariant_under_bias_scaling(c):
    """Scaling every bias by ``c`` gives ``f_c(x) = c f(x / c)`` (Hanin & Rolnick 2019,
    Lemma 6): the regions over ``R^n`` are the old ones dilated by ``c``, the same number."""
    net = random_network([3, 5, 4, 1], seed=7, bias_std=1.0)
    base = count_regions(net, Space(3), method="lp")
    moved = Network(net.weights, [b * c for b in net.biases])
    res = count_regions(moved, Space(3), method="lp")
    assert base.exact and res.exact and res.regions == base.regions


def test_unbounded_polyhedra_rays_and_workers():
    net = random_network([3, 5, 1], seed=0, bias_std=1.0)
    # a quadrant of a plane (a 2-D cone): lp agrees with geometric's projective closure
    quadrant = {"type": "subspace", "points": [[0, 0, 0], [1, 0, 0], [0, 1, 0]], "coefficient_bounds": [0, None]}
    lp = count_regions(net, quadrant, method="lp")
    assert lp.exact and lp.regions == count_regions(net, quadrant, method="geometric").regions
    # {x <= 1, y <= 1} in R^3 equals a large box cut the same way (it holds every vertex)
    wedge = count_regions(net, {"type": "polytope", "A": [[1, 0, 0], [0, 1, 0]], "b": [1, 1]}, method="lp")
    box = count_regions(net, Box([-1e3, -1e3, -1e3], [1, 1, 1e3]), method="lp")
    assert wedge.exact and box.exact and wedge.regions == box.regions
    # workers: an unbounded domain is traversed serially, and says so
    res = count_regions(net, Space(3), method="lp", workers=2)
    assert res.exact and res.regions == zaslavsky(5, 3)
    assert "serial" in res.details["parallel"]
    # a whole line is left to geometric
    with pytest.raises(DomainError, match="geometric"):
        count_regions(net, AffineSubspace([[0, 0, 0], [1, 2, 3]]), method="lp")
