"""The main job: analyse a model and write DIR/report.json, DIR/index.html and figures.

With no MODEL it uses the bundled default model (a 64-32-32-10 ReLU network trained on
the digits data) and the digits data.  The report has one section per module in
relu_regions/report/sections/.  Exit status 1 when a section failed (the report is still
written and shows the failure), 130 when interrupted before anything was written.
"""

from __future__ import annotations

import argparse
from typing import Any

from .._common import add_model_arguments, load_model, table

VERB = "analyze"
HELP = "analyse a model (default: the bundled one) and write an HTML/JSON report"
ORDER = 1


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p, required=False)
    p.add_argument("--data", metavar="NAME", help="dataset the model was trained on (e.g. digits, xor)")
    p.add_argument("--data-root", metavar="DIR", help="where torchvision datasets live")
    p.add_argument("-o", "--output", "--out", dest="out", required=True, metavar="DIR",
                   help="report directory")
    p.add_argument("--domain", metavar="D", help="analysis domain instead of the data's bounding box")
    p.add_argument("--seed", type=int, default=0, help="seed of every random choice (default 0)")
    p.add_argument("--samples", type=int, metavar="N", help="uniform samples for the sampled region count")
    p.add_argument("--resolution", type=int, metavar="R", help="grid resolution of the planar pictures")
    p.add_argument("--sections", metavar="A,B", help="only these sections (comma-separated names)")
    p.add_argument("--time-limit", type=float, metavar="S", help="seconds for the whole report")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")


def run(args: argparse.Namespace) -> Any:
    from ...data import load_dataset
    from ...report import build_report

    net = load_model(args) if args.model else None
    data: Any = args.data
    if data is not None and args.data_root:
        data = load_dataset(data, seed=args.seed, root=args.data_root)
    options = {k: getattr(args, k) for k in ("samples", "resolution") if getattr(args, k) is not None}
    sections = [s for s in args.sections.replace(" ", "").split(",") if s] if args.sections else None
    return build_report(
        net,
        data,
        out=args.out,
        domain=args.domain,
        seed=args.seed,
        sections=sections,
        time_limit=args.time_limit,
        options=options,
        progress=not args.quiet,
    )


def exit_status(report: Any) -> int:
    """1 when a section failed, else 0 (the report is written either way)."""
    return 0 if report.status != "failed" else 1


def render(report: Any, args: argparse.Namespace) -> str:
    rows = [(s.name, s.status, f"{s.seconds:.1f} s", s.error or "") for s in report.sections]
    text = table(rows, ["section", "status", "time", "note"])
    return f"{text}\n\nreport: {report.html_path}\nstatus: {report.status}"
