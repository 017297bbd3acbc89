"""Local stability on MNIST (Kumar, Serra & Ramalingam, Sec. 6.3: Table 2 and Figure 6).

Net: 784-5-5-5-5-10, the paper's architecture, trained with :func:`relu_regions.train_network`
on the offline MNIST subset (``mnist-5k``, inputs in [0, 1]^784; SGD, lr 0.01, momentum 0.9,
batch 64, EPOCHS epochs, seed 0) with an l1 penalty L1 on every weight matrix.  (On 4,500
training digits a 5-wide net reaches about 72% test accuracy; the paper's, trained on all of
MNIST, is not reported in this section.)

Table 2: the hypercube ``{x : |x_i - delta| <= delta}`` = ``[0, alpha]^784`` with
``alpha = 2 delta``; for each ``alpha`` the stably inactive/active neurons
(``stable_neurons``, exact) and the activation patterns of full-dimensional regions, counted
exactly by our ``lp`` traversal and, side by side on the same box, by the papers' MILP
(Serra et al. 2018 + Cai et al. 2023 constraints, HiGHS no-good-cut loop, one thread, under
MILP_LIMIT seconds; a stopped run is a verified lower bound; ``lp`` under TABLE_LIMIT).  The paper's own numbers (its
net, CPLEX) are printed beside ours; the nets differ, so only the trend is comparable.

Figure 6: one test digit per class (the first of each), balls of radius ``delta`` around it
clipped to [0, 1]; stable counts and exact pattern counts (``lp`` under COUNT_LIMIT seconds
per ball: a stopped count is a labelled lower bound, ``+`` in the table).  The figure is
``results/local_stability.png`` (log-scale y-axes, as in the paper).

Run: ``.venv/bin/python benchmarks/bench_local_stability.py [--quick] > benchmarks/results/local_stability.txt``
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from relu_regions import LInfBall, train_network  # noqa: E402
from relu_regions.data import load_dataset  # noqa: E402
from relu_regions.regions import count_regions  # noqa: E402
from relu_regions.stability import stable_neurons  # noqa: E402

EPOCHS = 30
L1 = 1e-3
MILP_LIMIT = 120.0
TABLE_LIMIT = 120.0
COUNT_LIMIT = 30.0
ALPHAS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
#: The paper's Table 2: alpha -> (inactive, active, patterns, seconds).
PAPER = {1e-4: (5, 15, 1, 0.011), 1e-3: (5, 15, 1, 0.011), 1e-2: (4, 15, 2, 0.015),
         1e-1: (4, 5, 64, 0.337), 1.0: (3, 0, 458, 1.066)}
DELTAS = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1)
RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer epochs, classes and radii; short limits")
    args = ap.parse_args()
    epochs = 3 if args.quick else EPOCHS
    milp_limit = 10.0 if args.quick else MILP_LIMIT
    count_limit = 10.0 if args.quick else COUNT_LIMIT
    table_limit = 10.0 if args.quick else TABLE_LIMIT
    alphas = ALPHAS[:3] if args.quick else ALPHAS
    deltas = DELTAS[:3] if args.quick else DELTAS
    classes = range(2) if args.quick else range(10)
    print(__doc__.split("Run:")[0].strip())
    print()
    from importlib.metadata import version

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {sys.version.split()[0]}; numpy {np.__version__}, highspy {version('highspy')}")
    print(f"epochs={epochs}, l1={L1:g} (every layer), limits: milp {milp_limit:g} s, lp {table_limit:g} s "
          f"(Table 2), {count_limit:g} s (Figure 6)")
    sys.stdout.flush()

    data = load_dataset("mnist-5k")
    t0 = time.perf_counter()
    res = train_network("mnist-5k", [5, 5, 5, 5], epochs=epochs, optimizer="sgd", lr=0.01, momentum=0.9,
                        batch_size=64, l1=L1, dtype="float32", seed=0, progress=False, name="5x4-l1")
    net = res.network
    print(f"\n784-5-5-5-5-10 l1={L1:g}: test accuracy {float(res.metrics['test_accuracy']):.3f} "
          f"({time.perf_counter() - t0:.0f} s)")

    print("\n## Table 2: the box [0, alpha]^784 (x_i = delta, alpha = 2 delta)")
    print("alpha    inactive active | patterns lp   s      | milp (HiGHS)                 | paper: inact act patterns s")
    for a in alphas:
        d = a / 2
        ball = LInfBall(np.full(784, d), d, clip=[0, 1])
        st = stable_neurons(net, ball)
        c = st.counts
        lp = count_regions(net, ball, method="lp", time_limit=table_limit)
        ml = count_regions(net, ball, method="milp", solver="highs", time_limit=milp_limit)
        if ml.exact and lp.exact:
            assert ml.regions == lp.regions, (ml.regions, lp.regions)
        mtxt = f"{ml.regions}{'' if ml.exact else '+'} in {ml.seconds:.2f} s"
        speed = ml.seconds / max(lp.seconds, 1e-9)
        # a stopped MILP would have needed longer: its ratio is a lower bound
        ratio = (f"({speed:.0f}x)" if ml.exact else f"(>{speed:.0f}x)") if lp.exact else "(?)"
        p = PAPER[a]
        print(f"{a:<8g} {c['inactive']:>6} {c['active']:>6}   | {lp.regions:>6}{'' if lp.exact else '+'} "
              f"{st.seconds + lp.seconds:>8.2f}   | {mtxt:<20} {ratio:<8}| {p[0]:>5} {p[1]:>3} {p[2]:>6} {p[3]:>6}")
        sys.stdout.flush()

    print("\n## Figure 6: balls of radius delta around one test digit per class (clipped to [0, 1])")
    print("class  delta   inactive active unstable  patterns   s")
    curves: dict[int, list[tuple[float, int, int, int, bool]]] = {}
    for cls in classes:
        i = int(np.flatnonzero(data.y_test == cls)[0])
        x = data.X_test[i]
        curves[cls] = []
        for d in deltas:
            ball = LInfBall(x, d, clip=[0, 1])
            st = stable_neurons(net, ball)
            c = st.counts
            if c["unstable"] == 0:
                n, exact, secs = 1, True, 0.0
            else:
                r = count_regions(net, ball, method="lp", time_limit=count_limit)
                n, exact, secs = r.regions, r.exact, r.seconds
            curves[cls].append((d, c["inactive"], c["active"], n, exact))
            print(f"{cls:>5}  {d:<7g} {c['inactive']:>6} {c['active']:>6} {c['unstable']:>6}    "
                  f"{n:>7}{'' if exact else '+'} {st.seconds + secs:>7.2f}")
            sys.stdout.flush()
    _figure(curves, "quick" if args.quick else "")


def _figure(curves: dict[int, list[tuple[float, int, int, int, bool]]], tag: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), constrained_layout=True)
    titles = ("stably inactive", "stably active", "activation patterns")
    for cls, rows in curves.items():
        ds = [r[0] for r in rows]
        for ax, k in zip(axes, (1, 2, 3), strict=True):
            (line,) = ax.plot(ds, [max(r[k], 0.8) for r in rows], marker="o", ms=3, label=str(cls))
        lower = [(r[0], r[3]) for r in rows if not r[4]]  # counts stopped by the time limit
        if lower:
            axes[2].plot(*zip(*lower, strict=True), "o", ms=7, mfc="none", color=line.get_color())
    for ax, t in zip(axes, titles, strict=True):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("delta (L-infinity radius)")
        ax.set_title(t)
    axes[2].legend(title="class", fontsize=7, ncol=2)
    axes[2].text(0.98, 0.02, "open circles: lower bounds (time limit)", transform=axes[2].transAxes,
                 ha="right", va="bottom", fontsize=7)
    fig.suptitle("784-5-5-5-5-10 (l1) on MNIST: local stability (cf. Kumar et al., Fig. 6)")
    name = f"local_stability{'_' + tag if tag else ''}.png"
    fig.savefig(RESULTS / name, dpi=120)
    print(f"\nfigure: results/{name}")


if __name__ == "__main__":
    main()
