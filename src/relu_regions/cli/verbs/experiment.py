"""Reproduce a paper's experiment: results.json, figures, and a comparison with the paper.

Experiments are resumable: run the same command again after an interruption and only the
missing runs are computed.  A time limit or Ctrl-C prints the partial result (exit status 3).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from types import ModuleType
from typing import Any

from .._common import HelpFormatter, add_dask_argument, dask_scope, plain_text, table

VERB = "experiment"
HELP = "reproduce a paper's experiment (resumable; results.json + figures)"
ORDER = 90


def experiment_modules() -> list[ModuleType]:
    from .. import experiments

    mods = []
    for info in sorted(pkgutil.iter_modules(experiments.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            mods.append(importlib.import_module(f"{experiments.__name__}.{info.name}"))
    return mods


def add_common_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", "--out", dest="output", required=True, metavar="DIR",
                   help="output folder (results.json, figures, runs/ for resuming)")
    p.add_argument("--workers", type=int, default=1, metavar="K",
                   help="parallel processes for independent runs (default 1)")
    p.add_argument("--time-limit", type=float, default=None, metavar="S",
                   help="stop after S seconds; finished runs are kept (default: none)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="force the progress bar on or off (default: on when stderr is a terminal)")
    add_dask_argument(p)


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="experiment", metavar="NAME")
    sub.required = True
    for mod in experiment_modules():
        q = sub.add_parser(mod.NAME, help=mod.HELP, description=plain_text(mod.__doc__ or mod.HELP),
                           formatter_class=HelpFormatter)
        add_common_arguments(q)
        mod.add_arguments(q)
        q.add_argument("--json", action="store_true", help="print one JSON document on stdout")
        q.set_defaults(_experiment=mod)


def run(args: argparse.Namespace) -> Any:
    from ...exceptions import ReluRegionsError

    if args.workers < 1:
        raise ReluRegionsError(f"--workers must be at least 1, got {args.workers}")
    if args.time_limit is not None and not args.time_limit > 0:
        raise ReluRegionsError(f"--time-limit must be positive, got {args.time_limit}")
    from ...experiments import use_executor

    with dask_scope(args) as executor, use_executor(executor):
        return args._experiment.run(args)


def render(result: Any, args: argparse.Namespace) -> str:
    lines = [repr(result), f"results: {result.results_file}"]
    lines += [f"figure:  {f}" for f in result.figures]
    if result.scaled_down:
        lines.append(f"scaled down: {result.scaled_down}")
    if result.comparison:
        rows = [(c.get("quantity", ""), str(c.get("paper", "")), str(c.get("ours", "")),
                 "yes" if c.get("agrees") else "no") for c in result.comparison]
        lines += ["", table(rows, ["quantity", "paper", "ours", "agrees"])]
    return "\n".join(lines)
