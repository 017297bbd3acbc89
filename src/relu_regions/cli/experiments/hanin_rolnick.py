"""Hanin & Rolnick (2019) Figs 3-6: exact regions on whole planes/lines during training (scaled down)."""

from __future__ import annotations

import argparse
from typing import Any

NAME = "hanin-rolnick"
HELP = "Hanin & Rolnick Figs 3-6: exact regions during training vs (#neurons)^2/2"
JSON_CONTRACT_ARGS = ["--figures", "5", "--runs", "1", "--epochs", "1", "--points", "200"]


def _ints(text: str) -> list[int]:
    try:
        return [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--figures", default="3,4,5,6", metavar="LIST",
                   help="which figures to run, e.g. 3,5 (default: 3,4,5,6)")
    p.add_argument("--runs", type=int, default=1, metavar="K", help="training runs per curve (default 1)")
    p.add_argument("--epochs", type=int, default=None, metavar="N",
                   help="epochs for every figure (default: 2 for Figs 3-4, 20 for Figs 5-6)")
    p.add_argument("--domains", type=int, default=None, metavar="K",
                   help="planes (Fig 3, default 2) or lines (Fig 4, default 10) per run")
    p.add_argument("--points", type=_ints, default=None, metavar="LIST",
                   help="random 2-D data set sizes for Fig 5 (default 100,1000,5000; Fig 6 uses the largest)")


def run(args: argparse.Namespace) -> Any:
    from ...experiments.hanin_rolnick import run_hanin_rolnick

    return run_hanin_rolnick(
        args.output,
        figures=[f.strip() for f in args.figures.split(",") if f.strip()],
        runs=args.runs,
        epochs=args.epochs,
        domains=args.domains,
        points=args.points,
        workers=args.workers,
        time_limit=args.time_limit,
        progress=args.progress,
    )
