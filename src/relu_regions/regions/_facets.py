"""Facets of a polytope ``{t : G t <= h}`` around a known interior point.

Each finder returns the *facet-defining* rows (one representative per group of coincident
rows) and, for each, a point in the facet's relative interior: that is all the LP
traversal needs to cross into the neighbouring region.  Three finders, registered by
name in ``FACET_METHODS`` and chosen by dimension (measured in
``benchmarks/bench_count_nd.py``; see ``../shared/SOLVERS.md``):

``interval`` (k = 1)
    the two end points of an interval, directly.
``qhull`` (2 <= k <= 8)
    polar duality: with ``s = h - G t0 > 0`` the dual points ``G_i / s_i`` have the convex
    hull whose vertices are exactly the facet rows and whose facets are the polytope's
    vertices (``t0 - n / d`` for a dual facet ``n . y + d = 0``).  One Qhull call per region;
    the centroid of a facet's vertices lies in its relative interior.  Cost grows with the
    number of vertices, while the LP finder costs about 0.3 ms per non-facet row: on n0-8-8-1
    nets Qhull processes about 7,000 regions/s at k = 5, 900 at k = 8 and 350 at k = 9, the LP
    finder about 400 at every k (``benchmarks/results/count_nd.txt``), hence the switch above 8.
``lp``
    ray shooting from ``t0`` along every row normal confirms most facets for free (the first
    hyperplane hit, strictly before every other, is a facet and the hit point lies in its
    relative interior); each remaining row gets one LP, the Chebyshev ball of the row's
    hyperplane section, ``max r  s.t.  G_j t = h_j,  G_i t + |G_i| r <= h_i``, and is a facet
    iff ``r > RADIUS_TOL * scale`` (Caron, McDonald & Ponic 1989, redundancy by LP).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from .._registry import Registry
from .._typing import FloatArray
from ..exceptions import DomainError, SolverError
from ._facet_rows import Facets, _row_norms
from ._facets_lp import facets_lp
from ._polytope import RADIUS_TOL

__all__ = [
    "Facets",
    "FacetFinder",
    "find_facets",
    "facet_method",
    "FACET_METHODS",
    "QHULL_MAX_DIM",
    "default_facet_method",
]

#: Largest chart dimension for which ``qhull`` is the default facet finder.
QHULL_MAX_DIM = 8


def default_facet_method(k: int) -> str:
    return "interval" if k == 1 else ("qhull" if k <= QHULL_MAX_DIM else "lp")


def facets_interval(G: FloatArray, h: FloatArray, t0: FloatArray, scale: float) -> Facets:
    g = G[:, 0]
    norms, live = _row_norms(G)
    up = live & (g > 0)
    lo = live & (g < 0)
    if not up.any() or not lo.any():
        raise SolverError("interval facets: the region is unbounded")
    bounds = h / np.where(live, g, 1.0)
    hi_v = float(bounds[up].min())
    lo_v = float(bounds[lo].max())
    tol = RADIUS_TOL * scale
    top = int(np.flatnonzero(up & (bounds <= hi_v + tol))[0])
    bottom = int(np.flatnonzero(lo & (bounds >= lo_v - tol))[0])
    rows = [top, bottom]
    pts = np.array([[hi_v], [lo_v]])
    return Facets(np.array(rows, dtype=np.int64), pts, vertices=pts.copy())


def facets_qhull(
    G: FloatArray,
    h: FloatArray,
    t0: FloatArray,
    scale: float,
    live: np.ndarray | None = None,
    far: float | None = None,
) -> Facets:
    """Facets by Qhull (module docstring).  With ``far``, a polytope with a vertex farther
    than ``far`` from ``t0`` (or unbounded: ``t0`` then is not strictly inside the dual hull)
    is refused with ``_QhullFailed``, so the caller falls back to the LP finder.  A dual facet
    ``n . y + d = 0`` (``|n| = 1``) is the vertex ``t0 - n / d``, at distance ``1 / |d|``."""
    from scipy.spatial import ConvexHull, QhullError  # type: ignore[attr-defined]

    k = G.shape[1]
    if live is None:
        live = _row_norms(G)[1]
    if live.all():
        idx = np.arange(G.shape[0])
        s = h - G @ t0
        D = G / s[:, None]
    else:
        idx = np.flatnonzero(live)
        s = h[idx] - G[idx] @ t0
        D = G[idx] / s[:, None]
    if not s.min() > 0:
        raise SolverError("qhull facets: the point is not interior")
    try:
        hull = ConvexHull(D, qhull_options="Qt")
    except (QhullError, ValueError) as exc:
        raise _QhullFailed(str(exc)) from None
    simp = hull.simplices
    eq = hull.equations
    if np.any(eq[:, k] >= 0):
        raise _QhullFailed("the interior point is not inside the dual hull")
    if far is not None and np.any(eq[:, k] * far > -1.0):
        raise _QhullFailed("a vertex is farther than the limit (or the polytope is unbounded)")
    V = t0 - eq[:, :k] / eq[:, k:]
    nf = simp.shape[0]
    inc = np.zeros((idx.size, nf))
    inc[simp, np.arange(nf)[:, None]] = 1.0
    cnt = inc.sum(axis=1)
    rows_local = np.flatnonzero(cnt > 0)
    pts = (inc[rows_local] @ V) / cnt[rows_local, None]
    return Facets(idx[rows_local], pts, vertices=V)


class _QhullFailed(Exception):
    pass


@dataclasses.dataclass(frozen=True)
class FacetFinder:
    """A registered facet finder and the chart dimensions it works in.

    ``function(G, h, t0, scale, live, candidates, far)`` returns the :class:`Facets`
    (finders ignore the arguments they do not use).  Below ``min_dim`` the finder named by
    ``low_dim`` is used instead when there is one (Qhull needs ``k >= 2``; its 1-D case is an
    interval), else the finder is refused.
    """

    function: Callable[..., Facets]
    min_dim: int = 1
    max_dim: int | None = None
    low_dim: str | None = None
    description: str = ""

    def supports(self, k: int) -> bool:
        return k >= self.min_dim and (self.max_dim is None or k <= self.max_dim)

    def dims(self) -> str:
        if self.max_dim == self.min_dim:
            return f"{self.min_dim}-dimensional"
        if self.max_dim is None:
            return f"at least {self.min_dim}-dimensional"
        return f"{self.min_dim}- to {self.max_dim}-dimensional"


def _interval(G: FloatArray, h: FloatArray, t0: FloatArray, scale: float, *_: object) -> Facets:
    return facets_interval(G, h, t0, scale)


def _qhull_or_lp(
    G: FloatArray,
    h: FloatArray,
    t0: FloatArray,
    scale: float,
    live: np.ndarray | None = None,
    candidates: np.ndarray | None = None,
    far: float | None = None,
) -> Facets:
    try:
        return facets_qhull(G, h, t0, scale, live, far)
    except _QhullFailed:
        f = facets_lp(G, h, t0, scale, candidates)
        return dataclasses.replace(f, fallback=True)


def _lp(
    G: FloatArray,
    h: FloatArray,
    t0: FloatArray,
    scale: float,
    live: np.ndarray | None = None,
    candidates: np.ndarray | None = None,
    far: float | None = None,
) -> Facets:
    return facets_lp(G, h, t0, scale, candidates)


#: name -> facet finder (the ``facets=`` option of the ``lp`` engines).
FACET_METHODS: Registry[FacetFinder] = Registry("facet finder")
FACET_METHODS.add(
    "interval", FacetFinder(_interval, min_dim=1, max_dim=1), help="the two end points of an interval (1-D)"
)
FACET_METHODS.add(
    "qhull",
    FacetFinder(_qhull_or_lp, min_dim=2, low_dim="interval"),
    help="polar duality, one Qhull call per region; the lp finder where Qhull fails",
)
FACET_METHODS.add("lp", FacetFinder(_lp), help="ray shooting, then one Chebyshev LP per undecided row")


def facet_method(name: str | None, k: int) -> str:
    """The registered facet finder to use in ``k`` dimensions: ``name``, or the default.

    Raises :class:`~relu_regions.exceptions.DomainError` for an unknown name or one that
    does not work in ``k`` dimensions (a finder with a ``low_dim`` stand-in hands over to it).
    """
    name = name or default_facet_method(k)
    if name not in FACET_METHODS:
        raise DomainError(f"unknown facet finder {name!r}; choose one of: {', '.join(FACET_METHODS)}")
    info = FACET_METHODS[name]
    if info.supports(k):
        return name
    if k < info.min_dim and info.low_dim is not None:
        return info.low_dim
    raise DomainError(f"the {name!r} facet finder works on {info.dims()} domains only")


def find_facets(
    G: FloatArray,
    h: FloatArray,
    t0: FloatArray,
    scale: float,
    method: str,
    live: np.ndarray | None = None,
    candidates: np.ndarray | None = None,
    far: float | None = None,
) -> Facets:
    """Facets of ``{G t <= h}`` (interior point ``t0``) with the named finder.

    ``live`` optionally gives the rows that are not constant (see ``live_rows``).
    ``candidates`` optionally gives the only rows whose facets are wanted; the ``lp``
    finder then spends no LP on the others (``interval``/``qhull`` find every facet at
    once and ignore it).  ``qhull`` falls back to ``lp`` when Qhull reports a precision
    problem, or (with ``far``) when a vertex lies farther than ``far`` from ``t0``: regions
    of unbounded domains may be unbounded, and the LP finder handles those.
    """
    return FACET_METHODS[method].function(G, h, t0, scale, live, candidates, far)
