"""LP/MILP solver backends behind one small interface.

HiGHS (via highspy) is the default and always installed; SCIP (pyscipopt) and Gurobi
(gurobipy, needs a licence for large models) are optional.  Backends are looked up by
name in :data:`SOLVERS`; each takes a :class:`MILP` and returns a :class:`SolveResult`.

Examples
--------
>>> res = solve_lp([1.0, 1.0], A_ub=[[-1.0, -2.0]], b_ub=[-2.0], bounds=(0, None))
>>> res.status, round(res.objective, 6)
('optimal', 1.0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._budget import request_stop_all
from .._deps import available
from .._registry import Registry
from ._base import MILP, STATUSES, SolveResult
from ._enumerate import ENUMERATORS, Enumeration, enumerate_solutions
from ._gurobi import solve_gurobi
from ._highs import solve_highs
from ._quiet import new_highs, run_highs, silenced_stdout
from ._scip import solve_scip

__all__ = [
    "MILP",
    "SolveResult",
    "STATUSES",
    "SOLVERS",
    "solve",
    "solve_lp",
    "solver_available",
    "available_solvers",
    "new_highs",
    "run_highs",
    "silenced_stdout",
    "enumerate_solutions",
    "Enumeration",
    "ENUMERATORS",
]

Backend = Callable[..., SolveResult]

SOLVERS: Registry[Backend] = Registry("solver")
SOLVERS.add("highs", solve_highs, help="HiGHS (default, open source, always installed)")
SOLVERS.add("scip", solve_scip, help="SCIP via pyscipopt (pip install 'relu-regions[scip]')")
SOLVERS.add("gurobi", solve_gurobi, help="Gurobi via gurobipy (licence needed for large models)")

_MODULES = {"highs": "highspy", "scip": "pyscipopt", "gurobi": "gurobipy"}


def solver_available(name: str) -> bool:
    """Whether the backend ``name`` is installed (a Gurobi licence is not checked)."""
    SOLVERS[name]
    return available(_MODULES[name])


def available_solvers() -> list[str]:
    return [n for n in SOLVERS if solver_available(n)]


def solve(
    problem: MILP,
    *,
    solver: str = "highs",
    time_limit: float | None = None,
    mip_gap: float = 1e-9,
    options: dict[str, object] | None = None,
    objective_stop: float | None = None,
    bound_stop: float | None = None,
) -> SolveResult:
    """Solve ``problem`` with the backend named ``solver``.

    ``objective_stop`` and ``bound_stop`` end a MILP early, in the problem's own sense:
    stop as soon as an incumbent is at least as good as ``objective_stop`` (``>=`` when
    maximising, ``<=`` when minimising), or as soon as the proven bound shows that no
    solution is better than ``bound_stop`` (bound ``<=`` it when maximising, ``>=`` when
    minimising).  The status is then ``"stopped"``, ``x``/``objective`` are the incumbent
    (if any) and ``bound`` the proven bound.  Sign tests need no more: "is there an ``x``
    with ``g(x) > 0``?" is settled by ``objective_stop=eps, bound_stop=0``.  Pure LPs are
    solved to optimality regardless.

    Examples
    --------
    >>> p = MILP.build([5, 4, 3], A_ub=[[2, 3, 1]], b_ub=[5], bounds=(0, 1),
    ...                integrality=[1, 1, 1], sense="max")
    >>> r = solve(p, bound_stop=100.0)   # any bound <= 100 settles it ("optimal" if presolved)
    >>> r.status in ("stopped", "optimal"), r.bound <= 100.0
    (True, True)
    """
    backend = SOLVERS[solver]
    result = backend(
        problem,
        time_limit=time_limit,
        mip_gap=mip_gap,
        options=options,
        objective_stop=objective_stop,
        bound_stop=bound_stop,
    )
    if result.status == "interrupted" and solver != "highs":
        # SCIP and Gurobi catch Ctrl-C themselves and return "interrupted": pass it on to the
        # caller's budget so the whole computation stops and labels its result partial
        request_stop_all("interrupted")
    return result


def solve_lp(
    c: Any,
    *,
    A_ub: Any = None,
    b_ub: Any = None,
    A_eq: Any = None,
    b_eq: Any = None,
    bounds: Any = None,
    integrality: Any = None,
    sense: str = "min",
    solver: str = "highs",
    time_limit: float | None = None,
) -> SolveResult:
    """``linprog``-style front end: minimise ``c @ x`` s.t. ``A_ub x <= b_ub``, ``A_eq x = b_eq``.

    Variables are free unless ``bounds`` says otherwise (unlike ``linprog``'s default of
    ``x >= 0``).  ``integrality`` (booleans) makes it a MILP.
    """
    problem = MILP.build(
        c,
        A_ub=A_ub,
        b_ub=b_ub,
        A_eq=A_eq,
        b_eq=b_eq,
        bounds=bounds,
        integrality=integrality,
        sense=sense,
    )
    return solve(problem, solver=solver, time_limit=time_limit)
