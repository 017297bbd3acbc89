"""Stable neurons and activation patterns on L-infinity balls of growing radius around a point.

The paper's Table 2 / Figure 6: the smaller the ball, the more neurons are stable and the
fewer activation patterns it holds.  Stability is exact (``auto``); pattern counts are
exact where the counting engine finishes, else labelled lower bounds.
"""

from __future__ import annotations

import argparse
from typing import Any

from ...exceptions import ReluRegionsError
from .._common import add_model_arguments, check_positive, load_model, load_points, parse_float_list, table

VERB = "local-stability"
HELP = "stable neurons and activation patterns on balls of several radii around a point"
ORDER = 62


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    p.add_argument("--point", required=True, metavar="X", help="the centre: .npy/.json/.txt or 0.1,0.2,...")
    p.add_argument("--radii", required=True, metavar="R1,R2,...", help="L-infinity radii")
    p.add_argument("--clip", metavar="LO,HI", help="valid input range, e.g. 0,1 for images")
    p.add_argument("--method", default="auto", help="stability method: auto (exact, default), milp, lp, ...")
    p.add_argument("--count-method", default="auto", help="counting method: auto, lp, sample, ...")
    p.add_argument("--no-count", action="store_true", help="skip counting activation patterns")
    p.add_argument("--time-limit", type=float, default=None, metavar="S",
                   help="seconds for the whole command (radii not reached are reported as skipped)")
    p.add_argument("--radius-time-limit", type=float, default=None, metavar="S",
                   help="stability seconds per radius")
    p.add_argument(
        "--count-time-limit", type=float, default=None, metavar="S", help="counting seconds per radius"
    )
    p.add_argument(
        "--max-exact-unstable",
        type=int,
        default=None,
        metavar="N",
        help="sample patterns (a labelled lower bound) instead of counting exactly above N unstable neurons",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed for sampling")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ...stability import STABILITY_METHODS, local_stability

    STABILITY_METHODS[args.method]
    if args.max_exact_unstable is not None and args.max_exact_unstable < 0:
        raise ReluRegionsError(f"--max-exact-unstable must be >= 0, got {args.max_exact_unstable}")
    check_positive(args, "time_limit", "radius_time_limit", "count_time_limit")
    net = load_model(args)
    x = load_points(args.point, net.input_dim)
    if len(x) != 1:
        raise ReluRegionsError(f"--point must be one point, got {len(x)}")
    clip = parse_float_list(args.clip, "--clip") if args.clip else None
    if clip is not None and len(clip) != 2:
        raise ReluRegionsError(f"--clip must be LO,HI, got {args.clip!r}")
    res = local_stability(
        net,
        x[0],
        parse_float_list(args.radii, "--radii"),
        clip=clip,
        method=args.method,
        count=not args.no_count,
        count_method=args.count_method,
        time_limit=args.radius_time_limit,
        count_time_limit=args.count_time_limit,
        total_time_limit=args.time_limit,
        max_exact_unstable=args.max_exact_unstable,
        seed=args.seed,
    )
    return res.to_dict()


def render(result: dict[str, Any], args: argparse.Namespace) -> str:
    rows = []
    for r in result["rows"]:
        pats = "-" if r["patterns"] is None else f"{r['patterns']}{'' if r['patterns_exact'] else '+'}"
        secs = r["stability_seconds"] + (r["patterns_seconds"] or 0.0)
        rows.append((r["radius"], r["inactive"], r["active"], r["unstable"], pats, f"{secs:.3g}"))
    out = table(rows, ["radius", "inactive", "active", "unstable", "patterns", "seconds"])
    return out + "\n(+ marks a lower bound: the count did not finish or was sampled)"
