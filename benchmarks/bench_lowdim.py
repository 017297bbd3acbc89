"""Exact region counting in 3-6 dimensions: the ``skeleton`` engine vs ``lp`` vs edge subdivision.

Nets: He-initialised (weights N(0, 2/fan_in), biases N(0, 0.1^2); ``random_network(widths,
seed=s, bias_std=0.1)``) on the box [-1, 1]^n0: the issue's 3-16-16-16-1 (seed 2),
4-10-10-1 (seed 2), 5-8-8-8-1 (seed 3), 3-32-32-32-1 (seed 2; 138,655 regions, the issue's
count) and a 6-D net, 6-8-8-1 (seed 4); then two degenerate nets made from 4-10-10-1 (a
first-layer neuron duplicated; five first-layer hyperplanes through one point), where the
skeleton detects the degeneracy and hands only the degenerate first-layer cells to ``lp``,
and edge subdivision (which assumes general position) is checked like the others.

Methods, side by side in this one process, one thread each:

* ``skeleton`` (ours, NumPy float64): ``count_regions(net, box, method="skeleton")``, exact,
  with its certificate (lowest- and highest-vertex counts agree, simple vertices, forward-pass check).
* ``lp`` (ours, the previous exact engine in 3-6 D): ``count_regions(..., method="lp")``.
* edge subdivision (Berzins, ICML 2023; ``--edge-subdivision PATH``: a checkout of
  arturs-berzins/relu_edge_subdivision, never downloaded): ``skeletal_subdivision`` on the
  same weights (its ``Net`` is float32, as the method ships), CPU, ``torch.set_num_threads(1)``.
  Its ``Net`` gets the activated (hidden) layers only: it adds the neurons of every layer,
  the output's too (it also extracts the output's zero level set), which would cut our
  regions further.  It returns vertices, edges and sign vectors, no region count: the count is derived from
  its output with the same lowest-vertex rule (a cell per vertex and choice of up edges, one
  per line through the vertex; see ``relu_regions.regions._skeleton``) and its time
  excludes that step.

Times: medians of REPEATS runs; CPU seconds of this process (``time.process_time``; robust to
other users of the machine) and wall seconds.  Ratios are CPU-time ratios.  Every count is
checked against ``lp``'s before its time is used.

Run: ``python benchmarks/bench_lowdim.py --edge-subdivision /work/ext/relu_edge_subdivision
> benchmarks/results/lowdim.txt`` (``--quick``: no ``lp`` on 3-32-32-32-1, one repeat).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from relu_regions import Box, Network, random_network  # noqa: E402
from relu_regions.regions import count_regions  # noqa: E402
from relu_regions.regions._skeleton_complex import _Degenerate, _Skeleton  # noqa: E402
from relu_regions.regions._skeleton_count import _generic_direction, _lowest  # noqa: E402

#: (widths, seed)
NETS = [
    ([3, 16, 16, 16, 1], 2),
    ([4, 10, 10, 1], 2),
    ([5, 8, 8, 8, 1], 3),
    ([3, 32, 32, 32, 1], 2),
    ([6, 8, 8, 1], 4),
]


def degenerate_nets() -> list[tuple[str, Network]]:
    """Nets not in general position, built from 4-10-10-1 (seed 2): the first-layer neuron 0
    duplicated, and four first-layer hyperplanes through one interior point."""
    base = random_network([4, 10, 10, 1], seed=2, bias_std=0.1)
    W = [np.array(L.weight) for L in base.layers]
    b = [np.array(L.bias) for L in base.layers]
    W1, b1 = np.vstack([W[0], W[0][:1]]), np.r_[b[0], b[0][:1]]
    W2 = np.hstack([W[1], 0.5 * W[1][:, :1]])
    dup = Network([W1, W2, W[2]], [b1, b[1], b[2]])
    p = np.array([0.1, -0.2, 0.05, 0.3])  # five first-layer hyperplanes through p
    bp = b[0].copy()
    bp[:5] = -W[0][:5] @ p
    through = Network([W[0], W[1], W[2]], [bp, b[1], b[2]])
    return [("4-10-10-1, neuron duplicated", dup), ("4-10-10-1, 5 planes via a point", through)]


#: the issue's single-thread measurements (lp, edge subdivision), quiet machine
ISSUE = {
    "3-16-16-16-1": (1.50, 0.093),
    "4-10-10-1": (0.48, 0.022),
    "5-8-8-8-1": (2.39, 0.105),
    "3-32-32-32-1": (25.2, 2.8),
}
#: the issue's targets for ours (seconds)
TARGET = {"5-8-8-8-1": 0.1, "3-32-32-32-1": 2.0, "4-10-10-1": 0.02}


def timed(fn: Any, repeats: int) -> tuple[float, float, Any]:
    """Median CPU and wall seconds of ``fn()`` over ``repeats`` runs, and its last result."""
    cpu, wall = [], []
    out = None
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        out = fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall), out


def box(k: int) -> Box:
    return Box(-np.ones(k), np.ones(k))


# --------------------------------------------------------------------------- edge subdivision
def load_edge_subdivision(path: str) -> Any:
    """Import the checkout's ``edge_subdivision`` and ``NN`` modules (never downloads)."""
    root = Path(path).expanduser().resolve()
    if not (root / "edge_subdivision.py").is_file():
        raise SystemExit(f"--edge-subdivision: no edge_subdivision.py in {root}")
    import torch

    torch.set_num_threads(1)
    sys.path.insert(0, str(root))
    import edge_subdivision  # type: ignore[import-not-found]
    import NN  # type: ignore[import-not-found]

    return torch, edge_subdivision, NN


def their_net(torch: Any, NN: Any, net: Network) -> Any:
    """Their ``Net`` on the activated layers only: ``skeletal_subdivision`` adds every layer's
    neurons, the last one's too (it extracts the output's zero level set as well), so the
    output layer, which has no ReLU here and is not part of an activation pattern, is left out."""
    layers = list(net.activated_layers)
    f = NN.Net(ks=[net.input_dim, *[L.width for L in layers]])
    with torch.no_grad():
        for fc, L in zip(f.fcs, layers, strict=True):
            fc.weight.copy_(torch.tensor(np.asarray(L.weight), dtype=torch.float32))
            fc.bias.copy_(torch.tensor(np.asarray(L.bias), dtype=torch.float32))
    return f


def regions_from_skeleton(vs: Any, edges: Any, v_sv: Any, d: int) -> tuple[int | None, str]:
    """Region count of an edge-subdivision output by the lowest-vertex rule (``None``: failed).

    Their sign vectors hold the ``2 d`` box facets first (``0`` on, ``+1`` inside), then the
    neurons; our skeleton accepts them as they are.
    """
    X = np.asarray(vs.double().cpu().numpy())
    S = np.asarray(v_sv.cpu().numpy(), dtype=np.int8)
    E = np.asarray(edges.cpu().numpy(), dtype=np.int64)
    try:
        sk = _Skeleton(X, S, E, S.shape[1], 2 * d)
    except _Degenerate as exc:
        return None, f"not in general position: {exc}"
    delta = X[E[:, 1]] - X[E[:, 0]]
    low = _lowest(sk, delta @ _generic_direction(d, 0) > 0)
    return int(low.V.size), f"{len(X):,} vertices, {len(E):,} edges"


def run_theirs(mods: Any, net: Network, repeats: int) -> tuple[float, float, int | None, str]:
    torch, es, NN = mods
    f = their_net(torch, NN, net)

    def go() -> Any:
        with torch.no_grad():
            return es.skeletal_subdivision(f, bbox=(-1, 1), device=torch.device("cpu"), verbose=False)

    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()) as warnings:  # it prints non-generic warnings
        cpu, wall, out = timed(go, repeats)
    n, how = regions_from_skeleton(*out, net.input_dim)
    if "not generic" in warnings.getvalue():
        how += "; it warned: a hyperplane through a vertex (treated as +)"
    return cpu, wall, n, how


# --------------------------------------------------------------------------- main
def header(args: argparse.Namespace) -> None:
    print(__doc__.split("Run:")[0].rstrip())
    print()
    import numpy

    py = platform.python_version()
    vers = [f"numpy {numpy.__version__}"]
    if args.edge_subdivision:
        import torch

        vers.append(f"torch {torch.__version__}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared with other work), python {py}")
    print("versions: " + ", ".join(vers))
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(f"date: {time.strftime('%Y-%m-%d %H:%M')}; load average at start (1, 5, 15 min): {load}")
    print(f"repeats: {args.repeats} (medians)")
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--edge-subdivision", metavar="PATH", help="a checkout of arturs-berzins/relu_edge_subdivision"
    )
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="one repeat, no lp on 3-32-32-32-1")
    args = ap.parse_args()
    if args.quick:
        args.repeats = 1
    header(args)
    mods = load_edge_subdivision(args.edge_subdivision) if args.edge_subdivision else None
    rows = []
    cases = [("-".join(map(str, w)), s, random_network(w, seed=s, bias_std=0.1)) for w, s in NETS]
    cases += [(name, 2, net) for name, net in degenerate_nets()]
    for name, seed, net in cases:
        dom = box(net.input_dim)
        sk_cpu, sk_wall, res = timed(
            lambda: count_regions(net, dom, method="skeleton", progress=False), args.repeats  # noqa: B023
        )
        assert res.exact, res.details
        if "fallback" in res.details:
            print(f"{name}: degenerate, {res.details['fallback']}", flush=True)
        if args.quick and name == "3-32-32-32-1":
            lp_cpu = lp_wall = None
            lp_n = None
        else:
            lp_cpu, lp_wall, lp_res = timed(
                lambda: count_regions(net, dom, method="lp", progress=False), 1  # noqa: B023
            )
            lp_n = lp_res.regions
            assert lp_res.exact
            assert lp_n == res.regions, f"{name}: skeleton {res.regions} != lp {lp_n}"
        th = run_theirs(mods, net, args.repeats) if mods else None
        rows.append((name, seed, res, sk_cpu, sk_wall, lp_n, lp_cpu, lp_wall, th))
        c = res.certificate
        print(
            f"{name} (seed {seed}): {res.regions:,} regions, skeleton exact={res.exact} "
            f"(vertices {c.get('vertices', 0):,}, edges {c.get('edges', 0):,}, "
            "lowest = highest vertex count: "
            f"{c.get('lowest_vertex_regions') == c.get('highest_vertex_regions')}, forward-pass check on "
            f"{c.get('forward_pass_checked', 0):,} regions)",
            flush=True,
        )
        print(f"  skeleton  cpu {sk_cpu:8.4f} s  wall {sk_wall:8.4f} s", flush=True)
        if lp_cpu is not None:
            print(f"  lp        cpu {lp_cpu:8.4f} s  wall {lp_wall:8.4f} s  ({lp_n:,} regions)", flush=True)
        if th is not None:
            t_cpu, t_wall, t_n, how = th
            agree = "agrees" if t_n == res.regions else "DIFFERS"
            shown = f"{t_n:,}" if t_n is not None else "?"
            print(
                f"  edge-sub  cpu {t_cpu:8.4f} s  wall {t_wall:8.4f} s  "
                f"({shown} regions derived, {agree}; {how})",
                flush=True,
            )
    print()
    print("== summary (CPU-time ratios; > 1: skeleton is faster) ==")
    print(
        f"{'net':>32s} {'regions':>9s} {'skeleton s':>11s} {'lp s':>9s} {'lp/sk':>7s} "
        f"{'edge-sub s':>11s} {'es/sk':>7s} {'target s':>9s} {'issue lp/es s':>14s}"
    )
    for name, _seed, res, sk_cpu, _sw, _n, lp_cpu, _lw, th in rows:
        lp_s = f"{lp_cpu:9.3f}" if lp_cpu is not None else f"{'-':>9s}"
        lp_r = f"{lp_cpu / sk_cpu:7.1f}" if lp_cpu is not None else f"{'-':>7s}"
        es_s = f"{th[0]:11.4f}" if th else f"{'-':>11s}"
        es_r = f"{th[0] / sk_cpu:7.2f}" if th else f"{'-':>7s}"
        tgt = f"{TARGET[name]:9.2f}" if name in TARGET else f"{'-':>9s}"
        iss = f"{ISSUE[name][0]:.2f}/{ISSUE[name][1]:.3f}" if name in ISSUE else "-"
        row = f"{name[:32]:>32s} {res.regions:9,d} {sk_cpu:11.4f} {lp_s} {lp_r} {es_s} {es_r} {tgt}"
        print(f"{row} {iss:>14s}")
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(f"\nload average at end (1, 5, 15 min): {load}")


if __name__ == "__main__":
    main()
