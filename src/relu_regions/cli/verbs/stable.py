"""Classify every neuron as stably active, stably inactive or unstable on a domain.

``auto`` (default) is exact: unstable neurons are shown by two witness points, stable
ones proven by interval/CROWN bounds or a sign-only MILP.  ``milp`` is the paper's two
MILPs per neuron (slow); ``lp``, ``crown`` and ``interval`` are sound relaxations that
may leave neurons ``undecided``.
"""

from __future__ import annotations

import argparse
from typing import Any

from ...exceptions import ReluRegionsError
from .._common import (
    add_dask_argument,
    add_domain_argument,
    add_model_arguments,
    check_positive,
    dask_scope,
    load_domain,
    load_model,
    load_points,
    table,
)

VERB = "stable"
HELP = "stably active / inactive / unstable neurons on a domain, with certificates"
ORDER = 60


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_domain_argument(p)
    p.add_argument("--method", default="auto", help="auto (exact, default), milp, lp, crown or interval")
    p.add_argument("--solver", default="highs", help="LP/MILP solver: highs, scip or gurobi")
    p.add_argument("--time-limit", type=float, default=None, metavar="S", help="stop after S seconds")
    p.add_argument("--samples", type=int, default=4096, metavar="N", help="uniform samples used as witnesses")
    p.add_argument("--points", metavar="FILE", help="data points (.npy/.json/.txt) used as witnesses")
    p.add_argument("--seed", type=int, default=0, help="random seed for sampling")
    add_dask_argument(p)
    p.add_argument(
        "--certificates", action="store_true", help="include each neuron's proof and witness points"
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ...solvers import SOLVERS
    from ...stability import STABILITY_METHODS, stable_neurons

    STABILITY_METHODS[args.method]
    SOLVERS[args.solver]  # an unknown name lists the registered ones
    check_positive(args, "time_limit")
    if args.samples < 0:
        raise ReluRegionsError(f"--samples must be non-negative, got {args.samples}")
    net = load_model(args)
    dom = load_domain(args, net)
    points = load_points(args.points, net.input_dim, what="--points") if args.points else None
    if args.dask and args.method != "auto":
        raise ReluRegionsError(f"--dask farms out the sign MILPs of --method auto only, not {args.method!r}")
    with dask_scope(args) as executor:
        res = stable_neurons(
            net,
            dom,
            method=args.method,
            time_limit=args.time_limit,
            solver=args.solver,
            samples=args.samples,
            points=points,
            seed=args.seed,
            executor=executor,
        )
    out = res.to_dict()
    out["counts"] = res.counts
    if args.certificates:
        out["certificates"] = [
            [res.certificate(layer, i) for i in range(len(res.status(layer)))]
            for layer in range(len(res.layers))
        ]
    return out


def render(result: dict[str, Any], args: argparse.Namespace) -> str:
    c = result["counts"]
    if "stable" in c:  # a maxout model: stable units by piece, dead pieces (see stable_units)
        rows: list[tuple[Any, ...]] = [
            (i + 1, l["kind"], l["rank"], len(l["active"]), len(l["inactive"]), len(l["stable"]),
             len(l["unstable"]), len(l["undecided"]), sum(map(len, l["dead_pieces"])))
            for i, l in enumerate(result["layers"])
        ]
        rows.append(("all", "", "", c["active"], c["inactive"], c["stable"], c["unstable"], c["undecided"],
                     c["dead_pieces"]))
        head = table(rows, ["layer", "kind", "rank", "active", "inactive", "stable", "unstable", "undecided",
                            "dead pieces"])
    else:
        rows = [
            (i + 1, len(l["active"]), len(l["inactive"]), len(l["unstable"]), len(l["undecided"]))
            for i, l in enumerate(result["layers"])
        ]
        rows.append(("all", c["active"], c["inactive"], c["unstable"], c["undecided"]))
        head = table(rows, ["layer", "active", "inactive", "unstable", "undecided"])
    tail = f"exact: {str(result['exact']).lower()} ({result['reason']}); {result['seconds']:.3g} s"
    return head + "\n" + tail
