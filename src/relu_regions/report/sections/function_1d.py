"""For networks with one input: the function on the domain, its pieces and the data.

On a fine uniform grid of the (1-D) domain, a change of activation pattern between two
neighbouring grid points marks a region boundary; the distinct patterns seen are a lower
bound on the regions (pieces thinner than the grid step can be missed).  The picture is
Sattelberg's Fig. 5.4/5.5 view of the sine networks: the piecewise-linear fit against the
data, and each piece's slope against its offset.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ...plot import new_figure, pattern_ids, save_figure
from ...regions import BOUNDARY_TOL
from .._context import ReportContext
from .._html import figure_html, fmt, note_html

ORDER = 32
TITLE = "The network on its one-dimensional input"

#: Grid points on the domain (``options["resolution_1d"]``).
DEFAULT_POINTS = 20_001


def skip(ctx: ReportContext) -> str | None:
    if ctx.net.input_dim != 1:
        return f"only for networks with one input (this one has {ctx.net.input_dim})"
    return None


def build(ctx: ReportContext) -> dict[str, Any]:
    lo, hi = (float(v[0]) for v in ctx.domain.bounding_box())
    n = int(ctx.option("resolution_1d", DEFAULT_POINTS))
    x = np.linspace(lo, hi, n)
    # Grid points on a boundary (a pre-activation ~ 0) belong to no region: drop them.
    if ctx.net.has_maxout:  # margin: each unit's gap between its top two pieces
        from .sampled_regions import _maxout_patterns

        x = x[_maxout_patterns(ctx.net, x[:, None])[0] > BOUNDARY_TOL]
    else:
        pre = ctx.net.preactivations(x[:, None])
        x = x[np.min(np.abs(np.concatenate(pre, axis=1)), axis=1) > BOUNDARY_TOL]
    ids = pattern_ids(ctx.net.pattern_vector(x[:, None]))
    change = np.flatnonzero(ids[1:] != ids[:-1])
    breaks = 0.5 * (x[change] + x[change + 1])
    J, c = ctx.net.local_affine(x[:, None])
    starts = np.r_[0, change + 1]
    return {
        "interval": [lo, hi],
        "grid_points": int(len(x)),
        "regions_on_grid": len(np.unique(ids)),
        "regions_along_the_interval": int(len(starts)),
        "exact": False,
        "reason": "activation-pattern changes between neighbouring points of a uniform grid: a lower bound "
        "(pieces shorter than the grid step can be missed)",
        "breakpoints": breaks,
        "pieces": [{"start": float(x[s]), "slope": J[s, :, 0], "offset": c[s]} for s in starts],
        "_x": x,
        "_y": ctx.net.forward(x[:, None]),
    }


def html(ctx: ReportContext, data: dict[str, Any], figdir: Path) -> str:
    x, y = data["_x"], data["_y"]
    fig = new_figure(10.0, 3.8)
    ax1, ax2 = fig.subplots(1, 2)
    for b in data["breakpoints"]:
        ax1.axvline(b, color="0.8", linewidth=0.6, zorder=0)
    for k in range(y.shape[1]):
        ax1.plot(x, y[:, k], linewidth=1.4, label=f"network output {k}" if y.shape[1] > 1 else "network")
    if ctx.data is not None and ctx.data.task == "regression":
        ax1.scatter(
            ctx.data.X_train[:, 0],
            ctx.data.y_train.reshape(ctx.data.n_train, -1)[:, 0],
            s=10,
            color="black",
            zorder=3,
            label="training data",
        )
    ax1.set_xlabel("input $x$")
    ax1.set_ylabel("output $f(x)$")
    ax1.legend(frameon=False, fontsize=8)
    ax1.set_title(f"{fmt(data['regions_along_the_interval'])} activation regions (grey: pattern changes)")
    slopes = np.array([p["slope"][0] for p in data["pieces"]])
    offsets = np.array([p["offset"][0] for p in data["pieces"]])
    starts = np.array([p["start"] for p in data["pieces"]])
    sc = ax2.scatter(slopes, offsets, c=starts, cmap="viridis", s=18)
    cb = fig.colorbar(sc, ax=ax2)
    cb.set_label("left end of the piece")
    ax2.set_xlabel("slope $a$ of the piece $f(x) = a x + b$")
    ax2.set_ylabel("offset $b$")
    ax2.set_title("coefficients of the pieces (output 0)")
    name = "function-1d.png"
    save_figure(fig, figdir / name)
    return note_html(
        f"{fmt(data['regions_along_the_interval'])} activation regions (intervals with one affine piece "
        f"each) found on "
        f"[{data['interval'][0]:.4g}, {data['interval'][1]:.4g}] "
        f"with {fmt(data['grid_points'])} grid points: "
        "a <b>lower bound</b>.",
        "info",
    ) + figure_html(
        name,
        "Left: the network's output on the domain with the breakpoints between activation regions; "
        "dots are the training data (regression). Right: slope and offset of each linear piece, "
        "coloured by position (cf. Sattelberg's dissertation, Figs. 5.4-5.5).",
    )
