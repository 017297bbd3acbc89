"""Solver-independent problem and result types.

Problems are stated in matrix form so that every backend (HiGHS, SCIP, Gurobi) sees the
same thing::

    minimise    c @ x  (+ offset)          (or maximise, with sense="max")
    subject to  row_lower <= A @ x <= row_upper
                col_lower <= x <= col_upper
                x_j integer where integrality[j]
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._results import FrozenResult
from .._typing import FloatArray
from ..exceptions import DimensionError

__all__ = ["MILP", "SolveResult", "STATUSES"]

#: Statuses every backend maps its own codes to.
STATUSES = (
    "optimal",  # proven optimal (within the gap)
    "infeasible",
    "unbounded",
    "time_limit",  # stopped by the time limit; x is the incumbent if any
    "interrupted",  # stopped by Ctrl-C or a callback; x is the incumbent if any
    "stopped",  # stopped early by objective_stop / bound_stop; x is the incumbent if any
    "error",
)


@dataclasses.dataclass(frozen=True, eq=False)
class MILP:
    """A (mixed-integer) linear program in matrix form; see the module docstring."""

    c: FloatArray
    A: sp.csr_matrix
    row_lower: FloatArray
    row_upper: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    integrality: np.ndarray
    sense: str = "min"
    offset: float = 0.0

    @property
    def num_cols(self) -> int:
        return int(self.c.size)

    @property
    def num_rows(self) -> int:
        return int(self.A.shape[0])

    @property
    def is_mip(self) -> bool:
        return bool(np.any(self.integrality))

    @classmethod
    def build(
        cls,
        c: Any,
        *,
        A_ub: Any = None,
        b_ub: Any = None,
        A_eq: Any = None,
        b_eq: Any = None,
        bounds: Any = None,
        integrality: Any = None,
        sense: str = "min",
        offset: float = 0.0,
    ) -> MILP:
        """Build from ``linprog``-style arguments (``A_ub x <= b_ub``, ``A_eq x = b_eq``).

        ``bounds`` is ``None`` (all variables free), one ``(lo, hi)`` pair for all, or a
        list of pairs / an ``(n, 2)`` array; ``None`` entries mean infinite.
        """
        c = np.asarray(c, dtype=np.float64).ravel()
        n = c.size
        blocks, lo, hi = [], [], []
        if A_ub is not None:
            M = sp.csr_matrix(A_ub, dtype=np.float64)
            if M.shape[1] != n:
                raise DimensionError(f"A_ub has {M.shape[1]} columns for {n} variables")
            blocks.append(M)
            hi.append(np.asarray(b_ub, dtype=np.float64).ravel())
            lo.append(np.full(M.shape[0], -math.inf))
        if A_eq is not None:
            M = sp.csr_matrix(A_eq, dtype=np.float64)
            if M.shape[1] != n:
                raise DimensionError(f"A_eq has {M.shape[1]} columns for {n} variables")
            blocks.append(M)
            beq = np.asarray(b_eq, dtype=np.float64).ravel()
            lo.append(beq)
            hi.append(beq)
        A = sp.vstack(blocks, format="csr") if blocks else sp.csr_matrix((0, n))
        rl = np.concatenate(lo) if lo else np.zeros(0)
        ru = np.concatenate(hi) if hi else np.zeros(0)
        if rl.size != A.shape[0] or ru.size != A.shape[0]:
            raise DimensionError("right-hand sides do not match the constraint matrices")
        cl, cu = _bounds(bounds, n)
        integ = np.zeros(n, bool) if integrality is None else np.asarray(integrality, bool).ravel()
        if integ.size != n:
            raise DimensionError(f"integrality has {integ.size} entries for {n} variables")
        if sense not in ("min", "max"):
            raise ValueError("sense must be 'min' or 'max'")
        return cls(c, A, rl, ru, cl, cu, integ, sense, float(offset))


def _bounds(bounds: Any, n: int) -> tuple[FloatArray, FloatArray]:
    if bounds is None:
        return np.full(n, -math.inf), np.full(n, math.inf)
    if (
        isinstance(bounds, tuple)
        and len(bounds) == 2
        and all(v is None or np.isscalar(v) for v in bounds)
    ):
        pairs = [bounds] * n
    else:
        pairs = [tuple(p) for p in bounds]
    if len(pairs) != n:
        raise DimensionError(f"got {len(pairs)} variable bounds for {n} variables")
    lo = np.array([-math.inf if p[0] is None else float(p[0]) for p in pairs])
    hi = np.array([math.inf if p[1] is None else float(p[1]) for p in pairs])
    return lo, hi


@dataclasses.dataclass(frozen=True)
class SolveResult(FrozenResult):
    """Outcome of one LP/MILP solve.

    ``objective`` is the incumbent's value (``nan`` without one); ``bound`` the proven dual
    bound (for MILPs; equal to ``objective`` for solved LPs).
    """

    status: str
    x: FloatArray | None
    objective: float
    bound: float
    seconds: float
    solver: str
    message: str = ""

    @property
    def has_solution(self) -> bool:
        return self.x is not None
