"""The exact cross-section of a model on the plane through three inputs A, B, C (Sattelberg Ch. 6).

Axes follow eq. (6.2): centred at A, the first along A->B.  The figure shows the exact
activation regions (one colour each), the exact decision boundary between classes and the
three samples; with ``--grid P`` the dissertation's Jacobian-tolerance grid method is drawn
beside it with its region count.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ...exceptions import ReluRegionsError
from .._common import (
    add_model_arguments,
    add_progress_argument,
    check_positive,
    load_model,
    load_three_points,
)

VERB = "slice"
HELP = "exact regions and decision boundary on the plane through three inputs (+ the grid method)"
ORDER = 71


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_progress_argument(p)
    p.add_argument("--points", required=True, metavar="A,B,C",
                   help="three inputs: A.npy,B.npy,C.npy, one file with three rows, or inline rows "
                   "separated by ';' (e.g. '0,0;1,0;0,1')")
    p.add_argument("--window", default="auto",
                   help="auto (the samples plus a margin), plane (the whole plane), "
                   "a_min,a_max,b_min,b_max in plane coordinates, or A:H / B:H / C:H (a square of "
                   "half-width H around a sample)")
    p.add_argument("--grid", type=int, default=None, metavar="P", help="also run the P x P grid method")
    p.add_argument("--grid-tol", type=float, default=1e-6, metavar="TOL",
                   help="relative tolerance of the grid method")
    p.add_argument("--color", default="pattern", help="pattern, linear, class or output")
    p.add_argument("--time-limit", type=float, default=None, metavar="S", help="stop after S seconds")
    p.add_argument("-o", "--output", metavar="FIG.png", help="write the figure")


def _window(spec: str, anchors: np.ndarray | None = None) -> Any:
    s = spec.strip()
    if s in ("auto", "plane"):
        return s
    if ":" in s and s[0] in "ABC":
        return s
    try:
        vals = [float(v) for v in s.split(",")]
    except ValueError:
        raise ReluRegionsError(f"--window {spec!r}: expected auto, plane, 4 numbers or A:H") from None
    return vals


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ...linearity import cross_section, plane_axes

    check_positive(args, "grid", "grid_tol", "time_limit")
    net = load_model(args)
    A, B, C = load_three_points(args.points, net.input_dim)
    win = _window(args.window)
    if isinstance(win, str) and ":" in win:
        name, h = win.split(":", 1)
        try:
            half = float(h)
        except ValueError:
            raise ReluRegionsError(f"--window {args.window!r}: the half-width must be a number") from None
        if not half > 0:
            raise ReluRegionsError("--window half-width must be positive")
        o, E = plane_axes(A, B, C)
        centre = (dict(A=A, B=B, C=C)[name] - o) @ E.T
        win = [centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half]
    cs = cross_section(net, A, B, C, window=win, grid=args.grid, grid_tol=args.grid_tol,
                       time_limit=args.time_limit, progress=args.progress)
    out = cs.to_dict()
    if args.output:
        from ...plot import new_figure, plot_cross_section, plot_grid_regions, save_figure

        n = 2 if cs.grid_result is not None else 1
        fig = new_figure(5.2 * n, 4.6)
        plot_cross_section(cs, fig.add_subplot(1, n, 1), color=args.color)
        if cs.grid_result is not None:
            plot_grid_regions(cs.grid_result, cs.window, fig.add_subplot(1, n, 2))
        out["figure"] = str(save_figure(fig, args.output))
    return out


def render(r: dict[str, Any], args: argparse.Namespace) -> str:
    lines = [
        f"regions: {r['regions']} ({'exact' if r['exact'] else 'partial: a lower bound'}), "
        f"linear regions: {r['linear_regions'] if r['linear_regions'] is not None else 'n/a (partial)'}",
        f"grid method: {r['grid_regions']} (activation patterns: {r['grid_pattern_regions']})"
        if r["grid"] else "grid method: not run (--grid P)",
        f"window [a_min, a_max, b_min, b_max]: {[round(v, 6) for v in r['window']]}",
        f"regions per class: {r['regions_per_class']}; "
        f"cut by the decision boundary: {r['regions_with_boundary']}",
    ]
    if "figure" in r:
        lines.append(f"figure: {r['figure']}")
    return "\n".join(lines)
