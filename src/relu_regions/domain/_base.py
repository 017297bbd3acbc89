"""The abstract :class:`Domain`: a convex set in input space with an affine chart.

Domains are data: the chart and the bounding box are computed on first use and cached
(see :meth:`Domain.chart`).  The geometry itself (charts, LPs, sampling) lives in
:mod:`relu_regions.polytope`.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, ClassVar, cast

import numpy as np

from .._typing import ArrayLike, BoolArray, FloatArray, Seed
from ..exceptions import DimensionError, DomainError
from ..polytope import Chart, chart_sampler, lp_min

if TYPE_CHECKING:  # pragma: no cover
    from ..network import Network

__all__ = ["Domain", "INTERIOR_TOL"]

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



def _keys(d: dict[str, Any], required: set[str], optional: set[str]) -> None:
    missing = required - set(d)
    if missing:
        raise DomainError(f"{d.get('type')} domain is missing {', '.join(sorted(missing))}")
    extra = set(d) - required - optional - {"type"}
    if extra:
        raise DomainError(f"{d.get('type')} domain has unknown keys: {', '.join(sorted(extra))}")
