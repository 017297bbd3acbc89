"""Cutting planes from the ideal formulation of a single ReLU over a box (Anderson et al.).

Anderson, Huchette, Ma, Tjandraatmadja & Vielma, "Strong mixed-integer programming
formulations for trained neural networks" (Math. Programming 2020), Theorem 1: for
``h = relu(w^T y + b)`` with ``y`` in the box ``[y^-, y^+]`` and the indicator ``z``, the
convex hull of the graph is described by the big-M bounds and, for every subset ``I`` of
the inputs,

.. math::

    h \\le \\sum_{i \\in I} w_i \\big(y_i - \\breve L_i (1 - z)\\big)
        + \\Big(b + \\sum_{i \\notin I} w_i \\breve U_i\\Big) z,

with ``L_i, U_i`` the box end that minimises/maximises ``w_i y_i``.  The most violated
inequality at a point ``(y*, z*, h*)`` takes ``i`` into ``I`` exactly when
``w_i (y*_i - L_i (1 - z*)) < w_i U_i z*``, so separation is linear time.  The cuts are
valid for every point of the network (whatever the objective), so one pool per model is
shared by all the neurons asked about; they tighten the LP relaxation far beyond the big-M
triangle for neurons with many inputs (784 pixels), which lets an LP prove many stable
neurons and shrinks the MILP search for the rest.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp

from .._typing import FloatArray
from ..solvers import MILP
from ._formulation import NetworkModel

__all__ = ["CutPool"]


class CutPool:
    """Cuts found so far for one :class:`NetworkModel`."""

    def __init__(self, model: NetworkModel, *, max_cuts: int = 4000) -> None:
        self.model = model
        self.max_cuts = max_cuts
        p = model.problem
        self._blocks = []
        for blk in model.unstable:
            lo, hi = p.col_lower[blk.in_cols], p.col_upper[blk.in_cols]
            pos = blk.W >= 0
            Lb = np.where(pos, lo, hi)  # box end minimising w_i y_i
            Ub = np.where(pos, hi, lo)
            self._blocks.append((blk, Lb, Ub))
        self._rows: list[sp.csr_matrix] = []
        self._rhs: list[FloatArray] = []
        self._keys: set[bytes] = set()
        self._matrix: sp.csr_matrix | None = None

    def __len__(self) -> int:
        return len(self._keys)

    def separate(self, x: FloatArray, *, per_round: int = 200, tol: float = 1e-6) -> int:
        """Add the most violated cut of each neuron violated at ``x`` (the ``per_round`` worst).

        Returns the number of cuts added (0: none violated by more than ``tol``, relative).
        """
        n = self.model.problem.num_cols
        staged: list[tuple[float, bytes, sp.csr_matrix, float]] = []
        for blk, Lb, Ub in self._blocks:
            y = x[blk.in_cols]
            z = np.clip(x[blk.z_cols], 0.0, 1.0)
            h = x[blk.h_cols]
            a = blk.W * (y[None, :] - Lb * (1.0 - z)[:, None])
            c = blk.W * Ub * z[:, None]
            inI = a < c
            scale = 1.0 + np.abs(blk.W).sum(axis=1)
            viol = (h - np.where(inI, a, c).sum(axis=1) - blk.b * z) / scale
            for r in np.flatnonzero(viol > tol):
                key = blk.h_cols[r].tobytes() + np.packbits(inI[r]).tobytes()
                if key in self._keys:
                    continue
                wI = np.where(inI[r], blk.W[r], 0.0)
                # h - sum_I w_i y_i - (sum_I w_i L_i + b + sum_notI w_i U_i) z <= -sum_I w_i L_i
                z_coef = -(wI @ Lb[r] + blk.b[r] + np.where(inI[r], 0.0, blk.W[r]) @ Ub[r])
                nz = wI != 0
                cols = np.concatenate([blk.in_cols[nz], [blk.h_cols[r], blk.z_cols[r]]])
                vals = np.concatenate([-wI[nz], [1.0, z_coef]])
                row = sp.csr_matrix((vals, (np.zeros(cols.size, int), cols)), shape=(1, n))
                staged.append((float(viol[r]), key, row, float(-(wI @ Lb[r]))))
        staged.sort(key=lambda item: -item[0])
        staged = staged[: max(0, min(per_round, self.max_cuts - len(self._keys)))]
        for _, key, row, rhs in staged:
            self._rows.append(row)
            self._rhs.append(np.array([rhs]))
            self._keys.add(key)
        if staged:
            self._matrix = None
        return len(staged)

    def apply(self, problem: MILP, *, relax: bool = False) -> MILP:
        """``problem`` with every cut added (and binaries relaxed when ``relax``)."""
        if self._rows and self._matrix is None:
            self._matrix = sp.vstack(self._rows, format="csr")
        integrality = np.zeros(problem.num_cols, bool) if relax else problem.integrality
        if self._matrix is None:
            return dataclasses.replace(problem, integrality=integrality)
        rhs = np.concatenate(self._rhs)
        return dataclasses.replace(
            problem,
            A=sp.vstack([problem.A, self._matrix], format="csr"),
            row_lower=np.concatenate([problem.row_lower, np.full(rhs.size, -np.inf)]),
            row_upper=np.concatenate([problem.row_upper, rhs]),
            integrality=integrality,
        )
