"""Maxout region counting vs the ReLU engines at equal neuron count, side by side.

For each case three networks with the same widths (so the same number of units/neurons):

* ``relu``: a random ReLU network (He-normal weights and biases), counted by the ReLU engine;
* ``maxout k=2 (0,a)``: the *same* network written as rank-2 maxout layers with pieces
  ``(0, W_l)``: the same function and the same regions, counted by the maxout engine of the
  same name (the counts must be equal, checked before anything is reported);
* ``maxout k=3``: a random rank-3 maxout network (more regions per unit).

Throughput is regions per CPU second (process time, robust to other users of the machine;
median of ``REPEATS`` runs after one warm-up run), and the ratio is the maxout engine's
throughput over the ReLU engine's on the same case.  The ``sample`` rows report points per
second instead.  The load average at the start is printed: the machine is shared.
Run: ``.venv/bin/python benchmarks/bench_maxout.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from relu_regions import Box, Network, random_network  # noqa: E402
from relu_regions.regions import count_regions  # noqa: E402

REPEATS = 3


def relu_as_maxout(net: Network) -> Network:
    """The rank-2 maxout form of a ReLU network: pieces ``(0, W_l)``, same regions."""
    Ws, bs = [], []
    for layer in net.layers:
        if layer.slope is None:
            Ws.append(layer.weight)
            bs.append(layer.bias)
        else:
            Ws.append(np.stack([0.0 * layer.weight, layer.weight]))
            bs.append(np.stack([0.0 * layer.bias, layer.bias]))
    return Network(Ws, bs)


def timed(net: Network, box: Box, method: str, **opts: Any) -> tuple[int, float, bool]:
    count_regions(net, box, method=method, **opts)  # warm-up (imports, caches)
    times, regions, exact = [], 0, False
    for _ in range(REPEATS):
        t0 = time.process_time()
        res = count_regions(net, box, method=method, **opts)
        times.append(time.process_time() - t0)
        regions, exact = res.regions, res.exact
    return regions, statistics.median(times), exact


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller networks (a smoke run)")
    args = ap.parse_args()
    load = os.getloadavg()
    print(f"# bench_maxout  python {platform.python_version()}  numpy {np.__version__}")
    print(f"# load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (shared machine)")
    print(f"# cpu seconds: median of {REPEATS} runs after a warm-up; "
          "ratio = maxout throughput / ReLU throughput")
    s = 0.5 if args.quick else 1.0
    cases = [
        ("2-D box", [2, int(32 * s), int(32 * s), 1], ["geometric", "lp"]),
        ("3-D box", [3, int(12 * s), int(12 * s), 1], ["lp"]),
        ("5-D box", [5, int(6 * s), int(6 * s), 1], ["lp"]),
        ("10-D box", [10, int(6 * s), int(6 * s), 1], ["lp"]),  # LP facet finder (above 8-D)
    ]
    header = f"{'case':<9} {'widths':<14} {'method':<10} {'network':<17} {'regions':>8} {'cpu s':>8} " \
             f"{'regions/s':>10} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for name, widths, methods in cases:
        d = widths[0]
        r = 0.25 if d > 8 else 1.0
        box = Box([-r] * d, [r] * d)
        relu = random_network(widths, seed=1)
        nets = [("relu", relu), ("maxout k=2 (0,a)", relu_as_maxout(relu)),
                ("maxout k=3", random_network(widths, seed=1, maxout_rank=3))]
        for method in methods:
            base = None
            rows = []
            for label, net in nets:
                regions, sec, exact = timed(net, box, method)
                assert exact, (name, method, label)
                rate = regions / sec
                if base is None:
                    base = (regions, rate)
                elif label.startswith("maxout k=2"):
                    assert regions == base[0], f"{name} {method}: k=2 form has {regions} != {base[0]} regions"
                ratio = rate / base[1]
                rows.append(f"{name:<9} {'-'.join(map(str, widths)):<14} {method:<10} {label:<17} "
                            f"{regions:>8} {sec:>8.3f} {rate:>10.0f} {ratio:>6.2f}")
            print("\n".join(rows), flush=True)
    # sampling: points per second
    n = 20_000 if args.quick else 100_000
    widths = [2, int(32 * s), int(32 * s), 1]
    box = Box([-1.0, -1.0], [1.0, 1.0])
    relu = random_network(widths, seed=1)
    base_rate = None
    for label, net in [("relu", relu), ("maxout k=2 (0,a)", relu_as_maxout(relu)),
                       ("maxout k=3", random_network(widths, seed=1, maxout_rank=3))]:
        regions, sec, _ = timed(net, box, "sample", samples=n)
        rate = n / sec
        base_rate = base_rate or rate
        print(f"{'2-D box':<9} {'-'.join(map(str, widths)):<14} {'sample':<10} {label:<17} {regions:>8} "
              f"{sec:>8.3f} {rate:>9.0f}p {rate / base_rate:>6.2f}")
    print("# sample rows: 'regions' = distinct patterns found (a lower bound), rate in points/s")


if __name__ == "__main__":
    main()
