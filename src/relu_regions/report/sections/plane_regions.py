"""The network's prediction on a plane through three data points, with its exact regions.

The plane is :attr:`ReportContext.plane` (for 2-D inputs, the input square itself).  The
picture is exact, drawn by :func:`relu_regions.plot.plot_regions` from the ``geometric``
engine's polygons: for a classifier each region is cut into its class pieces where two
affine outputs tie, so the decision boundary drawn is the true one; otherwise the output,
affine on every region, is shaded exactly from its vertex values.  Every region boundary
drawn is a true one and none is missing.  The exact counts are in the "exact regions" section.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...plot import new_figure, plot_points_2d, plot_regions, save_figure
from ...regions import enumerate_regions
from .._context import ReportContext
from .._html import esc, figure_html, fmt

ORDER = 30
TITLE = "Prediction on a plane through data points, with its activation regions"


def title(ctx: ReportContext) -> str:
    if ctx.net.input_dim == 2:
        return "Prediction on the input plane, with its activation regions"
    through = "data points" if ctx.data is not None else "random points of the domain"
    return f"Prediction on a plane through {through}, with its activation regions"

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
    classify = ctx.data is not None and ctx.data.task == "classification"
    field_kind = "class" if classify else "output"
    return {
        "plane": plane.to_dict(),
        "resolution": r,
        "regions": rs.count.regions,
        "exact": rs.count.exact,
        "reason": rs.count.reason,
        "field": field_kind,
        "_regions": rs,
    }


def html(ctx: ReportContext, data: dict[str, Any], figdir: Path) -> str:
    plane = ctx.plane
    xl, yl = plane.axis_labels
    fig = new_figure(6.4, 5.0)
    ax = fig.subplots(1, 1)
    what = "predicted class" if data["field"] == "class" else "output"
    names = None
    if data["field"] == "class" and ctx.data is not None and ctx.data.class_names:
        names = list(ctx.data.class_names)
    exact = "exact" if data["exact"] else "partial"
    plot_regions(ctx.net, ax=ax, regions=data["_regions"], color=data["field"], class_names=names)
    ax.set(xlabel=xl, ylabel=yl, title=f"{what}, {fmt(data['regions'])} regions ({exact})")
    ax.set_xlim(*plane.extent[:2])
    ax.set_ylim(*plane.extent[2:])
    plot_points_2d(ax, plane.points, plane.labels, names=plane.names)
    name = "plane-prediction.png"
    save_figure(fig, figdir / name)
    how = (
        "each region is cut exactly where two class outputs tie; the thick line is the decision boundary"
        if data["field"] == "class"
        else "the output is affine on each region and shaded exactly from its vertex values"
    )
    marks = (
        " Markers are the data points spanning the plane (shape = class)."
        if len(plane.points) and ctx.data is not None
        else ""
    )
    caption = (
        f"The network's {what} on {esc(plane.description)}, drawn exactly from the geometric engine's "
        f"{fmt(data['regions'])} region polygons (thin lines): {how}.{marks}"
    )
    return figure_html(name, caption)
