"""Batched exact local maps vs PyTorch autograd (Sattelberg eq. 7.1: J_i and y_i per sample).

Ours: :func:`relu_regions.linearity.local_affine_maps` (NumPy, float64, masked matrix
products from the activation patterns, chunked).  Baselines on the same float64 weights:

- ``per-sample autograd``: ``torch.autograd.functional.jacobian`` one sample at a time
  (what a straightforward implementation of the dissertation's method does), timed on the
  first ``--per-sample`` inputs and reported per 1,000 samples;
- ``jacrev+vmap``: ``torch.func.vmap(torch.func.jacrev(model))`` on the whole batch in
  chunks of the same size as ours.

Every baseline's Jacobians are compared with ours (max abs difference, must be < 1e-10).
Networks: a 784-128-10 MLP (the dissertation's "dense" MNIST net) and a 784-256-256-10 MLP
on the 5,000 MNIST digits of ``mnist-5k``, and the converted CNN 1x28x28 -> conv(8,3x3) ->
maxpool 2 -> 10 (on the first fifth of the samples: its converted dense layers are 5,408 wide).
Inputs are jittered by U(0, 1e-3) so that no sample sits on a region boundary.
Run: ``.venv/bin/python benchmarks/bench_linearity.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from relu_regions import from_torch, random_network, to_torch  # noqa: E402
from relu_regions.data import load_dataset  # noqa: E402
from relu_regions.linearity import local_affine_maps  # noqa: E402


def best_of(fn: Callable[[], Any], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_one(name: str, net: Any, X: np.ndarray, per: int, torch: Any) -> None:
    ours = local_affine_maps(net, X)
    t_ours = best_of(lambda: local_affine_maps(net, X))
    model = to_torch(net).double()
    Xt = torch.tensor(X)
    B = ours.chunk_size
    jac = torch.func.vmap(torch.func.jacrev(lambda v: model(v[None])[0]))

    def run_vmap() -> np.ndarray:
        with torch.no_grad():
            return np.concatenate([jac(Xt[s:s + B]).numpy() for s in range(0, len(X), B)])

    Jv = run_vmap()
    t_vmap = best_of(run_vmap, repeats=2)

    def run_per() -> np.ndarray:
        return np.stack([
            torch.autograd.functional.jacobian(lambda v: model(v[None])[0], Xt[i]).numpy()
            for i in range(per)
        ])

    Ja = run_per()
    t_per = best_of(run_per, repeats=1) * 1000 / per
    t_ours_1k = t_ours * 1000 / len(X)
    dv = float(np.abs(Jv - ours.jacobians).max())
    da = float(np.abs(Ja - ours.jacobians[:per]).max())
    print(f"{name:32s} {len(X):6d} {t_ours:8.3f} {t_vmap:14.3f} {t_vmap / t_ours:6.1f} "
          f"{t_per:16.3f} {t_per / t_ours_1k:7.1f} {dv:13.2e} {da:17.2e}")
    sys.stdout.flush()
    assert dv < 1e-10 and da < 1e-10, "Jacobians differ"


MEMORY_CODE = """
import time
import numpy as np
from relu_regions import random_network
from relu_regions.linearity import local_affine_maps
net = random_network([784, 128, 10], seed=0)
X = np.random.default_rng(0).uniform(size=(10000, 784))
def hwm():  # peak resident set of this process (VmHWM: reset by exec, unlike ru_maxrss)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
before = hwm()
t0 = time.perf_counter()
m = local_affine_maps(net, X)
dt = time.perf_counter() - t0
peak = hwm()
print(f"# memory: 10,000 x 784 inputs (an MNIST test set) through 784-128-10: {dt:.2f} s, peak RSS "
      f"{peak:.0f} MiB (before {before:.0f} MiB; J alone {m.jacobians.nbytes / 2**20:.0f} MiB; "
      f"chunk {m.chunk_size} rows)")
"""


def memory() -> None:
    """Peak resident memory of the whole MNIST-test-set computation, in a fresh process."""
    import subprocess

    out = subprocess.run([sys.executable, "-c", MEMORY_CODE], capture_output=True, text=True, check=True)
    print(out.stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="1,000 samples, 50 per-sample")
    ap.add_argument("--per-sample", type=int, default=200)
    ap.add_argument("--memory-only", action="store_true", help="only the peak-memory measurement")
    args = ap.parse_args()
    if args.memory_only:
        memory()
        return
    import torch

    torch.set_num_threads(1)
    n = 1000 if args.quick else 5000
    per = 50 if args.quick else args.per_sample
    # jitter: no sample on a max-pool tie (zero patches of MNIST give exactly equal conv outputs;
    # there both one-sided maps are valid and autograd and the converted network pick different ones)
    X = load_dataset("mnist-5k").X[:n] + np.random.default_rng(0).uniform(0, 1e-3, size=(n, 784))
    torch.manual_seed(0)
    cnn = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(8 * 13 * 13, 10),
    ).double()
    nets = {
        "mlp 784-128-10": random_network([784, 128, 10], seed=0),
        "mlp 784-256-256-10": random_network([784, 256, 256, 10], seed=0),
        "cnn conv8-pool-10 (converted)": from_torch(cnn, input_shape=(1, 28, 28)),
    }
    print(f"# bench_linearity  python {platform.python_version()}  torch {torch.__version__}  "
          f"numpy {np.__version__}  threads=1  {platform.machine()}")
    print(f"# {n} MNIST samples (mnist-5k), float64; per-sample autograd timed on {per} samples")
    header = (f"{'network':32s} {'N':>6s} {'ours s':>8s} {'jacrev+vmap s':>14s} {'ratio':>6s} "
              f"{'per-sample s/1k':>16s} {'ratio':>7s} {'max|dJ| vmap':>13s} {'max|dJ| autograd':>17s}")
    print(header)
    for name, net in nets.items():
        bench_one(name, net, X[: n // 5] if name.startswith("cnn") else X, per, torch)
    memory()
    print("# ratio = baseline time / ours (above 1: ours is faster); per-sample ratio per 1,000 samples")


if __name__ == "__main__":
    main()
