"""Similarity of two or more models through their local affine maps (Sattelberg Sec. 7.3).

Metrics: ``linear_cka`` (eq. 7.7), ``scaled_mse`` (eq. 7.5-7.6), ``affine_mapped_accuracy``
(eq. 7.4; from the first model to the second) and ``cross_entropy`` of the softmax outputs
(eq. 7.8-7.9, the control).  Two models give one value per metric; more give a matrix per
metric (``-o`` draws the heatmaps).
"""

from __future__ import annotations

import argparse
from typing import Any

from .._common import load_model, table
from .linearize import add_data_arguments, load_data

VERB = "similarity"
HELP = "similarity of models via their local affine maps: CKA, scaled MSE, affine-mapped accuracy"
ORDER = 74


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("models", nargs="+", metavar="MODEL", help="two or more model files")
    p.add_argument("--input-shape", metavar="C,H,W", help="shape of one input (Conv2d models)")
    p.add_argument("--trust-pickle", action="store_true", help="allow pickled PyTorch objects")
    p.add_argument("--format", dest="model_format", help="force the model format by name")
    add_data_arguments(p)
    p.add_argument("-o", "--output", metavar="PREFIX", help="heatmaps PREFIX_<metric>.png (3+ models)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ...exceptions import ReluRegionsError
    from ...linearity import compare_networks, similarity_matrices

    if len(args.models) < 2:
        raise ReluRegionsError("similarity needs at least two models")
    nets = {}
    for i, path in enumerate(args.models):
        ns = argparse.Namespace(**{**vars(args), "model": path})
        name = path if path not in nets else f"{path}#{i}"
        nets[name] = load_model(ns)
        nets[name].require_relu("relu-regions similarity")
    first = next(iter(nets.values()))
    data = load_data(args, first)
    if len(nets) == 2:
        a, b = nets.values()
        return {"models": list(nets), **compare_networks(a, b, data, seed=args.seed,
                                                          max_samples=args.max_samples).to_dict()}
    sim = similarity_matrices(nets, data, seed=args.seed, max_samples=args.max_samples)
    files = []
    if args.output:
        from ...plot import new_figure, plot_similarity, save_figure

        for metric in sim.matrices:
            fig = new_figure(6, 5)
            plot_similarity(sim, metric, fig.add_subplot())
            files.append(str(save_figure(fig, f"{args.output}_{metric}.png")))
    return {**sim.to_dict(), "files": files}


def render(r: dict[str, Any], args: argparse.Namespace) -> str:
    if "matrices" not in r:
        keys = ["linear_cka", "scaled_mse", "affine_mapped_accuracy", "cross_entropy",
                "accuracy_1", "accuracy_2"]
        return table([[k, r[k]] for k in keys], ["metric", "value"])
    out = []
    for metric, M in r["matrices"].items():
        out.append(f"{metric}:")
        rows = [[n, *row] for n, row in zip(r["names"], M, strict=True)]
        out.append(table(rows, ["from \\ to", *r["names"]]))
    return "\n".join(out)
