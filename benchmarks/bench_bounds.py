"""Timings of the region bounds against the times reported by Cai et al. (2023), Sec. 6.

Run: ``.venv/bin/python benchmarks/bench_bounds.py [--quick]``; output in
``benchmarks/results/bounds.txt``.

Cases (widths are input dimension, then the hidden widths):

* AlexNet-sized expected bound, 1024-4096-4096, density 0.1, binomial rank estimator.
  Paper: "For AlexNet, the analytical approximation takes 20 minutes."
  In-process baseline: a direct transcription of Theorem 1 (memoised recursion over
  ``(layer, d)``, loops over ``k`` and ``j``, exact rationals, ranks with float probability 0
  skipped) -- i.e. the obvious implementation, already helped by skipping.
* 2x400 with sampled ranks, 784-400-400 (MNIST input), densities 0.1, 0.02 and 0.005.
  Paper: "For 2 x 400, we have 10-20 minutes [sampling] vs. 20 seconds [binomial]."
  In-process baseline: the paper's literal procedure -- Gaussian matrices, pruned, ranked by
  SVD (``rank_method="numerical"``, batched ``numpy.linalg.matrix_rank``) -- against our
  default structural ranks (maximum bipartite matching, equal almost surely).
* 2x100 (784-100-100): paper 15-20 s sampled, 0.5-1 s binomial.
* The exact integer ``serra2018`` bound for 784-400-400 and 1024-4096-4096.

Timings are wall-clock medians over repeats on a shared 2-core machine, one thread (BLAS
threads pinned to 1, as in every benchmark here).  Each comparison first checks that ours
and the baseline agree (same log10 to 1e-9, or the same rank samples).
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import platform
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from relu_regions.bounds import cai2023_bound, rank_distribution, serra2018_bound  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "bounds.txt"


def median_time(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def naive_theorem1(widths, dists):
    """Direct transcription of Cai et al. (2023), Theorem 1 (the in-process baseline)."""
    ns = widths[1:]
    L = len(ns)
    pmfs = [{k: Fraction(float(p)) for k, p in enumerate(np.exp(d.log_pmf)) if p > 0} for d in dists]

    @functools.cache
    def R(l, d):
        n = ns[l]
        total = Fraction(0)
        for k, p in pmfs[l].items():
            inner = 0
            for j in range(min(k, d) + 1):
                inner += math.comb(n, j) * (1 if l == L - 1 else R(l + 1, min(n - j, d, k)))
            total += p * inner
        return total

    value = R(0, widths[0])
    return math.log10(value.numerator) - math.log10(value.denominator)


def fmt(s):
    return f"{s * 1e3:9.2f} ms" if s < 1 else f"{s:9.2f} s "


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args(argv)
    rep_fast = 3 if args.quick else 9
    rep_slow = 1 if args.quick else 3
    lines = [
        "bench_bounds: relu_regions.bounds vs the times reported by Cai et al. (2023) "
        "and an in-process baseline",
        f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} cores "
        f"(shared), BLAS threads {os.environ.get('OPENBLAS_NUM_THREADS')}; medians of {rep_fast} (fast) / "
        f"{rep_slow} (slow) repeats",
        "",
    ]

    def emit(s=""):
        print(s)
        lines.append(s)

    for s in lines:
        print(s)

    # ---- AlexNet-sized, binomial
    widths = (1024, 4096, 4096)
    t_ours, b = median_time(lambda: cai2023_bound(widths, 0.1, rank_estimator="binomial"), rep_fast)
    dists = [rank_distribution(4096, 1024, 0.1), rank_distribution(4096, 4096, 0.1)]
    t_naive, lg_naive = median_time(lambda: naive_theorem1(widths, dists), rep_slow)
    emit("AlexNet-sized expected bound: cai2023, widths 1024-4096-4096, density 0.1, binomial ranks")
    emit(f"  ours (log-space, O(n) per layer)  {fmt(t_ours)}   log10 = {b.log10:.10f}")
    emit(f"  baseline: direct Theorem 1 (exact rationals, in-process) {fmt(t_naive)}   "
         f"log10 = {lg_naive:.10f}   ratio {t_naive / t_ours:,.0f}x")
    emit(f"  paper (Cai et al. 2023, Sec. 6): 20 min = 1200 s   ratio {1200 / t_ours:,.0f}x")
    emit(f"  agreement |log10 ours - baseline| = {abs(b.log10 - lg_naive):.2e}")
    assert abs(b.log10 - lg_naive) < 1e-9, "ours and the baseline disagree"
    emit()

    # ---- 2x400 sampled
    widths = (784, 400, 400)
    emit("2x400 sampled ranks: cai2023, widths 784-400-400 (paper: 10-20 min = 600-1200 s sampling, "
         "20 s binomial)")
    for p in (0.1, 0.02, 0.005):
        t_s, bs = median_time(lambda p=p: cai2023_bound(widths, p, rank_estimator="sampled", seed=0),
                              rep_slow)
        t_b, bb = median_time(lambda p=p: cai2023_bound(widths, p, rank_estimator="binomial"), rep_fast)
        info = bs.details["rank_distributions"]
        emit(f"  density {p}: ours, structural ranks {fmt(t_s)}  (paper/ours {600 / t_s:,.0f}x-"
             f"{1200 / t_s:,.0f}x)  matrices drawn {[d['samples'] for d in info]}, rank support "
             f"{[d['support'] for d in info]}, log10 = {bs.log10:.6f}")
        emit(f"                 binomial estimator {fmt(t_b)}  (paper 20 s), log10 = {bb.log10:.6f}")
    p = 0.02
    t_s, bs = median_time(lambda: cai2023_bound(widths, p, rank_estimator="sampled", seed=0), rep_slow)
    t_n, bn = median_time(lambda: cai2023_bound(widths, p, rank_estimator="sampled", seed=0,
                                                rank_method="numerical"), rep_slow)
    assert abs(bs.log10 - bn.log10) < 1e-9, "structural and SVD rank sampling disagree"
    emit(f"  in-process baseline at density {p}: the paper's literal procedure (Gaussian values, SVD "
         f"ranks, batched numpy.linalg.matrix_rank) {fmt(t_n)}, matrices drawn "
         f"{[d['samples'] for d in bn.details['rank_distributions']]}, log10 = {bn.log10:.6f}")
    emit(f"    ours (structural ranks) {fmt(t_s)}: {t_n / t_s:,.1f}x faster; the SVD baseline itself is "
         f"{600 / t_n:,.0f}x-{1200 / t_n:,.0f}x faster than the paper's time")
    emit()

    # ---- 2x100
    widths = (784, 100, 100)
    t_s, _ = median_time(lambda: cai2023_bound(widths, 0.05, rank_estimator="sampled"), rep_slow)
    t_b, _ = median_time(lambda: cai2023_bound(widths, 0.05, rank_estimator="binomial"), rep_fast)
    emit("2x100: cai2023, widths 784-100-100, density 0.05")
    emit(f"  sampled {fmt(t_s)} (paper 15-20 s), binomial {fmt(t_b)} (paper 0.5-1 s)")
    emit()

    # ---- exact integers
    for widths in ((784, 400, 400), (1024, 4096, 4096)):
        t, b = median_time(lambda widths=widths: serra2018_bound(widths), rep_fast)
        emit(f"serra2018 exact integer, {'-'.join(map(str, widths))}: {fmt(t)}, "
             f"{b.value.bit_length()} bits, log10 = {b.log10:.6f}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
