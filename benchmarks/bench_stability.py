"""Stable neurons on MNIST MLPs: ``auto`` against the paper's two MILPs per neuron, side by side.

Nets: 784-100-100-10 and 784-200-200-10 trained with :func:`relu_regions.train_network` on
the offline MNIST subset (``mnist-5k``, inputs in [0, 1]^784; SGD, lr 0.01, momentum 0.9,
batch 64, EPOCHS epochs, seed 0), with the paper's l1 penalty 0.003 on the first layer's
weights (Xiao et al. 2019) and without regularisation.

Baseline (``naive``): ``stable_neurons(method="milp")``, the paper's Appendix B: for every
neuron, layer by layer, a MILP for its maximum and one for its minimum, run to optimality,
big-M constants from the exact bounds of the earlier layers (HiGHS, one thread).  It uses our
formulation, which drops the binaries of last-layer neurons the objective pushes down (about
half of them), so it is faster than the paper's and the speed-ups below are conservative.
Ours (``auto``): witnesses from samples and an attack, interval/CROWN bounds, the LP
relaxation with ideal-formulation cuts, and sign-only MILPs with early stops (same solver,
same formulation).  Both run in this process on the same net and domain; the table checks
that their classifications are identical on every neuron the baseline decided.

Domains: the input box [0, 1]^784 (Algorithm 1's setting) and the L-infinity ball around
the first test digit, clipped to [0, 1], of radius 0.05 (2x100) or 0.02 (2x200), the
local settings of SOLVERS.md.
``auto`` times are medians of REPEATS runs.  The baseline runs once, under NAIVE_LIMIT
seconds; on the box its layer-2 MILPs (40-100 binaries each) take minutes apiece, so there
it solves all of layer 1 and only the first NAIVE_NEURONS neurons of layer 2, and its
time for the whole net is extrapolated linearly (marked ``~``).  A baseline stopped by its
time limit is extrapolated the same way from the neurons it finished; the neurons it did not
finish are the hard ones, so every ``~`` time is an underestimate of the baseline.

Then: stable neurons and Algorithm 1's compression for l1 against no regularisation.

Run: ``.venv/bin/python benchmarks/bench_stability.py [--quick] > benchmarks/results/stability.txt``
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from relu_regions import Box, LInfBall, train_network  # noqa: E402
from relu_regions.data import load_dataset  # noqa: E402
from relu_regions.stability import compress, stable_neurons  # noqa: E402

EPOCHS = 30
REPEATS = 3
NAIVE_NEURONS = 4
NAIVE_LIMIT = 600.0


def train(width: int, l1: float, epochs: int) -> tuple[Any, float]:
    res = train_network(
        "mnist-5k",
        [width, width],
        epochs=epochs,
        optimizer="sgd",
        lr=0.01,
        momentum=0.9,
        batch_size=64,
        l1=l1,
        l1_layers=[0],
        dtype="float32",
        seed=0,
        progress=False,
        name=f"2x{width}{'-l1' if l1 else ''}",
    )
    return res.network, float(res.metrics["test_accuracy"])


def naive(net: Any, dom: Any, layer2_neurons: int | None, limit: float) -> dict[str, Any]:
    """The paper's method; on all neurons, or on layer 1 and the first neurons of layer 2."""
    if layer2_neurons is None:
        t0 = time.perf_counter()
        res = stable_neurons(net, dom, method="milp", time_limit=limit, samples=0)
        seconds = time.perf_counter() - t0
        codes = [res.status(layer) for layer in range(len(res.layers))]
        decided = sum(int(np.sum(c != 2)) for c in codes)
        total = sum(len(c) for c in codes)
        return {"codes": codes, "seconds": seconds, "decided": decided, "total": total,
                "extrapolated": decided < total, "estimate": seconds * total / max(decided, 1)}
    W, b = net.weights, net.biases
    n1, n2 = net.hidden_widths[:2]
    k = layer2_neurons
    first = net.replace_layers([W[0], np.zeros((1, n1))], [b[0], np.zeros(1)])
    t0 = time.perf_counter()
    r1 = stable_neurons(first, dom, method="milp", time_limit=limit, samples=0)
    t1 = time.perf_counter() - t0
    sub = net.replace_layers([W[0], W[1][:k], np.zeros((1, k))], [b[0], b[1][:k], np.zeros(1)])
    t0 = time.perf_counter()
    r2 = stable_neurons(sub, dom, method="milp", time_limit=limit, samples=0)
    t2 = time.perf_counter() - t0
    codes = [r1.status(0), r2.status(1)]
    d1, d2 = int(np.sum(codes[0] != 2)), int(np.sum(codes[1] != 2))
    # layer 1 once, plus layer 2's measured time per neuron for all n2 neurons
    per = max(t2 - t1, 0.0) / max(d2, 1)
    return {"codes": codes, "seconds": t1 + t2, "decided": d1 + d2, "total": n1 + n2,
            "extrapolated": True, "estimate": t1 + per * n2}


def compare(auto_codes: list[np.ndarray], naive_codes: list[np.ndarray]) -> tuple[int, int]:
    same = checked = 0
    for a, n in zip(auto_codes, naive_codes, strict=False):
        k = min(len(a), len(n))
        mask = n[:k] != 2
        checked += int(mask.sum())
        same += int(np.sum(a[:k][mask] == n[:k][mask]))
    return same, checked


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="2x100 only, fewer epochs, short limits")
    args = ap.parse_args()
    epochs = 5 if args.quick else EPOCHS
    widths = [100] if args.quick else [100, 200]
    limit = 120.0 if args.quick else NAIVE_LIMIT
    print(__doc__.split("Run:")[0].strip())
    print()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {sys.version.split()[0]}; numpy {np.__version__}")
    from importlib.metadata import version

    print(f"solver: HiGHS (highspy {version('highspy')}), one thread; "
          f"epochs={epochs}, repeats={REPEATS}, naive limit={limit:g} s")
    data = load_dataset("mnist-5k")
    centre = data.X_test[0]
    nets = {}
    print("\n## Training")
    for width in widths:
        for l1 in (0.003, 0.0):
            t0 = time.perf_counter()
            net, acc = train(width, l1, epochs)
            nets[(width, l1)] = net
            print(f"2x{width} l1={l1:g}: test accuracy {acc:.3f} ({time.perf_counter() - t0:.0f} s)")
    box = Box(np.zeros(784), np.ones(784))
    radius = {100: 0.05, 200: 0.02}  # SOLVERS.md's settings
    print("\n## auto vs naive (two full MILPs per neuron), same solver")
    print("net            domain          stable(a/i)/unstable  auto s (median)  naive s        "
          "speed-up  identical")
    rows = []
    for (width, l1), net in nets.items():
        r = radius[width]
        ball = LInfBall(centre, r, clip=[0, 1])
        domains = [("box [0,1]^784", box, NAIVE_NEURONS), (f"ball r={r:g}", ball, None)]
        for dname, dom, sub in domains:
            times, res = [], None
            for _ in range(REPEATS):
                res = stable_neurons(net, dom, method="auto")
                times.append(res.seconds)
            assert res is not None and res.exact and res.verify(net, dom)
            auto_t = statistics.median(times)
            codes = [res.status(layer) for layer in range(len(res.layers))]
            nv = naive(net, dom, sub, limit)
            same, checked = compare(codes, nv["codes"])
            c = res.counts
            est = ("~" if nv["extrapolated"] else "") + f"{nv['estimate']:.1f}"
            ratio = nv["estimate"] / auto_t
            label = f"2x{width} l1={l1:g}"
            speedup = ("~" if nv["extrapolated"] else "") + f"{ratio:.0f}x"
            print(f"{label:<14} {dname:<15} {c['active']:>3}/{c['inactive']:<3}/{c['unstable']:<14} "
                  f"{auto_t:>9.2f}        {est:>12}   {speedup:>8}  {same}/{checked}")
            sys.stdout.flush()
            rows.append((label, dname, res, nv, auto_t, ratio, same, checked))
    print("\nDetails (auto, last run): settled by samples / bounds / attack / LP+cuts / MILP; MILPs solved")
    for label, dname, res, nv, *_ in rows:
        d = res.details
        settled = "/".join(
            str(d.get(k, 0))
            for k in ("settled_by_samples", "settled_by_bounds", "settled_by_attack",
                      "settled_by_lp_cuts", "settled_by_milp")
        )
        print(f"  {label:<14} {dname:<15} {settled}; {d.get('milp_solves', 0)} MILPs; naive ran "
              f"{nv['seconds']:.1f} s and decided {nv['decided']} of {nv['total']} neurons")
    print("\n## l1 against no regularisation: stable neurons and Algorithm 1 on the box [0,1]^784")
    print("net            stable L1 (a/i)  stable L2 (a/i)  neurons before->after  "
          "params before->after  max |f - f'|")
    for (width, l1), net in nets.items():
        st = stable_neurons(net, box)
        small, rep = compress(net, box, stability=st)
        l1s, l2s = st.layers[0], st.layers[1]
        label = f"2x{width} l1={l1:g}"
        print(f"{label:<16} {len(l1s.active):>3}/{len(l1s.inactive):<12} "
              f"{len(l2s.active):>3}/{len(l2s.inactive):<12} {rep.neurons_before:>6} -> "
              f"{rep.neurons_after:<13}{rep.parameters_before:>7} -> {rep.parameters_after:<12} "
              f"{rep.max_abs_difference:.2e}")
    print("\nand on the ball r=0.05 around the same test digit:")
    for (width, l1), net in nets.items():
        ball = LInfBall(centre, 0.05, clip=[0, 1])
        st = stable_neurons(net, ball)
        small, rep = compress(net, ball, stability=st)
        c = st.counts
        print(f"2x{width} l1={l1:g}: stable {c['active']} active / {c['inactive']} inactive of "
              f"{rep.neurons_before}; compressed {'-'.join(map(str, net.widths))} -> "
              f"{'-'.join(map(str, small.widths))}, params {rep.parameters_before} -> "
              f"{rep.parameters_after}, max |f - f'| {rep.max_abs_difference:.2e}")


if __name__ == "__main__":
    main()
