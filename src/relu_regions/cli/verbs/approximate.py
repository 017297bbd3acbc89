"""Widths (and, for small networks, the network) of the 2-hidden-layer global linear
approximation of Theorems 2 and 3 (Kumar, Serra & Ramalingam).

Theorem 2 uses all activation patterns; Theorem 3 only the feasible ones, counted on
``--domain``.  With ``-o`` the chosen network is built (``H`` is computed for the domain)
and saved; it equals the original wherever the ``--epsilon`` ball around the input lies in
one activation region.
"""

from __future__ import annotations

import argparse
from typing import Any

from ...exceptions import ReluRegionsError
from .._common import add_domain_argument, add_model_arguments, load_domain, load_model, table

VERB = "approximate"
HELP = "2-hidden-layer global linear approximation (Theorems 2-3): widths, network"
ORDER = 63


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_domain_argument(p, required=False)
    p.add_argument(
        "--theorem",
        type=int,
        choices=(2, 3),
        default=None,
        help="network to build (default: 3 when patterns are counted, else 2)",
    )
    p.add_argument("-o", "--output", metavar="OUT", help="build the network and save it (.npz, .onnx, .pt)")
    p.add_argument("--widths-only", action="store_true", help="report widths, never build")
    p.add_argument("--epsilon", type=float, default=1e-3, help="distance to region boundaries (default 1e-3)")
    p.add_argument("--max-parameters", type=int, default=5_000_000, metavar="N", help="largest network built")
    p.add_argument("--count-method", default="auto", help="counting method for Theorem 3's patterns")
    p.add_argument("--time-limit", type=float, default=None, metavar="S", help="seconds for counting")
    p.add_argument("--seed", type=int, default=0, help="random seed for the check")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ...stability import global_linear_approximation

    if args.widths_only and args.output:
        raise ReluRegionsError("--widths-only and -o exclude each other")
    if args.output and args.domain is None:
        raise ReluRegionsError("building the network (-o) needs --domain: H depends on it")
    net = load_model(args)
    dom = load_domain(args, net)
    build = False if args.widths_only else (True if args.output else None)
    res = global_linear_approximation(
        net,
        domain=dom,
        theorem=args.theorem,
        epsilon=args.epsilon,
        build=build,
        max_parameters=args.max_parameters,
        count_method=args.count_method,
        time_limit=args.time_limit,
        seed=args.seed,
    )
    out = res.to_dict()
    if args.output and res.network is not None:
        from ...io import save_network

        out["output"] = str(save_network(res.network, args.output))
    return out


def render(result: dict[str, Any], args: argparse.Namespace) -> str:
    rows = [("Theorem 2 (all patterns)", result["theorem2"]["n1"], result["theorem2"]["n2"])]
    t3 = result.get("theorem3")
    if t3:
        label = f"Theorem 3 ({t3['patterns']} patterns{'' if t3['exact'] else ', lower bound'})"
        rows.append((label, t3["n1"], t3["n2"]))
    lines = [table(rows, ["", "n1'", "n2'"])]
    if result.get("built"):
        lines.append(
            f"built Theorem {result['built']} network: H = {result['H']:.4g}; max |f2 - f1| = "
            f"{result['max_abs_difference']:.3g} on {result['interior_points']} of "
            f"{result['checked_points']} points farther than {result['epsilon']:g} from region boundaries"
        )
    if result.get("output"):
        lines.append(f"written to {result['output']}")
    if result.get("note"):
        lines.append(result["note"])
    return "\n".join(lines)
