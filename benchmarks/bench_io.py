"""Model I/O: loading each file format, and unrolling convolutions into dense matrices.

1. Loading a 784-400-400-10 MLP.  Baseline: the format's own reader alone (``np.load`` of
   every array, ``torch.jit.load``, ``onnx.load``), which gives tensors or a graph, not a
   network.  Ours: ``load_network`` (detect the format, read, convert to a ``Network``:
   for TorchScript this includes ``torch.jit.freeze`` and interpreting the graph, for ONNX
   ``onnx.checker`` and the graph walk).  "ratio" is baseline / ours (below 1: our
   overhead).  The loaded networks are checked to equal the saved one bit for bit.
2. Unrolling a ``Conv2d`` into its exact dense matrix.  Baseline: the Jacobian by
   ``torch.func.jacrev`` (reverse-mode autodiff, vectorised over output rows).  Ours: what
   ``from_torch`` does, i.e. one batched call of the convolution (without bias) on the
   standard basis, or, when the output is smaller than the input, the same ``jacrev``.
   Both matrices are checked to be equal.  "ratio" is baseline / ours (above 1: ours faster).
3. Converting a LeNet-style CNN for 1x28x28 inputs (Conv-ReLU-MaxPool twice, two Linear
   layers) with ``from_torch``; max pooling becomes ReLU layers.  Reported: the time, the
   size of the resulting network, and its largest difference to torch's forward pass.

Medians of REPEATS runs; single-threaded BLAS/OpenMP.  Run:
``.venv/bin/python benchmarks/bench_io.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from relu_regions import from_torch, load_network, random_network, save_network  # noqa: E402

REPEATS = 7


def timed(fn: Callable[[], Any], repeats: int) -> float:
    """Median seconds of ``repeats`` calls of ``fn`` (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_loading(repeats: int) -> None:
    import onnx
    import torch

    net = random_network([784, 400, 400, 10], seed=0)
    print("1. loading a 784-400-400-10 MLP (float64 files)")
    head = f"{'format':<12} {'bytes':>10} {'baseline':>22} {'s':>9} {'ours (load_network)':>21} {'ratio':>7}"
    print("   " + head)
    with tempfile.TemporaryDirectory() as d:
        for ext, fmt, what, raw in (
            ("npz", "npz", "np.load (all arrays)", lambda p: dict(np.load(p, allow_pickle=False))),
            ("pt", "torchscript", "torch.jit.load", lambda p: torch.jit.load(str(p))),
            ("onnx", "onnx", "onnx.load", lambda p: onnx.load(str(p))),
        ):
            path = save_network(net, Path(d) / f"m.{ext}")
            assert load_network(path).allclose(net, rtol=0), fmt
            base = timed(lambda: raw(path), repeats)  # noqa: B023 - called inside the loop
            ours = timed(lambda: load_network(path), repeats)  # noqa: B023
            size = path.stat().st_size
            print(f"   {fmt:<12} {size:>10,} {what:>22} {base:9.4f} {ours:21.4f} {base / ours:7.2f}")


def bench_conv_unrolling(repeats: int, quick: bool) -> None:
    import torch
    import torch.nn.functional as F

    from relu_regions.io._builder import LayerBuilder
    from relu_regions.io._torch_ops import op_conv

    print("\n2. unrolling Conv2d into a dense matrix (float64)")
    print(f"   {'case':<34} {'matrix':>13} {'jacrev s':>9} {'probe s':>9} {'ratio':>7}")
    cases = [("1->8, 3x3, pad 1, on 1x28x28", (1, 28, 28), 8, 3, 1, 1)]
    if not quick:
        cases += [
            ("3->16, 3x3, pad 1, on 3x16x16", (3, 16, 16), 16, 3, 1, 1),
            ("8->8, 5x5, stride 2, on 8x14x14", (8, 14, 14), 8, 5, 2, 0),
        ]
    gen = torch.Generator().manual_seed(0)
    for name, shape, c_out, k, stride, pad in cases:
        w = torch.randn(c_out, shape[0], k, k, dtype=torch.float64, generator=gen)

        def conv(x: Any, w: Any = w, stride: int = stride, pad: int = pad) -> Any:
            return F.conv2d(x, w, None, stride, pad)

        n = int(np.prod(shape))

        def baseline(shape: tuple[int, ...] = shape, n: int = n, conv: Any = conv) -> np.ndarray:
            flat = lambda v: conv(v.reshape(1, *shape)).reshape(-1)  # noqa: E731
            return np.asarray(torch.func.jacrev(flat)(torch.zeros(n, dtype=torch.float64)).numpy())

        def ours(shape: tuple[int, ...] = shape, w: Any = w, s: int = stride, pad: int = pad) -> np.ndarray:
            b = LayerBuilder(shape)
            op_conv(b, w, None, s, pad)
            return b._pending[0]  # type: ignore[index]

        M_base, M_ours = baseline(), ours()
        assert np.array_equal(M_base, M_ours), name
        t_base, t_ours = timed(baseline, repeats), timed(ours, repeats)
        size = f"{M_ours.shape[0]}x{M_ours.shape[1]}"
        print(f"   {name:<34} {size:>13} {t_base:9.4f} {t_ours:9.4f} {t_base / t_ours:7.2f}")


def bench_cnn_conversion(repeats: int) -> None:
    import torch
    import torch.nn as nn

    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(8 * 5 * 5, 64), nn.ReLU(), nn.Linear(64, 10),
    ).double().eval()
    net = from_torch(model, input_shape=(1, 28, 28))
    x = torch.rand(256, 1, 28, 28, dtype=torch.float64)
    with torch.no_grad():
        diff = float(np.max(np.abs(net.forward(x.reshape(256, -1).numpy()) - model(x).numpy())))
    t = timed(lambda: from_torch(model, input_shape=(1, 28, 28)), max(3, repeats // 2))
    mb = sum(w.nbytes + b.nbytes for w, b in zip(net.weights, net.biases, strict=True)) / 2**20
    print("\n3. from_torch of a LeNet-style CNN on 1x28x28 (Conv-ReLU-MaxPool x2, Linear-ReLU-Linear)")
    print(f"   time {t:.3f} s; network {net!r}")
    print(f"   {net.num_neurons:,} neurons ({sum(net.hidden_widths):,} hidden), {net.num_parameters:,} dense "
          f"parameters ({mb:.0f} MiB); max |difference| to torch on 256 inputs: {diff:.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and cases (smoke run)")
    args = parser.parse_args()
    import onnx
    import torch

    repeats = 3 if args.quick else REPEATS
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    versions = f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}"
    print(f"# bench_io: {versions}, onnx {onnx.__version__}; {platform.machine()}, {os.cpu_count()} cores, "
          f"1 thread; median of {repeats}")
    bench_loading(repeats)
    bench_conv_unrolling(repeats, args.quick)
    bench_cnn_conversion(repeats)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
