"""Draw the exact regions of a model on a 2-D domain to a PNG, SVG or PDF file.

The domain is a box or polygon for a 2-input model, or a plane in any input dimension:
--points A,B,C (three files or inline lists) gives the plane through three inputs with
coefficients in --window (default -0.5,1.5), as in Sattelberg's cross-sections.  Colours:
pattern (one per activation region), linear (one per linear region), output (the output,
shaded exactly), class (the predicted class, with the exact decision boundary).
"""

from __future__ import annotations

import argparse
from typing import Any

from ...exceptions import ReluRegionsError
from .._common import (
    add_domain_argument,
    add_model_arguments,
    check_positive,
    load_model,
    load_three_points,
    parse_float_list,
)

VERB = "plot"
HELP = "draw exact regions, outputs or class boundaries on a 2-D slice to PNG/SVG/PDF"
ORDER = 42


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_domain_argument(p, required=False)
    p.add_argument("--points", metavar="A,B,C",
                   help="three inputs spanning the plane: .npy/.json/.txt files, comma-separated; or one "
                   "file holding three rows")
    p.add_argument("--window", default="-0.5,1.5", metavar="LO,HI",
                   help="plane coefficients range for --points (default -0.5,1.5)")
    p.add_argument("-o", "--output", "--out", dest="output", required=True, metavar="FILE",
                   help="figure file: .png, .svg or .pdf")
    p.add_argument("--color", default="pattern", help="pattern, linear, output or class (default pattern)")
    p.add_argument("--output-index", type=int, default=0, metavar="K", help="output shown by --color output")
    p.add_argument("--no-edges", action="store_true", help="do not draw region boundaries")
    p.add_argument("--time-limit", type=float, default=None, metavar="S",
                   help="stop counting after S seconds (the picture is then labelled partial)")


def _plane(args: argparse.Namespace, net: Any) -> Any:
    from ...domain import AffineSubspace

    rows = load_three_points(args.points, net.input_dim)
    window = parse_float_list(args.window, "--window")
    if len(window) != 2 or not window[0] < window[1]:
        raise ReluRegionsError(f"--window must be LO,HI with LO < HI, got {args.window!r}")
    return AffineSubspace(rows, coefficient_bounds=(window[0], window[1]))


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ...plot import PLOT_COLORS, new_figure, plot_regions, save_figure
    from .._common import domain_or_default

    if args.color not in PLOT_COLORS:
        raise ReluRegionsError(f"unknown --color {args.color!r}; choose one of: {', '.join(PLOT_COLORS)}")
    if not str(args.output).lower().endswith((".png", ".svg", ".pdf")):
        raise ReluRegionsError(f"-o must be a .png, .svg or .pdf file, got {args.output!r}")
    check_positive(args, "time_limit")
    net = load_model(args)
    note = None
    if args.points:
        if args.domain:
            raise ReluRegionsError("give --domain or --points, not both")
        dom = _plane(args, net)
    else:
        dom, note = domain_or_default(args, net)
    fig = new_figure(6.4, 5.2)
    ax = fig.add_subplot(1, 1, 1)
    ax = plot_regions(net, dom, ax, color=args.color, edges=not args.no_edges, output=args.output_index,
                      time_limit=args.time_limit)
    save_figure(fig, args.output)
    out: dict[str, Any] = {"figure": str(args.output), "title": ax.get_title(), "color": args.color,
                           "domain": dom.to_dict()}
    if note:
        out["domain_note"] = note
    return out
