"""Exact region counting in high dimension: the ``lp`` engine's LP facet finder, side by side.

Baseline (``plain``): the LP facet finder deciding every row (every neuron and every domain
row, the box as 2k LP rows): ``stable_prefilter=False``.  Ours (``fast``, the default):
only neurons CROWN cannot prove stable on the domain are decided, stable neurons' rows are
left out of the LPs, and above 16 dimensions a box (or a ball, or a cell of one) enters the
LPs as column bounds.  Both run in this process on the same net and domain, under the same
time limit; the table checks that the region sets are identical whenever both finish.

Cases: balls around a digit for the bundled 64-32-32-10 digits model (61-D after the
constant pixels are fixed), balls in [0, 1]^784 for a He-initialised 784-5-5-5-5-10 net
(``random_network(seed=0, bias_std=0.1)``), 10-D and 12-D boxes (where the box stays rows),
and the 61-D ball with ``workers=2``.

Second table (``--rowspace``): the row-space traversal.  Every facet row of a region is a
combination of first-layer rows, so it depends on ``t`` only through ``y = V^T t`` with
``V`` an orthonormal basis of the first layer's row space (``r <= n1`` dimensions).  Ours
(the default): facets decided in ``y`` (Qhull on the region's image in an outer box of the
domain's image, rays lifted into the box by Dikin weights, section LPs in ``r + 1``
columns, lifted LPs only near the domain's boundary).  Baseline: the same engine deciding
facets in all ``k`` chart dimensions (``reduce_rank=False``; that is today's LP finder,
with the box's rows handled in closed form in both columns).  The baseline runs under a
time limit; when it stops, the ratio compares throughput (patterns per second) and is
marked ``~``.  ``--table4`` adds Kumar et al.'s Table 4 nets (784-5-5-5-5-10 trained
``EPOCHS`` epochs, ``l1`` and ``do_l2``) on ``[0, 1]^784``, both columns under the
baseline's limit.

Run: ``.venv/bin/python benchmarks/bench_count_highdim.py [--quick] > benchmarks/results/count_highdim.txt``
and ``.venv/bin/python benchmarks/bench_count_highdim.py --rowspace [--table4]
> benchmarks/results/count_highdim_rowspace.txt``
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from importlib.resources import files

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402

from relu_regions import Box, LInfBall, load_network, random_network  # noqa: E402
from relu_regions.regions import enumerate_regions  # noqa: E402

LIMIT = 120.0
EPOCHS = 10


def run(net, dom, limit, **kw):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    rs = enumerate_regions(net, dom, method="lp", time_limit=limit, **kw)
    return rs, time.perf_counter() - t0


def rowspace(limit: float, ours_limit: float, table4: bool) -> None:
    """The row-space table (module docstring)."""
    mnist = random_network([784, 5, 5, 5, 5, 10], seed=0, bias_std=0.1)
    cases = [
        ("784-5-5-5-5-10, [0,0.01]^784", mnist, LInfBall(np.full(784, 0.005), 0.005, clip=[0, 1])),
        ("784-5-5-5-5-10, [0,0.1]^784", mnist, LInfBall(np.full(784, 0.05), 0.05, clip=[0, 1])),
        ("784-5-5-5-5-10, [0,1]^784", mnist, Box(np.zeros(784), np.ones(784))),
    ]
    if table4:
        from relu_regions.experiments.kumar_table4 import train_table4_network

        for reg in ("l1", "do_l2"):
            net = train_table4_network((5, 5, 5, 5), reg, epochs=EPOCHS, seed=0)
            cases.append((f"Table 4 {reg}, [0,1]^784", net, Box(np.zeros(784), np.ones(784))))
    print(f"\nrow space: baseline limit {limit:g} s, ours {ours_limit:g} s; load average at start "
          f"{os.getloadavg()[0]:.2f}")
    print(f"{'case':<36} {'patterns':>9} {'full-dim s':>12} {'row space s':>12} {'speed-up':>9}  same")
    for name, net, dom in cases:
        ours, to = run(net, dom, limit if name.startswith("Table 4") else ours_limit)
        base, tb = run(net, dom, limit, reduce_rank=False)
        both = ours.count.exact and base.count.exact
        if both:
            same = set(map(bytes, ours.patterns)) == set(map(bytes, base.patterns))
            assert same, name
        elif ours.count.exact:  # every pattern the stopped baseline found must be one of ours
            same = set(map(bytes, base.patterns)) <= set(map(bytes, ours.patterns))
        else:
            same = None

        def fmt(rs, t):  # type: ignore[no-untyped-def]
            return f"{t:.2f}" if rs.count.exact else f">{t:.0f} ({rs.count.regions})"

        rate_o = ours.count.regions / to
        rate_b = base.count.regions / tb
        ratio = f"{tb / to:.1f}x" if both else f"~{rate_o / rate_b:.1f}x"
        patterns = ours.count.regions if ours.count.exact else f"{ours.count.regions}+"
        print(f"{name:<36} {patterns!s:>9} {fmt(base, tb):>12} {fmt(ours, to):>12} {ratio:>9}  "
              f"{'yes' if same else '-' if same is None else 'NO'}")
        sys.stdout.flush()
    print("\n(a stopped run: '>T (patterns found)'; '~' ratios compare patterns per second; 'same' for a"
          " stopped baseline: its patterns are a subset of ours)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small cases and a short limit")
    ap.add_argument("--rowspace", action="store_true", help="only the row-space table")
    ap.add_argument("--table4", action="store_true", help="add the trained Table 4 nets to it")
    ap.add_argument("--limit", type=float, default=150.0, help="baseline limit of the row-space table")
    args = ap.parse_args()
    if args.rowspace:
        print(__doc__.split("Run:")[0].strip())
        print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
              f"python {sys.version.split()[0]}; numpy {np.__version__}")
        rowspace(args.limit, 900.0, args.table4)
        return
    limit = 10.0 if args.quick else LIMIT
    print(__doc__.split("Run:")[0].strip())
    print()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {sys.version.split()[0]}; numpy {np.__version__}; time limit {limit:g} s per run")
    digits = load_network(str(files("relu_regions.data") / "default_model.npz"))
    x = load_digits().data[293] / 16.0
    mnist = random_network([784, 5, 5, 5, 5, 10], seed=0, bias_std=0.1)
    cases = [
        ("digits 64-32-32-10, ball r=0.05", digits, LInfBall(x, 0.05, clip=[0, 1]), {}),
        ("digits 64-32-32-10, ball r=0.1", digits, LInfBall(x, 0.1, clip=[0, 1]), {}),
        ("digits, ball r=0.1, workers=2", digits, LInfBall(x, 0.1, clip=[0, 1]), {"workers": 2}),
        ("784-5-5-5-5-10, [0,0.01]^784", mnist, LInfBall(np.full(784, 0.005), 0.005, clip=[0, 1]), {}),
        ("784-5-5-5-5-10, [0,0.1]^784", mnist, LInfBall(np.full(784, 0.05), 0.05, clip=[0, 1]), {}),
        ("10-8-8-1 box [-1,1]^10", random_network([10, 8, 8, 1], seed=4, bias_std=0.1),
         Box(-np.ones(10), np.ones(10)), {}),
        ("12-10-6-1 box [-1,1]^12", random_network([12, 10, 6, 1], seed=5, bias_std=0.1),
         Box(-np.ones(12), np.ones(12)), {}),
    ]
    if args.quick:
        cases = cases[:2]
    print(f"\n{'case':<34} {'regions':>8} {'plain s':>9} {'fast s':>8} {'speed-up':>9}  same")
    for name, net, dom, kw in cases:
        fast, tf = run(net, dom, limit, **kw)
        plain, tp = run(net, dom, limit, stable_prefilter=False, **kw)
        both = fast.count.exact and plain.count.exact
        same = (set(map(bytes, fast.patterns)) == set(map(bytes, plain.patterns))) if both else None
        if both:
            assert same, name
        def fmt(rs, t):  # type: ignore[no-untyped-def]
            return f"{t:.2f}" if rs.count.exact else f">{t:.0f} ({rs.count.regions})"
        regions = fast.count.regions if fast.count.exact else f"{fast.count.regions}+"
        ratio = tp / tf
        ratio_s = f"{ratio:.1f}x" if both else (f">{ratio:.1f}x" if fast.count.exact else "?")
        print(f"{name:<34} {regions!s:>8} {fmt(plain, tp):>9} {fmt(fast, tf):>8} {ratio_s:>9}  "
              f"{'yes' if same else '-' if same is None else 'NO'}")
        sys.stdout.flush()
    print("\n(plain stopped by the time limit: '>T (regions found)'; its speed-up is then a lower bound)")


if __name__ == "__main__":
    main()
