"""Architecture: layer sizes, parameters, weight statistics and accuracy on the data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ...plot import new_figure, save_figure
from ...train import evaluate_network
from .._context import ReportContext
from .._html import esc, figure_html, fmt, table_html

ORDER = 10
TITLE = "Architecture"

#: Weights with absolute value below this count as zero in the sparsity column.
ZERO_TOL = 1e-6


def build(ctx: ReportContext) -> dict[str, Any]:
    net = ctx.net
    layers = []
    for i, layer in enumerate(net.layers):
        W = layer.weight
        act = (
            "affine"
            if layer.slope is None
            else f"maxout (rank {layer.rank})"
            if layer.is_maxout
            else ("ReLU" if layer.slope == 0 else f"LeakyReLU({layer.slope:g})")
        )
        layers.append(
            {
                "index": i,
                "shape": list(W.shape),
                "activation": act,
                "parameters": int(W.size + layer.bias.size),
                "rank": int(np.linalg.matrix_rank(layer.stacked()[0])),
                "weight_l1": float(np.abs(W).sum()),
                "weight_max_abs": float(np.abs(W).max()),
                "near_zero_fraction": float(np.mean(np.abs(W) < ZERO_TOL)),
            }
        )
    out: dict[str, Any] = {"summary": net.summary(), "layers": layers, "near_zero_tol": ZERO_TOL}
    data = ctx.data
    if data is not None:
        if net.output_dim == data.output_dim:
            out["metrics"] = evaluate_network(net, data)
        else:
            out["metrics_note"] = (
                f"not evaluated: the network has {net.output_dim} outputs, "
                f"{data.name} needs {data.output_dim}"
            )
    return out


def html(ctx: ReportContext, data: dict[str, Any], figdir: Path) -> str:
    s = data["summary"]
    widths = [s["input_dim"], *s["hidden_widths"], s["output_dim"]]
    facts = [
        ("widths (input, hidden..., output)", " - ".join(map(str, widths))),
        ("hidden layers", s["num_hidden_layers"]),
        ("neurons with an activation", s["num_neurons"]),
        ("parameters", s["num_parameters"]),
        ("activation", s["activation"] + (" (output ReLU)" if s["output_relu"] else "")),
    ]
    if s.get("input_shape"):
        facts.append(("input shape", "x".join(map(str, s["input_shape"]))))
    for k, v in data.get("metrics", {}).items():
        facts.append((k.replace("_", " "), f"{100 * v:.2f}%" if "accuracy" in k else fmt(v)))
    parts = [table_html(facts, ["property", "value"])]
    if "metrics_note" in data:
        parts.append(f"<p>{esc(data['metrics_note'])}</p>")
    rows = [
        (
            L["index"],
            "x".join(map(str, L["shape"])),
            L["activation"],
            L["parameters"],
            L["rank"],
            L["weight_l1"],
            L["weight_max_abs"],
            f"{100 * L['near_zero_fraction']:.1f}%",
        )
        for L in data["layers"]
    ]
    parts.append(
        table_html(
            rows,
            [
                "layer",
                "W shape (out x in)",
                "then",
                "parameters",
                "rank W",
                "sum |W|",
                "max |W|",
                f"|w| < {data['near_zero_tol']:g}",
            ],
        )
    )
    # Figure: weight distributions per layer.
    n = len(ctx.net.layers)
    fig = new_figure(min(3.2 * n, 12.0), 2.8)
    axes = fig.subplots(1, n, squeeze=False)[0]
    for i, (ax, layer) in enumerate(zip(axes, ctx.net.layers, strict=True)):
        w = np.asarray(layer.weight).ravel()
        ax.hist(w, bins=50, color="#4a90c2", edgecolor="white", linewidth=0.3)
        ax.set_yscale("log")
        ax.set_xlabel(f"weight value, layer {i}")
        ax.set_ylabel("count" if i == 0 else "")
        ax.set_title(f"$W_{i}$: {'x'.join(map(str, layer.weight.shape))}", fontsize=10)
    name = "architecture-weights.png"
    save_figure(fig, figdir / name)
    parts.append(
        figure_html(
            name,
            "Distribution of the weights of each affine layer (log-scale counts). Layer 0 maps the "
            "input; the last layer is the affine output layer.",
        )
    )
    return "".join(parts)
