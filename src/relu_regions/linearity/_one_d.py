"""The one-dimensional view (Sattelberg 2023, Sec. 5.3, Figure 5.4-5.5).

A network with one input and one output is, on an interval, a continuous piecewise-linear
function ``f(x) = a_r + b_r x`` on pieces ``[x_r, x_{r+1}]``.  :func:`pieces_1d` returns
the exact pieces from the counting engine (activation regions, merged where neighbours
share ``(slope, intercept)``), their breakpoints, and the (slope, intercept) pairs that
Figure 5.5b scatters.  :func:`piecewise_mse` integrates ``(a + b x - sin x)^2`` exactly on
each piece (the boxed MSE numbers of Figure 5.5a; the zero function scores 0.5, eq. 5.16):

.. math::

    \\int (a + b x - \\sin x)^2 dx = a^2 x + a b x^2 + \\tfrac{b^2 x^3}{3}
    + 2a\\cos x - 2b(\\sin x - x\\cos x) + \\tfrac{x}{2} - \\tfrac{\\sin 2x}{4}.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._results import FrozenResult
from .._typing import FloatArray
from ..domain import Box
from ..exceptions import DimensionError, ReluRegionsError
from ..network import Network
from ..regions import enumerate_regions

__all__ = ["Pieces1D", "pieces_1d", "piecewise_mse", "PIECE_RTOL"]

#: Relative tolerance for two neighbouring pieces to be one linear piece.
PIECE_RTOL = 1e-10


@dataclasses.dataclass(frozen=True, eq=False)
class Pieces1D(FrozenResult):
    """Exact linear pieces of a 1-input, 1-output network on an interval.

    ``intervals`` ``(K, 2)`` sorted, ``slopes``/``intercepts`` ``(K,)`` (``f = a + b x`` with
    ``b`` the slope and ``a`` the intercept), ``breakpoints`` the ``K - 1`` interior ends,
    ``activation_regions`` before merging equal neighbours, ``mse_sine`` the exact mean
    squared error against ``sin`` over the interval.
    """

    interval: tuple[float, float]
    linear_pieces: int
    activation_regions: int
    breakpoints: FloatArray
    slopes: FloatArray
    intercepts: FloatArray
    intervals: FloatArray
    mse_sine: float
    exact: bool


def _antideriv(a: FloatArray, b: FloatArray, x: FloatArray) -> FloatArray:
    return (a * a * x + a * b * x**2 + b * b * x**3 / 3 + 2 * a * np.cos(x)
            - 2 * b * (np.sin(x) - x * np.cos(x)) + x / 2 - np.sin(2 * x) / 4)


def piecewise_mse(slopes: Any, intercepts: Any, intervals: Any) -> float:
    """Exact mean of ``(a + b x - sin x)^2`` over the union of the intervals (closed form).

    Examples
    --------
    >>> round(piecewise_mse([0.0], [0.0], [[-math.pi, math.pi]]), 12)  # eq. (5.16)
    0.5
    """
    b = np.asarray(slopes, dtype=np.float64)
    a = np.asarray(intercepts, dtype=np.float64)
    iv = np.asarray(intervals, dtype=np.float64).reshape(-1, 2)
    total = float(np.sum(_antideriv(a, b, iv[:, 1]) - _antideriv(a, b, iv[:, 0])))
    return total / float(np.sum(iv[:, 1] - iv[:, 0]))


def pieces_1d(net: Network, interval: Sequence[float] = (-math.pi, math.pi), *,
              time_limit: float | None = None) -> Pieces1D:
    """Exact pieces, breakpoints and (slope, intercept) pairs of a 1-D network (Sec. 5.3).

    Examples
    --------
    >>> net = Network([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])  # |x|
    >>> p = pieces_1d(net, (-1.0, 2.0))
    >>> p.breakpoints.tolist(), p.slopes.tolist(), p.intercepts.tolist()
    ([0.0], [-1.0, 1.0], [0.0, 0.0])
    """
    if net.input_dim != 1 or net.output_dim != 1:
        raise DimensionError(f"pieces_1d needs a 1-input, 1-output network, got {net!r}")
    lo, hi = (float(v) for v in interval)
    if not lo < hi:
        raise ReluRegionsError(f"interval must have lo < hi, got {[lo, hi]}")
    rs = enumerate_regions(net, Box([lo], [hi]), method="geometric", time_limit=time_limit, progress=False)
    ivs = np.array([np.sort(np.asarray(v, dtype=np.float64).ravel())[[0, -1]] for v in (rs.vertices or [])])
    maps = [r.affine_map for r in rs]
    order = np.argsort(ivs[:, 0])
    ivs = ivs[order]
    b = np.array([maps[i][0][0, 0] for i in order])
    a = np.array([maps[i][1][0] for i in order])
    scale = max(1.0, float(np.abs(np.concatenate([a, b])).max()))
    keep_iv, keep_a, keep_b = [ivs[0].copy()], [a[0]], [b[0]]
    for r in range(1, len(ivs)):
        if abs(a[r] - keep_a[-1]) <= PIECE_RTOL * scale and abs(b[r] - keep_b[-1]) <= PIECE_RTOL * scale:
            keep_iv[-1][1] = ivs[r, 1]
        else:
            keep_iv.append(ivs[r].copy())
            keep_a.append(a[r])
            keep_b.append(b[r])
    IV = np.array(keep_iv)
    A_, B_ = np.array(keep_a), np.array(keep_b)
    return Pieces1D(
        interval=(lo, hi), linear_pieces=len(IV), activation_regions=len(ivs),
        breakpoints=IV[1:, 0], slopes=B_, intercepts=A_, intervals=IV,
        mse_sine=piecewise_mse(B_, A_, IV), exact=rs.count.exact,
    )
