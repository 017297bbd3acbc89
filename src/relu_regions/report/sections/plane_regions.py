"""A picture of the activation regions on a plane through three data points (grid-sampled).

The plane is :attr:`ReportContext.plane` (for 2-D inputs, the input square itself).  Each
pixel centre of a ``resolution x resolution`` grid gets the id of its activation
pattern; distinct ids seen are a lower bound on the regions meeting the plane window
(regions thinner than a pixel can be missed).  The right panel shows the network's
prediction (class or output value) with the same region boundaries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ...regions._sample import BOUNDARY_TOL
from .._context import ReportContext
from .._html import esc, figure_html, fmt, note_html
from ..figures import new_figure, pattern_ids, plot_field_2d, plot_points_2d, plot_regions_2d, save_figure

ORDER = 30
TITLE = "Activation regions on a plane through data points (sampled on a grid)"

#: Default grid resolution per axis (``options["resolution"]``).
DEFAULT_RESOLUTION = 300


def skip(ctx: ReportContext) -> str | None:
    if ctx.net.input_dim < 2:
        return "the network has a 1-D input, so there is no plane to draw"
    return None


def build(ctx: ReportContext) -> dict[str, Any]:
    r = int(ctx.option("resolution", DEFAULT_RESOLUTION))
    plane = ctx.plane
    T = plane.grid(r)
    net_t = plane.pullback(ctx.net)
    pre = net_t.preactivations(T)
    on_boundary = np.min(np.abs(np.concatenate(pre, axis=1)), axis=1) <= BOUNDARY_TOL
    ids = pattern_ids(np.concatenate([z > 0 for z in pre], axis=1), ~on_boundary).reshape(r, r)
    out = net_t.forward(T)
    if ctx.data is not None and ctx.data.task == "classification" and out.shape[1] > 1:
        field = np.argmax(out, axis=1).reshape(r, r)
        field_kind = "class"
    else:
        field = out[:, 0].reshape(r, r)
        field_kind = "output"
    return {
        "plane": plane.to_dict(),
        "resolution": r,
        "regions_on_grid": int(ids.max()) + 1,
        "exact": False,
        "reason": "distinct activation patterns at the grid's pixel centres, boundary points excluded: "
        "a lower bound on the regions meeting the plane window (regions thinner than a pixel can be missed)",
        "boundary_pixels": int(on_boundary.sum()),
        "field": field_kind,
        "_ids": ids,
        "_field": field,
    }


def html(ctx: ReportContext, data: dict[str, Any], figdir: Path) -> str:
    plane = ctx.plane
    ext = plane.extent
    xl, yl = plane.axis_labels
    fig = new_figure(11.0, 4.6)
    ax1, ax2 = fig.subplots(1, 2)
    plot_regions_2d(
        ax1,
        grid=data["_ids"],
        extent=ext,
        seed=ctx.seed,
        xlabel=xl,
        ylabel=yl,
        title=f"{fmt(data['regions_on_grid'])} activation regions found on the grid",
    )
    plot_points_2d(ax1, plane.points, plane.labels, names=plane.names)
    if data["field"] == "class":
        k = ctx.net.output_dim
        names = (
            list(ctx.data.class_names)
            if ctx.data is not None and ctx.data.class_names
            else [str(i) for i in range(k)]
        )
        plot_field_2d(
            ax2,
            data["_field"],
            ext,
            discrete=names[:k],
            label="predicted class",
            boundaries=data["_ids"],
            xlabel=xl,
            ylabel=yl,
            title="prediction, with region boundaries",
        )
    else:
        plot_field_2d(
            ax2,
            data["_field"],
            ext,
            label="network output",
            boundaries=data["_ids"],
            xlabel=xl,
            ylabel=yl,
            title="output, with region boundaries",
        )
    plot_points_2d(ax2, plane.points, plane.labels)
    name = "plane-regions.png"
    save_figure(fig, figdir / name)
    caption = (
        f"Left: activation regions on {esc(plane.description)}, one colour per activation pattern "
        f"(colours are arbitrary; dark pixels mark pattern changes), sampled on a "
        f"{data['resolution']}x{data['resolution']} grid. Markers are the data points (shape = class). "
        "Right: the network's "
        + ("predicted class" if data["field"] == "class" else "output")
        + " on the same plane; thin dark lines are the region boundaries."
    )
    return note_html(
        f"{fmt(data['regions_on_grid'])} regions found on the grid: a <b>lower bound</b> for the plane "
        "window (grid sampling can miss regions thinner than a pixel).",
        "info",
    ) + figure_html(name, caption)
