"""Count (and optionally save) the activation or linear regions of a model on a domain.

Exact methods prove their count ("exact": true); sample gives a lower bound.  A time
limit or Ctrl-C returns what was found, marked "partial" (a proven lower bound).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from ...exceptions import ReluRegionsError
from .._common import (
    add_domain_argument,
    add_model_arguments,
    check_positive,
    load_domain,
    load_model,
    load_points,
    table,
)

VERB = "count"
HELP = "count activation (or linear) regions on a domain, exactly or by sampling"
ORDER = 40


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_domain_argument(p)
    p.add_argument(
        "--method",
        default="auto",
        help="auto (the fastest exact method for the domain), geometric (1-D/2-D), lp, milp or "
        "sample; an unknown name lists the registered ones",
    )
    p.add_argument("--solver", default="highs", help="LP/MILP solver for lp/milp: highs, scip or gurobi")
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
        "--save", metavar="FILE.npz", help="save patterns, interior points and vertices of the regions"
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
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
    dom = load_domain(args, net)
    options: dict[str, Any] = {"solver": args.solver, "seed": args.seed}
    if args.samples is not None:
        options["samples"] = args.samples
    if args.points:
        options["points"] = load_points(args.points, net.input_dim, what="--points")
    common = {"method": args.method, "time_limit": args.time_limit, "workers": args.workers}
    if args.linear:
        from ...regions import count_linear_regions
        from ...regions._linear import summarize_linear

        if not args.save:
            return count_linear_regions(net, dom, **common, **options).to_dict()
        rs = enumerate_regions(net, dom, adjacency=True, **common, **options)
        res, labels = summarize_linear(rs)
        out = res.to_dict()
        _save(args.save, rs, out, labels)
        return {**out, "saved": str(args.save)}
    if args.save:
        rs = enumerate_regions(net, dom, **common, **options)
        out = rs.count.to_dict()
        _save(args.save, rs, out, None)
        return {**out, "saved": str(args.save)}
    from ...regions import count_regions

    return count_regions(net, dom, **common, **options).to_dict()


def _save(path: str, rs: Any, summary: dict[str, Any], labels: np.ndarray | None) -> None:
    arrays: dict[str, Any] = {
        "patterns": np.asarray(rs.patterns, dtype=bool),
        "pattern_widths": np.asarray(rs.net.pattern_widths, dtype=np.int64),
        "interior_points": rs.interior_points,
        "chart_points": rs.points,
        "chart_origin": rs.chart.origin,
        "chart_basis": rs.chart.basis,
        "summary": np.array(json.dumps(summary)),
    }
    if rs.vertices is not None:
        counts = np.array([len(v) for v in rs.vertices], dtype=np.int64)
        arrays["vertex_offsets"] = np.concatenate([[0], np.cumsum(counts)])
        flat = np.vstack(rs.vertices) if len(rs.vertices) else np.zeros((0, rs.chart.dim))
        arrays["vertices"] = rs.chart.to_ambient(flat)
        arrays["chart_vertices"] = flat
    if rs.measures is not None:
        arrays["measures"] = rs.measures
    if labels is not None:
        arrays["linear_region"] = labels
    target = Path(path)
    if target.suffix != ".npz":
        raise ReluRegionsError(f"--save needs a .npz file name, got {path!r}")
    np.savez_compressed(target, **arrays)


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
