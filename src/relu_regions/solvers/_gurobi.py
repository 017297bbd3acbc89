"""Gurobi backend through gurobipy (optional extra ``gurobi``; needs a licence for large models)."""

from __future__ import annotations

import math
import time

import numpy as np

from .._deps import require
from ..exceptions import SolverUnavailableError
from ._base import MILP, SolveResult

__all__ = ["solve_gurobi", "build_gurobi_model"]


def build_gurobi_model(problem: MILP):  # type: ignore[no-untyped-def]
    """A ``gurobipy.Model`` for ``problem`` and its MVar."""
    gp = require("gurobipy")
    try:
        env = gp.Env(params={"OutputFlag": 0})
        model = gp.Model(env=env)
    except gp.GurobiError as exc:
        raise SolverUnavailableError(f"Gurobi cannot start: {exc}") from None
    vtype = np.where(problem.integrality, gp.GRB.INTEGER, gp.GRB.CONTINUOUS)
    x = model.addMVar(problem.num_cols, lb=problem.col_lower, ub=problem.col_upper, vtype=vtype)
    A = problem.A.tocsr()
    eq = problem.row_lower == problem.row_upper
    fin_u = np.isfinite(problem.row_upper) & ~eq
    fin_l = np.isfinite(problem.row_lower) & ~eq
    if eq.any():
        model.addMConstr(A[eq], x, "=", problem.row_upper[eq])
    if fin_u.any():
        model.addMConstr(A[fin_u], x, "<", problem.row_upper[fin_u])
    if fin_l.any():
        model.addMConstr(A[fin_l], x, ">", problem.row_lower[fin_l])
    sense = gp.GRB.MAXIMIZE if problem.sense == "max" else gp.GRB.MINIMIZE
    model.setObjective(problem.c @ x + problem.offset, sense)
    model.Params.Threads = 1
    return model, x


def solve_gurobi(
    problem: MILP,
    *,
    time_limit: float | None = None,
    mip_gap: float = 1e-9,
    options: dict[str, object] | None = None,
    objective_stop: float | None = None,
    bound_stop: float | None = None,
) -> SolveResult:
    gp = require("gurobipy")
    t0 = time.perf_counter()
    model, x = build_gurobi_model(problem)
    if time_limit is not None:
        model.Params.TimeLimit = float(max(time_limit, 1e-3))
    model.Params.MIPGap = float(mip_gap)
    if problem.is_mip and objective_stop is not None:
        model.Params.BestObjStop = float(objective_stop)
    if problem.is_mip and bound_stop is not None:
        model.Params.BestBdStop = float(bound_stop)
    for k, v in (options or {}).items():
        model.setParam(k, v)
    try:
        model.optimize()
        if model.Status == gp.GRB.INF_OR_UNBD:
            # presolve's dual reductions cannot tell the two apart: ask again without them
            model.Params.DualReductions = 0
            model.optimize()
    except gp.GurobiError as exc:
        raise SolverUnavailableError(f"Gurobi failed: {exc}") from None
    G = gp.GRB
    status = {
        G.OPTIMAL: "optimal",
        G.INFEASIBLE: "infeasible",
        G.UNBOUNDED: "unbounded",
        G.INF_OR_UNBD: "infeasible",
        G.TIME_LIMIT: "time_limit",
        G.INTERRUPTED: "interrupted",
        G.USER_OBJ_LIMIT: "stopped",
    }.get(model.Status, "error")
    xv = None
    obj = math.nan
    if model.SolCount > 0:
        xv = np.asarray(x.X, dtype=np.float64)
        obj = float(model.ObjVal)
    bound = float(model.ObjBound) if problem.is_mip and status != "infeasible" else obj
    return SolveResult(status, xv, obj, bound, time.perf_counter() - t0, "gurobi")
