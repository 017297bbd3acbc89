"""Count (and optionally save) the activation or linear regions of a model on a domain.

Exact methods prove their count ("exact": true); sample gives a lower bound.  A time
limit or Ctrl-C returns what was found, marked "partial" (a proven lower bound).
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ...exceptions import ReluRegionsError
from .._common import (
    add_dask_argument,
    add_domain_argument,
    add_model_arguments,
    add_progress_argument,
    check_positive,
    dask_scope,
    domain_or_default,
    load_model,
    load_points,
    table,
)

VERB = "count"
HELP = "count activation (or linear) regions on a domain, exactly or by sampling"
ORDER = 40


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_domain_argument(p, required=False)
    add_progress_argument(p)
    add_dask_argument(p)
    p.add_argument(
        "--method",
        default="auto",
        help="auto (the fastest exact method for the domain), geometric (1-D/2-D), skeleton "
        "(bounded 2-8-D, fastest in 3-6-D), lp, milp or sample; an unknown name lists the "
        "registered ones",
    )
    p.add_argument(
        "--solver",
        default="highs",
        help="MILP solver for --method milp: highs (no solution pool: a re-solve per region, the slow "
        "reference path), scip or gurobi (one search tree, much faster); --method lp is faster still",
    )
    p.add_argument("--samples", type=int, default=None, metavar="N", help="sample points for --method sample")
    p.add_argument(
        "--points",
        metavar="FILE",
        help="data points on the domain (.npy/.json/.txt, input coordinates) for --method sample",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed for sampling")
    p.add_argument("--time-limit", type=float, default=None, metavar="S", help="stop after S seconds")
    p.add_argument("--workers", type=int, default=1, metavar="K", help="worker processes")
    p.add_argument("--linear", action="store_true", help="count linear regions (merged by equal maps)")
    p.add_argument(
        "--save", metavar="FILE", help="save the regions (.npz, .json or .parquet; see the enumerate verb)"
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    with dask_scope(args) as executor:
        return _run(args, executor)


def _run(args: argparse.Namespace, executor: Any) -> dict[str, Any]:
    from ...regions import ENGINES, enumerate_regions

    if args.method != "auto":
        ENGINES[args.method]  # unknown names list the registered ones
    from ...solvers import SOLVERS

    SOLVERS[args.solver]
    if args.workers < 1:
        raise ReluRegionsError(f"--workers must be at least 1, got {args.workers}")
    if args.samples is not None and args.samples < 1:
        raise ReluRegionsError(f"--samples must be positive, got {args.samples}")
    check_positive(args, "time_limit")
    net = load_model(args)
    dom, note = domain_or_default(args, net)
    options: dict[str, Any] = {"solver": args.solver, "seed": args.seed}
    if args.samples is not None:
        options["samples"] = args.samples
    if args.points:
        options["points"] = load_points(args.points, net.input_dim, what="--points")
    common = {"method": args.method, "time_limit": args.time_limit, "workers": args.workers,
              "progress": args.progress, "executor": executor}
    extra: dict[str, Any] = {"domain": dom.to_dict()}
    if note:
        extra["domain_note"] = note
    if args.linear:
        from ...regions import count_linear_regions, summarize_linear

        if not args.save:
            return {**count_linear_regions(net, dom, **common, **options).to_dict(), **extra}
        rs = enumerate_regions(net, dom, adjacency=True, **common, **options)
        res, labels = summarize_linear(rs)
        out = res.to_dict()
        _save(args.save, rs, out, labels)
        return {**out, **extra, "saved": str(args.save)}
    if args.save:
        rs = enumerate_regions(net, dom, **common, **options)
        out = rs.count.to_dict()
        _save(args.save, rs, out, None)
        return {**out, **extra, "saved": str(args.save)}
    from ...regions import count_regions

    return {**count_regions(net, dom, **common, **options).to_dict(), **extra}


def _save(path: str, rs: Any, summary: dict[str, Any], labels: np.ndarray | None) -> None:
    from ...regions import save_regions

    save_regions(rs, path, labels=labels, summary=summary)


def render(result: dict[str, Any], args: argparse.Namespace) -> str:
    rows: list[tuple[str, Any]] = [
        (f"{result['kind']} regions", result["regions"]),
        ("exact", result["exact"]),
        ("method", result["method"]),
        ("partial", result["partial"]),
        ("seconds", round(float(result["seconds"]), 4)),
    ]
    if result.get("stop_reason"):
        rows.append(("stopped by", result["stop_reason"]))
    cert = result.get("certificate") or {}
    if "measure_sum" in cert:
        covered = f"{cert['measure_sum']:.12g} of {cert['domain_measure']:.12g}"
        where = "" if result.get("details", {}).get("bounded", True) else " (window)"
        rows.append((f"{cert['measure']} covered{where}", covered))
    if "activation_regions" in result.get("details", {}):
        rows.append(("activation regions", result["details"]["activation_regions"]))
    if result.get("saved"):
        rows.append(("saved", result["saved"]))
    return table(rows, ["count", "value"]) + f"\n{result['reason']}"
