"""Cross-sections through three samples (Sattelberg 2023, Ch. 6, Sec. 6.2-6.3).

The plane through samples ``A, B, C`` gets the Gram-Schmidt axes of eq. (6.2):

.. math::

    u_1 = B - A, \\quad
    u_2 = C - A - \\frac{(C - A)\\cdot(B - A)}{\\|B - A\\|_2^2}(B - A), \\quad
    e_1 = u_1/\\|u_1\\|_2, \\quad e_2 = u_2/\\|u_2\\|_2 ,

centred at ``A``: plane coordinates ``(a, b)`` are the point ``A + a e_1 + b e_2``.

Two pictures of the network's partition on a window ``[a_min, a_max] x [b_min, b_max]``:

- **exact** (:func:`cross_section`): the activation regions as polygons from the counting
  engine (``geometric``: Hanin & Rolnick's neuron-by-neuron splitting), each with its
  affine map; the decision boundary between classes drawn exactly, as the segments where
  the two largest outputs tie inside a region (each region's argmax pieces are convex
  polygons, clipped by the half-planes ``f_k >= f_j``);
- **Jacobian-tolerance grid** (:func:`grid_regions`, the dissertation's method): local maps
  ``(J, y)`` at the points of a ``p x p`` grid; scanning rows left to right, top to bottom,
  a point is compared with its left neighbour and the three points above it (above-left,
  above, above-right; Fig. 6.12) and joined to each whose coefficients differ by less than
  a relative tolerance.  The count is the number of connected groups.  It merges adjacent
  regions with equal maps (so it estimates *linear* regions) and misses regions between
  grid points; the same scan on activation patterns instead of maps is reported beside it.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._results import FrozenResult
from .._typing import FloatArray, IntArray
from ..domain import AffineSubspace
from ..exceptions import DimensionError, DomainError, ReluRegionsError
from ..network import Network
from ..polytope import TIE_RTOL, class_boundary, class_pieces
from ..regions import chart_affine_maps, enumerate_regions, linear_region_labels
from ._maps import local_affine_maps

__all__ = [
    "plane_axes",
    "CrossSection",
    "cross_section",
    "grid_regions",
    "GridRegions",
    "grid_convergence",
    "class_pieces",
    "GRID_TOL",
]

#: Default relative tolerance of the grid method: coefficient vectors ``u, v`` are "the same
#: region" when ``||u - v|| <= GRID_TOL * max(||u||, ||v||)``.  Exact float64 maps of one
#: region agree to ~1e-15 relative; different regions' maps differ in at least one neuron's
#: contribution, far above 1e-6 for trained networks.
GRID_TOL = 1e-6

#: Relative tolerance for an edge of an argmax piece to lie on a tie (decision boundary).
TIE_TOL = TIE_RTOL


def plane_axes(A: Any, B: Any, C: Any) -> tuple[FloatArray, FloatArray]:
    """Origin ``A`` and the orthonormal axes ``(e_1, e_2)`` of eq. (6.2), ``e_1`` along ``A -> B``.

    Examples
    --------
    >>> o, E = plane_axes([0, 0, 1], [2, 0, 1], [1, 3, 1])
    >>> o.tolist(), E.tolist()
    ([0.0, 0.0, 1.0], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    """
    a, b, c = (np.asarray(v, dtype=np.float64).ravel() for v in (A, B, C))
    if not a.shape == b.shape == c.shape:
        raise DimensionError(f"A, B, C must have one length, got {a.size}, {b.size}, {c.size}")
    u1 = b - a
    n1 = float(u1 @ u1)
    if n1 == 0.0:
        raise DomainError("A and B coincide, so they define no direction")
    u2 = (c - a) - ((c - a) @ u1) / n1 * u1
    scale = max(float(np.linalg.norm(c - a)), math.sqrt(n1))
    if np.linalg.norm(u2) <= 1e-12 * scale:
        raise DomainError("A, B and C are collinear, so they span no plane")
    return a, np.stack([u1 / np.linalg.norm(u1), u2 / np.linalg.norm(u2)])


@dataclasses.dataclass(frozen=True, eq=False)
class GridRegions(FrozenResult):
    """The Jacobian-tolerance grid method's labels and counts on one window."""

    grid: int
    regions: int
    pattern_regions: int
    tol: float
    labels: IntArray = dataclasses.field(metadata={"json": False})
    pattern_labels: IntArray = dataclasses.field(metadata={"json": False})


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        p = self.parent
        while p[i] != i:
            p[i] = p[p[i]]
            i = int(p[i])
        return i

    def union_many(self, a: IntArray, b: IntArray) -> None:
        for i, j in zip(a.tolist(), b.tolist(), strict=True):
            ri, rj = self.find(i), self.find(j)
            if ri != rj:
                self.parent[max(ri, rj)] = min(ri, rj)

    def labels(self) -> IntArray:
        roots = np.array([self.find(i) for i in range(len(self.parent))])
        return np.unique(roots, return_inverse=True)[1].astype(np.int64)


def grid_regions(net: Network, origin: Any, axes: Any, window: Sequence[float], grid: int, *,
                 tol: float = GRID_TOL) -> GridRegions:
    """The dissertation's grid method on a window of the plane ``origin + (a, b) @ axes``.

    Grid points are ``a`` in ``linspace(a_min, a_max, p)`` and ``b`` from ``b_max`` down to
    ``b_min`` (rows top to bottom); ``labels[r, col]`` is the group of point ``(a_col, b_r)``.
    Rows are evaluated one at a time, so memory is ``O(p * out * in)``.
    """
    p = int(grid)
    if p < 2:
        raise ReluRegionsError(f"the grid needs at least 2 points per side, got {grid}")
    o = np.asarray(origin, dtype=np.float64)
    E = np.asarray(axes, dtype=np.float64)
    a0, a1, b0, b1 = (float(v) for v in window)
    avals = np.linspace(a0, a1, p)
    bvals = np.linspace(b1, b0, p)
    uf_map, uf_pat = _UnionFind(p * p), _UnionFind(p * p)
    prev_v: FloatArray | None = None
    prev_pat: Any = None

    def close(u: FloatArray, v: FloatArray) -> Any:
        scale = np.maximum(np.linalg.norm(u, axis=1), np.linalg.norm(v, axis=1))
        return np.linalg.norm(u - v, axis=1) <= tol * np.maximum(scale, 1e-300)

    for r, b in enumerate(bvals):
        X = o + avals[:, None] * E[0] + b * E[1]
        m = local_affine_maps(net, X, patterns=True)
        v = np.hstack([m.jacobians.reshape(p, -1), m.offsets])
        pat = m.patterns
        assert pat is not None
        idx = r * p + np.arange(p)
        same = close(v[1:], v[:-1])
        uf_map.union_many(idx[1:][same], idx[:-1][same])
        samep = np.all(pat[1:] == pat[:-1], axis=1)
        uf_pat.union_many(idx[1:][samep], idx[:-1][samep])
        if prev_v is not None:
            up = idx - p
            for shift in (-1, 0, 1):  # above-left, above, above-right
                lo, hi = max(0, -shift), p - max(0, shift)
                cur = np.arange(lo, hi)
                nb = cur + shift
                s = close(v[cur], prev_v[nb])
                uf_map.union_many(idx[cur][s], up[nb][s])
                sp = np.all(pat[cur] == prev_pat[nb], axis=1)
                uf_pat.union_many(idx[cur][sp], up[nb][sp])
        prev_v, prev_pat = v, pat
    lab = uf_map.labels().reshape(p, p)
    plab = uf_pat.labels().reshape(p, p)
    return GridRegions(p, int(lab.max()) + 1, int(plab.max()) + 1, float(tol), lab, plab)


@dataclasses.dataclass(frozen=True, eq=False)
class CrossSection(FrozenResult):
    """Exact regions of a network on a window of the plane through ``A, B, C`` (Ch. 6).

    ``regions`` is the exact number of activation regions in the window (``exact``), with
    ``linear_regions`` after merging neighbours with equal maps (``None`` for a partial
    result: a time limit stopped the enumeration); ``grid_regions`` and
    ``grid_pattern_regions`` the grid method's counts (``None`` without ``grid``).
    ``origin`` is ``A``; ``axes`` the two orthonormal rows of eq. (6.2); ``window`` is
    ``[a_min, a_max, b_min, b_max]`` in those axes; ``anchors`` the plane coordinates of
    ``A, B, C``.  ``regions_per_class[k]``: regions where class ``k`` wins somewhere;
    ``regions_with_boundary``: regions cut by the decision boundary.
    """

    regions: int
    exact: bool
    linear_regions: int | None
    grid_regions: int | None
    grid_pattern_regions: int | None
    grid: int | None
    origin: FloatArray
    axes: FloatArray
    window: tuple[float, float, float, float]
    anchors: FloatArray
    regions_per_class: tuple[int, ...]
    regions_with_boundary: int
    partial: bool
    stop_reason: str | None
    seconds: float
    region_set: Any = dataclasses.field(default=None, metadata={"json": False})
    polygons: list[FloatArray] = dataclasses.field(default_factory=list, metadata={"json": False})
    linear_labels: IntArray | None = dataclasses.field(default=None, metadata={"json": False})
    pieces: list[tuple[int, int, FloatArray]] = dataclasses.field(default_factory=list,
                                                                  metadata={"json": False})
    boundary: list[FloatArray] = dataclasses.field(default_factory=list, metadata={"json": False})
    grid_result: GridRegions | None = dataclasses.field(default=None, metadata={"json": False})

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["boundary_segments"] = len(self.boundary)
        return d


def _window(spec: Any, anchors: FloatArray, margin: float) -> tuple[float, float, float, float] | None:
    if isinstance(spec, str):
        if spec == "plane":
            return None
        if spec == "auto":
            lo, hi = anchors.min(axis=0), anchors.max(axis=0)
            pad = margin * float(max(hi - lo))
            return (lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad)
        raise ReluRegionsError(
            f"window must be 'auto', 'plane' or [a_min, a_max, b_min, b_max], got {spec!r}"
        )
    try:
        w = tuple(float(v) for v in spec)
    except (TypeError, ValueError):
        raise ReluRegionsError(f"window must be four numbers, got {spec!r}") from None
    if len(w) != 4 or not (w[0] < w[1] and w[2] < w[3]) or not all(map(math.isfinite, w)):
        raise ReluRegionsError(f"window must be [a_min, a_max, b_min, b_max] with min < max, got {list(w)}")
    return (w[0], w[1], w[2], w[3])


def cross_section(
    net: Network,
    A: Any,
    B: Any,
    C: Any,
    *,
    window: Any = "auto",
    margin: float = 0.25,
    grid: int | None = None,
    grid_tol: float = GRID_TOL,
    time_limit: float | None = None,
    progress: bool | None = None,
) -> CrossSection:
    """Exact activation regions and decision boundary on the plane through ``A, B, C``.

    Parameters
    ----------
    net:
        The network (any input dimension; a converted CNN is a dense network too).
    A, B, C:
        Three affinely independent inputs; the plane is centred at ``A`` with the axes of
        eq. (6.2).
    window:
        ``"auto"`` (the anchors' bounding box grown by ``margin`` times its larger side),
        ``"plane"`` (the whole plane, counted exactly on its projective closure; the
        polygons come back inside a window holding every vertex) or
        ``[a_min, a_max, b_min, b_max]`` in plane coordinates (e.g. a zoom around ``A``).
    grid:
        Also run the Jacobian-tolerance grid method with ``grid x grid`` points.
    grid_tol:
        Its relative tolerance (:data:`GRID_TOL`).
    time_limit, progress:
        For the exact enumeration (a stop gives a partial result: a lower bound).

    Examples
    --------
    >>> from relu_regions import random_network
    >>> net = random_network([5, 8, 8, 3], seed=0)
    >>> A, B, C = np.eye(5)[:3]
    >>> cs = cross_section(net, A, B, C, grid=40)
    >>> cs.exact, cs.regions >= cs.linear_regions, np.allclose(cs.axes @ cs.axes.T, np.eye(2))
    (True, True, True)
    """
    t0 = time.perf_counter()
    origin, E = plane_axes(A, B, C)
    if origin.size != net.input_dim:
        raise DimensionError(f"A, B, C have {origin.size} entries, the network takes {net.input_dim} inputs")
    anchors = np.array([[0.0, 0.0], [(np.asarray(B, float).ravel() - origin) @ E[0], 0.0],
                        (np.asarray(C, float).ravel() - origin) @ E.T])
    win = _window(window, anchors, margin)
    pts = [origin, origin + E[0], origin + E[1]]
    dom = AffineSubspace(pts, None if win is None else ([win[0], win[2]], [win[1], win[3]]))
    rs = enumerate_regions(net, dom, method="geometric", time_limit=time_limit, progress=progress,
                           adjacency=True)
    polys = [np.asarray(v, dtype=np.float64) for v in (rs.vertices or [])]
    if win is None:
        allv = np.vstack(polys) if polys else np.zeros((1, 2))
        win = (allv[:, 0].min(), allv[:, 0].max(), allv[:, 1].min(), allv[:, 1].max())
    win = (float(win[0]), float(win[1]), float(win[2]), float(win[3]))
    # linear regions need the engine's adjacency (a complete result); without it the LP
    # fallback would test facets of every map group, far too slow for a partial enumeration
    lin = linear_region_labels(rs) if len(rs) and rs.adjacency is not None else None
    Jt, ct = chart_affine_maps(rs.net_t, rs.patterns)
    n_cls = max(net.output_dim, 2)
    per_class = np.zeros(n_cls, dtype=np.int64)
    with_boundary = 0
    pieces: list[tuple[int, int, FloatArray]] = []
    segs: list[FloatArray] = []
    min_area = 1e-12 * (win[1] - win[0]) * (win[3] - win[2])
    for i, P in enumerate(polys):
        pc = class_pieces(P, Jt[i], ct[i], min_area=min_area)
        for k, Q in pc:
            per_class[k] += 1
            pieces.append((i, k, Q))
        if len(pc) > 1:
            with_boundary += 1
        # every region: the boundary may also run along a region's edge (outputs are continuous)
        segs += class_boundary(pc, Jt[i], ct[i], rtol=TIE_TOL)
    g = grid_regions(net, origin, E, win, grid, tol=grid_tol) if grid else None
    count = rs.count
    return CrossSection(
        regions=count.regions, exact=count.exact,
        linear_regions=None if lin is None else (int(lin.max()) + 1 if lin.size else 0),
        grid_regions=None if g is None else g.regions,
        grid_pattern_regions=None if g is None else g.pattern_regions, grid=grid,
        origin=origin, axes=E, window=win, anchors=anchors,
        regions_per_class=tuple(int(v) for v in per_class), regions_with_boundary=with_boundary,
        partial=count.partial, stop_reason=count.stop_reason, seconds=time.perf_counter() - t0,
        region_set=rs, polygons=polys, linear_labels=lin, pieces=pieces, boundary=segs, grid_result=g,
    )


def grid_convergence(net: Network, A: Any, B: Any, C: Any, grids: Sequence[int] = (8, 16, 32, 64, 128), *,
                     window: Any = "auto", margin: float = 0.25, tol: float = GRID_TOL) -> dict[str, Any]:
    """How far the grid method is from the exact counts as ``p`` grows.

    Returns ``{"grids", "grid_regions", "grid_pattern_regions", "regions", "linear_regions",
    "window"}`` (lists over ``grids``; the exact counts once).
    """
    cs = cross_section(net, A, B, C, window=window, margin=margin)
    rows = [grid_regions(net, cs.origin, cs.axes, cs.window, p, tol=tol) for p in grids]
    return {
        "grids": [int(p) for p in grids],
        "grid_regions": [r.regions for r in rows],
        "grid_pattern_regions": [r.pattern_regions for r in rows],
        "regions": cs.regions,
        "linear_regions": cs.linear_regions,
        "exact": cs.exact,
        "window": list(cs.window),
    }
