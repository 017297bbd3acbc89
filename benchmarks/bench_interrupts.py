"""Ctrl-C and time limits inside solvers (issue 17): time to stop, and what polling costs.

Part 1: ``relu-regions stable`` on a random 8-200-200-1 net over ``[-1, 1]^8`` (exact ``auto``:
LPs, then MILPs; over a minute of work) in a subprocess; SIGINT after 4 s; the table gives the
seconds from the signal to the process's exit, its exit status (3 = labelled partial result)
and the JSON's ``stop_reason``.  Before the solver callbacks polled the budget, HiGHS ignored
the signal until its solve ended (over 120 s measured on this net).

Part 2: the cost of polling on the hot path.  ``stable_neurons(method="lp")`` (LP-heavy) on a
random 8-60-60-1 net, with HiGHS's simplex-interrupt callback subscribed (ours) and with the
subscription made a no-op (the baseline), alternated in one process; the ratio is ours/baseline.

Run: ``.venv/bin/python benchmarks/bench_interrupts.py > benchmarks/results/interrupts.txt``
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import types

os.environ.setdefault("OMP_NUM_THREADS", "1")

from relu_regions import random_network, save_network, stable_neurons  # noqa: E402
from relu_regions.solvers import _highs  # noqa: E402


def time_to_stop(path: str, solver: str) -> tuple[float, int, str | None]:
    cmd = [sys.executable, "-m", "relu_regions", "stable", path, "--domain", "box:-1,1",
           "--solver", solver, "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4.0)
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=300)
    waited = time.perf_counter() - t0
    return waited, proc.returncode, json.loads(out).get("stop_reason") if out.strip() else None


def lp_stability_seconds(poll: bool, threshold: int | None = None) -> float:
    original = _highs.new_highs
    saved = _highs.LP_POLL_NNZ
    if threshold is not None:
        _highs.LP_POLL_NNZ = threshold

    class WithoutSimplexPoll:
        """The HiGHS object with the simplex-interrupt subscription made a no-op."""

        cbSimplexInterrupt = types.SimpleNamespace(subscribe=lambda f: None)

        def __init__(self, h: object) -> None:
            self._h = h

        def __getattr__(self, name: str) -> object:
            return getattr(self._h, name)

    def without_simplex_poll(**kw: object) -> object:
        return WithoutSimplexPoll(original(**kw))

    _highs.new_highs = original if poll else without_simplex_poll  # type: ignore[assignment]
    try:
        net = random_network([8, 60, 60, 1], seed=0)
        t0 = time.perf_counter()
        stable_neurons(net, "box:-1,1", method="lp")
        return time.perf_counter() - t0
    finally:
        _highs.new_highs = original
        _highs.LP_POLL_NNZ = saved


def main() -> None:
    print("# Part 1: SIGINT 4 s into `relu-regions stable` on 8-200-200-1, [-1,1]^8 (exact auto)")
    print(f"{'solver':8} {'stop after SIGINT (s)':>22} {'exit':>5}  stop_reason")
    with tempfile.TemporaryDirectory() as d:
        path = str(save_network(random_network([8, 200, 200, 1], seed=0), os.path.join(d, "h.npz")))
        for solver in ("highs", "scip"):
            waited, rc, why = time_to_stop(path, solver)
            print(f"{solver:8} {waited:22.2f} {rc:5d}  {why}")
    print()
    print("# Part 2: stable_neurons(method='lp') on 8-60-60-1, simplex callback polled vs not (5 rounds)")
    ours, base, every = [], [], []
    for _ in range(5):
        base.append(lp_stability_seconds(False))
        ours.append(lp_stability_seconds(True))
        every.append(lp_stability_seconds(True, threshold=0))
    b, o, e = min(base), min(ours), min(every)
    print(f"baseline (no poll) best {b:.3f} s; ours (poll from {_highs.LP_POLL_NNZ} non-zeros) "
          f"best {o:.3f} s, ratio {o / b:.3f}; polling every LP best {e:.3f} s, ratio {e / b:.3f}")


if __name__ == "__main__":
    main()
