"""Solution enumeration: every distinct assignment of a MILP's binary *key* columns.

Given a maximisation MILP, key columns ``K`` (binary) and a threshold ``tau``, find every
assignment ``z`` of ``K`` for which some feasible ``x`` with ``x_K = z`` has objective
``>= tau``; one such ``x`` is returned per assignment.  Backends, by name in
:data:`ENUMERATORS` (measured in ``../shared/SOLVERS.md``):

``highs``
    HiGHS has no solution pool and its lazy-constraint callback cannot add rows, so this is
    the re-solve loop of Serra et al. (2018): maximise, record the optimum if its value is
    ``>= tau``, add the no-good cut
    :math:`\\sum_{j: z^*_j = 0} z_j + \\sum_{j: z^*_j = 1} (1 - z_j) \\ge 1` and solve again,
    until the optimum drops below ``tau`` (or the model becomes infeasible).
``scip``
    one branch-and-bound tree: a constraint handler (enforcement and check priorities below
    the linear constraints' and integrality's, so it only sees feasible integral LP
    solutions) records every key assignment it sees, then branches on a key column not yet
    fixed at the node, and cuts the node off once every key is fixed (all its solutions
    share the recorded assignment).  Like SCIP's own solution counting
    (``constraints/countsols``) this partitions the tree instead of adding a no-good row
    per solution: with rows the LP grew by one per region and the 4-10-10-1 net (3,513
    regions) took 6.6x Gurobi's pool, with branching 0.96x (5-8-8-8-1: 0.95x; 1.1-1.9x in
    runs under heavy load; ``benchmarks/results/milp.txt``).
    It never accepts an incumbent, so it never prunes by bound; presolving, restarts,
    heuristics, separation and dual reductions are off so no key assignment is lost, and
    nodes are taken depth first (the LP of the child that keeps the solution is optimal at
    once).
``gurobi``
    the solution pool: ``PoolSearchMode=2`` with ``PoolSolutions`` at its maximum
    enumerates the solutions with distinct integer parts (pip's licence caps models at 2,000
    variables and constraints).

Every backend polls the :class:`~relu_regions._budget.Budget` from inside the solver and
returns what it found, marked incomplete, when the budget stops it.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._budget import Budget
from .._deps import require
from .._registry import Registry
from .._typing import FloatArray, IntArray
from ..exceptions import SolverError, SolverUnavailableError
from ._base import MILP
from ._highs import pass_model
from ._quiet import new_highs, run_highs

__all__ = ["Enumeration", "enumerate_solutions", "ENUMERATORS"]


@dataclasses.dataclass(frozen=True)
class Enumeration:
    """Distinct key assignments found, one full solution ``x`` each (discovery order)."""

    solutions: FloatArray
    complete: bool
    solves: int
    seconds: float
    solver: str
    details: dict[str, Any] = dataclasses.field(default_factory=dict)


Enumerator = Callable[..., Enumeration]
ENUMERATORS: Registry[Enumerator] = Registry("solution enumerator")


def _with_threshold(problem: MILP, tau: float) -> MILP:
    """``problem`` plus the row ``c @ x >= tau`` (for the pool/handler backends)."""
    A = sp.vstack([problem.A, sp.csr_matrix(problem.c[None, :])], format="csr")
    return dataclasses.replace(
        problem,
        A=A,
        row_lower=np.r_[problem.row_lower, tau - problem.offset],
        row_upper=np.r_[problem.row_upper, math.inf],
    )


def _key(x: FloatArray, keys: IntArray) -> bytes:
    return np.asarray(np.round(x[keys]) > 0.5).tobytes()


def _enumerate_highs(
    problem: MILP, keys: IntArray, *, tau: float, budget: Budget, options: dict[str, Any]
) -> Enumeration:
    import highspy

    if problem.sense != "max":
        raise ValueError("enumeration expects a maximisation problem")
    t0 = time.perf_counter()
    h = new_highs()
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.setOptionValue("mip_abs_gap", 1e-12)
    h.setOptionValue("mip_feasibility_tolerance", 1e-9)
    h.setOptionValue("primal_feasibility_tolerance", 1e-9)
    for k, v in options.items():
        h.setOptionValue(k, v)
    pass_model(h, problem)  # maximisation: HiGHS sees -c (and -offset)

    def poll(event: Any) -> None:
        if budget.stop:
            event.interrupt()

    h.cbMipInterrupt.subscribe(poll)
    found: list[FloatArray] = []
    seen: set[bytes] = set()
    solves = 0
    complete = False
    final_bound = math.nan
    idx = keys.astype(np.int32)
    while True:
        remaining = budget.remaining()
        if budget.stop:
            break
        if remaining is not None:
            h.setOptionValue("time_limit", float(max(remaining, 1e-3)))
        run_highs(h)
        solves += 1
        status = h.getModelStatus()
        info = h.getInfo()
        S = highspy.HighsModelStatus
        if status in (S.kInfeasible, S.kUnboundedOrInfeasible):
            complete = True
            break
        has_x = info.primal_solution_status == 2
        obj = -float(info.objective_function_value) if has_x else -math.inf
        if status == S.kOptimal:
            final_bound = -float(info.mip_dual_bound)
            if obj < tau or not has_x:
                if final_bound >= tau + 1e-9 * max(1.0, abs(tau)):
                    raise SolverError("HiGHS stopped with a dual bound above the threshold")
                complete = True
                break
        elif not (has_x and obj >= tau):
            break  # time limit / interruption without a usable incumbent
        x = np.array(h.getSolution().col_value, dtype=np.float64)
        key = _key(x, keys)
        if key in seen:
            raise SolverError("HiGHS returned a key assignment that a no-good cut excludes")
        seen.add(key)
        found.append(x)
        z = np.round(x[keys]) > 0.5
        coef = np.where(z, -1.0, 1.0)
        h.addRow(1.0 - float(z.sum()), highspy.kHighsInf, idx.size, idx, coef)
        if status != S.kOptimal:
            break  # the incumbent of an interrupted solve is kept; the search is not complete
    return Enumeration(
        np.array(found).reshape(-1, problem.num_cols),
        complete,
        solves,
        time.perf_counter() - t0,
        "highs",
        {"final_max_objective": final_bound},
    )


def _enumerate_scip(
    problem: MILP, keys: IntArray, *, tau: float, budget: Budget, options: dict[str, Any]
) -> Enumeration:
    scip = require("pyscipopt")
    from ._scip import build_scip_model

    t0 = time.perf_counter()
    model, xs = build_scip_model(_with_threshold(problem, tau))
    model.setParam("parallel/maxnthreads", 1)
    model.setPresolve(scip.SCIP_PARAMSETTING.OFF)
    model.setHeuristics(scip.SCIP_PARAMSETTING.OFF)
    model.setParam("presolving/maxrestarts", 0)
    model.setParam("misc/allowstrongdualreds", False)
    model.setParam("misc/allowweakdualreds", False)
    model.setParam("numerics/feastol", 1e-9)
    model.setSeparating(scip.SCIP_PARAMSETTING.OFF)
    model.setParam("nodeselection/dfs/stdpriority", 1_000_000)
    for k, v in options.items():
        model.setParam(k, v)
    remaining = budget.remaining()
    if remaining is not None:
        model.setParam("limits/time", float(max(remaining, 1e-3)))
    kvars = [xs[int(j)] for j in keys]
    found: list[FloatArray] = []
    seen: set[bytes] = set()
    R = scip.SCIP_RESULT

    class Recorder(scip.Conshdlr):  # type: ignore[misc, name-defined]
        def _branch(self) -> dict[str, Any] | None:
            """Branch on a key column not fixed at this node (``None`` when all are)."""
            for v in kvars:
                if v.getLbLocal() < v.getUbLocal() - 0.5:
                    self.model.branchVar(v)
                    return {"result": R.BRANCHED}
            return None

        def consenfolp(self, constraints: Any, nusefulconss: Any, solinfeasible: Any) -> dict[str, Any]:
            if budget.stop:
                self.model.interruptSolve()
            if not solinfeasible:  # a feasible integral LP solution: a key assignment
                x = np.array([self.model.getSolVal(None, v) for v in xs])
                key = _key(x, keys)
                if key not in seen:
                    seen.add(key)
                    found.append(x)
            return self._branch() or {"result": R.CUTOFF if not solinfeasible else R.INFEASIBLE}

        def consenfops(
            self, constraints: Any, nusefulconss: Any, solinfeasible: Any, objinfeasible: Any
        ) -> dict[str, Any]:
            # a pseudo solution is not LP-feasible: split the node, or ask for its LP
            return self._branch() or {"result": R.SOLVELP}

        def conscheck(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
            return {"result": R.INFEASIBLE}

        def conslock(self, constraint: Any, locktype: Any, nlockspos: int, nlocksneg: int) -> None:
            for v in kvars:
                self.model.addVarLocks(v, nlockspos + nlocksneg, nlockspos + nlocksneg)

    model.includeConshdlr(
        Recorder(),
        "nogood_enumerator",
        "records and cuts off every key assignment",
        enfopriority=-9_999_999,
        chckpriority=-9_999_999,
        eagerfreq=1,
        needscons=False,
    )
    model.optimize()
    status = model.getStatus()
    complete = status == "infeasible"
    if status not in ("infeasible", "timelimit", "userinterrupt"):
        raise SolverError(f"SCIP enumeration ended with status {status!r}")
    return Enumeration(
        np.array(found).reshape(-1, len(xs)),
        complete,
        1,
        time.perf_counter() - t0,
        "scip",
        {"scip_status": status, "nodes": int(model.getNNodes())},
    )


def _enumerate_gurobi(
    problem: MILP, keys: IntArray, *, tau: float, budget: Budget, options: dict[str, Any]
) -> Enumeration:
    gp = require("gurobipy")
    from ._gurobi import build_gurobi_model

    t0 = time.perf_counter()
    model, x = build_gurobi_model(_with_threshold(problem, tau))
    p = model.Params
    p.PoolSearchMode = 2
    p.PoolSolutions = 2_000_000_000
    p.FeasibilityTol = 1e-9
    p.IntFeasTol = 1e-9
    remaining = budget.remaining()
    if remaining is not None:
        p.TimeLimit = float(max(remaining, 1e-3))
    for k, v in options.items():
        model.setParam(k, v)

    def poll(m: Any, where: int) -> None:
        if budget.stop:
            m.terminate()

    try:
        model.optimize(poll)
    except gp.GurobiError as exc:
        raise SolverUnavailableError(f"Gurobi failed: {exc}") from None
    G = gp.GRB
    found: list[FloatArray] = []
    seen: set[bytes] = set()
    for i in range(model.SolCount):
        p.SolutionNumber = i
        xi = np.asarray(x.Xn, dtype=np.float64)
        key = _key(xi, keys)
        if key not in seen:
            seen.add(key)
            found.append(xi)
    complete = model.Status in (G.OPTIMAL, G.INFEASIBLE)
    return Enumeration(
        np.array(found).reshape(-1, problem.num_cols),
        complete,
        1,
        time.perf_counter() - t0,
        "gurobi",
        {"gurobi_status": int(model.Status)},
    )


ENUMERATORS.add("highs", _enumerate_highs, help="re-solve loop with no-good cuts (default)")
ENUMERATORS.add("scip", _enumerate_scip, help="one search tree, a constraint handler records and branches")
ENUMERATORS.add("gurobi", _enumerate_gurobi, help="solution pool (PoolSearchMode=2)")


def enumerate_solutions(
    problem: MILP,
    keys: Any,
    *,
    threshold: float,
    solver: str = "highs",
    budget: Budget | None = None,
    options: dict[str, Any] | None = None,
) -> Enumeration:
    """Every distinct assignment of the binary columns ``keys`` with objective ``>= threshold``.

    Parameters
    ----------
    problem:
        a maximisation :class:`MILP`; ``keys`` must be binary columns.
    threshold:
        ``tau``: only solutions whose objective reaches it count.
    solver:
        a name in :data:`ENUMERATORS` (``highs``, ``scip``, ``gurobi``).
    budget:
        time limit / Ctrl-C; the enumeration is then returned incomplete.
    options:
        backend parameters passed through unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> p = MILP.build([1.0, 1.0], A_ub=[[1.0, 1.0]], b_ub=[1.0], bounds=(0, 1),
    ...                integrality=[True, True], sense="max")
    >>> e = enumerate_solutions(p, [0, 1], threshold=0.0)
    >>> sorted(tuple(int(v) for v in s) for s in e.solutions), e.complete
    ([(0, 0), (0, 1), (1, 0)], True)
    """
    keys_arr = np.asarray(keys, dtype=np.int64).ravel()
    if problem.sense != "max":
        raise ValueError("enumerate_solutions expects a maximisation problem")
    if not np.all(problem.integrality[keys_arr]):
        raise ValueError("key columns must be integer (binary)")
    backend = ENUMERATORS[solver]
    opts = dict(options or {})
    return backend(problem, keys_arr, tau=float(threshold), budget=budget or Budget(), options=opts)
