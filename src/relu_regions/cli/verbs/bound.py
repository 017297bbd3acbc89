"""Bounds on the number of linear regions of an architecture (--widths) or a model.

Upper bounds (trivial, raghu2017, montufar2017, serra2018, serra2018_maxout, network_aware),
lower bounds on the maximum over weights (montufar2014_lower, serra2018_lower) and expected
bounds (hanin_rolnick2019, hanin_rolnick2019_theorem5, cai2023) and the maxout estimate
tseran_montufar2021.  A maxout model gets serra2018_maxout with its own ranks, network_aware
with its live pieces on --domain, and tseran_montufar2021; the ReLU bounds are skipped.
Integer bounds are exact however large; every bound also has its log10.
"""

from __future__ import annotations

import argparse
from typing import Any

from ...exceptions import DimensionError
from .._common import (
    add_domain_argument,
    add_model_arguments,
    load_model,
    parse_float_list,
    parse_int_list,
    table,
)

VERB = "bound"
HELP = "upper, lower and expected bounds on the number of linear regions"
ORDER = 30


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p, required=False)
    p.add_argument("--widths", metavar="N0,N1,...,NL",
                   help="architecture instead of a model: input dimension, then the hidden widths")
    p.add_argument("--method", default="all", metavar="NAME[,NAME...]|all",
                   help="bounds to compute (default all; unknown names list the valid ones)")
    p.add_argument("--density", metavar="p|p1,...,pL",
                   help="layer densities for cai2023 (default: the model's non-zero fraction, or 1)")
    p.add_argument("--rank-estimator", default="binomial", choices=["binomial", "sampled"],
                   help="rank distribution for cai2023 (default binomial)")
    p.add_argument("--rank-method", default="structural", choices=["structural", "numerical"],
                   help="how sampled matrices are ranked (structural: matching; numerical: SVD)")
    p.add_argument("--maxout-rank", type=int, metavar="K",
                   help="rank k of serra2018_maxout and tseran_montufar2021 for --widths (default 2, which "
                   "covers ReLU); a maxout model uses its own ranks")
    p.add_argument("--hr-constant", type=float, metavar="T",
                   help="the constant T of Hanin & Rolnick's Theorem 5 (enables that bound)")
    p.add_argument("--volume", type=float, default=1.0, help="cube volume for Theorem 5 (default 1)")
    add_domain_argument(p, required=False)
    p.add_argument("--stability", default="crown", metavar="METHOD",
                   help="stable-neuron method for network_aware on the domain: crown (default), "
                   "interval, lp, auto or milp (exact)")
    p.add_argument("--seed", type=int, default=0, help="seed of the rank sampling (default 0)")
    p.add_argument("--time-limit", type=float, metavar="SECONDS",
                   help="limit for rank sampling and stability")


def run(args: argparse.Namespace) -> Any:
    from ...bounds import bound_regions

    if (args.model is None) == (args.widths is None):
        raise DimensionError("give either a MODEL or --widths N0,N1,...,NL (not both)")
    target: Any
    if args.widths is not None:
        target = parse_int_list(args.widths, "--widths")
        if args.domain is not None:
            raise DimensionError("--domain needs a MODEL (only the network-aware bound uses it)")
    else:
        target = load_model(args)
    density: Any = None
    if args.density is not None:
        ps = parse_float_list(args.density, "--density")
        density = ps[0] if len(ps) == 1 else ps
    return bound_regions(
        target,
        args.domain,
        methods=args.method,
        density=density,
        rank_estimator=args.rank_estimator,
        rank_method=args.rank_method,
        maxout_rank=args.maxout_rank,
        hr_constant=args.hr_constant,
        volume=args.volume,
        seed=args.seed,
        stability=args.stability,
        time_limit=args.time_limit,
    )


def render(result: Any, args: argparse.Namespace) -> str:
    from ...bounds import format_magnitude

    rows = [(b.name, b.kind, format_magnitude(b.value, b.log10), f"{b.log10:.4f}",
             "exact" if b.exact else "float") for b in result.ordered()]
    arch = "-".join(map(str, result.widths))
    head = f"bounds on the number of regions of {arch}"
    if result.domain_dim is not None:
        head += f" (network-aware on a domain of dimension {result.domain_dim})"
    out = [head + "; tightest first", table(rows, ["method", "kind", "value", "log10", "value is"])]
    for name, why in result.skipped.items():
        out.append(f"skipped {name}: {why}")
    return "\n".join(out)
