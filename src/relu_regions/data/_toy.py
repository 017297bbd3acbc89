"""Toy datasets: 2-D classification problems and 1-D sine regression.

The circle-versus-annulus and sine problems follow Sattelberg's dissertation
(*Local linearity of ReLU networks*): Sec. 4.2.1 (circle of radius ``r1 = 0.5``, annulus
between ``r2 = sqrt(2) r1`` and ``r3 = sqrt(2) r2``, so circle, gap and annulus have equal
areas; half the samples uniform in each) and Sec. 5.3 (``sin`` on ``[-pi, pi]`` at 100
uniformly spaced points).  XOR uses the dissertation's rescaled inputs in ``[-1, 1]^2``
(Fig. 5.2): the class of a point is the XOR of the signs of its coordinates.  The
"circle + XOR" problem is shown only as a picture in the dissertation (Fig. 6.1, right:
"a combination of the center problem with the XOR problem"); we define it as the XOR
labelling of the square with the labels flipped inside the central circle of radius
``r1``, i.e. ``y = [x1 > 0] xor [x2 > 0] xor [|x| < r1]``.
"""

from __future__ import annotations

import math

import numpy as np

from .._typing import Seed
from ..exceptions import DatasetError
from ._dataset import Dataset

__all__ = ["circle_annulus", "xor", "circle_xor", "random_labels", "sine"]

#: Radius of the inner circle (Sattelberg, Sec. 4.2.1).
R1 = 0.5


def _check_n(n: int, minimum: int = 2) -> int:
    n = int(n)
    if n < minimum:
        raise DatasetError(f"a toy dataset needs at least {minimum} samples, got {n}")
    return n


def _uniform_disk(rng: np.random.Generator, n: int, r_in: float, r_out: float) -> np.ndarray:
    """``n`` points uniform in the annulus ``r_in <= |x| <= r_out`` (a disk for ``r_in = 0``)."""
    r = np.sqrt(rng.uniform(r_in**2, r_out**2, size=n))
    phi = rng.uniform(0.0, 2.0 * math.pi, size=n)
    return np.column_stack([r * np.cos(phi), r * np.sin(phi)])


def circle_annulus(n: int = 1000, *, seed: Seed = 0, test_fraction: float = 0.2) -> Dataset:
    """Circle (class 0) versus the surrounding annulus (class 1), half the samples each.

    Radii ``r1 = 0.5``, ``r2 = sqrt(2) r1``, ``r3 = sqrt(2) r2 = 1`` (Sattelberg, Sec. 4.2.1).

    Examples
    --------
    >>> d = circle_annulus(100, seed=1)
    >>> d.X.shape, d.num_classes, bool(abs(d.X).max() <= 1.0)
    ((100, 2), 2, True)
    """
    n = _check_n(n)
    rng = np.random.default_rng(seed)
    r2 = math.sqrt(2.0) * R1
    r3 = math.sqrt(2.0) * r2
    k = n // 2
    X = np.vstack([_uniform_disk(rng, k, 0.0, R1), _uniform_disk(rng, n - k, r2, r3)])
    y = np.r_[np.zeros(k, dtype=np.int64), np.ones(n - k, dtype=np.int64)]
    return Dataset.from_arrays(
        "circle-annulus",
        X,
        y,
        test_fraction=test_fraction,
        seed=rng,
        class_names=("circle", "annulus"),
        description="circle r<0.5 vs annulus 0.71<r<1 (Sattelberg Sec. 4.2.1)",
    )


def xor(n: int = 1000, *, seed: Seed = 0, test_fraction: float = 0.2) -> Dataset:
    """Uniform points in ``[-1, 1]^2`` labelled ``[x1 > 0] xor [x2 > 0]``.

    Examples
    --------
    >>> d = xor(8, seed=0)
    >>> bool(np.all(d.y == ((d.X[:, 0] > 0) ^ (d.X[:, 1] > 0))))
    True
    """
    n = _check_n(n)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)
    return Dataset.from_arrays(
        "xor",
        X,
        y,
        test_fraction=test_fraction,
        seed=rng,
        description="XOR of the coordinate signs on [-1, 1]^2",
    )


def circle_xor(n: int = 1000, *, seed: Seed = 0, test_fraction: float = 0.2) -> Dataset:
    """XOR on ``[-1, 1]^2`` with the labels flipped inside the circle of radius 0.5.

    ``y = [x1 > 0] xor [x2 > 0] xor [|x| < 0.5]``; see the module docstring for why this
    is our reading of Sattelberg's Fig. 6.1 (right).
    """
    n = _check_n(n)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    inside = np.hypot(X[:, 0], X[:, 1]) < R1
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0) ^ inside).astype(np.int64)
    return Dataset.from_arrays(
        "circle-xor",
        X,
        y,
        test_fraction=test_fraction,
        seed=rng,
        description="XOR on [-1, 1]^2 with labels flipped inside the circle r<0.5",
    )


def random_labels(
    n: int = 1000, *, dim: int = 2, num_classes: int = 2, seed: Seed = 0, test_fraction: float = 0.2
) -> Dataset:
    """Uniform points in ``[-1, 1]^dim`` with labels drawn independently of the points.

    A memorisation benchmark: no network can beat chance on the test set.
    """
    n = _check_n(n)
    if int(dim) < 1 or int(num_classes) < 2:
        raise DatasetError("random_labels needs dim >= 1 and num_classes >= 2")
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n, int(dim)))
    y = rng.integers(0, int(num_classes), size=n)
    return Dataset.from_arrays(
        "random-labels",
        X,
        y,
        test_fraction=test_fraction,
        seed=rng,
        description=f"uniform points in [-1, 1]^{int(dim)} with random labels",
    )


def sine(n: int = 100, *, noise: float = 0.0, seed: Seed = 0, test_fraction: float = 0.2) -> Dataset:
    """``y = sin(x)`` at ``n`` uniformly spaced ``x`` in ``[-pi, pi]`` (Sattelberg, Sec. 5.3).

    ``noise`` adds Gaussian noise of that standard deviation to the targets.

    Examples
    --------
    >>> d = sine(100)
    >>> d.task, d.output_dim, round(float(d.X.min()), 4)
    ('regression', 1, -3.1416)
    """
    n = _check_n(n)
    rng = np.random.default_rng(seed)
    x = np.linspace(-math.pi, math.pi, n)
    y = np.sin(x) + (rng.normal(0.0, float(noise), size=n) if noise else 0.0)
    return Dataset.from_arrays(
        "sine",
        x[:, None],
        y,
        test_fraction=test_fraction,
        seed=rng,
        task="regression",
        description="sin(x) at uniformly spaced points of [-pi, pi] (Sattelberg Sec. 5.3)",
    )
