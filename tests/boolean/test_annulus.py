"""The n-D ball-versus-shell data and the width n+1 expanded-simplex network (ch. 4)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from relu_regions.boolean import (
    annulus_network,
    expanded_simplex_ratio,
    hyperoctahedron_ratio,
    shell_radii,
    simplex_vertices,
    sphere_shell,
)
from relu_regions.data import circle_annulus
from relu_regions.exceptions import DatasetError

# Table 4.1: inner radius of the expanded n-simplex of circumradius one
TABLE_4_1 = {2: 3 / 4, 3: 4 / 8, 4: 5 / 12, 5: 6 / 18, 6: 7 / 24, 7: 8 / 32, 8: 9 / 40, 9: 10 / 50, 10: 11 / 60}


@pytest.mark.parametrize("n", range(2, 11))
def test_constructed_ratio_matches_eq_4_12_and_table_4_1(n: int) -> None:
    res = annulus_network(n)
    assert res.ratio == pytest.approx(expanded_simplex_ratio(n), rel=1e-9)
    assert 1 / res.ratio == pytest.approx(math.sqrt(TABLE_4_1[n]), rel=1e-9)
    assert res.width == n + 1 == res.network.hidden_widths[0]


def test_ratio_grows_like_sqrt_n() -> None:
    for n in (10, 40, 160):
        r = expanded_simplex_ratio(n) / math.sqrt(n)
        assert r == pytest.approx(1 / math.sqrt(2), rel=0.1)
        assert hyperoctahedron_ratio(n) == math.sqrt(n)


@pytest.mark.parametrize("n", [2, 3, 5, 8])
def test_network_separates_iff_gap_exceeds_ratio(n: int) -> None:
    ratio = expanded_simplex_ratio(n)
    ok = annulus_network(n, r1=0.5, r2=0.5 * ratio * 1.02)
    assert ok.separates
    data = sphere_shell(n, 4000, radii=(0.5, 0.5 * ratio * 1.02, 0.5 * ratio * 1.5), seed=n)
    out = ok.network.forward(data.X).ravel()
    assert np.array_equal(out > 0, data.y == 0)
    # boundary points of the ball and the shell too
    rng = np.random.default_rng(n)
    u = rng.standard_normal((3000, n))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    assert np.all(ok.network.forward(0.5 * u) > 0)
    assert np.all(ok.network.forward(ok.r2 * u) < 0)
    bad = annulus_network(n, r1=0.5, r2=0.5 * ratio * 0.98)
    assert not bad.separates
    # and a shell point it misclassifies exists: a vertex direction of the polytope
    A = simplex_vertices(n)
    worst = min(
        (np.linalg.svd(A[list(S)])[2][-1] for S in __import__("itertools").combinations(range(n + 1), n - 1)),
        key=lambda v: np.maximum(A @ v, 0).sum() / np.linalg.norm(v),
    ) if n > 1 else np.ones(1)
    worst = worst / np.linalg.norm(worst)
    assert bad.network.forward(bad.r2 * worst).item() > 0


def test_two_d_radii_are_the_dissertations() -> None:
    assert shell_radii(2) == pytest.approx((0.5, 0.5 * math.sqrt(2), 1.0))
    d = sphere_shell(2, 2000, seed=0)
    r = np.linalg.norm(d.X, axis=1)
    ref = np.linalg.norm(circle_annulus(2000, seed=0).X, axis=1)
    for radii in (r, ref):
        assert radii.max() <= 1.0 + 1e-12
        assert np.all((radii <= 0.5) | (radii >= 0.5 * math.sqrt(2) - 1e-12))


def test_uniform_in_volume_and_normalised() -> None:
    d = sphere_shell(3, 20000, seed=1)
    r = np.linalg.norm(d.X[d.y == 0], axis=1)
    # uniform in the ball: P(r < r1 / 2) = 1/8
    assert np.mean(r < 0.25) == pytest.approx(1 / 8, abs=0.02)
    assert sphere_shell(3, 500, normalize=True, seed=2).X.std() == pytest.approx(1.0)


def test_bad_radii() -> None:
    with pytest.raises(DatasetError):
        sphere_shell(2, 100, radii=(1.0, 0.5, 2.0))
    with pytest.raises(DatasetError):
        annulus_network(3, r1=1.0, r2=0.5)
