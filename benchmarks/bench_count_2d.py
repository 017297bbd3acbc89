"""Exact 2-D region counting: the batched ``geometric`` engine vs one-polygon-at-a-time splitting.

Baseline (written here, in this file): the straightforward implementation of Hanin &
Rolnick (2019), Appendix A, in Python/NumPy: a list of convex polygons, each with its
activation bits and its current layer's pre-activation map; for every neuron, loop over
the polygons, evaluate the neuron at the vertices (NumPy) and split the polygons whose
vertices change sign (Sutherland-Hodgman, a Python loop over the vertices).  Ours:
``count_regions(net, box, method="geometric")`` with its two 2-D kernels, run side by
side: the previous one (``KERNEL = "neuron"``, ``relu_regions.regions._partition``:
all pieces that one neuron cuts split in one batch, maps stored per piece) and the
current one (``KERNEL = "layer"``, ``relu_regions.regions._pieces2d``: maps per layer
root, the pieces of all roots split in rounds, each root by its own next neuron).  All
must find the same set of activation patterns before anything is timed; the ``lp``
engine (region-graph traversal with LPs, the approach of tools such as relucent) is
timed once on the same net for scale.  "forward" is one batched ``net.forward`` over one
point per region (the cost of merely evaluating the network once per region).

Main case (the issue's): a 2-32-32-32-1 network, He-normal weights ``N(0, 2/fan_in)``
and ``N(0, 0.1^2)`` biases (small biases as in Hanin & Rolnick's experiments), over
``[-1, 1]^2``: 3,781 regions.  Timings are medians of REPEATS runs; "cpu" is process time
(robust to other users of the shared machine), "wall" is elapsed time.  Then the scaling
of our engine with the number of neurons (depth 3, growing width) and, at fixed width,
with the size of the box (more regions, same neurons); a PNG is written next to the text
output.  Run: ``.venv/bin/python benchmarks/bench_count_2d.py [--quick] [--png PATH]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

import relu_regions.regions._geometric as _geometric  # noqa: E402
from relu_regions import Box, Network, random_network  # noqa: E402
from relu_regions.regions import count_regions, enumerate_regions  # noqa: E402

REPEATS = 7
TARGET = 250_000  # regions per second (issue 15)


# --------------------------------------------------------------------------- the baseline
def _clip(poly: list[tuple[float, float]], f: list[float], keep_positive: bool) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: the part of a convex polygon where ``f >= 0`` (or ``<= 0``)."""
    out = []
    n = len(poly)
    for i in range(n):
        a, b = poly[i], poly[(i + 1) % n]
        fa, fb = (f[i], f[(i + 1) % n]) if keep_positive else (-f[i], -f[(i + 1) % n])
        if fa >= 0:
            out.append(a)
        if (fa > 0 > fb) or (fa < 0 < fb):
            t = fa / (fa - fb)
            out.append((a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])))
    return out


def _area(poly: list[tuple[float, float]]) -> float:
    s = 0.0
    for (x0, y0), (x1, y1) in zip(poly, poly[1:] + poly[:1], strict=True):
        s += x0 * y1 - x1 * y0
    return 0.5 * s


def baseline_patterns(net: Network, lo: float, hi: float, tol: float = 1e-12) -> list[list[bool]]:
    """Activation patterns of the regions on ``[lo, hi]^2``, one polygon at a time."""
    square = [(lo, lo), (hi, lo), (hi, hi), (lo, hi)]
    layers = [layer for layer in net.layers if layer.activated]
    W0, b0 = layers[0].weight, layers[0].bias
    regions: list[tuple[list[tuple[float, float]], list[bool], np.ndarray, np.ndarray]] = [
        (square, [], W0, b0)
    ]
    for li, layer in enumerate(layers):
        if li > 0:
            nxt = []
            slope = layers[li - 1].slope
            for poly, bits, A, c in regions:
                d = np.where(np.array(bits[-A.shape[0] :]), 1.0, slope)
                nxt.append((poly, bits, layer.weight @ (d[:, None] * A), layer.weight @ (d * c) + layer.bias))
            regions = nxt
        for j in range(layer.width):
            out = []
            for poly, bits, A, c in regions:
                f = (np.asarray(poly) @ A[j] + c[j]).tolist()
                if max(f) > tol and min(f) < -tol:
                    pos, neg = _clip(poly, f, True), _clip(poly, f, False)
                    if _area(pos) > 1e-18 and _area(neg) > 1e-18:
                        out.append((pos, [*bits, True], A, c))
                        out.append((neg, [*bits, False], A, c))
                        continue
                    out.append((poly, [*bits, _area(pos) >= _area(neg)], A, c))
                else:
                    out.append((poly, [*bits, max(f) > tol], A, c))
            regions = out
    return [bits for _, bits, _, _ in regions]


# --------------------------------------------------------------------------- timing
def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """Median (cpu, wall) seconds of ``fn`` and its last result."""
    fn()
    cpu, wall = [], []
    out = None
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        out = fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall), out


def timed_pair(fa: Callable[[], Any], fb: Callable[[], Any], repeats: int) -> tuple[
    tuple[float, float, Any], tuple[float, float, Any]
]:
    """Fastest (cpu, wall) seconds of ``fa`` and ``fb``, run alternately (robust to load spikes)."""
    fa(), fb()
    ta: list[tuple[float, float]] = []
    tb: list[tuple[float, float]] = []
    out_a = out_b = None
    for _ in range(repeats):
        for fn, acc in ((fa, ta), (fb, tb)):
            c0, w0 = time.process_time(), time.perf_counter()
            out = fn()
            acc.append((time.process_time() - c0, time.perf_counter() - w0))
            if fn is fa:
                out_a = out
            else:
                out_b = out
    return ((min(c for c, _ in ta), min(w for _, w in ta), out_a),
            (min(c for c, _ in tb), min(w for _, w in tb), out_b))


def packed(patterns: Any) -> set[bytes]:
    return {r.tobytes() for r in np.packbits(np.asarray(patterns, dtype=bool), axis=1)}


def geometric(net: Network, box: Any, kernel: str = "layer") -> Any:
    _geometric.KERNEL = kernel
    try:
        return count_regions(net, box, method="geometric", progress=False)
    finally:
        _geometric.KERNEL = "layer"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats and sizes (smoke run)")
    ap.add_argument("--png", default="benchmarks/results/count_2d.png", help="scaling plot ('' for none)")
    args = ap.parse_args()
    repeats = 3 if args.quick else REPEATS
    print("# bench_count_2d: exact activation regions in 2-D")
    print(f"# python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
          f"{os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}")
    print(f"# medians of {repeats} runs (kernels side by side: fastest of alternate runs); cpu = process "
          "time, wall = elapsed; 1 thread")
    print("# baseline: one polygon at a time (Python/NumPy Sutherland-Hodgman, this file)")
    print("# ours: count_regions(method='geometric'): previous kernel (one neuron at a time, all pieces "
          "it cuts in one batch) and layer kernel (maps per layer root, all roots split in rounds)")
    print()

    net = random_network([2, 32, 32, 32, 1], seed=3, bias_std=0.1)
    box = Box([-1, -1], [1, 1])
    # correctness first: the same patterns
    base = baseline_patterns(net, -1.0, 1.0)
    ours = enumerate_regions(net, box, method="geometric", progress=False)
    _geometric.KERNEL = "neuron"
    prev = enumerate_regions(net, box, method="geometric", progress=False)
    _geometric.KERNEL = "layer"
    assert packed(np.array(base)) == packed(ours.patterns) == packed(prev.patterns), "the methods disagree"
    n_reg = len(base)
    print(f"## main case: 2-32-32-32-1 (He weights, N(0, 0.1^2) biases) on [-1, 1]^2: {n_reg} regions")
    print("   (all methods give the same set of activation patterns)")
    bc, bw, _ = timed(lambda: baseline_patterns(net, -1.0, 1.0), max(3, repeats // 2))
    (pc, pw, _), (oc, ow, _) = timed_pair(lambda: geometric(net, box, "neuron"), lambda: geometric(net, box),
                                          repeats)
    pts = ours.interior_points
    fc, fw, _ = timed(lambda: net.forward(pts), repeats)
    rows = [("baseline (one polygon at a time)", bc, bw), ("geometric, previous kernel (neuron)", pc, pw),
            ("geometric, layer kernel (ours)", oc, ow), ("forward pass, one point per region", fc, fw)]
    print(f"{'method':36s} {'cpu s':>9s} {'wall s':>9s} {'regions/s (cpu)':>16s} {'regions/s (wall)':>17s}")
    for name, c, w in rows:
        print(f"{name:36s} {c:9.4f} {w:9.4f} {n_reg / c:16,.0f} {n_reg / w:17,.0f}")
    print(f"layer kernel vs previous kernel: {pc / oc:.2f}x (cpu), {pw / ow:.2f}x (wall); "
          f"vs one polygon at a time: {bc / oc:.1f}x (cpu)")
    print(f"target >= {TARGET:,} regions/s (cpu): {'met' if n_reg / oc >= TARGET else 'NOT met'} "
          f"({n_reg / oc:,.0f}); time per region / forward time per point: {oc / fc:,.0f}x "
          f"(target 10x: {'met' if oc / fc <= 10 else 'NOT met'})")
    if not args.quick:
        c0, w0 = time.process_time(), time.perf_counter()
        lp = count_regions(net, box, method="lp", progress=False)
        lc, lw = time.process_time() - c0, time.perf_counter() - w0
        assert lp.regions == n_reg, (lp.regions, n_reg)
        print(f"lp engine (region graph + LPs), one run: {lc:.2f} s cpu, {lw:.2f} s wall, "
              f"{n_reg / lw:,.0f} regions/s; geometric is {lw / ow:,.0f}x faster (wall)")
    print()

    # ---------------------------------------------------------------- scaling
    widths = [8, 16, 24, 32] if args.quick else [8, 16, 24, 32, 48, 64, 96]
    print("## scaling with neurons: 2-w-w-w-1 (same init) on [-1, 1]^2; cpu seconds")
    head = ("w", "neurons", "regions", "layer s", "regions/s", "previous s", "ratio", "baseline s", "ratio")
    print("{:>4s} {:>8s} {:>9s} {:>9s} {:>11s} {:>11s} {:>6s} {:>11s} {:>7s}".format(*head))
    scal_n = []
    for w in widths:
        net_w = random_network([2, w, w, w, 1], seed=3, bias_std=0.1)
        (c, _, res), (pc_w, _, res_p) = timed_pair(
            lambda net_w=net_w: geometric(net_w, box), lambda net_w=net_w: geometric(net_w, box, "neuron"),
            repeats if w <= 64 else 3,
        )
        assert res.regions == res_p.regions
        if w <= 32:
            bcw, _, _ = timed(lambda net_w=net_w: baseline_patterns(net_w, -1.0, 1.0), 1)
            ratio = f"{bcw / c:7.1f}"
            bcs = f"{bcw:11.3f}"
        else:
            ratio, bcs = f"{'-':>7s}", f"{'-':>11s}"
        scal_n.append((3 * w, res.regions, c))
        print(f"{w:4d} {3 * w:8d} {res.regions:9,d} {c:9.4f} {res.regions / c:11,.0f} {pc_w:11.4f} "
              f"{pc_w / c:6.2f} {bcs} {ratio}")
    print()
    print("## scaling with regions at fixed neurons: 2-32-32-32-1 on [-s, s]^2")
    print(f"{'s':>6s} {'regions':>9s} {'cpu s':>9s} {'regions/s':>11s}")
    scal_r = []
    for s in ([1, 2, 4] if args.quick else [0.25, 0.5, 1, 2, 4, 8]):
        b = Box([-s, -s], [s, s])
        c, _, res = timed(lambda b=b: geometric(net, b), repeats)
        scal_r.append((s, res.regions, c))
        print(f"{s:6g} {res.regions:9,d} {c:9.4f} {res.regions / c:11,.0f}")
    print()
    print("## the whole plane (projective closure: 5 faces + the window of all vertices)")
    from relu_regions import AffineSubspace

    plane = AffineSubspace([[0, 0], [1, 0], [0, 1]])
    c, w, res = timed(lambda: geometric(net, plane), repeats)
    print(f"2-32-32-32-1 on R^2: {res.regions:,} regions, exact={res.exact}, {c:.3f} s cpu, {w:.3f} s wall")
    if args.png:
        _plot(scal_n, scal_r, args.png)
        print(f"\n(plot: {args.png})")


def _plot(scal_n: list[tuple[int, int, float]], scal_r: list[tuple[float, int, float]], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    n, r, t = (np.array(x, dtype=float) for x in zip(*scal_n, strict=True))
    axes[0].loglog(n, t, "o-", label="time (s, cpu)")
    axes[0].loglog(n, r / 1e5, "s--", label="regions / 1e5")
    axes[0].set_xlabel("neurons (2-w-w-w-1)")
    axes[0].set_title("time and regions vs neurons")
    axes[0].legend()
    _, r2, t2 = (np.array(x, dtype=float) for x in zip(*scal_r, strict=True))
    axes[1].loglog(r2, t2, "o-", label="geometric")
    axes[1].loglog(r2, r2 / TARGET, ":", label=f"{TARGET:,} regions/s (target)")
    axes[1].set_xlabel("regions (2-32-32-32-1, growing box)")
    axes[1].set_ylabel("seconds (cpu)")
    axes[1].set_title("time vs regions at fixed neurons")
    axes[1].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    sys.exit(main())
