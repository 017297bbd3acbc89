"""The network's prediction on a plane through three data points, with its exact regions.

The plane is :attr:`ReportContext.plane` (for 2-D inputs, the input square itself).  The
prediction (class or output value) is evaluated on a pixel grid - it is a picture of the
function, not a count - and the activation regions are overlaid as the exact polygons of
the ``geometric`` engine, so every boundary drawn is a true region boundary and none is
missing.  The exact counts themselves are in the "exact regions" section.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ...regions import enumerate_regions
from .._context import ReportContext
from .._html import esc, figure_html, fmt
from ..figures import new_figure, plot_field_2d, plot_points_2d, save_figure

ORDER = 30
TITLE = "Prediction on a plane through data points, with its activation regions"

#: Default grid resolution per axis of the prediction image (``options["resolution"]``).
DEFAULT_RESOLUTION = 300


def skip(ctx: ReportContext) -> str | None:
    if ctx.net.input_dim < 2:
        return "the network has a 1-D input, so there is no plane to draw"
    return None


def build(ctx: ReportContext) -> dict[str, Any]:
    r = int(ctx.option("resolution", DEFAULT_RESOLUTION))
    plane = ctx.plane
    remaining = ctx.budget.remaining()
    rs = enumerate_regions(
        ctx.net,
        plane.domain,
        method="geometric",
        progress=False,
        time_limit=None if remaining is None else max(remaining, 0.05),
    )
    out = plane.pullback(ctx.net).forward(plane.grid(r))
    if ctx.data is not None and ctx.data.task == "classification" and out.shape[1] > 1:
        field = np.argmax(out, axis=1).reshape(r, r)
        field_kind = "class"
    else:
        field = out[:, 0].reshape(r, r)
        field_kind = "output"
    return {
        "plane": plane.to_dict(),
        "resolution": r,
        "regions": rs.count.regions,
        "exact": rs.count.exact,
        "reason": rs.count.reason,
        "field": field_kind,
        "_polygons": rs.vertices or [],
        "_field": field,
    }


def html(ctx: ReportContext, data: dict[str, Any], figdir: Path) -> str:
    plane = ctx.plane
    xl, yl = plane.axis_labels
    fig = new_figure(6.4, 5.0)
    ax = fig.subplots(1, 1)
    what = "predicted class" if data["field"] == "class" else "network output"
    discrete = None
    if data["field"] == "class":
        k = ctx.net.output_dim
        names = (
            list(ctx.data.class_names)
            if ctx.data is not None and ctx.data.class_names
            else [str(i) for i in range(k)]
        )
        discrete = names[:k]
    exact = "exact" if data["exact"] else "partial"
    plot_field_2d(
        ax,
        data["_field"],
        plane.extent,
        discrete=discrete,
        label=what,
        polygons=data["_polygons"],
        xlabel=xl,
        ylabel=yl,
        title=f"{what}, {fmt(data['regions'])} regions ({exact})",
    )
    plot_points_2d(ax, plane.points, plane.labels, names=plane.names)
    name = "plane-prediction.png"
    save_figure(fig, figdir / name)
    caption = (
        f"The network's {what} on {esc(plane.description)} (evaluated on a "
        f"{data['resolution']}x{data['resolution']} grid); black lines are the boundaries of its "
        f"{fmt(data['regions'])} activation regions, drawn exactly from the geometric engine's polygons. "
        "Markers are the data points spanning the plane (shape = class)."
    )
    return figure_html(name, caption)
