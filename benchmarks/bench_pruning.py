"""Bound-guided layer densities: the paper's two-layer procedure vs our L-layer optimiser.

Run: ``.venv/bin/python benchmarks/bench_pruning.py [--quick] [--experiment]``; output in
``benchmarks/results/pruning.txt`` (and ``pruning_experiment.txt`` with ``--experiment``).

Cai et al. (2023), Sec. 4 choose the densities of two pruned layers by a quadratic
interpolation of the Theorem 1 bound through three points (both extremes and uniform),
with an evenly spaced fallback search; they stop at two layers because "when there are more
layers involved, trying to optimize the upper bound becomes more challenging".  Our
``optimize`` strategy (SLSQP multi-start + exact-budget pattern search) works for any
number of layers.  For each net and global density we print the log10 bound of uniform
pruning, of the two-layer procedure (2 layers only) and of the optimiser, the gains in
orders of magnitude, the wall-clock seconds, and check that the optimiser is never below
uniform nor below the two-layer answer.  Both keep exactly uniform's number of weights.

``--experiment`` runs the default ``relu-regions experiment pruning`` into a temporary
folder (or, with ``--from DIR``, reads the records of one already run) and reports where its
time goes (training, pruning + density choice, fine-tuning, region counting, bounds), summed
over runs from the records' ``timings``, and per run.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from relu_regions.pruning import choose_densities  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"

TWO = [[784, 20, 20], [784, 100, 100], [784, 400, 400], [400, 128, 84], [1024, 4096, 4096], [64, 32, 32]]
DEEP = [[784, 100, 100, 100], [784, 200, 200, 200], [784, 100, 100, 100, 100], [64, 32, 32, 32, 32]]
DENSITIES = [0.1, 0.01, 0.005, 0.002, 0.001]


def fmt_widths(w: list[int]) -> str:
    return "-".join(map(str, w))


def bench_densities(
    quick: bool, estimator: str, nets2: list, nets_deep: list, dens: list[float]
) -> list[str]:
    lines = [
        f"rank estimator: {estimator}",
        f"{'widths':>20} {'p':>7} {'uniform':>10} {'two-layer':>10} {'optimize':>10} "
        f"{'gain 2L':>8} {'gain opt':>8} {'t 2L s':>7} {'t opt s':>7} {'opt densities'}",
    ]
    worst = 0.0
    for nets in (nets2, nets_deep):
        for w in nets:
            for p in dens:
                t0 = time.perf_counter()
                opt = choose_densities(w, p, strategy="optimize", rank_estimator=estimator, time_limit=120)
                t_opt = time.perf_counter() - t0
                uni = opt.uniform_bound_log10
                if len(w) == 3:
                    t0 = time.perf_counter()
                    two = choose_densities(w, p, strategy="two-layer", rank_estimator=estimator)
                    t_two = time.perf_counter() - t0
                    two_s, g2, tt = f"{two.bound_log10:10.4f}", f"{two.gain_log10:8.4f}", f"{t_two:7.2f}"
                    if opt.bound_log10 < two.bound_log10 - 1e-9:
                        raise SystemExit(f"optimiser below the two-layer procedure on {w} at {p}")
                    worst = min(worst, two.gain_log10)
                else:
                    two_s, g2, tt = f"{'n/a':>10}", f"{'n/a':>8}", f"{'':>7}"
                if opt.bound_log10 < uni:
                    raise SystemExit(f"optimiser below uniform on {w} at {p}")
                dens_s = ",".join(f"{d:.4g}" for d in opt.layer_densities)
                lines.append(
                    f"{fmt_widths(w):>20} {p:7.4g} {uni:10.4f} {two_s} {opt.bound_log10:10.4f} "
                    f"{g2} {opt.gain_log10:8.4f} {tt} {t_opt:7.2f} {dens_s}"
                    + (" (partial)" if opt.partial else "")
                )
                print(lines[-1], file=sys.stderr)
    lines.append(
        f"lowest two-layer gain over uniform (negative = the paper's procedure falls below "
        f"uniform): {worst:.4f}"
    )
    return lines


def summarise_runs(run_dir: Path, wall: float | None, label: str) -> list[str]:
    import json

    records = [json.loads(p.read_text()) for p in sorted(Path(run_dir, "runs").glob("*.json"))]
    phases: dict[str, float] = {}
    per_run: list[tuple[str, float]] = []
    for r in records:
        t = r.get("timings", {})
        per_run.append((f"{r.get('part')} {r.get('arch')} seed {r.get('seed')}", sum(t.values())))
        for k, v in t.items():
            phases[k] = phases.get(k, 0.0) + float(v)
    total = sum(phases.values()) or 1.0
    lines = [label, f"{len(records)} runs, {total:.1f} s inside runs"
             + (f", {wall:.1f} s wall clock" if wall is not None else ""),
             f"{'phase':>28} {'seconds':>9} {'share':>7}"]
    for k, v in sorted(phases.items(), key=lambda kv: -kv[1]):
        lines.append(f"{k:>28} {v:9.1f} {100 * v / total:6.1f}%")
    lines.append(f"{'run':>28} {'seconds':>9}")
    for name, v in per_run:
        lines.append(f"{name:>28} {v:9.1f}")
    return lines


def bench_experiment(existing: str | None) -> list[str]:
    if existing:
        return summarise_runs(Path(existing), None, f"default experiment, records read from {existing}")
    from relu_regions.experiments.pruning import run_pruning

    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        run_pruning(d, workers=1, progress=False)
        wall = time.perf_counter() - t0
        return summarise_runs(Path(d), wall, "default experiment (1 worker)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--experiment", action="store_true")
    ap.add_argument("--from", dest="existing", default=None, metavar="DIR",
                    help="with --experiment: summarise the runs/ of a finished default experiment")
    args = ap.parse_args()
    head = [
        f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores (shared), "
        f"one thread; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    ]
    if args.experiment:
        out = head + bench_experiment(args.existing)
        (RESULTS / "pruning_experiment.txt").write_text("\n".join(out) + "\n")
        print("\n".join(out))
        return
    dens = DENSITIES[:2] if args.quick else DENSITIES
    two = TWO[:2] if args.quick else TWO
    deep = DEEP[:1] if args.quick else DEEP
    out = head + bench_densities(args.quick, "binomial", two, deep, dens)
    out += [""] + bench_densities(
        args.quick,
        "sampled",
        [[784, 20, 20], [784, 100, 100]],
        [[784, 20, 20, 20]],
        [0.01, 0.002] if not args.quick else [0.01],
    )
    text = "\n".join(out) + "\n"
    if not args.quick:
        (RESULTS / "pruning.txt").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
