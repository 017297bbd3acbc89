"""The HiGHS models behind the ``lp`` facet finder (:func:`~relu_regions.regions._facets_lp.facets_lp`).

:class:`_FacetLP` is the Chebyshev ball of one row's hyperplane section (one model per region,
rows edited and re-solved warm); :class:`_LiftedFacetLP` is the same LP for rows that lie in
a low-dimensional row space, with ``y = V^T t`` and ``t`` as columns.
"""

from __future__ import annotations

import numpy as np

from .._typing import FloatArray
from ._polytope import chebyshev_model

__all__: list[str] = []


class _FacetLP:
    """One HiGHS model per region, re-used for every candidate row (warm-started)."""

    def __init__(self, Gn: FloatArray, hn: FloatArray, cap: float) -> None:
        import highspy

        self.highspy = highspy
        m, k = Gn.shape
        self.k = k
        # rows are pre-normalised (|G_i| = 1); no presolve so rows can be edited and re-solved
        self.hs = chebyshev_model(Gn, hn, np.ones(m), cap, presolve=False)
        self.Gn = Gn
        self.hn = hn
        self.cap = cap
        self.failed = False  # the last section LP was neither solved nor proven infeasible

    def section_centre(
        self, j: int, same: np.ndarray, bounds: tuple[FloatArray, FloatArray] | None = None
    ) -> FloatArray | None:
        """Chebyshev ball of the section of the polytope by row ``j``'s hyperplane.

        Rows in ``same`` (coinciding with ``j``) are relaxed while solving; ``bounds``
        bound the columns (the ball's distance to them is not maximised).
        """
        hs, inf = self.hs, self.highspy.kHighsInf
        k = self.k
        if bounds is not None:
            hs.changeColsBounds(k, np.arange(k, dtype=np.int32), bounds[0], bounds[1])
        hs.changeRowBounds(j, float(self.hn[j]), float(self.hn[j]))
        hs.changeCoeff(j, k, 0.0)
        for i in same:
            hs.changeRowBounds(int(i), -inf, inf)
        hs.run()
        status = self.highspy.HighsModelStatus
        if hs.getModelStatus() not in (status.kOptimal, status.kInfeasible):
            # a warm start can end in "Unknown" (seen on unbounded sections, free columns):
            # solve the same LP again from scratch
            hs.clearSolver()
            hs.run()
        ok = hs.getModelStatus() == status.kOptimal
        x = np.array(hs.getSolution().col_value[:k]) if ok else None
        retry = hs.getModelStatus() not in (status.kOptimal, status.kInfeasible)
        hs.changeRowBounds(j, -inf, float(self.hn[j]))
        hs.changeCoeff(j, k, 1.0)
        for i in same:
            hs.changeRowBounds(int(i), -inf, float(self.hn[i]))
        self.failed = False
        if retry:
            x = self._fresh(j, same, bounds)
        return x

    def _fresh(
        self, j: int, same: np.ndarray, bounds: tuple[FloatArray, FloatArray] | None
    ) -> FloatArray | None:
        """The section LP of :meth:`section_centre` in a new model, with presolve."""
        keep = np.ones(self.hn.size, dtype=bool)
        keep[np.asarray(same, dtype=np.int64)] = False
        idx = np.flatnonzero(keep)
        hs = chebyshev_model(self.Gn[idx], self.hn[idx], np.ones(idx.size), self.cap)
        jj = int(np.searchsorted(idx, j))
        hs.changeRowBounds(jj, float(self.hn[j]), float(self.hn[j]))
        hs.changeCoeff(jj, self.k, 0.0)
        if bounds is not None:
            hs.changeColsBounds(self.k, np.arange(self.k, dtype=np.int32), bounds[0], bounds[1])
        hs.run()
        status = self.highspy.HighsModelStatus
        # neither solved nor proven infeasible (HiGHS may even call a capped LP unbounded)
        self.failed = hs.getModelStatus() not in (status.kOptimal, status.kInfeasible)
        if hs.getModelStatus() != status.kOptimal:
            return None
        return np.array(hs.getSolution().col_value[: self.k])


class _LiftedFacetLP:
    """The section LPs of :class:`_FacetLP` for rows that all lie in ``span(V)``, lifted.

    Rows ``G_i = a_i V^T`` (``V``: ``k x r`` orthonormal) depend on ``t`` only through
    ``y = V^T t``.  Columns ``y`` (free, ``r``), the radius ``r`` and ``t`` (``k``, bounded by
    the box); rows ``a_i y + r <= h_i`` (``r`` non-zeros each) and ``V^T t - y = 0``.  The
    same LP as :class:`_FacetLP` with the box as column bounds, with ``m r + r k`` non-zeros
    instead of ``m k`` (few rows, bounds as column bounds).
    """

    def __init__(self, Ay: FloatArray, hn: FloatArray, V: FloatArray, cap: float) -> None:
        import highspy

        from ..solvers import new_highs

        self.highspy = highspy
        m, r = Ay.shape
        k = V.shape[0]
        self.m, self.r, self.k = m, r, k
        self.hn = hn
        inf = highspy.kHighsInf
        hs = new_highs()
        hs.setOptionValue("primal_feasibility_tolerance", 1e-10)
        hs.setOptionValue("dual_feasibility_tolerance", 1e-10)
        hs.setOptionValue("presolve", "off")
        lp = highspy.HighsLp()
        nc = r + 1 + k
        lp.num_col_ = nc
        lp.num_row_ = m + r
        cost = np.zeros(nc)
        cost[r] = -1.0
        lp.col_cost_ = cost
        lp.col_lower_ = np.r_[np.full(r, -inf), 0.0, np.full(k, -inf)]
        lp.col_upper_ = np.r_[np.full(r, inf), cap, np.full(k, inf)]
        lp.row_lower_ = np.r_[np.full(m, -inf), np.zeros(r)]
        lp.row_upper_ = np.r_[hn, np.zeros(r)]
        top = np.hstack([Ay, np.ones((m, 1)), np.zeros((m, k))])
        bottom = np.hstack([-np.eye(r), np.zeros((r, 1)), V.T])
        M = np.vstack([top, bottom])
        rows, cols = np.nonzero(M)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_ = nc
        lp.a_matrix_.num_row_ = m + r
        lp.a_matrix_.start_ = np.r_[0, np.cumsum(np.bincount(rows, minlength=m + r))].astype(np.int32)
        lp.a_matrix_.index_ = cols.astype(np.int32)
        lp.a_matrix_.value_ = M[rows, cols]
        hs.passModel(lp)
        self.hs = hs
        self.tcols = np.arange(r + 1, nc, dtype=np.int32)
        self.bounds: tuple[FloatArray, FloatArray] | None = None

    def reset(self, Ay: FloatArray, hn: FloatArray) -> None:
        """The same model for another region's rows (same ``m``, ``V`` and box): only the
        ``m r`` coefficients and ``m`` bounds change; the last basis warm-starts it."""
        hs = self.hs
        for i in range(self.m):
            for c in range(self.r):
                hs.changeCoeff(i, c, float(Ay[i, c]))
        rows = np.arange(self.m, dtype=np.int32)
        hs.changeRowsBounds(self.m, rows, np.full(self.m, -self.highspy.kHighsInf), hn)
        self.hn = hn

    def section_centre(
        self, j: int, same: np.ndarray, bounds: tuple[FloatArray, FloatArray]
    ) -> FloatArray | None:
        """As :meth:`_FacetLP.section_centre`; returns the point ``t``."""
        hs, inf, r = self.hs, self.highspy.kHighsInf, self.r
        status = self.highspy.HighsModelStatus
        if self.bounds is None or not (
            np.array_equal(self.bounds[0], bounds[0]) and np.array_equal(self.bounds[1], bounds[1])
        ):
            hs.changeColsBounds(self.k, self.tcols, bounds[0], bounds[1])
            self.bounds = bounds
        hs.changeRowBounds(j, float(self.hn[j]), float(self.hn[j]))
        hs.changeCoeff(j, r, 0.0)
        for i in same:
            hs.changeRowBounds(int(i), -inf, inf)
        hs.run()
        if hs.getModelStatus() not in (status.kOptimal, status.kInfeasible):
            hs.clearSolver()
            hs.run()
        ok = hs.getModelStatus() == status.kOptimal
        x = np.array(hs.getSolution().col_value[r + 1 :]) if ok else None
        failed = hs.getModelStatus() not in (status.kOptimal, status.kInfeasible)
        hs.changeRowBounds(j, -inf, float(self.hn[j]))
        hs.changeCoeff(j, r, 1.0)
        for i in same:
            hs.changeRowBounds(int(i), -inf, float(self.hn[i]))
        if failed:
            raise _LiftFailed(hs.modelStatusToString(hs.getModelStatus()))
        return x


class _LiftFailed(Exception):
    pass
