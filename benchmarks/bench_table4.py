"""784-D activation-pattern counts of Kumar et al.'s Table 4 nets: our ``lp`` against the papers' MILP.

Nets: ``784-5-5-5-5-10`` trained with Appendix H's settings (SGD 0.01, momentum 0.9, batch 64,
Kaiming weights, zero biases; ``l1`` 0.003 on the first layer, or ``dropout 0.3 + l2 0.003``)
for EPOCHS epochs on the offline ``mnist-5k`` subset
(:func:`relu_regions.experiments.kumar_table4.train_table4_network`).  For each, on the same
``[0, 1]^784`` box and the same machine, in one process:

- baseline: the papers' MILP (Serra et al. 2018 with Cai et al. 2023's constraints; HiGHS,
  no-good-cut loop), ``method="milp"``, under LIMIT seconds;
- ours: the ``lp`` region-adjacency walk, ``method="lp"``, under LIMIT seconds.

A stopped count is a proven lower bound (``+``).  The ratio compares throughput (patterns per
second); when both finish it is the speed-up.

Run: ``.venv/bin/python benchmarks/bench_table4.py > benchmarks/results/table4.txt``
"""

from __future__ import annotations

import os
import platform
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from relu_regions import Box  # noqa: E402
from relu_regions.experiments.kumar_table4 import train_table4_network  # noqa: E402
from relu_regions.regions import count_regions  # noqa: E402

EPOCHS = 10
LIMIT = float(sys.argv[1]) if len(sys.argv) > 1 else 90.0
CELLS = (((5, 5, 5, 5), "l1"), ((5, 5, 5, 5), "do_l2"))


def main() -> None:
    py = platform.python_version()
    print(f"# bench_table4: python {py}, {platform.machine()}, limit {LIMIT:g} s per count, {EPOCHS} epochs")
    box = Box(np.zeros(784), np.ones(784))
    print(f"{'cell':<22} {'method':<6} {'patterns':>9} {'exact':>6} {'seconds':>8} {'patterns/s':>10}")
    for arch, reg in CELLS:
        net = train_table4_network(arch, reg, epochs=EPOCHS, seed=0)
        rates = {}
        for method in ("milp", "lp"):
            t = time.perf_counter()
            c = count_regions(net, box, method=method, time_limit=LIMIT, progress=False)
            secs = time.perf_counter() - t
            rates[method] = c.regions / secs
            label = f"{c.regions}{'' if c.exact else '+'}"
            print(f"{str(list(arch)) + ' ' + reg:<22} {method:<6} {label:>9} {str(c.exact):>6} {secs:8.1f} "
                  f"{rates[method]:10.1f}", flush=True)
        print(f"{'':<22} ratio lp/milp throughput: {rates['lp'] / max(rates['milp'], 1e-9):.1f}x", flush=True)


if __name__ == "__main__":
    main()
