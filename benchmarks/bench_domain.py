"""Domains as data: what caching the chart and the bounding box saves on a polytope domain.

A polytope domain (8 box rows and 8 random rows in 4-D) is asked, as the engines and the
report ask it, for ``bounded`` and ``dim`` 20 times, its ``bounding_box()`` twice and 200
uniform samples.  Baseline: the behaviour before the chart was cached, reproduced here by
dropping the domain's cached chart and box before every call (each ``bounded`` then solves
the chart's ``2 k`` bounding-box LPs again, each ``bounding_box()`` its ``2 n`` LPs).  Ours:
the cached domain.  Both compute the same numbers (checked).  "ratio" is baseline / ours
(above 1: ours faster).  Best of REPEATS runs, baseline and ours alternating in one process.

Run: ``.venv/bin/python benchmarks/bench_domain.py``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from relu_regions.domain import Domain, Polytope  # noqa: E402

REPEATS = 5
ACCESSES = 20


def _forget(dom: Domain) -> None:
    """Drop the domain's cached chart (with its box) and bounding box: the old, uncached behaviour."""
    dom.__dict__.pop("_chart", None)
    dom.__dict__.pop("_bounding_box", None)


def workload(A: np.ndarray, b: np.ndarray, forget: Callable[[Domain], None]) -> tuple[float, np.ndarray]:
    P = Polytope(A, b)
    t0 = time.perf_counter()
    for _ in range(ACCESSES):
        forget(P)
        assert P.bounded and P.dim == A.shape[1]
    for _ in range(2):
        forget(P)
        lo, hi = P.bounding_box()
    forget(P)
    X = P.sample(200, seed=0)
    return time.perf_counter() - t0, np.concatenate([lo, hi, X.ravel()])


def main() -> None:
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    rng = np.random.default_rng(0)
    A = np.vstack([np.eye(4), -np.eye(4), rng.normal(size=(8, 4))])
    b = np.ones(len(A))
    base, ours = [], []
    for _ in range(REPEATS):
        tb, vb = workload(A, b, _forget)
        to, vo = workload(A, b, lambda _dom: None)
        np.testing.assert_allclose(vb, vo, rtol=0, atol=1e-12)
        base.append(tb)
        ours.append(to)
    print(f"polytope domain, {ACCESSES} x bounded + 2 x bounding_box + 200 samples:")
    print(f"  baseline (uncached) {min(base) * 1e3:8.1f} ms   ours (cached) {min(ours) * 1e3:8.1f} ms   "
          f"ratio {min(base) / min(ours):.1f}")


if __name__ == "__main__":
    main()
