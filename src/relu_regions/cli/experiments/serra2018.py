"""Serra et al. (2018): exact region counts of 784-n1-n2-10 MNIST nets, n1 + n2 = 22, vs the bounds."""

from __future__ import annotations

import argparse
from typing import Any

NAME = "serra2018"
HELP = "Serra et al. 2018: exact counts of 784-n1-n2-10 MNIST nets (n1+n2=22) vs three bounds"
JSON_CONTRACT_ARGS = ["--splits", "11", "--epochs", "1", "--pca-dim", "1"]


def _ints(text: str) -> list[int]:
    try:
        return [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--splits", type=_ints, default=None, metavar="LIST",
                   help="values of n1 (n2 = 22 - n1); default 1..21")
    p.add_argument("--runs", type=int, default=1, metavar="K",
                   help="networks per split (default 1; paper 10)")
    p.add_argument("--epochs", type=int, default=5, metavar="N", help="training epochs (default 5)")
    p.add_argument("--pca-dim", type=int, default=4, metavar="K",
                   help="count on the K-D PCA slice of the inputs (default 4); 0 = the full [0,1]^784 box")
    p.add_argument("--count-time-limit", type=float, default=120.0, metavar="S",
                   help="seconds per count; unfinished counts are lower bounds (default 120)")


def run(args: argparse.Namespace) -> Any:
    from ...experiments.serra2018 import run_serra2018

    return run_serra2018(
        args.output,
        splits=args.splits,
        runs=args.runs,
        epochs=args.epochs,
        pca_dim=args.pca_dim,
        count_time_limit=args.count_time_limit,
        workers=args.workers,
        time_limit=args.time_limit,
        progress=args.progress,
    )
