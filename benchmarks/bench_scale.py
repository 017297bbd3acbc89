"""Exactness under weight scale, and whole-space counts against the huge-box workaround (issue 17).

Part 1 (scale): for each net, ``count_regions(method="lp")`` on ``[-1, 1]^n0`` of the net and
of the same net with every ``W_l`` scaled by ``c`` and ``b_l`` by ``c^(l+1)`` (every
pre-activation multiplied by a positive factor: the same regions).  The baseline is the
unscaled run; the table gives each scaled run's count, whether it is proven exact, and its
time relative to the baseline.  Before issue 17 these runs failed or undercounted (the
issue's reproduction); now every count must equal the baseline.

Part 2 (whole space): ``lp`` on ``Space(n0)`` (no window) against the workaround users had,
``lp`` on the box ``[-1e5, 1e5]^n0`` (the baseline), side by side.  The box count is a lower
bound that equals the whole-space count only when the box holds every vertex; the table says
whether each is proven exact.

Run: ``.venv/bin/python benchmarks/bench_scale.py > benchmarks/results/scale.txt``
"""

from __future__ import annotations

import os
import platform
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from relu_regions import Box, Network, Space, random_network  # noqa: E402
from relu_regions.regions import count_regions  # noqa: E402

SCALE_NETS = [([3, 8, 8, 1], 1), ([2, 6, 6, 6, 1], 2), ([4, 6, 6, 1], 3), ([3, 5, 5, 5, 1], 4)]
SCALES = (1e-6, 1e6)
SPACE_NETS = [([3, 8, 8, 1], 1), ([4, 6, 6, 1], 2), ([5, 6, 5, 1], 3)]


def layer_scaled(net: Network, c: float) -> Network:
    return Network([w * c for w in net.weights], [b * c ** (i + 1) for i, b in enumerate(net.biases)])


def timed(net: Network, dom: object) -> tuple[str, bool, float]:
    t0 = time.perf_counter()
    try:
        res = count_regions(net, dom, method="lp")
        out = (str(res.regions), res.exact)
    except Exception as exc:  # the table reports failures of the old code the same way
        out = (f"error: {type(exc).__name__}", False)
    return out[0], out[1], time.perf_counter() - t0


def main() -> None:
    print(f"# bench_scale  python {sys.version.split()[0]}  {platform.machine()}  numpy {np.__version__}")
    timed(random_network([3, 4, 1], seed=0), Box(-np.ones(3), np.ones(3)))  # warm-up (imports)
    print("\n## lp on [-1, 1]^n0, layers scaled (W_l * c, b_l * c^(l+1))")
    print(f"{'net':<16}{'c':>8}{'regions':>10}{'exact':>7}{'seconds':>9}{'x base':>8}  same")
    for widths, seed in SCALE_NETS:
        net = random_network(widths, seed=seed, bias_std=0.1)
        dom = Box(-np.ones(widths[0]), np.ones(widths[0]))
        base, bex, bt = timed(net, dom)
        name = "-".join(map(str, widths))
        print(f"{name:<16}{1:>8g}{base:>10}{bex!s:>7}{bt:>9.2f}{1.0:>8.2f}")
        for c in SCALES:
            n, ex, t = timed(layer_scaled(net, c), dom)
            print(f"{'':<16}{c:>8g}{n:>10}{ex!s:>7}{t:>9.2f}{t / bt:>8.2f}  {n == base}")
    print("\n## whole space: lp on Space(n0) vs lp on the box [-1e5, 1e5]^n0 (baseline)")
    head = f"{'box regions':>12}{'exact':>7}{'s':>8}{'space regions':>15}{'exact':>7}{'s':>8}{'ratio':>7}"
    print(f"{'net':<16}{head}")
    for widths, seed in SPACE_NETS:
        net = random_network(widths, seed=seed, bias_std=1.0)
        d = widths[0]
        bn, bex, bt = timed(net, Box(-1e5 * np.ones(d), 1e5 * np.ones(d)))
        sn, sex, st = timed(net, Space(d))
        name = "-".join(map(str, widths))
        print(f"{name:<16}{bn:>12}{bex!s:>7}{bt:>8.2f}{sn:>15}{sex!s:>7}{st:>8.2f}{st / bt:>7.2f}")


if __name__ == "__main__":
    main()
