"""Convex polygons in the plane: the exact 2-D geometry shared by the engines and the figures.

Regions of a network on a plane are convex polygons (vertices counter-clockwise); inside one,
every output is affine, so the set where an output wins is the polygon clipped by half-planes.
"""

from __future__ import annotations

import numpy as np

from .._typing import ArrayLike, FloatArray

__all__ = ["clip_convex_polygon", "polygon_area", "class_pieces", "class_boundary", "TIE_RTOL"]

#: Two outputs tie on an edge when they differ by at most this share of the size of the terms
#: (``|J| |t| + |c|``) that make them up at the edge's midpoint.
TIE_RTOL = 1e-9


def clip_convex_polygon(P: ArrayLike, a: ArrayLike, b: float) -> FloatArray:
    """The part ``{t : a @ t <= b}`` of the convex polygon with vertices ``P`` (in order).

    Sutherland-Hodgman against one half-plane; returns ``(k, 2)`` vertices (``k = 0`` when
    the polygon lies outside).

    Examples
    --------
    >>> square = [[0, 0], [1, 0], [1, 1], [0, 1]]
    >>> clip_convex_polygon(square, [1, 0], 0.5).tolist()
    [[0.0, 0.0], [0.5, 0.0], [0.5, 1.0], [0.0, 1.0]]
    """
    P = np.asarray(P, dtype=np.float64).reshape(-1, 2)
    a = np.asarray(a, dtype=np.float64)
    if len(P) == 0:
        return np.asarray(P, dtype=np.float64)
    s = P @ a - b
    out: list[FloatArray] = []
    n = len(P)
    for i in range(n):
        j = (i + 1) % n
        if s[i] <= 0:
            out.append(P[i])
        if (s[i] < 0 < s[j]) or (s[j] < 0 < s[i]):
            lam = s[i] / (s[i] - s[j])
            out.append(P[i] + lam * (P[j] - P[i]))
    return np.asarray(out, dtype=np.float64).reshape(-1, 2)


def polygon_area(P: ArrayLike) -> float:
    """Area of the polygon with vertices ``P`` in order (shoelace formula).

    >>> polygon_area([[0, 0], [2, 0], [2, 1], [0, 1]])
    2.0
    """
    P = np.asarray(P, dtype=np.float64).reshape(-1, 2)
    if len(P) < 3:
        return 0.0
    x, y = P[:, 0], P[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _scores(J: ArrayLike, c: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Class scores: one output ``f`` is the two-class problem ``[0, f]``."""
    J = np.atleast_2d(np.asarray(J, dtype=np.float64))
    c = np.atleast_1d(np.asarray(c, dtype=np.float64))
    if J.shape[0] == 1:
        return np.vstack([np.zeros_like(J[0]), J[0]]), np.array([0.0, c[0]])
    return J, c


def class_pieces(
    P: ArrayLike, J: ArrayLike, c: ArrayLike, *, min_area: float | None = None
) -> list[tuple[int, FloatArray]]:
    """Split the convex polygon ``P`` by the winning class of the affine outputs ``J t + c``.

    ``J`` is ``(outputs, 2)``; with one output the classes are ``0`` (``f < 0``) and ``1``
    (``f >= 0``), otherwise the arg-max: class ``k`` wins on ``P`` clipped by the half-planes
    ``f_j - f_k <= 0``.  Returns ``(class, polygon)`` pairs with area above ``min_area``
    (default: ``1e-12`` of the polygon's area).

    Examples
    --------
    >>> sq = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    >>> [(k, round(polygon_area(Q), 3)) for k, Q in class_pieces(sq, [[1.0, 0.0]], [-0.25])]
    [(0, 0.25), (1, 0.75)]
    """
    J, c = _scores(J, c)
    P = np.asarray(P, dtype=np.float64)
    floor = 1e-12 * max(polygon_area(P), 1e-300) if min_area is None else float(min_area)
    pieces: list[tuple[int, FloatArray]] = []
    for k in range(J.shape[0]):
        Q = P
        for j in range(J.shape[0]):
            if j == k or len(Q) == 0:
                continue
            Q = clip_convex_polygon(Q, J[j] - J[k], float(c[k] - c[j]))
        if len(Q) >= 3 and polygon_area(Q) > floor:
            pieces.append((k, Q))
    return pieces


def class_boundary(
    pieces: list[tuple[int, FloatArray]], J: ArrayLike, c: ArrayLike, *, rtol: float = TIE_RTOL
) -> list[FloatArray]:
    """The decision-boundary segments among the class pieces of one region, each once.

    An edge of the piece of class ``k`` lies on the boundary when, at its midpoint, ``k`` ties
    with the best other class ``j`` (within :data:`TIE_RTOL` of the terms); it is kept from
    the side with the smaller class number, so an edge shared by two pieces (of this region,
    or of a neighbouring region: the outputs are continuous) is listed once.

    Examples
    --------
    >>> sq = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    >>> J, c = [[1.0, 0.0]], [-0.25]          # f = x - 1/4: the boundary is x = 1/4
    >>> [s.tolist() for s in class_boundary(class_pieces(sq, J, c), J, c)]
    [[[0.25, 0.0], [0.25, 1.0]]]
    """
    Jc, cc = _scores(J, c)
    segs: list[FloatArray] = []
    for k, Q in pieces:
        for i in range(len(Q)):
            p, q = Q[i], Q[(i + 1) % len(Q)]
            if not np.any(q != p):
                continue
            mid = (p + q) / 2
            f = Jc @ mid + cc
            size = float((np.abs(Jc) @ np.abs(mid) + np.abs(cc)).max())
            others = np.delete(np.arange(len(f)), k)
            j = int(others[np.argmax(f[others])])
            if j > k and abs(f[k] - f[j]) <= rtol * max(size, 1e-300):
                segs.append(np.stack([p, q]))
    return segs
