"""Active subspaces of a model's outputs over a dataset (Sattelberg Sec. 6.4).

Writes ``active_subspace.npz`` (eigenvalues, explained shares, directions), the leading
direction of every output as an image (``directions.png``) and the spectra
(``spectrum.png``) into the output folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from .._common import add_model_arguments, load_model, table
from .linearize import add_data_arguments, inputs_of, load_data

VERB = "sensitivity"
HELP = "active subspaces: gradient covariance spectrum and leading input directions (Sec. 6.4)"
ORDER = 72


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_data_arguments(p)
    p.add_argument("--split", choices=("all", "train", "test"), default="test",
                   help="which part of a named dataset (default: test)")
    p.add_argument("--top", type=int, default=None, metavar="K", help="keep K leading directions")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="output folder")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ...linearity import active_subspace
    from ...plot import new_figure, plot_active_direction, plot_spectrum, save_figure

    net = load_model(args)
    net.require_relu("relu-regions sensitivity")
    X = inputs_of(load_data(args, net), args.split)
    if args.max_samples:
        X = X[: args.max_samples]
    a = active_subspace(net, X, top=args.top)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "active_subspace.npz", eigenvalues=a.eigenvalues, explained=a.explained,
                        directions=a.directions, output_r2=a.output_r2)
    m = net.output_dim
    fig = new_figure(1.6 * min(m, 10), 1.9 * ((m + 9) // 10))
    for o in range(m):
        plot_active_direction(a, o, fig.add_subplot((m + 9) // 10, min(m, 10), o + 1))
    files = [str(save_figure(fig, out / "directions.png"))]
    fig = new_figure(5, 3.5)
    plot_spectrum(a, fig.add_subplot())
    files.append(str(save_figure(fig, out / "spectrum.png")))
    return {
        "n_samples": a.n_samples,
        "explained_first": a.explained[:, 0].tolist(),
        "output_r2": a.output_r2.tolist(),
        "rank": list(a.rank),
        "eigenvalues_top5": a.eigenvalues[:, :5].tolist(),
        "files": [str(out / "active_subspace.npz"), *files],
    }


def render(r: dict[str, Any], args: argparse.Namespace) -> str:
    cols = zip(r["explained_first"], r["output_r2"], r["rank"], strict=True)
    rows = [[o, e, q, k] for o, (e, q, k) in enumerate(cols)]
    head = ["output", "explained by w1", "R^2 of v on w1.x", "rank"]
    return table(rows, head) + "\n" + "\n".join(r["files"])
