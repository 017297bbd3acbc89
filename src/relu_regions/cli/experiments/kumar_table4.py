"""Kumar et al. Table 4: exact activation patterns on [0,1]^784 of regularised MNIST MLPs (scaled down)."""

from __future__ import annotations

import argparse
from typing import Any

NAME = "kumar-table4"
HELP = "Kumar et al. Table 4: exact activation patterns on [0,1]^784, stably inactive neurons, accuracy"
JSON_CONTRACT_ARGS = ["--architectures", "5,5,5,5", "--regularizers", "vanilla", "--epochs", "1",
                      "--cell-time-limit", "2"]


def _archs(text: str) -> list[list[int]]:
    from ...experiments.kumar_table4 import ARCHITECTURES

    if text.strip() == "all":
        return [list(a) for a in ARCHITECTURES]
    try:
        return [[int(w) for w in part.split(",")] for part in text.split(";") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected widths like 5,5,5,5 (rows separated by ';') or 'all', got {text!r}"
        ) from None


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--architectures", type=_archs, default=[[5, 5, 5, 5]], metavar="ROWS",
                   help="hidden widths per row, rows separated by ';' (e.g. '5,5,5,5;8,8,8,8'), or 'all'")
    p.add_argument("--regularizers", default="vanilla,l1,adv_l1", metavar="LIST",
                   help="columns among vanilla,l2,l1,do,do_l2,do_l1,adv_l1, or 'all' "
                        "(default vanilla,l1,adv_l1)")
    p.add_argument("--epochs", type=int, default=10, metavar="N",
                   help="training epochs (default 10; paper 120)")
    p.add_argument("--pgd-steps", type=int, default=10, metavar="N",
                   help="PGD steps per batch for adv_l1 (default 10; paper 200)")
    p.add_argument("--cell-time-limit", type=float, default=20.0, metavar="S",
                   help="seconds per count; unfinished counts are lower bounds (default 20)")
    p.add_argument("--seed", type=int, default=0, help="training seed (default 0)")


def run(args: argparse.Namespace) -> Any:
    from ...experiments.kumar_table4 import REGULARIZERS, run_kumar_table4

    regs = list(REGULARIZERS) if args.regularizers.strip() == "all" else [
        r.strip() for r in args.regularizers.split(",") if r.strip()]
    return run_kumar_table4(
        args.output,
        architectures=args.architectures,
        regularizers=regs,
        epochs=args.epochs,
        pgd_steps=args.pgd_steps,
        cell_time_limit=args.cell_time_limit,
        seed=args.seed,
        workers=args.workers,
        time_limit=args.time_limit,
        progress=args.progress,
    )
