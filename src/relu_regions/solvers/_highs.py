"""HiGHS backend (default), called through highspy directly.

Calling highspy directly is about 4x faster per small LP than ``scipy.optimize.linprog``
(measured in ../shared/SOLVERS.md); every backend call is single-threaded.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from .._budget import stop_requested
from ._base import MILP, SolveResult
from ._quiet import new_highs, run_highs

__all__ = ["solve_highs"]


def _status(h, model_status) -> str:  # type: ignore[no-untyped-def]
    import highspy

    S = highspy.HighsModelStatus
    table = {
        S.kOptimal: "optimal",
        S.kInfeasible: "infeasible",
        S.kUnbounded: "unbounded",
        S.kUnboundedOrInfeasible: "infeasible",
        S.kTimeLimit: "time_limit",
        S.kInterrupt: "interrupted",
        S.kObjectiveBound: "optimal",
        S.kObjectiveTarget: "optimal",
        S.kSolutionLimit: "interrupted",
        S.kIterationLimit: "time_limit",
    }
    return table.get(model_status, "error")


def pass_model(h: Any, problem: MILP) -> float:
    """Load ``problem`` into the ``highspy.Highs`` instance ``h``.

    HiGHS minimises, so a maximisation is passed negated; returns that sign (``-1.0`` for
    ``max``, ``1.0`` for ``min``): objective values read back must be multiplied by it.
    """
    import highspy

    lp = highspy.HighsLp()
    n, m = problem.num_cols, problem.num_rows
    lp.num_col_ = n
    lp.num_row_ = m
    sign = -1.0 if problem.sense == "max" else 1.0
    lp.col_cost_ = problem.c * sign
    lp.offset_ = problem.offset * sign
    lp.col_lower_ = problem.col_lower
    lp.col_upper_ = problem.col_upper
    lp.row_lower_ = problem.row_lower
    lp.row_upper_ = problem.row_upper
    A = problem.A.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = m
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data
    if problem.is_mip:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous
            for f in problem.integrality
        ]
    h.passModel(lp)
    return sign


def solve_highs(
    problem: MILP,
    *,
    time_limit: float | None = None,
    mip_gap: float = 1e-9,
    options: dict[str, object] | None = None,
    objective_stop: float | None = None,
    bound_stop: float | None = None,
) -> SolveResult:
    """Solve with HiGHS; early stops use the MIP interrupt callback (see :func:`solve`)."""

    t0 = time.perf_counter()
    h = new_highs()
    if time_limit is not None:
        h.setOptionValue("time_limit", float(max(time_limit, 1e-3)))
    if problem.is_mip:
        h.setOptionValue("mip_rel_gap", float(mip_gap))
    for k, v in (options or {}).items():
        h.setOptionValue(k, v)  # type: ignore[arg-type]
    sign = pass_model(h, problem)
    stopped = _subscribe_stops(h, sign, objective_stop, bound_stop) if problem.is_mip else None
    if problem.is_mip:
        h.cbMipInterrupt.subscribe(_poll_budget)
    elif problem.A.nnz >= LP_POLL_NNZ:  # only LPs big enough to run long
        h.cbSimplexInterrupt.subscribe(_poll_budget)
    run_highs(h)
    status = _status(h, h.getModelStatus())
    if stopped is not None and stopped[0] and status == "interrupted":
        status = "stopped"
    info = h.getInfo()
    x = None
    obj = math.nan
    if status == "optimal" or (
        status in ("time_limit", "interrupted", "stopped") and info.primal_solution_status == 2
    ):
        x = np.array(h.getSolution().col_value, dtype=np.float64)
        obj = float(info.objective_function_value) * sign
    if problem.is_mip:
        bound = float(info.mip_dual_bound) * sign if status != "infeasible" else math.nan
    else:
        bound = obj
    return SolveResult(status, x, obj, bound, time.perf_counter() - t0, "highs")


#: LPs with at least this many non-zeros poll the budget from the simplex loop.  Polling calls
#: into Python every iteration, which made the many small LPs of stability analysis slower
#: (1.14x in ``benchmarks/results/interrupts.txt``); a small LP ends in milliseconds anyway and the
#: budget is checked between solves.
LP_POLL_NNZ = 20_000


def _poll_budget(event: Any) -> None:
    """Stop the MIP search when the caller's budget runs out or Ctrl-C was pressed.

    HiGHS calls this from its branch-and-bound loop; running Python here also lets the SIGINT
    handler of :meth:`~relu_regions.Budget.catch_interrupt` run, so Ctrl-C takes effect within
    one callback interval instead of after the solve.
    """
    if stop_requested():
        event.interrupt()


def _subscribe_stops(h, sign: float, objective_stop: float | None, bound_stop: float | None):  # type: ignore[no-untyped-def]
    """Interrupt the MIP search once an incumbent or the dual bound settles the stop test.

    HiGHS minimises ``sign * c @ x`` internally, so both thresholds are mapped by ``sign``.
    Returns a one-element list that becomes ``[True]`` when the callback fired.
    """
    if objective_stop is None and bound_stop is None:
        return None
    primal = None if objective_stop is None else sign * float(objective_stop)
    dual = None if bound_stop is None else sign * float(bound_stop)
    fired = [False]

    def check(event) -> None:  # type: ignore[no-untyped-def]
        out = event.data_out
        if (primal is not None and out.mip_primal_bound <= primal) or (
            dual is not None and out.mip_dual_bound >= dual
        ):
            fired[0] = True
            event.interrupt()

    h.cbMipInterrupt.subscribe(check)
    return fired
