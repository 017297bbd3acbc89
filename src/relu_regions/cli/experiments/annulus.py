"""Sattelberg Tables 4.2-4.3: circle versus annulus, loss x leak x batch x normalisation.

A 2-3-1 network per trial, success = 95% of the 1,000 points; also checks the width n+1
expanded-simplex construction against eq. (4.12) and draws the exact decision boundary of
the best network (Fig. 4.6).  Resumable: rerun the same command to finish.
"""

from __future__ import annotations

import argparse
from typing import Any

from .._common import parse_float_list, parse_int_list

NAME = "annulus"
HELP = "Sattelberg Tables 4.2-4.3: circle vs annulus hyperparameter study + exact boundary"
JSON_CONTRACT_ARGS = ["--trials", "2", "--epochs", "2", "--batches", "100", "--leaks", "0.1",
                      "--losses", "bce", "--normalize", "true"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--trials", type=int, default=10, help="networks per combination (paper 100)")
    p.add_argument("--epochs", type=int, default=60, help="epoch budget (paper 1,000)")
    p.add_argument("--losses", default="bce,mse")
    p.add_argument("--leaks", default="0,0.01,0.1")
    p.add_argument("--batches", default="10,100,1000")
    p.add_argument("--normalize", default="false,true", help="false, true or both")


def run(args: argparse.Namespace) -> Any:
    from ...boolean import LOSSES
    from ...exceptions import ReluRegionsError
    from ...experiments.annulus import run_annulus

    if args.trials < 1 or args.epochs < 1:
        raise ReluRegionsError("--trials and --epochs must be positive")
    losses = [s for s in args.losses.split(",") if s]
    for lo in losses:
        LOSSES[lo]
    norm = []
    for s in args.normalize.split(","):
        if s.lower() not in ("true", "false"):
            raise ReluRegionsError(f"--normalize takes true/false values, got {s!r}")
        norm.append(s.lower() == "true")
    return run_annulus(
        args.output, trials=args.trials, epochs=args.epochs, losses=losses,
        leaks=parse_float_list(args.leaks, "--leaks"),
        batches=parse_int_list(args.batches, "--batches"), normalize=norm,
        workers=args.workers, time_limit=args.time_limit, progress=args.progress)
