"""Exact activation and linear regions on planes and lines through data points.

The ``geometric`` engine counts exactly on 1-D and 2-D domains of any input dimension.
This section draws the report's plane (:attr:`ReportContext.plane`, the window of the
sampled picture) exactly, as polygons coloured by activation pattern and by linear region
(Hanin & Rolnick 2019, Def. 2), and counts exactly on

* that plane window and the whole (unbounded) plane through the same data points;
* the plane through the origin and two of them (Hanin & Rolnick's cross-sections);
* the segment between two data points, the whole line through them, and the line
  through the origin and one of them.

Beside every count is the tightest *upper bound* of :mod:`relu_regions.bounds` for the
network restricted to that plane or line: ``t -> net(o + B t)`` is a network with 1 or 2
inputs, so its architecture bounds (and its network-aware bound) hold for the count.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ...bounds import bound_regions
from ...domain import AffineSubspace, Box, Domain
from ...exceptions import ReluRegionsError
from ...plot import new_figure, plot_points_2d, plot_regions_2d, region_colors, save_figure
from ...regions import enumerate_regions, summarize_linear
from .._context import ReportContext
from .._html import esc, figure_html, fmt, note_html, table_html

ORDER = 35
TITLE = "Exact regions on planes and lines through data points"


def title(ctx: ReportContext) -> str:
    through = "data points" if ctx.data is not None else "points of the domain"
    return f"Exact regions on planes and lines through {through}"

#: Bounds tried for the restricted network (the tightest applicable one is shown).
BOUND_METHODS = "serra2018,montufar2017,raghu2017,network_aware"


def _anchor_points(ctx: ReportContext) -> tuple[np.ndarray, list[str]]:
    """Three data points in input coordinates (the report plane's when it has them), named."""
    plane_dom = ctx.plane.domain if ctx.net.input_dim >= 2 else None
    if isinstance(plane_dom, AffineSubspace):
        return np.asarray(plane_dom.points), list(ctx.plane.names)
    data = ctx.data
    if data is not None and max(data.n_test, data.n_train) >= 3:
        split = "test" if data.n_test >= 3 else "train"
        X = data.X_test if split == "test" else data.X_train
        idx = np.sort(ctx.rng("exact_regions").choice(len(X), size=3, replace=False))
        return np.asarray(X[idx], dtype=np.float64), [f"{split} #{int(i)}" for i in idx]
    return ctx.domain.sample(3, seed=ctx.rng("exact_regions")), ["random domain points"] * 3


def _cases(ctx: ReportContext, P: np.ndarray) -> list[tuple[str, str, Domain]]:
    """``(key, description, domain)`` of every plane and line counted."""
    n0 = ctx.net.input_dim
    cases: list[tuple[str, str, Domain]] = []
    if n0 >= 2:
        cases.append(("plane_window", f"the report's plane: {ctx.plane.description}", ctx.plane.domain))
        if n0 == 2:
            cases.append(("plane", "the whole input plane", AffineSubspace([[0, 0], [1, 0], [0, 1]])))
        else:
            cases.append(("plane", "the whole plane through p0, p1, p2", AffineSubspace(P)))
            if np.linalg.matrix_rank(P[1:], tol=1e-9) == 2:
                cases.append(
                    (
                        "plane_origin",
                        "the plane through the origin, p1 and p2",
                        AffineSubspace.through_origin(P[1:]),
                    )
                )
    if np.linalg.norm(P[1] - P[0]) > 0:
        cases.append(
            ("segment", "the segment from p0 to p1", AffineSubspace(P[:2], coefficient_bounds=(0, 1)))
        )
        cases.append(("line", "the whole line through p0 and p1", AffineSubspace(P[:2])))
    if np.linalg.norm(P[0]) > 0:
        cases.append(
            ("line_origin", "the line through the origin and p0", AffineSubspace.through_origin(P[:1]))
        )
    if n0 == 1 and isinstance(ctx.domain, Box):
        cases.insert(0, ("domain", "the input interval (the domain)", ctx.domain))
    return cases


def _upper_bound(net_t: Any) -> tuple[str | None, int | None]:
    try:
        methods = "serra2018_maxout,network_aware" if net_t.has_maxout else BOUND_METHODS
        rep = bound_regions(net_t, methods=methods)
    except ReluRegionsError:
        return None, None
    uppers = [(b.value, str(b.name)) for b in rep.ordered() if b.kind == "upper" and isinstance(b.value, int)]
    if not uppers:
        return None, None
    value, name = min(uppers)
    return name, value


def build(ctx: ReportContext) -> dict[str, Any]:
    P, names = _anchor_points(ctx)
    rows: list[dict[str, Any]] = []
    seconds: list[float | None] = []  # private: timings would make the JSON non-deterministic
    out: dict[str, Any] = {"anchor_points": P, "anchor_names": names, "rows": rows, "_seconds": seconds}
    for key, desc, dom in _cases(ctx, P):
        if ctx.budget.stop:
            rows.append({"case": key, "description": desc, "skipped": f"stopped by {ctx.budget.reason}"})
            seconds.append(None)
            continue
        ctx.progress(f"exact regions on {desc}")
        remaining = ctx.budget.remaining()
        try:
            rs = enumerate_regions(
                ctx.net,
                dom,
                method="auto" if ctx.net.has_maxout else "geometric",  # maxout: lp on unbounded planes
                adjacency=True,
                progress=False,
                time_limit=None if remaining is None else max(remaining, 0.05),
            )
        except ReluRegionsError as exc:
            if not ctx.net.has_maxout:
                raise
            rows.append({"case": key, "description": desc, "skipped": f"maxout network: {exc}"})
            seconds.append(None)
            continue
        lin, labels = summarize_linear(rs)
        seconds.append(rs.count.seconds)
        bound_name, bound = _upper_bound(rs.net_t)
        rows.append(
            {
                "case": key,
                "description": desc,
                "domain": dom.to_dict(),
                "dimension": rs.chart.dim,
                "bounded": bool(dom.bounded),
                "activation_regions": rs.count.regions,
                "linear_regions": lin.regions,
                "exact": rs.count.exact,
                "partial": rs.count.partial,
                "reason": rs.count.reason,
                "upper_bound": bound,
                "upper_bound_method": bound_name,
            }
        )
        if key == "plane_window" and rs.vertices is not None:
            out["_polygons"] = rs.vertices
            out["_linear"] = labels
    return out


def _fmt_count(row: dict[str, Any], key: str) -> str:
    v = fmt(row[key])
    return v if row["exact"] else f"\u2265 {v}"


def html(ctx: ReportContext, data: dict[str, Any], figdir: Path) -> str:
    parts = []
    rows = [r for r in data["rows"] if "skipped" not in r]
    if any(not r["exact"] for r in rows):
        parts.append(
            note_html(
                "Some counts were stopped or are at the resolution limit: marked &ge;, lower bounds.", "warn"
            )
        )
    else:
        parts.append(
            note_html(
                "Every count below is <b>exact</b> (the geometric engine splits the plane or line neuron by "
                "neuron; unbounded planes and lines are counted on their projective closure, so no window "
                "is involved).",
                "info",
            )
        )
    polys = data.get("_polygons")
    if polys is not None:
        plane = ctx.plane
        xl, yl = plane.axis_labels
        win = next(r for r in rows if r["case"] == "plane_window")
        fig = new_figure(11.0, 4.6)
        ax1, ax2 = fig.subplots(1, 2)
        plot_regions_2d(
            ax1,
            polygons=polys,
            extent=plane.extent,
            seed=ctx.seed,
            xlabel=xl,
            ylabel=yl,
            title=f"{fmt(win['activation_regions'])} activation regions (exact)",
        )
        plot_points_2d(ax1, plane.points, plane.labels, names=plane.names)
        from matplotlib.collections import PolyCollection

        labels = np.asarray(data["_linear"])
        colors = region_colors(int(labels.max()) + 1 if labels.size else 0, seed=ctx.seed + 1)
        ax2.add_collection(
            PolyCollection(polys, facecolors=colors[labels], edgecolors="face", linewidths=0.3)
        )
        ax2.set_xlim(*plane.extent[:2])
        ax2.set_ylim(*plane.extent[2:])
        ax2.set_xlabel(xl)
        ax2.set_ylabel(yl)
        ax2.set_title(f"{fmt(win['linear_regions'])} linear regions (merged where the map is equal)")
        plot_points_2d(ax2, plane.points, plane.labels)
        name = "exact-regions.png"
        save_figure(fig, figdir / name)
        parts.append(
            figure_html(
                name,
                f"Left: the exact activation regions on {esc(plane.description)}, one colour per "
                "activation pattern, drawn as polygons (no sampling). Right: the same polygons coloured by "
                "linear region: adjacent activation regions on which the network computes the same affine "
                "map are merged.",
            )
        )
    table_rows = []
    for r, sec in zip(data["rows"], data["_seconds"], strict=True):
        if "skipped" in r:
            table_rows.append((r["description"], "-", "-", "-", "-", r["skipped"]))
            continue
        bound = "-" if r["upper_bound"] is None else f"{fmt(r['upper_bound'])} ({r['upper_bound_method']})"
        table_rows.append(
            (
                r["description"],
                f"{r['dimension']}-D, {'bounded' if r['bounded'] else 'unbounded'}",
                _fmt_count(r, "activation_regions"),
                _fmt_count(r, "linear_regions"),
                bound,
                f"{sec:.2f} s",
            )
        )
    parts.append(
        table_html(
            table_rows,
            [
                "domain",
                "kind",
                "activation regions",
                "linear regions",
                "upper bound (restricted net)",
                "time",
            ],
        )
    )
    names = data["anchor_names"]
    parts.append(
        note_html(
            f"p0, p1, p2: {esc(', '.join(names))}. Upper bounds are those of the network restricted to each "
            "plane or line (a network with 2 or 1 inputs), so they apply to the count on it.",
            "info",
        )
    )
    return "".join(parts)
