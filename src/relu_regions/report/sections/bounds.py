"""Bounds on the number of regions: the table for the model and its architecture family.

Every bound of :mod:`relu_regions.bounds` for the model (the network-aware one on the
report's domain), tightest first, and a figure of the architecture-only bounds against the
number of hidden layers (constant width = the model's mean hidden width) and against the
width (the model's depth, hidden widths scaled), with the model marked.  Upper bounds hold
for every choice of weights, lower bounds for the best choice, expected bounds on average
(see :mod:`relu_regions.bounds._types`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ...bounds import (
    BOUND_METHODS,
    bound_regions,
    format_magnitude,
    maxout_ranks,
    network_densities,
    serra2018_maxout_layers,
)
from ...plot import new_figure, save_figure
from .._context import ReportContext
from .._html import esc, figure_html, note_html, table_html

ORDER = 40
TITLE = "Bounds on the number of regions"

#: Exact integers with more digits than this are left out of report.json (log10 stays).
MAX_JSON_DIGITS = 4000
#: Architecture-only methods drawn in the family figure, with their line styles.
FAMILY_METHODS = {
    "trivial": ("#999999", "-"),
    "raghu2017": ("#8e44ad", "-"),
    "montufar2017": ("#2980b9", "-"),
    "serra2018": ("#c0392b", "-"),
    "cai2023": ("#d35400", ":"),
    "hanin_rolnick2019": ("#16a085", ":"),
    "montufar2014_lower": ("#7f8c8d", "--"),
    "serra2018_lower": ("#27ae60", "--"),
}
#: The family line of maxout models (the ReLU bounds do not hold for them).
MAXOUT_FAMILY = {"serra2018_maxout": ("#c0392b", "-")}


def _bound_json(b: Any) -> dict[str, Any]:
    d = b.to_dict()
    if isinstance(b.value, int) and b.log10 > MAX_JSON_DIGITS:
        d["value"] = None
        d["value_note"] = f"exact integer with {int(b.log10) + 1} digits, omitted; see relu-regions bound"
    return d


def _family(ctx: ReportContext, widths: tuple[int, ...], density: Any) -> dict[str, Any]:
    n0, hidden = widths[0], widths[1:]
    L = len(hidden)
    w = max(1, round(float(np.mean(hidden))))
    depths = list(range(1, max(6, L + 2) + 1))
    scales = [0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0]
    ranks = maxout_ranks(ctx.net) if ctx.net.has_maxout else None
    names = list(MAXOUT_FAMILY if ranks else FAMILY_METHODS)

    def series(archs: list[tuple[int, ...]], with_density: bool) -> dict[str, list[float | None]]:
        out: dict[str, list[float | None]] = {n: [] for n in names}
        for arch in archs:
            if ranks:  # the model's ranks; constant-depth archs repeat its largest rank
                ks = ranks if len(arch) - 1 == len(ranks) else [max(ranks)] * (len(arch) - 1)
                out["serra2018_maxout"].append(serra2018_maxout_layers(arch, ks).log10)
                continue
            dens = density if with_density and isinstance(density, float) else None
            r = bound_regions(arch, methods="all", density=dens)
            for n in names:
                out[n].append(r.bounds[n].log10 if n in r.bounds else None)
        return out

    depth_archs = [(n0, *([w] * d)) for d in depths]
    width_archs = [(n0, *(max(1, round(s * n)) for n in hidden)) for s in scales]
    return {
        "depth": {"x": depths, "width": w, "log10": series(depth_archs, True)},
        "width": {"x": scales, "widths": [list(a[1:]) for a in width_archs],
                  "log10": series(width_archs, False)},
        "model_depth": L,
        "cai2023_density": density if isinstance(density, float) else None,
    }


def build(ctx: ReportContext) -> dict[str, Any]:
    net = ctx.net
    ctx.progress("computing region bounds")
    report = bound_regions(net, ctx.domain, time_limit=ctx.budget.remaining())
    dens = network_densities(net)
    uniform = float(np.mean(dens)) if len(set(dens)) == 1 else None
    ordered = report.ordered()
    return {
        "widths": list(report.widths),
        "domain_dim": report.domain_dim,
        "ordered": [b.name for b in ordered],
        "bounds": {b.name: _bound_json(b) for b in ordered},
        "skipped": report.skipped,
        "layer_densities": list(dens),
        "family": _family(ctx, report.widths, uniform if uniform is not None and uniform < 1.0 else None),
    }


def html(ctx: ReportContext, data: dict[str, Any], figdir: Path) -> str:
    arch = "-".join(map(str, data["widths"]))
    rows = []
    for name in data["ordered"]:
        b = data["bounds"][name]
        value = format_magnitude(b["value"], b["log10"])
        rows.append((name, b["kind"], value, f"{b['log10']:.3f}", b["reference"]))
    parts = [
        f"<p>Architecture {esc(arch)} (input dimension, then the widths of the layers with an "
        f"activation). Upper bounds hold for any weights; <b>network_aware</b> uses this model's "
        f"weight ranks and the neurons that are not stable on the report's domain (dimension "
        f"{esc(data['domain_dim'])}); lower bounds say some weights reach that many regions; "
        f"expected bounds are averages over random weights or random pruning.</p>",
        table_html(rows, ["method", "kind", "value", "log10", "reference"]),
    ]
    if data["skipped"]:
        parts.append(note_html("<br>".join(f"<b>{esc(k)}</b>: {esc(v)}" for k, v in data["skipped"].items())))
    fam = data["family"]
    fig = new_figure(12.0, 4.2)
    ax1, ax2 = fig.subplots(1, 2)
    for ax, key, xlabel in (
        (ax1, "depth", f"hidden layers (width {fam['depth']['width']})"),
        (ax2, "width", "hidden widths, scaled from the model's"),
    ):
        x = fam[key]["x"]
        for name, series in fam[key]["log10"].items():
            pts = [(xi, yi) for xi, yi in zip(x, series, strict=True) if yi is not None]
            if not pts:
                continue
            color, style = FAMILY_METHODS.get(name) or MAXOUT_FAMILY[name]
            kind = BOUND_METHODS[name].kind
            ax.plot(*zip(*pts, strict=True), style, color=color, marker="o", markersize=3,
                    label=f"{name} ({kind})")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("log10(number of regions)")
        ax.grid(alpha=0.3)
    model_x = (fam["model_depth"], 1.0)
    if "network_aware" in data["bounds"]:
        na = data["bounds"]["network_aware"]["log10"]
        for ax, mx in zip((ax1, ax2), model_x, strict=True):
            ax.plot([mx], [na], "*", color="black", markersize=11, label="network_aware (this model)")
    for ax, mx in zip((ax1, ax2), model_x, strict=True):
        ax.axvline(mx, color="black", alpha=0.25, linewidth=1)
    ax2.set_xscale("log", base=2)
    ax2.set_xticks(fam["width"]["x"], [f"x{v:g}" for v in fam["width"]["x"]])
    ax2.minorticks_off()
    handles: dict[str, Any] = {}
    for ax in (ax1, ax2):
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    fig.legend(list(handles.values()), list(handles), fontsize=7, loc="outside right center")
    name = "bounds-family.png"
    save_figure(fig, figdir / name)
    dens = fam["cai2023_density"]
    cai_note = f" cai2023 uses the model's density {dens:.3g} in every layer." if dens else ""
    parts.append(figure_html(
        name,
        f"Architecture-only bounds for the model's family (input dimension {data['widths'][0]}): left, "
        f"constant-width networks of 1 to {fam['depth']['x'][-1]} hidden layers; right, the model's depth "
        f"with every hidden width multiplied by a factor (log scale). The grey line marks the model; the "
        f"star is its network-aware bound. Solid: upper bounds; dashed: lower bounds on the maximum "
        f"(drawn where their width conditions hold); dotted: expected values.{cai_note}",
    ))
    return "".join(parts)
