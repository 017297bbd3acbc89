"""Bound-guided pruning: layer densities that keep uniform pruning's parameter count.

For a few global densities ``p``, :func:`relu_regions.pruning.choose_densities` gives the
densities of the hidden layers that maximise Cai et al.'s expected bound on the number of
regions (Theorem 1, binomial rank estimator) with exactly as many remaining weights as
uniform pruning; the table puts that bound beside uniform's.  Cai et al. found that pruning
to such densities keeps accuracy better than uniform pruning once density hurts accuracy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...plot import new_figure, save_figure
from ...pruning import choose_densities
from .._context import ReportContext
from .._html import esc, figure_html, table_html

ORDER = 45
TITLE = "Bound-guided pruning: recommended layer densities"

#: Global densities the section tries (the paper's figures span 1 down to ~0.001).
DENSITIES = (0.5, 0.1, 0.03, 0.01)


def skip(ctx: ReportContext) -> str | None:
    if ctx.net.num_hidden_layers < 1:
        return "the network has no hidden layer to prune"
    if ctx.net.has_maxout:
        return "bound-guided pruning (Cai et al.'s ReLU bound) does not support maxout layers yet"
    return None


def build(ctx: ReportContext) -> dict[str, Any]:
    widths = [ctx.net.input_dim, *ctx.net.hidden_widths]
    strategy = "two-layer" if len(widths) == 3 else "optimize"
    rows = []
    for p in DENSITIES:
        if ctx.budget.stop:
            rows.append({"density": p, "skipped": f"stopped by {ctx.budget.reason}"})
            continue
        remaining = ctx.budget.remaining()
        choice = choose_densities(widths, p, strategy="optimize",
                                  time_limit=None if remaining is None else max(remaining, 0.1))
        rows.append({
            "density": p,
            "layer_densities": list(choice.layer_densities),
            "layer_nonzeros": list(choice.layer_nonzeros),
            "parameters_kept": choice.parameters_kept,
            "bound_log10": choice.bound_log10,
            "uniform_bound_log10": choice.uniform_bound_log10,
            "gain_log10": choice.gain_log10,
            "partial": choice.partial,
        })
    return {"widths": widths, "strategy": "optimize", "paper_strategy_applies": strategy == "two-layer",
            "rank_estimator": "binomial", "rows": rows}


def html(ctx: ReportContext, data: dict[str, Any], figdir: Path) -> str:
    done = [r for r in data["rows"] if "skipped" not in r]
    table = table_html(
        [
            (
                r["density"],
                ", ".join(f"{d:.3g}" for d in r["layer_densities"]),
                r["parameters_kept"],
                f"{r['uniform_bound_log10']:.2f}",
                f"{r['bound_log10']:.2f}",
                f"{r['gain_log10']:+.2f}" + (" (partial)" if r["partial"] else ""),
            )
            for r in done
        ],
        ["global density", "layer densities", "weights kept", "log10 bound, uniform",
         "log10 bound, bound-guided", "gain (orders of magnitude)"],
    )
    fig = new_figure(6.0, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    ps = [r["density"] for r in done]
    ax.semilogx(ps, [r["uniform_bound_log10"] for r in done], "o--", label="uniform")
    ax.semilogx(ps, [r["bound_log10"] for r in done], "s-", label="bound-guided")
    ax.set(xlabel="global density p", ylabel="log10 expected bound (Cai et al., Thm 1)",
           title="Expected bound on the number of regions after pruning")
    ax.legend(fontsize=8)
    name = "pruning-densities.png"
    save_figure(fig, figdir / name)
    widths = "-".join(map(str, data["widths"]))
    return (
        f"<p>Densities for the hidden layers of {esc(widths)} that maximise the expected bound with "
        "exactly uniform pruning's number of weights (the L-layer optimiser; it never returns less "
        "than uniform's bound). Prune with <code>relu-regions prune MODEL --density p</code>.</p>"
        + table
        + figure_html(name, "The expected bound after uniform and bound-guided pruning.")
    )
