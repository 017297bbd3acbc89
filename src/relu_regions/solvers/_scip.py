"""SCIP backend through PySCIPOpt (optional extra ``scip``)."""

from __future__ import annotations

import math
import time

import numpy as np

from .._deps import require
from ._base import MILP, SolveResult

__all__ = ["solve_scip", "build_scip_model"]


def build_scip_model(problem: MILP):  # type: ignore[no-untyped-def]
    """A ``pyscipopt.Model`` for ``problem`` and its variable list."""
    scip = require("pyscipopt")
    model = scip.Model()
    model.hideOutput()
    xs = []
    for j in range(problem.num_cols):
        lo = None if math.isinf(problem.col_lower[j]) else float(problem.col_lower[j])
        hi = None if math.isinf(problem.col_upper[j]) else float(problem.col_upper[j])
        if problem.integrality[j] and lo is not None and hi is not None and lo >= 0 and hi <= 1:
            vt = "B"
        else:
            vt = "I" if problem.integrality[j] else "C"
        xs.append(model.addVar(name=f"x{j}", vtype=vt, lb=lo, ub=hi))
    A = problem.A.tocsr()
    for i in range(problem.num_rows):
        lo_i, hi_i = problem.row_lower[i], problem.row_upper[i]
        s, e = A.indptr[i], A.indptr[i + 1]
        expr = scip.quicksum(float(v) * xs[j] for j, v in zip(A.indices[s:e], A.data[s:e], strict=True))
        if lo_i == hi_i:
            model.addCons(expr == float(hi_i))
        else:
            if not math.isinf(hi_i):
                model.addCons(expr <= float(hi_i))
            if not math.isinf(lo_i):
                model.addCons(expr >= float(lo_i))
    obj = scip.quicksum(float(c) * xs[j] for j, c in enumerate(problem.c) if c != 0)
    model.setObjective(obj + problem.offset, "maximize" if problem.sense == "max" else "minimize")
    return model, xs


def solve_scip(
    problem: MILP,
    *,
    time_limit: float | None = None,
    mip_gap: float = 1e-9,
    options: dict[str, object] | None = None,
    objective_stop: float | None = None,
    bound_stop: float | None = None,
) -> SolveResult:
    t0 = time.perf_counter()
    model, xs = build_scip_model(problem)
    model.setParam("parallel/maxnthreads", 1)
    if time_limit is not None:
        model.setParam("limits/time", float(max(time_limit, 1e-3)))
    model.setParam("limits/gap", float(mip_gap))
    if problem.is_mip and objective_stop is not None:
        model.setParam("limits/primal", float(objective_stop))
    if problem.is_mip and bound_stop is not None:
        model.setParam("limits/dual", float(bound_stop))
    for k, v in (options or {}).items():
        model.setParam(k, v)
    model.optimize()
    st = model.getStatus()
    status = {
        "optimal": "optimal",
        "infeasible": "infeasible",
        "unbounded": "unbounded",
        "inforunbd": "infeasible",
        "timelimit": "time_limit",
        "userinterrupt": "interrupted",
        "gaplimit": "optimal",
        "primallimit": "stopped",
        "duallimit": "stopped",
    }.get(st, "error")
    x = None
    obj = math.nan
    if model.getNSols() > 0 and status in ("optimal", "time_limit", "interrupted", "stopped"):
        sol = model.getBestSol()
        x = np.array([model.getSolVal(sol, v) for v in xs])
        obj = float(model.getSolObjVal(sol))
    bound = float(model.getDualbound()) if status not in ("infeasible", "error") else math.nan
    return SolveResult(status, x, obj, bound, time.perf_counter() - t0, "scip", st)
