"""Forward-pass and activation-pattern throughput: relu_regions.Network vs plain PyTorch.

Baseline: the same weights in a ``torch.nn.Sequential`` (Linear/ReLU) evaluated under
``torch.no_grad()`` on a tensor that already exists (conversion not timed), in float64
(the precision our geometry uses) and float32 (PyTorch's usual precision).  Ours:
``Network.forward`` (NumPy, float64, input given as a NumPy array) and
``Network.pattern_vector`` (all pre-activations and the boolean activation pattern of
every neuron).  Torch has no pattern API, so the pattern baseline is a hand-written torch
loop that keeps ``z > 0`` of every hidden layer.

Each number is the median over REPEATS timings of a loop that runs at least MIN_TIME
seconds; throughput is points per second; "ratio" is ours / torch float64 (above 1 means
we are faster).  Run: ``.venv/bin/python benchmarks/bench_forward.py [--quick]``.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

# Single-threaded BLAS/OpenMP for both sides (set before NumPy/torch load): on a shared
# 2-core machine a busy second thread makes torch's OpenMP barrier 100x slower at small
# batches, which would measure the machine's load, not the code.  --threads overrides torch.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from relu_regions import random_network  # noqa: E402
from relu_regions.data.default_model import load_default_model  # noqa: E402

REPEATS = 7
MIN_TIME = 0.2


def timed(fn: Callable[[], Any], repeats: int = REPEATS) -> float:
    """Median seconds per call of ``fn``."""
    fn()  # warm up
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= MIN_TIME:
            break
        n *= 2
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - t0) / n)
    return statistics.median(times)


def torch_model(net: Any, dtype: Any) -> Any:
    import torch

    mods: list[Any] = []
    for layer in net.layers:
        lin = torch.nn.Linear(layer.weight.shape[1], layer.weight.shape[0], dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(np.array(layer.weight)))
            lin.bias.copy_(torch.from_numpy(np.array(layer.bias)))
        mods.append(lin)
        if layer.activated:
            mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods).to(dtype).eval()


def torch_patterns(model: Any, x: Any) -> Any:
    import torch

    pats = []
    h = x
    for m in model:
        h = m(h)
        if isinstance(m, torch.nn.Linear):
            z = h
        else:
            pats.append(z > 0)
    return torch.cat(pats, dim=1)


def bench(name: str, net: Any, batches: list[int]) -> list[str]:
    import torch

    rows = []
    m64 = torch_model(net, torch.float64)
    m32 = torch_model(net, torch.float32)
    rng = np.random.default_rng(0)
    for n in batches:
        X = rng.uniform(0.0, 1.0, size=(n, net.input_dim))
        t64 = torch.from_numpy(X)
        t32 = t64.float()
        # Correctness first: same outputs and patterns as the baseline.
        with torch.no_grad():
            np.testing.assert_allclose(net.forward(X), m64(t64).numpy(), rtol=1e-10, atol=1e-10)
            np.testing.assert_array_equal(net.pattern_vector(X), torch_patterns(m64, t64).numpy())
        with torch.no_grad():
            s = {
                "ours forward": timed(functools.partial(net.forward, X)),
                "ours pattern": timed(functools.partial(net.pattern_vector, X)),
                "torch64 forward": timed(functools.partial(m64, t64)),
                "torch64 pattern": timed(functools.partial(torch_patterns, m64, t64)),
                "torch32 forward": timed(functools.partial(m32, t32)),
            }
        pps = {k: n / v for k, v in s.items()}
        rows.append(
            f"{name:<16} {n:>7}  {pps['ours forward']:>12.3g} {pps['torch64 forward']:>12.3g} "
            f"{pps['torch32 forward']:>12.3g} {pps['ours forward'] / pps['torch64 forward']:>6.2f}   "
            f"{pps['ours pattern']:>12.3g} {pps['torch64 pattern']:>12.3g} "
            f"{pps['ours pattern'] / pps['torch64 pattern']:>6.2f}"
        )
        print(rows[-1], file=sys.stderr, flush=True)
    return rows


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes (smoke test)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    nets = [
        ("default 64-32-32-10", load_default_model(), [1, 100, 10_000, 100_000]),
        ("784-256-256-10", random_network([784, 256, 256, 10], seed=0), [1, 100, 10_000]),
        ("2-64x4-1", random_network([2, 64, 64, 64, 64, 1], seed=0), [1, 100, 10_000, 100_000]),
    ]
    if args.quick:
        nets = [(a, b, c[:2]) for a, b, c in nets[:1]]
    header = [
        "# bench_forward: points/second (median of 7), relu_regions.Network (NumPy float64) vs torch",
        "# baseline: torch.nn.Sequential under no_grad on an existing tensor, float64 (ratio) and float32",
        f"# python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
        f"torch threads {torch.get_num_threads()}, BLAS threads {os.environ.get('OPENBLAS_NUM_THREADS')}, "
        f"cpu count {os.cpu_count()}, {platform.machine()}",
        "# fwd ratio = ours/torch64 forward; pat ratio = ours/torch64 forward+patterns (>1: ours faster)",
        "# note: the machine is shared while others work, so timings are noisy",
        "",
        f"{'network':<16} {'batch':>7}  {'ours fwd':>12} {'torch64 fwd':>12} {'torch32 fwd':>12} "
        f"{'ratio':>6}   {'ours pat':>12} {'torch64 pat':>12} {'ratio':>6}",
    ]
    print("\n".join(header), flush=True)
    for name, net, batches in nets:
        for row in bench(name[:16], net, batches):
            print(row, flush=True)


if __name__ == "__main__":
    main()
