"""The concrete domains: boxes, L-infinity balls, affine subspaces, polytopes, the whole space."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from .._results import to_jsonable
from .._typing import ArrayLike, BoolArray, FloatArray
from ..exceptions import DimensionError, DomainError, EmptyDomainError
from ..polytope import Chart, chebyshev_center
from ._base import INTERIOR_TOL, Domain, _flat, _keys, _vector

__all__ = ["Box", "LInfBall", "AffineSubspace", "Polytope", "Space"]


class Box(Domain):
    """The box ``{x : lower <= x <= upper}``; coordinates with ``lower == upper`` are fixed.

    Examples
    --------
    >>> Box([0, 0], [1, 2]).dim
    2
    >>> Box([0, 0], [1, 0]).dim
    1
    """

    type_name = "box"

    def __init__(self, lower: ArrayLike, upper: ArrayLike) -> None:
        lo = _vector(lower, "box lower")
        hi = _vector(upper, "box upper")
        if lo.shape != hi.shape:
            raise DimensionError(
                f"box lower has {lo.size} entries but upper has {hi.size}"
            )
        if lo.size == 0:
            raise DomainError("a box needs at least one coordinate")
        bad = np.flatnonzero(lo > hi)
        if bad.size:
            i = int(bad[0])
            raise EmptyDomainError(
                f"the box is empty: lower[{i}] = {lo[i]} > upper[{i}] = {hi[i]}"
            )
        if np.any(np.isinf(lo) & (lo == hi)):
            raise DomainError("a box coordinate cannot be fixed at an infinite value")
        self.lower = lo
        self.upper = hi

    @property
    def ambient_dim(self) -> int:
        return int(self.lower.size)

    def _build_chart(self) -> Chart:
        free = self.lower < self.upper
        origin = np.where(free, 0.0, self.lower)
        basis = np.eye(self.ambient_dim)[:, free]
        return Chart(
            origin, basis, self.lower[free], self.upper[free], np.zeros((0, int(free.sum()))), np.zeros(0)
        )

    def bounding_box(self) -> tuple[FloatArray, FloatArray]:
        return self.lower.copy(), self.upper.copy()

    def contains(self, x: ArrayLike, *, tol: float = 1e-9) -> BoolArray:
        X = np.asarray(x, dtype=np.float64)
        if X.shape[-1] != self.ambient_dim:
            raise DimensionError(f"points have {X.shape[-1]} coordinates, expected {self.ambient_dim}")
        return cast(BoolArray, np.all((X >= self.lower - tol) & (X <= self.upper + tol), axis=-1))

    def to_dict(self) -> dict[str, Any]:
        return {"type": "box", "lower": to_jsonable(self.lower), "upper": to_jsonable(self.upper)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Box:
        _keys(d, {"lower", "upper"}, set())
        return cls(d["lower"], d["upper"])

    def __repr__(self) -> str:
        return f"Box(dim={self.dim}, lower={self.lower.min():g}.., upper=..{self.upper.max():g})"


class LInfBall(Box):
    """The L-infinity ball ``{x : |x - center|_inf <= radius}``, optionally clipped to ``[lo, hi]``.

    Clipping keeps e.g. perturbed images inside the valid pixel range ``[0, 1]``.
    """

    type_name = "ball"

    def __init__(self, center: ArrayLike, radius: float, *, clip: Sequence[float] | None = None) -> None:
        c = _vector(_flat(center), "ball center")  # an image-shaped center is flattened
        try:
            r = float(radius)
        except (TypeError, ValueError):
            raise DomainError(f"ball radius must be a number, got {radius!r}") from None
        if not r > 0 or not math.isfinite(r):
            raise DomainError(f"ball radius must be positive and finite, got {radius}")
        lo, hi = c - r, c + r
        if clip is not None:
            if len(clip) != 2:
                raise DomainError("ball clip must be [lo, hi]")
            lo = np.maximum(lo, float(clip[0]))
            hi = np.minimum(hi, float(clip[1]))
        super().__init__(lo, hi)
        self.center = c
        self.radius = r
        self.clip = None if clip is None else (float(clip[0]), float(clip[1]))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": "ball", "center": to_jsonable(self.center), "radius": self.radius}
        if self.clip is not None:
            d["clip"] = list(self.clip)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LInfBall:
        _keys(d, {"center", "radius"}, {"clip"})
        return cls(d["center"], d["radius"], clip=d.get("clip"))

    def __repr__(self) -> str:
        return f"LInfBall(dim={self.dim}, radius={self.radius:g})"


class AffineSubspace(Domain):
    """``{p_0 + sum_i a_i (p_i - p_0) : lo_i <= a_i <= hi_i}`` through samples ``p_0..p_S``.

    Cai et al. (2023), eq. (14).  With infinite coefficient bounds (the default) this is the
    whole line/plane through the points, as in Hanin & Rolnick (2019).

    Parameters
    ----------
    points:
        ``S + 1`` affinely independent points, shape ``(S + 1, n0)``.
    coefficient_bounds:
        ``(lo, hi)`` for every coefficient, or ``(lo_vector, hi_vector)``; ``None`` for
        unbounded.

    Examples
    --------
    >>> seg = AffineSubspace([[0, 0], [1, 1]], coefficient_bounds=(0, 1))
    >>> seg.dim, seg.ambient_dim
    (1, 2)
    """

    type_name = "subspace"

    def __init__(self, points: ArrayLike, coefficient_bounds: Sequence[Any] | None = None) -> None:
        try:
            P = np.array(points, dtype=np.float64)
        except (TypeError, ValueError):
            raise DomainError("subspace points must be a list of equally long number lists") from None
        if P.ndim > 2:  # image-shaped points, e.g. (3, 1, 28, 28): flattened like the network's input
            P = P.reshape(P.shape[0], -1)
        if P.ndim != 2 or P.shape[0] < 2:
            raise DomainError(
                f"a subspace needs at least two points given as a (S+1, n0) array, got shape {P.shape}"
            )
        if not np.all(np.isfinite(P)):
            raise DomainError("subspace points must be finite")
        S = P.shape[0] - 1
        D = (P[1:] - P[0]).T
        if S > P.shape[1] or np.linalg.matrix_rank(D, tol=1e-10 * max(1.0, np.abs(D).max())) < S:
            raise DomainError(
                f"the {S + 1} subspace points are not affinely independent, so they do not "
                f"span a {S}-dimensional subspace"
            )
        if coefficient_bounds is None:
            lo = np.full(S, -math.inf)
            hi = np.full(S, math.inf)
        else:
            try:
                lo_raw, hi_raw = coefficient_bounds
            except (TypeError, ValueError):
                raise DomainError("coefficient_bounds must be [lo, hi]") from None
            lo = np.broadcast_to(_coef(lo_raw, -math.inf), (S,)).astype(float)
            hi = np.broadcast_to(_coef(hi_raw, math.inf), (S,)).astype(float)
            if np.any(lo >= hi):
                raise EmptyDomainError(
                    "coefficient_bounds must have lo < hi for the subspace to be full-dimensional"
                )
        P.setflags(write=False)
        self.points = P
        self.coefficient_lower = lo
        self.coefficient_upper = hi

    @classmethod
    def through_origin(
        cls, points: ArrayLike, coefficient_bounds: Sequence[Any] | None = None
    ) -> AffineSubspace:
        """The subspace through the origin and ``points`` (Hanin & Rolnick's cross-sections)."""
        P = np.atleast_2d(np.asarray(points, dtype=np.float64))
        return cls(np.vstack([np.zeros(P.shape[1]), P]), coefficient_bounds)

    @property
    def ambient_dim(self) -> int:
        return int(self.points.shape[1])

    def _build_chart(self) -> Chart:
        S = self.points.shape[0] - 1
        return Chart(
            self.points[0],
            (self.points[1:] - self.points[0]).T,
            self.coefficient_lower,
            self.coefficient_upper,
            np.zeros((0, S)),
            np.zeros(0),
        )

    def to_dict(self) -> dict[str, Any]:
        lo, hi = self.coefficient_lower, self.coefficient_upper
        bounds: Any
        if np.all(np.isinf(lo)) and np.all(np.isinf(hi)):
            bounds = None
        elif np.all(lo == lo[0]) and np.all(hi == hi[0]):
            bounds = [_jcoef(lo[0]), _jcoef(hi[0])]
        else:
            bounds = [[_jcoef(v) for v in lo], [_jcoef(v) for v in hi]]
        return {"type": "subspace", "points": to_jsonable(self.points), "coefficient_bounds": bounds}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AffineSubspace:
        _keys(d, {"points"}, {"coefficient_bounds"})
        return cls(d["points"], d.get("coefficient_bounds"))


def _coef(v: Any, default: float) -> Any:
    if v is None:
        return default
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            raise DomainError(f"bad coefficient bound {v!r}") from None
    arr = np.asarray(v, dtype=object)
    if arr.ndim:
        return np.array([default if e is None else float(e) for e in arr], dtype=float)
    return float(v)


def _jcoef(v: float) -> float | None:
    return None if math.isinf(v) else float(v)


class Polytope(Domain):
    """The polytope ``{x : A x <= b}``; must have a non-empty interior.

    Examples
    --------
    >>> tri = Polytope([[-1, 0], [0, -1], [1, 1]], [0, 0, 1])
    >>> bool(tri.contains([0.2, 0.2]))
    True
    """

    type_name = "polytope"

    def __init__(self, A: ArrayLike, b: ArrayLike) -> None:
        try:
            AA = np.array(A, dtype=np.float64)
        except (TypeError, ValueError):
            raise DomainError("polytope A must be a matrix of numbers") from None
        if AA.ndim != 2 or AA.shape[0] == 0 or AA.shape[1] == 0:
            raise DomainError(f"polytope A must be a non-empty matrix, got shape {AA.shape}")
        bb = _vector(b, "polytope b", AA.shape[0])
        if not (np.all(np.isfinite(AA)) and np.all(np.isfinite(bb))):
            raise DomainError("polytope A and b must be finite")
        AA.setflags(write=False)
        self.A = AA
        self.b = bb
        # The one LP a domain solves when built: a polytope without interior is an error the
        # caller must see at construction.  Centre and radius are kept for later use.
        center, radius = chebyshev_center(AA, bb)
        center.setflags(write=False)
        self.chebyshev_center = center
        self.chebyshev_radius = radius
        if radius <= INTERIOR_TOL:
            raise EmptyDomainError(
                "the polytope {x : A x <= b} has no interior (it is empty or lower-dimensional); "
                "use a subspace domain for lower-dimensional slices"
            )

    @property
    def ambient_dim(self) -> int:
        return int(self.A.shape[1])

    def _build_chart(self) -> Chart:
        n = self.ambient_dim
        inf = np.full(n, math.inf)
        return Chart(np.zeros(n), np.eye(n), -inf, inf, self.A, self.b)

    def to_dict(self) -> dict[str, Any]:
        return {"type": "polytope", "A": to_jsonable(self.A), "b": to_jsonable(self.b)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Polytope:
        _keys(d, {"A", "b"}, set())
        return cls(d["A"], d["b"])


class Space(Domain):
    """The whole input space ``R^n``: every activation region, bounded or not.

    Counting over ``R^n`` (as relucent and Hanin & Rolnick's whole-space counts do) needs no
    window: the exact engines that accept unbounded domains (``geometric`` for ``n <= 2``,
    ``lp`` in any dimension) certify the unbounded regions directly.  Its JSON form is
    ``{"type": "space", "dim": n}``; ``parse_domain`` fills in ``dim`` from the network (and
    accepts the shorthand ``"space"``).

    Examples
    --------
    >>> Space(3).dim, Space(3).bounded
    (3, False)
    >>> Space(2).to_dict()
    {'type': 'space', 'dim': 2}
    """

    type_name = "space"

    def __init__(self, dim: int) -> None:
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or int(dim) < 1:
            raise DomainError(f"space dim must be a positive integer, got {dim!r}")
        self._dim = int(dim)

    @property
    def ambient_dim(self) -> int:
        return self._dim

    def _build_chart(self) -> Chart:
        n = self._dim
        inf = np.full(n, math.inf)
        return Chart(np.zeros(n), np.eye(n), -inf, inf, np.zeros((0, n)), np.zeros(0))

    def bounding_box(self) -> tuple[FloatArray, FloatArray]:
        return np.full(self._dim, -math.inf), np.full(self._dim, math.inf)

    def contains(self, x: ArrayLike, *, tol: float = 1e-9) -> BoolArray:
        X = np.asarray(x, dtype=np.float64)
        if X.shape[-1] != self._dim:
            raise DimensionError(f"points have {X.shape[-1]} coordinates, expected {self._dim}")
        return cast(BoolArray, np.all(np.isfinite(X), axis=-1))

    def to_dict(self) -> dict[str, Any]:
        return {"type": "space", "dim": self._dim}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Space:
        _keys(d, {"dim"}, set())
        return cls(d["dim"])

    def __repr__(self) -> str:
        return f"Space(dim={self._dim})"
