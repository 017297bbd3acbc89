"""Enumerate the activation regions of a model on a domain and write them to a file.

One row per region: activation pattern, an interior point, the output there, and on 1-D/2-D
domains the exact vertices and length/area; with --linear also its linear-region label.
The format follows the file's extension: .npz (every array, full precision), .json, or
.parquet (needs pyarrow).  A time limit or Ctrl-C writes the regions found so far, labelled
partial (exit status 3).  With --stream (.npz only) the regions go to the file part by
part as the geometric engine finishes them, so memory stays bounded however many there
are (10^6 regions in 2-D: see docs/geometric_2d.md); read such a file with
relu_regions.regions.load_regions.
"""

from __future__ import annotations

import argparse
from typing import Any

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
    table,
)

VERB = "enumerate"
HELP = "write every region (pattern, interior point, vertices, area) to .npz/.json/.parquet"
ORDER = 41


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_domain_argument(p, required=False)
    p.add_argument("-o", "--output", "--out", dest="output", required=True, metavar="FILE",
                   help="regions file: .npz, .json or .parquet")
    p.add_argument("--method", default="auto",
                   help="auto, geometric (1-D/2-D), lp or milp (exact), or sample (a lower bound)")
    p.add_argument("--solver", default="highs", help="LP/MILP solver for lp/milp: highs, scip or gurobi")
    p.add_argument("--linear", action="store_true", help="also label each region's linear region")
    p.add_argument("--time-limit", type=float, default=None, metavar="S",
                   help="stop after S seconds and write what was found")
    p.add_argument("--workers", type=int, default=1, metavar="K", help="worker processes")
    p.add_argument("--stream", action="store_true",
                   help="write the regions to the .npz as they are found (bounded memory; packed patterns)")
    p.add_argument("--chunk-size", type=int, default=None, metavar="N",
                   help="with --stream: pieces per part of the domain (default 20000)")
    add_progress_argument(p)
    add_dask_argument(p)


def run(args: argparse.Namespace) -> dict[str, Any]:
    with dask_scope(args) as executor:
        return _run(args, executor)


def _run(args: argparse.Namespace, executor: Any) -> dict[str, Any]:
    from ...regions import REGION_FILE_FORMATS, enumerate_regions, save_regions, summarize_linear

    if not str(args.output).lower().endswith(REGION_FILE_FORMATS):
        raise ReluRegionsError(f"-o must end in one of {', '.join(REGION_FILE_FORMATS)}, got {args.output!r}")
    if args.workers < 1:
        raise ReluRegionsError(f"--workers must be at least 1, got {args.workers}")
    check_positive(args, "time_limit", "chunk_size")
    net = load_model(args)
    dom, note = domain_or_default(args, net)
    if args.stream or args.chunk_size is not None:
        return _stream(args, net, dom, note)
    rs = enumerate_regions(net, dom, method=args.method, solver=args.solver, time_limit=args.time_limit,
                           workers=args.workers, progress=args.progress, adjacency=bool(args.linear),
                           executor=executor)
    summary = rs.count.to_dict()
    labels = None
    if args.linear:
        lin, labels = summarize_linear(rs)
        summary["linear_regions"] = lin.regions
    summary["domain"] = dom.to_dict()
    if note:
        summary["domain_note"] = note
    save_regions(rs, args.output, labels=labels, summary=summary)
    return {**summary, "saved": str(args.output)}


def _stream(args: argparse.Namespace, net: Any, dom: Any, note: str | None) -> dict[str, Any]:
    from ...regions import stream_regions

    if not args.stream:
        raise ReluRegionsError("--chunk-size needs --stream")
    if not str(args.output).lower().endswith(".npz"):
        raise ReluRegionsError(f"--stream writes .npz files, got -o {args.output!r}")
    if args.linear:
        raise ReluRegionsError("--linear needs every region in memory; drop --stream")
    if args.workers != 1:
        raise ReluRegionsError("--stream runs in one process; drop --workers")
    extra: dict[str, Any] = {"domain": dom.to_dict()}
    if note:
        extra["domain_note"] = note
    count = stream_regions(net, dom, args.output, method=args.method, time_limit=args.time_limit,
                           chunk_size=args.chunk_size, progress=args.progress, solver=args.solver,
                           summary=extra)
    return {**count.to_dict(), **extra, "streamed": True, "saved": str(args.output)}


def render(result: dict[str, Any], args: argparse.Namespace) -> str:
    rows: list[tuple[str, Any]] = [
        ("regions", result["regions"]),
        ("exact", result["exact"]),
        ("method", result["method"]),
        ("partial", result["partial"]),
        ("saved", result["saved"]),
    ]
    if "linear_regions" in result:
        rows.insert(1, ("linear regions", result["linear_regions"]))
    return table(rows, ["enumerate", "value"]) + f"\n{result['reason']}"
