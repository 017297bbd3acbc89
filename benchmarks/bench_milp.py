"""The ``milp`` method with SCIP against Gurobi's solution pool, side by side in one process.

Nets: the issue-4 nets ``random_network(widths, seed=s, bias_std=0.1)`` on [-1, 1]^n0:
3-8-8-1 (seed 1, 681 regions), 4-10-10-1 (seed 2, 3,513) and 5-8-8-8-1 (seed 3, 12,770).

For each net, alternately (so machine load hits both alike), REPEATS times:

* ``enumerate``: :func:`relu_regions.solvers.enumerate_solutions` on the same formulation
  (:func:`relu_regions.regions._milp.build_region_milp`, threshold ``MARGIN_TOL * F``) with
  ``solver="scip"`` (one tree, a constraint handler that records each key assignment and
  branches on unfixed keys) and ``solver="gurobi"`` (``PoolSearchMode=2``);
* ``count``: the whole engine, ``count_regions(method="milp", solver=...)``: enumeration plus
  one Chebyshev LP per pattern plus the sampling audit (the same work for both solvers).

Reported: median seconds and the median of the per-repeat ratios SCIP / Gurobi (goal: <= 2),
and whether the count equals ``lp``'s.  For reference, the previous SCIP handler (a global
no-good row added per solution, which grows the LP by one row per region) runs once on the
first net(s) (``--old-nets``).

Run: ``python benchmarks/bench_milp.py [--quick] > benchmarks/results/milp.txt``
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from relu_regions import random_network  # noqa: E402
from relu_regions.regions import count_regions  # noqa: E402
from relu_regions.regions._milp import MARGIN_TOL, build_region_milp  # noqa: E402
from relu_regions.solvers._enumerate import _key, _with_threshold, enumerate_solutions  # noqa: E402

NETS = [([3, 8, 8, 1], 1, 681), ([4, 10, 10, 1], 2, 3513), ([5, 8, 8, 8, 1], 3, 12770)]


def old_scip_rows(problem: Any, keys: np.ndarray, tau: float) -> tuple[int, float]:
    """The previous SCIP enumerator: one global no-good row per recorded solution."""
    import pyscipopt as scip

    from relu_regions.solvers._scip import build_scip_model

    t0 = time.perf_counter()
    model, xs = build_scip_model(_with_threshold(problem, tau))
    model.setParam("parallel/maxnthreads", 1)
    model.setPresolve(scip.SCIP_PARAMSETTING.OFF)
    model.setHeuristics(scip.SCIP_PARAMSETTING.OFF)
    model.setParam("presolving/maxrestarts", 0)
    model.setParam("misc/allowstrongdualreds", False)
    model.setParam("misc/allowweakdualreds", False)
    model.setParam("numerics/feastol", 1e-9)
    kvars = [xs[int(j)] for j in keys]
    seen: set[bytes] = set()

    class Recorder(scip.Conshdlr):  # type: ignore[misc, name-defined]
        def _record(self) -> dict[str, Any]:
            x = np.array([self.model.getSolVal(None, v) for v in xs])
            seen.add(_key(x, keys))
            z = np.round(x[keys]) > 0.5
            expr = scip.quicksum((1 - v) if b else v for v, b in zip(kvars, z, strict=True))
            self.model.addCons(expr >= 1, removable=False)
            return {"result": scip.SCIP_RESULT.CONSADDED}

        def consenfolp(self, constraints: Any, nusefulconss: Any, solinfeasible: Any) -> dict[str, Any]:
            return self._record()

        def consenfops(self, *args: Any) -> dict[str, Any]:
            return self._record()

        def conscheck(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
            return {"result": scip.SCIP_RESULT.INFEASIBLE}

        def conslock(self, constraint: Any, locktype: Any, nlockspos: int, nlocksneg: int) -> None:
            for v in kvars:
                self.model.addVarLocks(v, nlockspos + nlocksneg, nlockspos + nlocksneg)

    model.includeConshdlr(
        Recorder(), "old", "no-good rows", enfopriority=-9_999_999, chckpriority=-9_999_999,
        eagerfreq=1, needscons=False,
    )
    model.optimize()
    return len(seen), time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="first two nets only")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--old-nets", type=int, default=1, help="nets on which to run the previous handler")
    args = ap.parse_args()
    import gurobipy
    import pyscipopt

    print(__doc__.split("\n\n")[0])
    print()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared with other work), "
          f"python {platform.python_version()}")
    print(f"versions: pyscipopt {pyscipopt.__version__}, gurobipy {gurobipy.__version__}")
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"date: {time.strftime('%Y-%m-%d %H:%M')}; load average at start (1, 5, 15 min): {load}")
    print(f"repeats: {args.repeats}, alternating SCIP and Gurobi")
    print()
    nets = NETS[:2] if args.quick else NETS
    for n, (widths, seed, expected) in enumerate(nets):
        net = random_network(widths, seed=seed, bias_std=0.1)
        k = widths[0]
        G, h = np.vstack([np.eye(k), -np.eye(k)]), np.ones(2 * k)
        form = build_region_milp(net, G, h)
        tau = MARGIN_TOL * form.fcap
        lp = count_regions(net, "box:-1,1", method="lp")
        assert lp.exact and lp.regions == expected
        name = "-".join(map(str, widths))
        print(f"{name}: {expected} regions (lp), {form.keys.size} binaries, "
              f"{form.problem.num_cols} columns, {form.problem.num_rows} rows")
        for what in ("enumerate", "count"):
            times: dict[str, list[float]] = {"scip": [], "gurobi": []}
            counts: dict[str, int] = {}
            for _ in range(args.repeats):
                for solver in ("scip", "gurobi"):
                    t0 = time.perf_counter()
                    if what == "enumerate":
                        e = enumerate_solutions(form.problem, form.keys, threshold=tau, solver=solver)
                        got, ok = len(e.solutions), e.complete
                    else:
                        r = count_regions(net, "box:-1,1", method="milp", solver=solver)
                        got, ok = r.regions, r.exact
                    times[solver].append(time.perf_counter() - t0)
                    counts[solver] = got if ok else -1
            ratios = [s / g for s, g in zip(times["scip"], times["gurobi"], strict=True)]
            same = all(c == expected for c in counts.values())
            print(f"  {what:9s} scip {statistics.median(times['scip']):7.2f} s   "
                  f"gurobi {statistics.median(times['gurobi']):7.2f} s   "
                  f"scip/gurobi {statistics.median(ratios):5.2f}x (per repeat: "
                  f"{', '.join(f'{x:.2f}' for x in ratios)})   "
                  f"{'counts = lp' if same else f'COUNTS {counts} vs lp {expected}'}")
        if n < args.old_nets:
            t0 = time.perf_counter()
            e = enumerate_solutions(form.problem, form.keys, threshold=tau, solver="gurobi")
            tg = time.perf_counter() - t0
            got, t_old = old_scip_rows(form.problem, form.keys, tau)
            print(f"  previous SCIP handler (a no-good row per region): {t_old:.2f} s, {got} patterns; "
                  f"gurobi beside it {tg:.2f} s: {t_old / tg:.2f}x")
        print(flush=True)


if __name__ == "__main__":
    main()
