"""Compression of a classifier's local affine maps by k-means (Sattelberg Sec. 7.2).

For every output the rows ``[gradient, offset]`` of the training samples are clustered;
test samples are classified with the nearest centres' affine maps.  Accuracy against k.
"""

from __future__ import annotations

import argparse
from typing import Any

from .._common import (
    add_model_arguments,
    add_progress_argument,
    check_positive,
    load_model,
    parse_int_list,
    table,
)
from .linearize import add_data_arguments, load_data

VERB = "kmeans"
HELP = "accuracy of k-means-compressed local affine maps against k (Sec. 7.2)"
ORDER = 73


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_data_arguments(p)
    add_progress_argument(p)
    p.add_argument("--k", default="1,2,5,10,50", metavar="K1,K2,...", help="clusters per output")
    p.add_argument("--time-limit", type=float, default=None, metavar="S", help="stop after S seconds")
    p.add_argument("-o", "--output", metavar="FIG.png", help="also draw accuracy against k")


def run(args: argparse.Namespace) -> Any:
    from ...linearity import kmeans_compression

    check_positive(args, "time_limit")
    net = load_model(args)
    net.require_relu("relu-regions kmeans (local linear maps)")
    res = kmeans_compression(net, load_data(args, net), k=parse_int_list(args.k, "--k"), seed=args.seed,
                             max_samples=args.max_samples, time_limit=args.time_limit,
                             progress=args.progress)
    if args.output:
        from ...plot import new_figure, plot_kmeans_accuracy, save_figure

        fig = new_figure(5, 3.5)
        plot_kmeans_accuracy(res, fig.add_subplot())
        save_figure(fig, args.output)
    return res


def render(res: Any, args: argparse.Namespace) -> str:
    rows = [[k, a, g] for k, a, g in zip(res.k, res.accuracy, res.agreement, strict=True)]
    head = (f"original accuracy {res.original_accuracy:.4f}; {res.distinct_patterns} distinct regions "
            f"among {res.n_fit} training samples\n")
    return head + table(rows, ["k", "accuracy", "agreement"])
