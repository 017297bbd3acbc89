"""Input domains: boxes, L-infinity balls, affine subspaces through samples, polytopes.

Every domain exposes an affine *chart*: ``x = origin + basis @ t`` with ``t`` in a
parameter polytope ``{t : lower <= t <= upper, A t <= b}`` of the domain's intrinsic
dimension.  Algorithms work in chart coordinates on the pulled-back network
``net.with_input_map(chart.origin, chart.basis)``; a region is counted when it is
full-dimensional *in the chart*, i.e. relative to the domain (Cai et al. 2023, Sec. 5).

JSON forms (also accepted by the CLI's ``--domain``)::

    {"type": "box", "lower": [...], "upper": [...]}
    {"type": "ball", "center": [...], "radius": r, "clip": [lo, hi]}   # clip optional
    {"type": "subspace", "points": [[...], ...], "coefficient_bounds": [lo, hi]}
    {"type": "polytope", "A": [[...], ...], "b": [...]}
    {"type": "space", "dim": n}                # all of R^n; "dim" may be left out
    "box:LO,HI"                                # every coordinate in [LO, HI]
    "space"                                    # all of R^n0 (the network's input space)

In ``subspace``, the points ``p_0, ..., p_S`` span
``{p_0 + sum_i a_i (p_i - p_0) : lo <= a_i <= hi}`` (Cai et al. 2023, eq. 14);
``coefficient_bounds`` may be omitted (or use ``null``) for the whole line/plane, as in
Hanin & Rolnick's cross-sections.
"""

from __future__ import annotations

import abc
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

import numpy as np

from ._registry import Registry
from ._results import to_jsonable
from ._typing import ArrayLike, BoolArray, DomainLike, FloatArray, Seed
from .exceptions import DimensionError, DomainError, EmptyDomainError
from .polytope import Chart, chart_sampler, chebyshev_center, lp_min

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

__all__ = [
    "Domain",
    "Chart",
    "Box",
    "LInfBall",
    "AffineSubspace",
    "Polytope",
    "Space",
    "parse_domain",
    "DOMAIN_TYPES",
    "INTERIOR_TOL",
    "chart_sampler",
]

#: A polytope domain must contain a ball of at least this radius (in its own
#: coordinates) to count as full-dimensional; smaller ones are reported as empty.
INTERIOR_TOL = 1e-9


def _flat(x: Any) -> Any:
    """``x`` as a flat float array when it is a numeric array of any shape, else ``x`` unchanged."""
    try:
        return np.asarray(x, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        return x


def _vector(x: Any, name: str, dim: int | None = None) -> FloatArray:
    try:
        arr = np.array(x, dtype=np.float64).reshape(-1) if np.ndim(x) <= 1 else None
    except (TypeError, ValueError):
        raise DomainError(f"{name} must be a list of numbers") from None
    if arr is None:
        raise DomainError(f"{name} must be a vector, got an array of shape {np.shape(x)}")
    if np.any(np.isnan(arr)):
        raise DomainError(f"{name} contains NaN")
    if dim is not None and arr.size != dim:
        raise DimensionError(f"{name} has {arr.size} entries, expected {dim}")
    arr.setflags(write=False)
    return arr


class Domain(abc.ABC):
    """An input domain of a network: a convex set in ``R^{n0}`` with an affine chart."""

    type_name: ClassVar[str]

    @property
    @abc.abstractmethod
    def ambient_dim(self) -> int:
        """Dimension of the input space the domain lives in."""

    @abc.abstractmethod
    def _build_chart(self) -> Chart:
        """Build the affine coordinates of the domain; :meth:`chart` caches the result."""

    def chart(self) -> Chart:
        """Affine coordinates of the domain (see :class:`~relu_regions.polytope.Chart`).

        Built on first use and cached: a domain is data, so its chart (and the chart's
        bounding box, which may need LPs) is computed once per domain object.
        """
        ch = self.__dict__.get("_chart")
        if ch is None:
            ch = self.__dict__["_chart"] = self._build_chart()
        return ch

    @abc.abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """The JSON form accepted by :func:`parse_domain`."""

    @property
    def dim(self) -> int:
        """Intrinsic dimension of the domain."""
        return self.chart().dim

    @property
    def bounded(self) -> bool:
        return self.chart().bounded

    def check_network(self, net: Network) -> None:
        """Raise :class:`DimensionError` unless the domain lives in ``net``'s input space."""
        if self.ambient_dim != net.input_dim:
            raise DimensionError(
                f"the domain lives in {self.ambient_dim} dimensions but the network takes "
                f"{net.input_dim} inputs"
            )

    def contains(self, x: ArrayLike, *, tol: float = 1e-9) -> BoolArray:
        """Whether each point of ``x`` ``(N, n0)`` (or one ``(n0,)``) lies in the domain."""
        x = np.asarray(x, dtype=np.float64)
        single = x.ndim == 1
        X = np.atleast_2d(x)
        if X.shape[1] != self.ambient_dim:
            raise DimensionError(f"points have {X.shape[1]} coordinates, expected {self.ambient_dim}")
        ch = self.chart()
        t, *_ = np.linalg.lstsq(ch.basis, (X - ch.origin).T, rcond=None)
        t = t.T
        on_flat = np.linalg.norm(ch.to_ambient(t) - X, axis=1) <= tol * (1 + np.abs(X).max(axis=1))
        G, h = ch.halfspaces()
        inside = np.all(t @ G.T <= h + tol, axis=1) if G.shape[0] else np.ones(len(X), bool)
        out = on_flat & inside
        return cast(BoolArray, out[0] if single else out)

    def bounding_box(self) -> tuple[FloatArray, FloatArray]:
        """The tightest axis-aligned box ``(lower, upper)`` containing the domain (may be infinite).

        ``2 n0`` LPs on first use (each input coordinate optimised over the chart's parameter
        polytope), then cached.
        """
        box = self.__dict__.get("_bounding_box")
        if box is None:
            ch = self.chart()
            G, h = ch.halfspaces()
            n = self.ambient_dim
            lo = np.empty(n)
            hi = np.empty(n)
            for i in range(n):
                c = ch.basis[i]
                lo[i] = ch.origin[i] + lp_min(c, G, h)
                hi[i] = ch.origin[i] - lp_min(-c, G, h)
            box = self.__dict__["_bounding_box"] = (lo, hi)
        return box[0].copy(), box[1].copy()

    def sample(self, n: int, *, seed: Seed = None) -> FloatArray:
        """``n`` points drawn uniformly from the (bounded) domain, shape ``(n, n0)``."""
        ch = self.chart()
        rng = np.random.default_rng(seed)
        t = chart_sampler(ch, rng)(int(n))
        return ch.to_ambient(t)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.dim}, ambient_dim={self.ambient_dim})"


# --------------------------------------------------------------------------- concrete domains
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


# --------------------------------------------------------------------------- parsing
DOMAIN_TYPES: Registry[type] = Registry("domain type")
DOMAIN_TYPES.add("box", Box, help="axis-aligned box")
DOMAIN_TYPES.add("ball", LInfBall, help="L-infinity ball around a point")
DOMAIN_TYPES.add("subspace", AffineSubspace, help="affine hull of sample points, bounded")
DOMAIN_TYPES.add("polytope", Polytope, help="{x : A x <= b}")
DOMAIN_TYPES.add("space", Space, help="the whole input space R^n (dim taken from the network when left out)")


def _keys(d: dict[str, Any], required: set[str], optional: set[str]) -> None:
    missing = required - set(d)
    if missing:
        raise DomainError(f"{d.get('type')} domain is missing {', '.join(sorted(missing))}")
    extra = set(d) - required - optional - {"type"}
    if extra:
        raise DomainError(f"{d.get('type')} domain has unknown keys: {', '.join(sorted(extra))}")


def parse_domain(spec: DomainLike | os.PathLike[str], *, input_dim: int | None = None) -> Domain:
    """Build a :class:`Domain` from a dict, a JSON string, a JSON file path or a shorthand.

    The shorthands ``box:LO,HI`` (every coordinate in ``[LO, HI]``) and ``space`` (all of
    ``R^n``) need ``input_dim``.

    Examples
    --------
    >>> parse_domain("box:-1,1", input_dim=3).upper.tolist()
    [1.0, 1.0, 1.0]
    >>> parse_domain({"type": "ball", "center": [0, 0], "radius": 0.5}).lower.tolist()
    [-0.5, -0.5]
    """
    if isinstance(spec, Domain):
        dom = spec
    elif isinstance(spec, dict):
        t = spec.get("type")
        if not isinstance(t, str):
            raise DomainError(
                f"domain needs a 'type' key, one of: {', '.join(DOMAIN_TYPES)}"
            )
        try:
            cls = DOMAIN_TYPES[t]
        except Exception as exc:
            raise DomainError(str(exc)) from None
        if cls is Space and "dim" not in spec:
            if input_dim is None:
                raise DomainError('a space domain needs "dim" (or the network\'s input dimension)')
            spec = {**spec, "dim": input_dim}
        dom = cls.from_dict(spec)  # type: ignore[attr-defined]
    elif isinstance(spec, (str, Path)):
        s = str(spec).strip()
        if s.startswith("box:"):
            if input_dim is None:
                raise DomainError("the shorthand box:LO,HI needs the network's input dimension")
            parts = s[4:].split(",")
            try:
                lo, hi = (float(p) for p in parts)
            except ValueError:
                raise DomainError(f"bad shorthand {s!r}; expected box:LO,HI such as box:-1,1") from None
            dom = Box(np.full(input_dim, lo), np.full(input_dim, hi))
        elif s == "space":
            if input_dim is None:
                raise DomainError("the shorthand 'space' needs the network's input dimension")
            dom = Space(input_dim)
        elif s.startswith("{"):
            try:
                dom = parse_domain(json.loads(s), input_dim=input_dim)
            except json.JSONDecodeError as exc:
                raise DomainError(f"domain is not valid JSON: {exc.msg} at position {exc.pos}") from None
        else:
            p = Path(s)
            if not p.is_file():
                raise DomainError(
                    f"domain {s!r} is neither a JSON file, a JSON object nor a shorthand like box:-1,1"
                )
            try:
                data = json.loads(p.read_text())
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise DomainError(f"{p}: not valid JSON ({exc})") from None
            dom = parse_domain(data, input_dim=input_dim)
    else:
        raise DomainError(f"cannot make a domain from {type(spec).__name__}")
    if input_dim is not None and dom.ambient_dim != input_dim:
        raise DimensionError(
            f"the domain lives in {dom.ambient_dim} dimensions but the network takes {input_dim} inputs"
        )
    return dom
