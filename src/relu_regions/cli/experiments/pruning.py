"""Cai et al. (2023), Figs. 1-4: regions, the Theorem 1 bound and accuracy under pruning.

Trains, prunes (fully connected layers, magnitude) and fine-tunes MLPs and LeNet/AlexNet-style
nets on offline data at 8 densities; counts regions exactly on affine subspaces through test
samples (Fig. 1), evaluates the bound for d = 1, 2, 4 (Fig. 2), and compares uniform with
bound-guided layer densities (Figs. 3-4).  Resumable: rerun the same command to finish.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..._results import FrozenResult
from .._common import parse_float_list, parse_int_list

NAME = "pruning"
HELP = "Cai et al. 2023 Figs. 1-4: regions, bound and accuracy under (bound-guided) pruning"
JSON_CONTRACT_ARGS = [
    "--widths",
    "8",
    "--archs",
    "",
    "--small-width",
    "4",
    "--densities",
    "1,0.05",
    "--epochs",
    "1",
    "--fine-tune-epochs",
    "1",
    "--subspaces",
    "1",
    "--data",
    "digits",
]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", default="mnist-5k", help="dataset of the MLPs (default mnist-5k)")
    p.add_argument("--cnn-data", default="mnist-5k", help="dataset of the CNNs (default mnist-5k)")
    p.add_argument("--widths", default="100,200,400", help="MLP widths for Fig. 3 (2 hidden layers each)")
    p.add_argument(
        "--archs", default="lenet,alexnet", help="CNNs: lenet (Fig. 3), alexnet (Fig. 4); '' for none"
    )
    p.add_argument("--small-width", type=int, default=20, help="width of the 2-layer MLP of Figs. 1-2")
    p.add_argument("--densities", default=None, help="global densities (default 1,0.1,0.03,...,0.0005)")
    p.add_argument("--seeds", type=int, default=1, help="seeds per network (paper: 30)")
    p.add_argument(
        "--strategies",
        default="uniform,two-layer",
        help="uniform and a bound-guided strategy (two-layer as the paper, or bound)",
    )
    p.add_argument("--epochs", type=int, default=15, help="training epochs before pruning")
    p.add_argument("--fine-tune-epochs", type=int, default=15, help="fine-tuning epochs after pruning")
    p.add_argument("--lr", type=float, default=0.01, help="SGD learning rate")
    p.add_argument("--subspaces", type=int, default=2, help="random subspaces per S = 2, 3, 5")
    p.add_argument("--rank-estimator", default="binomial", help="binomial (default) or sampled")
    p.add_argument("--no-regions", action="store_true", help="skip Figs. 1-2 (region counting)")
    p.add_argument(
        "--fine-tune-conv",
        action="store_true",
        help="fine-tune every CNN layer (default: only the FC layers, on frozen conv features)",
    )


def run(args: argparse.Namespace) -> FrozenResult:
    from ...experiments.pruning import DEFAULT_DENSITIES, run_pruning

    dens: Any = parse_float_list(args.densities, "--densities") if args.densities else DEFAULT_DENSITIES
    return run_pruning(
        args.output,
        data=args.data,
        cnn_data=args.cnn_data,
        widths=parse_int_list(args.widths, "--widths"),
        archs=[a for a in args.archs.split(",") if a],
        small_width=args.small_width,
        densities=dens,
        seeds=args.seeds,
        strategies=[s for s in args.strategies.split(",") if s],
        epochs=args.epochs,
        fine_tune_epochs=args.fine_tune_epochs,
        lr=args.lr,
        subspaces=args.subspaces,
        rank_estimator=args.rank_estimator,
        regions=not args.no_regions,
        freeze_conv=not args.fine_tune_conv,
        workers=args.workers,
        time_limit=args.time_limit,
        progress=args.progress,
    )
