"""Dask scaling: counting (first-layer cells) and stable neurons on 1, 2 and 4 local workers vs serial.

All in one process, one after the other on the same nets:

* ``count``: ``count_regions(net, box, method="lp")`` on 4-10-10-1 (seed 2, bias_std 0.1,
  [-1, 1]^4, 3,513 regions) serially, with ``workers=2`` (our own process pool, for
  reference), then with ``executor=`` a ``LocalCluster`` of N single-threaded worker
  processes (``relu_regions.cluster.dask_executor("local:N")``); the domain is split into
  16 first-layer cells (4 x 4 slots: a Dask executor does not tell its size), each one task;
* ``stable``: ``stable_neurons(net, [0, 1]^4)`` (``auto``) on 4-16-16-16-2 (seed 3), whose
  prefilters leave 10 sign questions for LPs with cuts and MILPs; with an executor the
  undecided neurons of a layer go out in ``min(#undecided, 2 N)`` chunks;
* per-task overhead: the round trip of ``executor.submit(f).result()`` for a no-op ``f``
  (sequential, so latency), and of 200 no-op tasks submitted together (throughput).

Times are medians of REPEATS runs; cluster start-up (a few seconds) is reported apart and not
included.  Results are checked identical to serial (counts; per-neuron classification).
The machine has 2 cores shared with other work: more than 2 workers cannot help here, and
the numbers say what Dask costs, not what a real cluster gains.

Run: ``python benchmarks/bench_dask.py > benchmarks/results/dask.txt``
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from relu_regions import random_network  # noqa: E402
from relu_regions.cluster import dask_executor  # noqa: E402
from relu_regions.regions import count_regions  # noqa: E402
from relu_regions.stability import stable_neurons  # noqa: E402


def _noop(x: int) -> int:
    return x


def median_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workers", default="1,2,4")
    args = ap.parse_args()
    import distributed

    print(__doc__.split("\n\n")[0])
    print()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared with other work), "
          f"python {platform.python_version()}, distributed {distributed.__version__}")
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"date: {time.strftime('%Y-%m-%d %H:%M')}; load average at start (1, 5, 15 min): {load}")
    print(f"repeats: {args.repeats} (median)")
    print()
    cnet = random_network([4, 10, 10, 1], seed=2, bias_std=0.1)
    snet = random_network([4, 16, 16, 16, 2], seed=3)
    t_count, ref_count = median_time(lambda: count_regions(cnet, "box:-1,1", method="lp"), args.repeats)
    t_stable, ref_stable = median_time(lambda: stable_neurons(snet, "box:0,1"), args.repeats)
    t_pool, _ = median_time(lambda: count_regions(cnet, "box:-1,1", method="lp", workers=2), args.repeats)
    ref_status = [ref_stable.status(i) for i in range(len(ref_stable.layers))]
    print(f"serial: count {t_count:.2f} s ({ref_count.regions} regions); stable {t_stable:.2f} s "
          f"({ref_stable.counts}, {ref_stable.details.get('milp_solves', 0)} MILPs, "
          f"{ref_stable.details.get('lp_solves', 0)} LPs)")
    print(f"count with workers=2 (own process pool, 8 cells): {t_pool:.2f} s, {t_count / t_pool:.2f}x")
    print()
    print(f"{'workers':>7s} {'start s':>8s} {'count s':>8s} {'speed-up':>8s} {'stable s':>8s} "
          f"{'speed-up':>8s} {'tasks':>6s} {'1 task ms':>9s} {'200 tasks ms/task':>17s}  same")
    for n in (int(w) for w in args.workers.split(",")):
        t0 = time.perf_counter()
        with dask_executor(f"local:{n}") as ex:
            t_start = time.perf_counter() - t0
            ex.submit(_noop, 0).result()  # workers warm
            tc, rc = median_time(lambda ex=ex: count_regions(cnet, "box:-1,1", method="lp", executor=ex),
                                 args.repeats)
            ts, rs = median_time(lambda ex=ex: stable_neurons(snet, "box:0,1", executor=ex), args.repeats)
            lat = []
            for i in range(20):
                t1 = time.perf_counter()
                ex.submit(_noop, i).result()
                lat.append(time.perf_counter() - t1)
            t1 = time.perf_counter()
            futs = [ex.submit(_noop, i) for i in range(200)]
            _ = [f.result() for f in futs]
            thr = (time.perf_counter() - t1) / 200
        same = rc.regions == ref_count.regions and rc.exact and all(
            np.array_equal(rs.status(i), ref_status[i]) for i in range(len(ref_status))
        )
        tasks = f"{rc.details.get('cells', '?')}/{rs.details.get('milp_tasks', 0)}"
        print(f"{n:7d} {t_start:8.2f} {tc:8.2f} {t_count / tc:7.2f}x {ts:8.2f} {t_stable / ts:7.2f}x "
              f"{tasks:>6s} {1e3 * statistics.median(lat):9.1f} {1e3 * thr:17.2f}  {same}", flush=True)
    print()
    print("tasks: first-layer cells of the count / sign-MILP chunks of stable (all layers).")


if __name__ == "__main__":
    main()
