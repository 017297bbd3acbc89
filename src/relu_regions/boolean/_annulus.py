"""Hypersphere versus hypershell in n dimensions and its width n+1 network (Sattelberg ch. 4).

The data (Sec. 4.2): class 0 uniform in the ball ``|x| <= r1``, class 1 uniform in the
shell ``r2 <= |x| <= r3``.  By default the radii generalise the 2-D choice of Sec. 4.2.1
(``r1 = 0.5``, ``r2 = sqrt(2) r1``, ``r3 = sqrt(2) r2``: circle, gap and annulus of equal
area) to equal *volumes*, ``r2 = 2^(1/n) r1`` and ``r3 = 2^(1/n) r2``; in 2-D this is the
dissertation's (and :func:`relu_regions.data.circle_annulus`'s) problem.

The construction (Sec. 4.1): with ``a_1, ..., a_{n+1}`` the unit vertices of a regular
simplex centred at the origin (``sum_i a_i = 0``),

.. math::

    h(x) = \\sum_{i=1}^{n+1} \\operatorname{ReLU}(a_i^\\top x)
         = \\max_{S} \\Bigl(\\sum_{i \\in S} a_i\\Bigr)^\\top x

is a norm whose unit ball is the uniform expanded ``n``-simplex (hexagon, cuboctahedron,
...; its facets are the ``2^{n+1} - 2`` sums ``u_S``), so ``v(x) = c - h(x)`` is a width
``n + 1`` one-hidden-layer ReLU network positive exactly on ``{h < c}``.  The largest ball
inside ``{h <= 1}`` has radius ``rho = 1 / max_S |u_S|`` and the smallest ball around it
radius ``R = 1 / min_{|x|=1} h(x)`` (the polar zonotope's inradius, attained at normals of
spans of ``n - 1`` of the ``a_i``).  The network separates the ball from the shell iff
``r2 / r1 > R / rho``; eq. (4.12) gives this ratio in closed form,

.. math::

    \\frac{R}{\\rho} = \\sqrt{\\frac{n(n+2) + \\tfrac12 (1 - (-1)^n)}{2(n+1)}} = \\Theta(\\sqrt n),

against ``sqrt(n)`` for the regular hyperoctahedron (eq. 4.5).
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np

from .._results import FrozenResult
from .._typing import FloatArray, Seed
from ..data import Dataset
from ..exceptions import DatasetError
from ..network import Network

__all__ = [
    "sphere_shell",
    "shell_radii",
    "simplex_vertices",
    "expanded_simplex_ratio",
    "hyperoctahedron_ratio",
    "AnnulusNetwork",
    "annulus_network",
]

#: Inner radius of the 2-D problem (Sec. 4.2.1), kept in every dimension.
R1 = 0.5


def shell_radii(n_dim: int, r1: float = R1) -> tuple[float, float, float]:
    """Equal-volume radii ``(r1, 2^(1/n) r1, 4^(1/n) r1)``; ``n = 2`` gives Sec. 4.2.1's."""
    f = 2.0 ** (1.0 / n_dim)
    return r1, r1 * f, r1 * f * f


def _uniform_shell(rng: np.random.Generator, n: int, d: int, r_in: float, r_out: float) -> FloatArray:
    g = rng.standard_normal((n, d))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    r = rng.uniform(r_in**d, r_out**d, size=n) ** (1.0 / d)
    return g * r[:, None]  # type: ignore[no-any-return]


def sphere_shell(
    n_dim: int,
    n: int = 1000,
    *,
    radii: tuple[float, float, float] | None = None,
    seed: Seed = 0,
    test_fraction: float = 0.2,
    normalize: bool = False,
) -> Dataset:
    """Ball (class 0) versus surrounding shell (class 1) in ``n_dim`` dimensions, half each.

    ``normalize`` rescales the coordinates to standard deviation one (Sec. 4.2.1,
    "normalised").

    Examples
    --------
    >>> d = sphere_shell(3, 200, seed=1)
    >>> d.X.shape, d.num_classes
    ((200, 3), 2)
    """
    if n_dim < 1 or n < 2:
        raise DatasetError(f"need n_dim >= 1 and at least 2 samples, got n_dim={n_dim}, n={n}")
    r1, r2, r3 = radii if radii is not None else shell_radii(n_dim)
    if not 0 < r1 < r2 < r3:
        raise DatasetError(f"radii must satisfy 0 < r1 < r2 < r3, got {(r1, r2, r3)}")
    rng = np.random.default_rng(seed)
    n0 = n // 2
    X = np.vstack([_uniform_shell(rng, n0, n_dim, 0.0, r1), _uniform_shell(rng, n - n0, n_dim, r2, r3)])
    y = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n - n0, dtype=np.int64)])
    perm = rng.permutation(n)
    X, y = X[perm], y[perm]
    if normalize:
        X = X / X.std()
    n_test = int(round(test_fraction * n))
    return Dataset(
        f"sphere-shell-{n_dim}d",
        X,
        y,
        n_train=n - n_test,
        class_names=("ball", "shell"),
        description=f"ball r<{r1:.3g} vs shell {r2:.3g}<r<{r3:.3g} in {n_dim}-D (Sattelberg ch. 4)",
    )


def simplex_vertices(n_dim: int) -> FloatArray:
    """``n + 1`` unit vectors in ``R^n`` with pairwise inner products ``-1/n`` (sum zero)."""
    E = np.eye(n_dim + 1) - 1.0 / (n_dim + 1)
    # orthonormal basis of the hyperplane sum = 0
    Q = np.linalg.svd(E)[0][:, :n_dim]
    V = E @ Q
    return V / np.linalg.norm(V, axis=1, keepdims=True)  # type: ignore[no-any-return]


def expanded_simplex_ratio(n_dim: int) -> float:
    """Eq. (4.12): circumradius over inradius of the uniform expanded ``n``-simplex."""
    n = n_dim
    return math.sqrt((n * (n + 2) + 0.5 * (1 - (-1) ** n)) / (2 * (n + 1)))


def hyperoctahedron_ratio(n_dim: int) -> float:
    """Eq. (4.5): circumradius over inradius of the regular hyperoctahedron, ``sqrt(n)``."""
    return math.sqrt(n_dim)


def _radii_of_unit_ball(A: FloatArray) -> tuple[float, float]:
    """(rho, R) of ``{x : sum_i relu(a_i x) <= 1}`` for rows ``a_i`` summing to zero."""
    m, n = A.shape
    best_u = 0.0
    for k in range(1, m):
        for S in itertools.combinations(range(m), k):
            best_u = max(best_u, float(np.linalg.norm(A[list(S)].sum(axis=0))))
    h_min = math.inf
    for S in itertools.combinations(range(m), n - 1):
        if n == 1:
            nu = np.ones(1)
        else:
            nu = np.linalg.svd(A[list(S)])[2][-1]
        h_min = min(h_min, float(np.maximum(A @ nu, 0.0).sum()))
    return 1.0 / best_u, 1.0 / h_min


@dataclasses.dataclass(frozen=True)
class AnnulusNetwork(FrozenResult):
    """The width ``n + 1`` network ``c - sum_i relu(a_i^T x)`` for given radii.

    ``inradius``/``circumradius`` are those of its positive region ``{h < c}``; ``ratio``
    their quotient (eq. 4.12); ``separates`` says whether ``inradius > r1`` and
    ``circumradius < r2``, i.e. every point of the ball is positive and every point of the
    shell negative.
    """

    network: Network = dataclasses.field(metadata={"json": False})
    n_dim: int
    width: int
    r1: float
    r2: float
    level: float
    inradius: float
    circumradius: float
    ratio: float
    ratio_eq_4_12: float
    separates: bool


def annulus_network(n_dim: int, *, r1: float = R1, r2: float | None = None) -> AnnulusNetwork:
    """Build the expanded-simplex network for the ball ``r1`` and shell starting at ``r2``.

    The level ``c`` is the geometric mean of the feasible range ``(r1 / rho, r2 / R)`` when
    it is nonempty (and of the two ends anyway, with ``separates=False``, when not).

    Examples
    --------
    >>> res = annulus_network(2)            # r2 = sqrt(2) r1 > (2/sqrt(3)) r1
    >>> res.width, res.separates, round(res.ratio, 4)
    (3, True, 1.1547)
    >>> annulus_network(8, r2=0.5 * 1.5).separates  # ratio 2.06 needed in 8-D
    False
    """
    if n_dim < 1:
        raise DatasetError(f"n_dim must be positive, got {n_dim}")
    r2 = shell_radii(n_dim, r1)[1] if r2 is None else float(r2)
    if not 0 < r1 < r2:
        raise DatasetError(f"need 0 < r1 < r2, got r1={r1}, r2={r2}")
    A = simplex_vertices(n_dim)
    rho, R = _radii_of_unit_ball(A)
    lo, hi = r1 / rho, r2 / R
    c = math.sqrt(lo * hi)
    net = Network([A, -np.ones((1, n_dim + 1))], [np.zeros(n_dim + 1), np.array([c])],
                  name=f"expanded-simplex-{n_dim}d")
    return AnnulusNetwork(
        network=net,
        n_dim=n_dim,
        width=n_dim + 1,
        r1=r1,
        r2=r2,
        level=c,
        inradius=c * rho,
        circumradius=c * R,
        ratio=R / rho,
        ratio_eq_4_12=expanded_simplex_ratio(n_dim),
        separates=bool(c * rho > r1 and c * R < r2),
    )
