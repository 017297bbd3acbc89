"""Remove stable neurons and layers without changing the network on a domain (Algorithm 1).

Stably inactive neurons are removed, stably active neurons whose weights depend on
earlier active ones are folded into the next layer, all-active layers are merged into the
next, and an all-inactive layer makes the network a constant.  The result is written in
the format its extension names (.npz, .onnx, .pt TorchScript) and checked against the
original on sampled points of the domain.
"""

from __future__ import annotations

import argparse
from typing import Any

from .._common import (
    add_dask_argument,
    add_domain_argument,
    add_model_arguments,
    check_model_output,
    check_positive,
    dask_scope,
    load_domain,
    load_model,
    table,
)

VERB = "compress"
HELP = "lossless compression on a domain: remove/fold stable neurons, collapse layers"
ORDER = 61


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_domain_argument(p)
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="compressed model (.npz, .onnx, .pt)")
    p.add_argument("--method", default="auto", help="stability method: auto (exact, default), milp, lp, ...")
    p.add_argument("--time-limit", type=float, default=None, metavar="S", help="stop after S seconds")
    p.add_argument("--check-points", type=int, default=10_000, metavar="N", help="points for the check")
    p.add_argument("--seed", type=int, default=0, help="random seed for sampling")
    add_dask_argument(p)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ...exceptions import OptionError
    from ...io import save_network
    from ...stability import STABILITY_METHODS, compress

    STABILITY_METHODS[args.method]
    check_positive(args, "time_limit", "check_points")
    check_model_output(args.output)
    net = load_model(args)
    dom = load_domain(args, net)
    if args.dask and args.method != "auto":
        raise OptionError(f"--dask farms out the sign MILPs of --method auto only, not {args.method!r}")
    with dask_scope(args) as executor:
        small, report = compress(
            net,
            dom,
            method=args.method,
            time_limit=args.time_limit,
            check_points=args.check_points,
            seed=args.seed,
            executor=executor,
        )
    path = save_network(small, args.output)
    out = report.to_dict()
    out.update(output=str(path), widths_before=net.widths, widths_after=small.widths)
    return out


def render(result: dict[str, Any], args: argparse.Namespace) -> str:
    rows = [
        ("widths", "-".join(map(str, result["widths_before"])), "-".join(map(str, result["widths_after"]))),
        ("neurons", result["neurons_before"], result["neurons_after"]),
        ("hidden layers", result["hidden_layers_before"], result["hidden_layers_after"]),
        ("parameters", result["parameters_before"], result["parameters_after"]),
    ]
    if "pieces_before" in result:  # a maxout model: stored pieces (rank x width; ReLU neurons 1)
        rows.append(("pieces", result["pieces_before"], result["pieces_after"]))
    lines = [table(rows, ["", "before", "after"])]
    for lay in result["layers"]:
        parts = [
            f"{k.replace('_', ' ')} {len(lay[k])}"
            for k in ("removed_inactive", "folded_constant", "removed_unused", "folded_dependent")
            if lay[k]
        ]
        if lay.get("dropped_pieces"):
            parts.append(f"dead pieces dropped {lay['dropped_pieces']} (rank {lay['rank_before']} -> "
                         f"{lay['rank_after']})")
        if lay["note"]:
            parts.append(lay["note"])
        lines.append(f"layer {lay['layer'] + 1}: {', '.join(parts) or 'unchanged'}")
    lines.append(
        f"max |f - f_compressed| on {result['checked_points']} points: {result['max_abs_difference']:.3g}"
    )
    lines.append(f"written to {result['output']}")
    return "\n".join(lines)
