"""Swaps values (Sattelberg eq. 3.10): the dissertation's ordering enumeration vs ours.

Run: ``.venv/bin/python benchmarks/bench_boolean.py``; output in ``benchmarks/results/boolean.txt``.

``enumeration`` is Sec. 3.3.1's algorithm: one direction per case of the iterative case split
(``2^n (n-1)!`` cases, 60 distinct directions for n = 4) tried on every one of the ``2^n n!``
input negations-permutations of the function.  ``arrangement`` (ours) enumerates once per
``n`` the chambers of the difference arrangement in the sorted cone (14 for n = 4) by LP,
composes them with the transforms into all 5,376 tie-free orderings, and evaluates a
function on all of them in one vectorised pass; ``swaps_values`` does many functions per
pass.  Both run here in the same process on the same functions: every 3-input function and
one representative of each of the 222 4-input NPN classes.  The one-time chamber
enumeration is timed separately.  We also report where the two disagree (the case split
misses the optimal ordering of two classes).
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from relu_regions.boolean import SWAPS_METHODS, npn_classes, swaps_values, truth_table  # noqa: E402
from relu_regions.boolean._swaps import _all_orderings, cone_chambers  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def timed(method: str, n: int, codes: list[int], repeat: int = 3) -> tuple[float, list[int]]:
    fn = SWAPS_METHODS[method]
    tables = [truth_table(c, n) for c in codes]
    best = float("inf")
    values: list[int] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        values = [fn(t, n)[0] for t in tables]
        best = min(best, time.perf_counter() - t0)
    return best, values


def main() -> str:
    lines = [f"# bench_boolean  python {sys.version.split()[0]}  {platform.machine()}  "
             f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}", ""]
    for n in (3, 4):
        t0 = time.perf_counter()
        cone_chambers.cache_clear()
        _all_orderings.cache_clear()
        chambers = len(cone_chambers(n))
        orders = len(_all_orderings(n)[0])
        setup = time.perf_counter() - t0
        codes = list(range(256)) if n == 3 else list(npn_classes(4).representatives)
        te, ve = timed("enumeration", n, codes)
        ta, va = timed("arrangement", n, codes)
        tables = np.array([truth_table(c, n) for c in codes])
        tb = float("inf")
        for _ in range(3):
            t1 = time.perf_counter()
            vb = swaps_values(tables, n).tolist()
            tb = min(tb, time.perf_counter() - t1)
        assert vb == va
        differ = [(c, a, e) for c, a, e in zip(codes, va, ve, strict=True) if a != e]
        lines += [
            f"n={n}: {len(codes)} functions ({'all' if n == 3 else 'NPN class representatives'})",
            f"  arrangement setup (once per n): {chambers} cone chambers, {orders} orderings, "
            f"{setup:.2f} s",
            f"  enumeration  {te * 1e3:9.1f} ms  ({te / len(codes) * 1e3:.2f} ms/function)",
            f"  arrangement  {ta * 1e3:9.1f} ms  ({ta / len(codes) * 1e3:.2f} ms/function)",
            f"  arrangement, all functions in one vectorised call (swaps_values)  {tb * 1e3:9.1f} ms",
            f"  ratio enumeration/arrangement: {te / ta:.1f}x per function, {te / tb:.1f}x batched",
            f"  max swaps: enumeration {max(ve)}, arrangement {max(va)}",
            f"  disagreements (code, exact, case split): {differ or 'none'}",
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    text = main()
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "boolean.txt").write_text(text + "\n")
