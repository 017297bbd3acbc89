"""Enumerating 10^4-10^6 regions in 2-D to a file: streamed (bounded memory) vs in memory.

Baseline: ``enumerate_regions(net, box, method="geometric")`` then ``save_regions(rs, "r.npz")``
(every region, its pattern, vertices and area held in memory, then written).  Ours:
``stream_regions(net, box, "r.npz")``: the geometric engine walks independent parts of the
domain depth first and hands each finished part's regions to a writer that appends them
to raw files on disk, then assembles one ``.npz`` (:mod:`relu_regions.regions._export`).
Each run is a fresh process, so its peak resident set size (``VmHWM``, the process's own
high-water mark) is its own; the RSS after the imports is printed too.  Nets: one
hidden layer ``2-w-1`` (He weights, ``N(0, 0.1^2)`` biases) on ``[-1, 1]^2``, whose ``w``
lines meet in about ``w^2/2`` points, so ``w`` = 150, 470, 1480 give about 10^4, 10^5,
10^6 regions (one hidden layer: the same number of regions per neuron as deep nets of
this init, without the layer products).  Both files are checked to hold the same set of activation patterns
(10^4, 10^5).  The baseline is not run at 10^6 unless ``--baseline-1e6``.

Run: ``python benchmarks/bench_stream.py [--quick] [--baseline-1e6]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

WIDTHS = {"1e4": 150, "1e5": 470, "1e6": 1480}


def _rss_mb() -> float:
    """Peak resident set size of this process in MiB.

    ``VmHWM`` from ``/proc/self/status`` (Linux; reset by ``exec``, unlike ``ru_maxrss``, which
    a child started by ``fork`` + ``exec`` inherits from its parent), else ``ru_maxrss``.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:  # pragma: no cover - not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux/BSD: KiB


def child(mode: str, width: int, path: str) -> None:
    """One run in this process; prints a JSON line."""
    from relu_regions import Box, random_network
    from relu_regions.regions import enumerate_regions, save_regions, stream_regions

    net = random_network([2, width, 1], seed=3, bias_std=0.1)
    box = Box([-1, -1], [1, 1])
    base = _rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    if mode == "memory":
        rs = enumerate_regions(net, box, method="geometric", progress=False)
        save_regions(rs, path)
        regions, exact = len(rs), rs.count.exact
    else:
        count = stream_regions(net, box, path, method="geometric", progress=False)
        regions, exact = count.regions, count.exact
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"mode": mode, "width": width, "regions": regions, "exact": exact, "wall": wall,
                      "cpu": cpu, "rss_after_imports_mb": base, "peak_rss_mb": _rss_mb(),
                      "file_mb": os.path.getsize(path) / 2**20}))


def run(mode: str, width: int, path: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(width), path], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def same_patterns(a: str, b: str) -> bool:
    import numpy as np

    from relu_regions.regions import load_regions

    za, zb = load_regions(a, unpack=False), load_regions(b)
    pa = za["patterns_packed"] if "patterns_packed" in za else np.packbits(za["patterns"], axis=1)
    pb = np.packbits(zb["patterns"], axis=1)
    return {r.tobytes() for r in pa} == {r.tobytes() for r in pb}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="10^4 and 10^5 only")
    ap.add_argument("--baseline-1e6", action="store_true", help="also run the in-memory baseline at 10^6")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2])
        return
    import numpy as np

    print("# bench_stream: 2-D regions to a .npz file, streamed vs in memory (one process per run)")
    print(f"# python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
          f"{os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}; 1 thread")
    print("# baseline: enumerate_regions + save_regions (in memory); ours: stream_regions (parts to disk)")
    print("# net 2-w-1 on [-1, 1]^2; peak RSS = VmHWM of the run's own process (imports included)")
    print()
    head = ("target", "w", "regions", "method", "wall s", "cpu s", "regions/s", "RSS imports", "peak RSS",
            "file MB")
    print("{:>6s} {:>5s} {:>10s} {:>9s} {:>8s} {:>8s} {:>10s} {:>12s} {:>9s} {:>8s}".format(*head))
    sizes = ["1e4", "1e5"] if args.quick else ["1e4", "1e5", "1e6"]
    with tempfile.TemporaryDirectory() as d:
        for key in sizes:
            w = WIDTHS[key]
            rows = []
            if key != "1e6" or args.baseline_1e6:
                rows.append(run("memory", w, os.path.join(d, f"m{key}.npz")))
            rows.append(run("stream", w, os.path.join(d, f"s{key}.npz")))
            for r in rows:
                print(f"{key:>6s} {w:5d} {r['regions']:10,d} {r['mode']:>9s} {r['wall']:8.2f} "
                      f"{r['cpu']:8.2f} {r['regions'] / r['cpu']:10,.0f} {r['rss_after_imports_mb']:9.0f} MB "
                      f"{r['peak_rss_mb']:6.0f} MB {r['file_mb']:8.1f}")
                assert r["exact"]
            if len(rows) == 2:
                m, s = rows
                assert m["regions"] == s["regions"]
                same = same_patterns(os.path.join(d, f"m{key}.npz"), os.path.join(d, f"s{key}.npz"))
                assert same, "the streamed file differs from the in-memory one"
                print(f"       same regions in both files: {same}; peak RSS streamed / in memory: "
                      f"{s['peak_rss_mb'] / m['peak_rss_mb']:.2f}; time (cpu) streamed / in memory: "
                      f"{s['cpu'] / m['cpu']:.2f}")
            if key == "1e6":
                s = rows[-1]
                met = "met" if s["peak_rss_mb"] < 1024 else "NOT met"
                print(f"       10^6 goal: peak RSS under 1 GB: {met} ({s['peak_rss_mb']:.0f} MB)")


if __name__ == "__main__":
    main()
