"""LP helpers on H-polytopes ``{t : G t <= h}``: support values, bounding boxes, Chebyshev centres.

Each helper solves small LPs with :func:`relu_regions.solvers.solve_lp` (HiGHS by default);
an infeasible system raises :class:`~relu_regions.exceptions.EmptyDomainError`.
"""

from __future__ import annotations

import math

import numpy as np

from .._typing import FloatArray
from ..exceptions import EmptyDomainError
from ..solvers import solve_lp

__all__ = ["lp_min", "lp_bounding_box", "chebyshev_center", "CHEBYSHEV_RADIUS_CAP"]

#: The Chebyshev radius is capped at this value, so the LP stays bounded on unbounded
#: polytopes (which contain balls of every radius); a capped radius means "large".
CHEBYSHEV_RADIUS_CAP = 1e6


def lp_min(c: FloatArray, G: FloatArray, h: FloatArray) -> float:
    """``min c.t`` subject to ``G t <= h``; ``-inf`` when unbounded, ``0`` for ``c = 0``.

    Raises :class:`EmptyDomainError` when the constraints are infeasible.

    Examples
    --------
    >>> import numpy as np
    >>> lp_min(np.array([1.0]), np.array([[-1.0], [1.0]]), np.array([2.0, 3.0]))
    -2.0
    """
    if not np.any(c):
        return 0.0
    res = solve_lp(c, A_ub=G, b_ub=h)
    if res.status == "unbounded":
        return -math.inf
    if res.status != "optimal":
        raise EmptyDomainError("the domain is empty (its constraints are infeasible)")
    return float(res.objective)


def lp_bounding_box(G: FloatArray, h: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The bounding box ``(lower, upper)`` of ``{t : G t <= h}`` (infinite where unbounded).

    Read off the rows when every row bounds one coordinate (a box); otherwise ``2 k`` LPs,
    ``lower_i = min t_i`` and ``upper_i = max t_i``.

    Examples
    --------
    >>> import numpy as np
    >>> lo, hi = lp_bounding_box(np.array([[-1.0, 0], [0, -1], [1, 1]]), np.array([0.0, 0, 1]))
    >>> lo.round(9).tolist(), hi.round(9).tolist()
    ([0.0, 0.0], [1.0, 1.0])
    """
    k = G.shape[1]
    nz = G != 0
    if G.shape[0] and np.all(nz.sum(axis=1) == 1):
        lo, hi = np.full(k, -math.inf), np.full(k, math.inf)
        col = nz.argmax(axis=1)
        g = G[np.arange(G.shape[0]), col]
        np.minimum.at(hi, col[g > 0], h[g > 0] / g[g > 0])
        np.maximum.at(lo, col[g < 0], h[g < 0] / g[g < 0])
        if np.any(lo > hi):
            raise EmptyDomainError("the domain is empty (its constraints are infeasible)")
        return lo, hi
    eye = np.eye(k)
    lo = np.array([lp_min(eye[i], G, h) for i in range(k)])
    hi = np.array([-lp_min(-eye[i], G, h) for i in range(k)])
    return lo, hi


def chebyshev_center(G: FloatArray, h: FloatArray) -> tuple[FloatArray, float]:
    """Centre and radius of the largest ball in ``{t : G t <= h}``.

    .. math::

        \\max_{t, r} \\; r \\quad \\text{s.t.} \\quad g_i^\\top t + r \\lVert g_i \\rVert_2 \\le h_i,
        \\quad 0 \\le r \\le \\text{CHEBYSHEV\\_RADIUS\\_CAP}

    (Boyd & Vandenberghe, *Convex Optimization*, Sec. 8.5.1).  Raises
    :class:`EmptyDomainError` when the polytope is empty.

    Examples
    --------
    >>> import numpy as np
    >>> x, r = chebyshev_center(np.array([[1.0, 0], [-1, 0], [0, 1], [0, -1]]), np.ones(4))
    >>> (x.round(9) + 0.0).tolist(), round(r, 9)
    ([0.0, 0.0], 1.0)
    """
    k = G.shape[1]
    norms = np.linalg.norm(G, axis=1)
    c = np.zeros(k + 1)
    c[-1] = -1.0
    A = np.hstack([G, norms[:, None]])
    bounds = [(-math.inf, math.inf)] * k + [(0.0, CHEBYSHEV_RADIUS_CAP)]
    res = solve_lp(c, A_ub=A, b_ub=h, bounds=bounds)
    if res.status != "optimal" or res.x is None:
        raise EmptyDomainError("the polytope {x : A x <= b} is empty")
    return res.x[:k], float(res.x[k])
