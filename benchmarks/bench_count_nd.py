"""Exact region counting in any dimension: our ``lp`` traversal vs the papers' MILP and relucent.

Nets: He-initialised (weights N(0, 2/fan_in), biases N(0, 0.1^2); ``random_network(widths,
seed=s, bias_std=0.1)``) over the box [-1, 1]^n0: 3-8-8-1 (seed 1), 4-10-10-1 (seed 2) and
5-8-8-8-1 (seed 3), the nets of issue 4 (681, 3,513 and 12,770 regions).

Baselines, run side by side in this process (relucent in a subprocess, so it can be timed out):

* ``milp`` (ours, the papers' formulation: Serra et al. 2018 + Cai et al. 2023) with HiGHS,
  the re-solve loop with no-good cuts, under a time limit; SCIP (constraint-handler
  enumeration) and Gurobi (solution pool, when installed) under a shorter one.  When a run does
  not finish, its count is a verified lower bound and the table says so.
* relucent (Gurobi LPs, ``Complex.bfs(cube_radius=1, cube_mode="intersect", nworkers=2)``)
  when installed; otherwise the issue's times are quoted (11.5 s, 70 s, 515 s, 2 workers).

``lp`` times are medians of REPEATS runs, serial and with ``workers=2`` (process pool over
first-layer cells).  Every method's count is checked against ``lp``'s before its time is used.
Scaling: time against regions and neurons (table + ``results/count_nd_scaling.png``).

Run: ``.venv/bin/python benchmarks/bench_count_nd.py [--quick] > benchmarks/results/count_nd.txt``
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from relu_regions import Box, random_network  # noqa: E402
from relu_regions.regions import count_regions  # noqa: E402
from relu_regions.solvers import solver_available  # noqa: E402

NETS = [([3, 8, 8, 1], 1, 681, 11.5), ([4, 10, 10, 1], 2, 3513, 70.0), ([5, 8, 8, 8, 1], 3, 12770, 515.0)]
RESULTS = Path(__file__).resolve().parent / "results"

RELUCENT_SCRIPT = textwrap.dedent(
    """
    import sys, time, numpy as np
    from relu_regions import random_network
    import relucent
    from relucent.model.model import ReLUNetwork, LinearLayer, ReLULayer
    widths = [int(w) for w in sys.argv[1].split("-")]
    net = random_network(widths, seed=int(sys.argv[2]), bias_std=0.1)
    layers = []
    for L in net.layers:
        layers.append(LinearLayer(weight=np.array(L.weight), bias=np.array(L.bias)))
        if L.activated:
            layers.append(ReLULayer())
    cx = relucent.Complex(ReLUNetwork(layers))
    t = time.perf_counter()
    cx.bfs(cube_radius=1.0, cube_mode="intersect", nworkers=2, verbose=0)
    print(len(cx), time.perf_counter() - t)
    """
)


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def box(k: int) -> Box:
    return Box(-np.ones(k), np.ones(k))


def median_time(fn: Any, repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def run_relucent(widths: list[int], seed: int, timeout: float) -> tuple[int | None, float | None, str]:
    try:
        import relucent  # noqa: F401
    except ImportError:
        return None, None, "not installed"
    try:
        out = subprocess.run(
            [sys.executable, "-c", RELUCENT_SCRIPT, "-".join(map(str, widths)), str(seed)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None, timeout, f"did not finish in {timeout:.0f} s"
    if out.returncode != 0:
        return None, None, "failed: " + (out.stderr.strip().splitlines() or ["?"])[-1][:80]
    n, t = out.stdout.split()
    return int(n), float(t), "ok"


def header(args: argparse.Namespace) -> None:
    import highspy
    import scipy

    hv = getattr(highspy, "__version__", None) or _dist_version("highspy")
    vers = [f"numpy {np.__version__}", f"scipy {scipy.__version__}", f"highspy {hv}"]
    for mod in ("pyscipopt", "gurobipy", "relucent"):
        try:
            m = __import__(mod)
            vers.append(f"{mod} {getattr(m, '__version__', None) or _dist_version(mod)}")
        except ImportError:
            vers.append(f"{mod} -")
    print(__doc__.split("Run:")[0].rstrip())
    print()
    py = platform.python_version()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared with other work), python {py}")
    print("versions: " + ", ".join(vers))
    print(
        f"mode: {'quick' if args.quick else 'full'}; lp repeats {args.repeats}; milp limits: HiGHS "
        f"{args.highs_limit:.0f} s, SCIP/Gurobi {args.other_limit:.0f} s; "
        f"relucent timeout {args.relucent_timeout:.0f} s"
    )
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(f"date: {time.strftime('%Y-%m-%d %H:%M')}; load average at start (1, 5, 15 min): {load}")
    print()


def main_table(args: argparse.Namespace) -> None:
    print("== Issue 4 nets on [-1, 1]^n0 ==")
    rows = []
    for widths, seed, expected, relucent_issue in NETS[: 2 if args.quick else 3]:
        net = random_network(widths, seed=seed, bias_std=0.1)
        dom = box(widths[0])
        t_lp, res = median_time(lambda net=net, dom=dom: count_regions(net, dom, method="lp"), args.repeats)
        assert res.exact and res.regions == expected, (res.regions, expected)
        t_lp2, res2 = median_time(
            lambda net=net, dom=dom: count_regions(net, dom, method="lp", workers=2), args.repeats
        )
        assert res2.regions == expected
        milps = {}
        limits = {"highs": args.highs_limit, "scip": args.other_limit, "gurobi": args.other_limit}
        for solver, limit in limits.items():
            if not solver_available(solver):
                milps[solver] = None
                continue
            t0 = time.perf_counter()
            try:
                m = count_regions(net, dom, method="milp", solver=solver, time_limit=limit)
            except Exception as exc:  # e.g. Gurobi's size-limited licence
                milps[solver] = (None, time.perf_counter() - t0, f"failed: {type(exc).__name__}")
                continue
            dt = time.perf_counter() - t0
            how = "exact" if m.exact else "stopped"
            if m.exact and m.regions != expected:
                how = f"COUNT DIFFERS from lp's {expected}"
            milps[solver] = (m.regions, dt, how)
        rel: tuple[int | None, float | None, str] = (None, None, "skipped")
        if not args.no_relucent:
            rel = run_relucent(widths, seed, args.relucent_timeout)
        rows.append((widths, expected, t_lp, t_lp2, milps, rel, relucent_issue))
        name = "-".join(map(str, widths))
        sym = res.certificate.get("adjacency_symmetric")
        print(f"\n{name}: {expected} regions (lp exact, adjacency symmetric: {sym}, "
              f"facets crossed: {res.details.get('crossed_facets')})")
        print(f"  lp serial           {t_lp:8.2f} s   {expected / t_lp:8.0f} regions/s")
        print(f"  lp workers=2        {t_lp2:8.2f} s   {expected / t_lp2:8.0f} regions/s")
        for solver, v in milps.items():
            if v is None:
                print(f"  milp {solver:7s}        not installed")
                continue
            n, dt, how = v
            if n is None:
                print(f"  milp {solver:7s}   {dt:8.2f} s   {how}")
                continue
            rate = n / dt
            # lp's time for the same number of regions, at lp's (constant) rate
            # stopped: lp's time for the same number of regions, at lp's average rate
            ratio = dt / t_lp if how == "exact" else (expected / t_lp) / max(rate, 1e-300)
            tag = "time ratio" if how == "exact" else "throughput ratio, a lower bound"
            print(
                f"  milp {solver:7s}   {dt:8.2f} s   {rate:8.1f} regions/s   {n} regions, {how}"
                f"   -> lp {ratio:,.0f}x faster ({tag})"
            )
        n_r, t_r, how_r = rel
        if n_r is not None and t_r is not None:
            ok = "same count" if n_r == expected else f"COUNT DIFFERS ({n_r})"
            print(
                f"  relucent (2 workers) {t_r:7.2f} s   {n_r / t_r:8.1f} regions/s   {ok}"
                f"   -> lp serial {t_r / t_lp:,.0f}x, lp 2 workers {t_r / t_lp2:,.0f}x faster"
            )
        else:
            print(
                f"  relucent: {how_r}; issue's time {relucent_issue:.1f} s (2 workers) -> lp serial "
                f"{relucent_issue / t_lp:,.0f}x, lp 2 workers {relucent_issue / t_lp2:,.0f}x faster"
                " (external reference, not measured here)"
            )
    print()
    big = [r for r in rows if r[1] == 12770]
    if big:
        t = big[0][2]
        print(f"target 5-8-8-8-1 < 5 s: lp serial {t:.2f} s ({'met' if t < 5 else 'NOT met'}), "
              f"workers=2 {big[0][3]:.2f} s ({'met' if big[0][3] < 5 else 'NOT met'})")
    print()


def equal_counts(args: argparse.Namespace) -> None:
    print("== lp vs milp (HiGHS) at equal counts: nets small enough for the MILP loop to finish ==")
    print(f"{'net':>12s} {'regions':>8s} {'lp s':>8s} {'milp s':>8s} {'ratio':>8s}")
    for widths, seed in ([2, 6, 6, 1], 0), ([3, 5, 4, 1], 5), ([4, 5, 4, 1], 2):
        net = random_network(widths, seed=seed, bias_std=0.1)
        dom = box(widths[0])
        t_lp, res = median_time(lambda net=net, dom=dom: count_regions(net, dom, method="lp"), args.repeats)
        t0 = time.perf_counter()
        m = count_regions(net, dom, method="milp", solver="highs", time_limit=args.highs_limit)
        dt = time.perf_counter() - t0
        name = "-".join(map(str, widths))
        if m.exact:
            same = "" if m.regions == res.regions else f"  COUNT DIFFERS: milp {m.regions}"
            print(f"{name:>12s} {res.regions:8d} {t_lp:8.3f} {dt:8.2f} {dt / t_lp:7.0f}x{same}")
        else:
            more, ratio = ">" + format(dt, ".0f"), ">" + format(dt / t_lp, ".0f")
            print(f"{name:>12s} {res.regions:8d} {t_lp:8.3f} {more:>8s} {ratio:>7s}x"
                  f"  (milp stopped at {m.regions})")
    print()


def facet_finders(args: argparse.Namespace) -> None:
    print("== facet finder by dimension (regions/s; lp finder capped at the time limit) ==")
    print(f"{'net':>12s} {'regions':>8s} {'qhull r/s':>10s} {'lp-finder r/s':>14s}")
    dims = (3, 5, 7) if args.quick else (3, 4, 5, 6, 7, 8, 9)
    for k in dims:
        widths = [k, 8, 8, 1]
        net = random_network(widths, seed=1, bias_std=0.1)
        rates = []
        count = None
        for finder in ("qhull", "lp"):
            t0 = time.perf_counter()
            r = count_regions(net, box(k), method="lp", facets=finder, time_limit=args.finder_limit)
            dt = time.perf_counter() - t0
            rates.append(r.regions / dt)
            if r.exact:
                count = r.regions
        name = "-".join(map(str, widths))
        print(f"{name:>12s} {count if count is not None else '?':>8} {rates[0]:10.0f} {rates[1]:14.0f}")
    print()


def scaling(args: argparse.Namespace) -> None:
    print("== scaling of lp (serial): time vs regions and vs neurons, 4-w-w-1 and n0-8-8-1 ==")
    print("(median of the repeats up to 24 neurons, one run above)")
    print(f"{'net':>12s} {'neurons':>8s} {'regions':>8s} {'seconds':>9s} {'us/region':>10s}")
    pts = []
    widths_list = [[4, w, w, 1] for w in ((4, 6, 8, 10) if args.quick else (4, 6, 8, 10, 12, 14, 16))]
    widths_list += [[k, 8, 8, 1] for k in ((2, 3) if args.quick else (2, 3, 4, 5, 6))]
    count_regions(random_network([2, 3, 1], seed=0), box(2), method="lp")  # warm-up: imports
    for widths in widths_list:
        net = random_network(widths, seed=0, bias_std=0.1)
        reps = args.repeats if net.num_neurons <= 24 else 1
        t, res = median_time(lambda net=net, w=widths: count_regions(net, box(w[0]), method="lp"), reps)
        n = net.num_neurons
        pts.append((widths, n, res.regions, t))
        name = "-".join(map(str, widths))
        print(f"{name:>12s} {n:8d} {res.regions:8d} {t:9.2f} {1e6 * t / res.regions:10.0f}")
    n_fam = len(widths_list) - (2 if args.quick else 5)
    fam, dims = pts[:n_fam], pts[n_fam:]
    if len(fam) >= 3:
        lr = np.log([p[2] for p in fam])
        lt = np.log([p[3] for p in fam])
        ln = np.log([p[1] for p in fam])
        print(
            f"4-w-w-1 log-log fits: time ~ regions^{np.polyfit(lr, lt, 1)[0]:.2f}, "
            f"time ~ neurons^{np.polyfit(ln, lt, 1)[0]:.2f}, regions ~ neurons^{np.polyfit(ln, lr, 1)[0]:.2f}"
        )
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(1, 3, figsize=(13, 4))
        for label, sel in (("4-w-w-1, w = 4..16", fam), ("n0-8-8-1, n0 = 2..6", dims)):
            ax[0].loglog([p[2] for p in sel], [p[3] for p in sel], "o-", label=label)
        ax[0].set_xlabel("regions")
        ax[0].set_ylabel("seconds (lp, serial)")
        ax[0].legend()
        ax[1].semilogy([p[1] for p in fam], [p[3] for p in fam], "o-", label="4-w-w-1")
        ax[1].set_xlabel("neurons (2 w)")
        ax[1].set_ylabel("seconds (lp, serial)")
        ax[1].legend()
        per_region = [1e6 * p[3] / p[2] for p in dims]
        ax[2].plot([p[0][0] for p in dims], per_region, "o-", color="C1", label="n0-8-8-1")
        ax[2].set_xlabel("input dimension n0")
        ax[2].set_ylabel("microseconds per region")
        ax[2].legend()
        for a in ax:
            a.grid(True, which="both", alpha=0.3)
        fig.suptitle("lp engine scaling (He init, [-1, 1]^n0; time is linear in the number of regions)")
        fig.tight_layout()
        out = RESULTS / ("count_nd_scaling_quick.png" if args.quick else "count_nd_scaling.png")
        fig.savefig(out, dpi=100)
        print(f"figure: benchmarks/results/{out.name}")
    except ImportError:
        print("figure: matplotlib not installed")
    print()


def sampling(args: argparse.Namespace) -> None:
    widths, seed, expected, _ = NETS[2]
    n = 100_000 if args.quick else 500_000
    net = random_network(widths, seed=seed, bias_std=0.1)
    t0 = time.perf_counter()
    r = count_regions(net, box(5), method="sample", samples=n, seed=0)
    print(f"== sampling is no substitute: {n:,} uniform samples on 5-8-8-8-1 found {r.regions:,} of "
          f"{expected:,} regions ({time.perf_counter() - t0:.1f} s) ==")
    print()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="smaller nets and limits (smoke run)")
    p.add_argument("--repeats", type=int, default=None)
    p.add_argument("--highs-limit", type=float, default=None)
    p.add_argument("--other-limit", type=float, default=None)
    p.add_argument("--relucent-timeout", type=float, default=None)
    p.add_argument("--finder-limit", type=float, default=None)
    p.add_argument("--no-relucent", action="store_true")
    p.add_argument(
        "--only", default="", help="comma-separated sections: main, equal, finders, scaling, sampling"
    )
    args = p.parse_args()
    q = args.quick
    args.repeats = args.repeats or (1 if q else 3)
    args.highs_limit = args.highs_limit or (10.0 if q else 120.0)
    args.other_limit = args.other_limit or (5.0 if q else 60.0)
    args.relucent_timeout = args.relucent_timeout or (60.0 if q else 1200.0)
    args.finder_limit = args.finder_limit or (2.0 if q else 20.0)
    header(args)
    sections = {"main": main_table, "equal": equal_counts, "finders": facet_finders,
                "scaling": scaling, "sampling": sampling}
    chosen = [name.strip() for name in args.only.split(",") if name.strip()] or list(sections)
    for name in chosen:
        sections[name](args)


if __name__ == "__main__":
    main()
