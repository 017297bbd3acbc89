"""Sattelberg (2023), chapters 5-7: local linearity of ReLU networks on offline data.

Sine nets of every width x depth (exact pieces, Table 5.1's re-initialisations), 2-D toy
problems (exact regions and decision boundaries, k-means), and linear / dense / simple-conv
image classifiers trained with SGD and AdamW on digits or the MNIST subset: exact
cross-sections beside the Jacobian-grid method, active subspaces, k-means compression of
local maps and the four similarity matrices.  Resumable: rerun the same command to finish.
"""

from __future__ import annotations

import argparse

from ..._results import FrozenResult
from .._common import parse_int_list

NAME = "sattelberg"
HELP = "Sattelberg ch. 5-7: sine pieces, cross-sections, active subspaces, k-means, similarity"
JSON_CONTRACT_ARGS = [
    "--data", "digits", "--archs", "linear,dense1", "--optimizers", "sgd", "--epochs", "1",
    "--hidden", "8", "--sine-widths", "2", "--sine-depths", "1", "--sine-epochs", "5",
    "--sine-extra-epochs", "0", "--sine-max-inits", "1", "--toys", "", "--grids", "8",
    "--k", "1,2", "--max-samples", "100",
]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", default="digits", help="image dataset: digits (default) or mnist-5k")
    p.add_argument("--archs", default="linear,dense1,dense2,simple",
                   help="image architectures (linear, dense1, dense2, simple)")
    p.add_argument("--optimizers", default="sgd,adamw", help="sgd and/or adamw (Sec. 6.1 settings)")
    p.add_argument("--epochs", type=int, default=15, help="image training epochs (paper: 15)")
    p.add_argument("--hidden", type=int, default=128, help="hidden width of the dense nets (paper: 128)")
    p.add_argument("--filters", type=int, default=8, help="conv filters of the simple net (paper: 32)")
    p.add_argument("--sine-widths", default="1,2,4,8", help="widths of the sine nets")
    p.add_argument("--sine-depths", default="1,2,4,8", help="depths of the sine nets")
    p.add_argument("--sine-max-inits", type=int, default=5, help="inits per sine net (paper: 1000)")
    p.add_argument("--sine-epochs", type=int, default=100, help="epochs per initialisation (paper: 200)")
    p.add_argument("--sine-extra-epochs", type=int, default=200, help="further epochs (paper: 1000)")
    p.add_argument("--toys", default="circle-annulus,circle-xor", help="2-D toy problems ('' for none)")
    p.add_argument("--grids", default="16,32,64,128", help="grid sizes p of the Jacobian-grid method")
    p.add_argument("--k", default="1,2,5,10,50", help="k-means cluster counts")
    p.add_argument("--max-samples", type=int, default=1000, help="samples per split for the metrics")
    p.add_argument("--slice-time-limit", type=float, default=30.0, help="seconds per exact cross-section")
    p.add_argument("--seed", type=int, default=0, help="base seed")


def run(args: argparse.Namespace) -> FrozenResult:
    from ...experiments.sattelberg import run_sattelberg

    def names(s: str) -> list[str]:
        return [v for v in s.split(",") if v]

    return run_sattelberg(
        args.output, data=args.data, optimizers=names(args.optimizers), archs=names(args.archs),
        epochs=args.epochs, hidden=args.hidden, filters=args.filters,
        sine_widths=parse_int_list(args.sine_widths, "--sine-widths"),
        sine_depths=parse_int_list(args.sine_depths, "--sine-depths"),
        sine_max_inits=args.sine_max_inits, sine_epochs=args.sine_epochs,
        sine_extra_epochs=args.sine_extra_epochs, toys=names(args.toys),
        grids=parse_int_list(args.grids, "--grids"), ks=parse_int_list(args.k, "--k"),
        max_samples=args.max_samples, slice_time_limit=args.slice_time_limit, seed=args.seed,
        workers=args.workers, time_limit=args.time_limit, progress=args.progress,
    )
