"""Sattelberg Sec. 3.4: success rates of small networks on Boolean functions.

Trains every one of the 222 four-input NPN classes on several architectures (leaky ReLU 0.1
and ReLU), 10-parity against random 10-input functions on a width x depth grid (Fig. 3.7),
and prunes a width-6 parity network node by node (Table 3.4); writes Figures 3.6 and 3.7.
Resumable: rerun the same command to finish.
"""

from __future__ import annotations

import argparse
from typing import Any

from .._common import parse_int_list

NAME = "boolean"
HELP = "Sattelberg Sec. 3.4: NPN-class success rates (Fig. 3.6), 10-parity (Fig. 3.7), pruning"
JSON_CONTRACT_ARGS = [
    "--seeds", "1", "--epochs", "3", "--architectures", "3",
    "--parity-inputs", "4", "--parity-widths", "2", "--parity-depths", "1",
    "--parity-epochs", "3", "--prune-inputs", "2", "--prune-epochs", "3",
]


def _archs(s: str) -> list[tuple[tuple[int, ...], float]]:
    """``3,2x2,3:relu`` -> [((3,), 0.1), ((2, 2), 0.1), ((3,), 0.0)]."""
    out = []
    for item in filter(None, s.split(",")):
        shape, _, act = item.partition(":")
        widths = tuple(int(w) for w in shape.split("x"))
        out.append((widths, 0.0 if act == "relu" else 0.1))
    return out


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seeds", type=int, default=4, help="trials per class (paper 100; default 4)")
    p.add_argument("--epochs", type=int, default=1000, help="Adam epochs (paper up to 4,000)")
    p.add_argument("--architectures", default="2,3,4,2x2,3x3,3:relu,2x2:relu,4:relu",
                   help="hidden shapes WxW..., ':relu' for ReLU (else leaky 0.1)")
    p.add_argument("--parity-inputs", type=int, default=10, help="n of Fig. 3.7 (default 10)")
    p.add_argument("--parity-seeds", type=int, default=3, help="trials per cell (paper 100)")
    p.add_argument("--parity-random", type=int, default=2, help="random functions (paper 10)")
    p.add_argument("--parity-epochs", type=int, default=1000)
    p.add_argument("--parity-widths", default="2,3,4,6")
    p.add_argument("--parity-depths", default="1,2,3")
    p.add_argument("--prune-inputs", default="2,3,4", help="parity sizes pruned (Table 3.4)")
    p.add_argument("--prune-width", type=int, default=6)
    p.add_argument("--prune-epochs", type=int, default=1000)


def run(args: argparse.Namespace) -> Any:
    from ...exceptions import ReluRegionsError
    from ...experiments.boolean import run_boolean

    for name in ("seeds", "epochs", "parity_inputs", "parity_seeds", "parity_epochs",
                 "prune_width", "prune_epochs"):
        if getattr(args, name) < 1:
            raise ReluRegionsError(f"--{name.replace('_', '-')} must be positive")
    try:
        archs = _archs(args.architectures)
    except ValueError:
        raise ReluRegionsError(f"bad --architectures {args.architectures!r}; e.g. 3,2x2,3:relu") from None
    return run_boolean(
        args.output, seeds=args.seeds, epochs=args.epochs, architectures=archs,
        parity_inputs=args.parity_inputs, parity_seeds=args.parity_seeds,
        parity_random=args.parity_random, parity_epochs=args.parity_epochs,
        parity_widths=parse_int_list(args.parity_widths, "--parity-widths"),
        parity_depths=parse_int_list(args.parity_depths, "--parity-depths"),
        prune_inputs=parse_int_list(args.prune_inputs, "--prune-inputs"),
        prune_width=args.prune_width, prune_epochs=args.prune_epochs,
        workers=args.workers, time_limit=args.time_limit, progress=args.progress)
