"""Exact pictures of a network on a 2-D domain: regions, outputs and class boundaries.

Everything here is drawn from the exact polygons of the ``geometric`` engine, never from a
pixel grid:

* ``color="pattern"``: one colour per activation region;
* ``color="linear"``: one colour per linear region (adjacent regions with equal affine maps
  merged, Hanin & Rolnick 2019, Def. 2);
* ``color="output"``: the output is affine on each region, so Gouraud shading of a
  triangulation of each region from its exact vertex values *is* the function, exactly;
* ``color="class"``: inside a region every output ``f_k`` is affine, so the set where class
  ``k`` wins, ``{t : f_k(t) >= f_j(t) for all j}``, is the region clipped by half-planes;
  each region is cut into its class pieces exactly and the decision boundary is drawn
  where two outputs tie (one output: the classes are ``f < 0`` and ``f >= 0``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._typing import DomainLike, FloatArray, NetworkLike
from ..polytope import class_boundary, class_pieces
from ._base import new_axes, plot_points_2d, region_colors

__all__ = ["plot_regions", "PLOT_COLORS"]

#: The colourings :func:`plot_regions` understands.
PLOT_COLORS = ("pattern", "linear", "output", "class")



def _to_chart(rs: Any, X: Any) -> FloatArray:
    chart = rs.chart
    X = np.asarray(X, dtype=np.float64).reshape(-1, chart.basis.shape[0])
    t, *_ = np.linalg.lstsq(chart.basis, (X - chart.origin).T, rcond=None)
    return np.asarray(t.T)


def plot_regions(
    net: NetworkLike,
    domain: DomainLike | None = None,
    ax: Any = None,
    *,
    color: str = "pattern",
    edges: bool = True,
    output: int = 0,
    regions: Any = None,
    points: Any = None,
    labels: Sequence[int] | None = None,
    class_names: Sequence[str] | None = None,
    cmap: str = "viridis",
    colorbar: bool = True,
    time_limit: float | None = None,
    seed: int = 0,
) -> Any:
    """Draw the exact regions of ``net`` on a 2-D ``domain``; returns the Axes.

    Parameters
    ----------
    net:
        A :class:`~relu_regions.Network` or anything :func:`~relu_regions.load_network`
        reads (an ``nn.Module``, a file path).
    domain:
        A 2-D domain: a box or polygon for a 2-input network, or an
        :class:`~relu_regions.AffineSubspace` of dimension 2 (a plane through data points,
        bounded or whole) in any input dimension; JSON specs and ``box:LO,HI`` work too.
        Axes are the domain's chart coordinates.
    ax:
        A matplotlib Axes; a new figure is made when ``None``.
    color:
        ``"pattern"``, ``"linear"``, ``"output"`` or ``"class"`` (module docstring).
    edges:
        Draw the region boundaries.
    output:
        Which output ``color="output"`` shows.
    regions:
        A :class:`~relu_regions.RegionSet` of ``net`` on ``domain`` from
        :func:`~relu_regions.regions.enumerate_regions` (method ``geometric``), to reuse it.
    points, labels:
        Data points in input coordinates (projected onto the domain's chart) and their classes.
    class_names:
        Legend names of the classes for ``color="class"``.

    Examples
    --------
    >>> from relu_regions import random_network
    >>> ax = plot_regions(random_network([2, 8, 8, 1], seed=0), "box:-1,1", color="output")
    >>> ax.get_title()
    '35 activation regions (exact)'
    """
    from ..domain import parse_domain
    from ..exceptions import DimensionError, UnknownChoiceError
    from ..io import load_network
    from ..network import Network
    from ..regions import chart_affine_maps, enumerate_regions, linear_region_labels

    if color not in PLOT_COLORS:
        raise UnknownChoiceError(f"unknown color {color!r}; choose one of: {', '.join(PLOT_COLORS)}")
    if not isinstance(net, Network):
        net = load_network(net)
    if regions is None:
        dom = parse_domain("box:-1,1" if domain is None else domain, input_dim=net.input_dim)
        if dom.dim != 2:
            raise DimensionError(
                f"plot_regions needs a 2-D domain, got a {dom.dim}-D one (use a plane through "
                "three points: AffineSubspace([a, b, c]))"
            )
        regions = enumerate_regions(net, dom, method="geometric", progress=False, time_limit=time_limit)
    rs = regions
    if rs.vertices is None or rs.chart.dim != 2:
        raise DimensionError("plot_regions needs regions with 2-D polygons (the geometric engine's)")
    polys = [np.asarray(v, dtype=np.float64) for v in rs.vertices]
    ax = new_axes(ax)
    exact = "exact" if rs.count.exact else "partial: a lower bound"
    title = f"{rs.count.regions} activation regions ({exact})"
    from matplotlib.collections import PolyCollection

    edge_kw: dict[str, Any] = (
        {"edgecolors": "0.15", "linewidths": 0.4} if edges else {"edgecolors": "face", "linewidths": 0.0}
    )
    if color == "pattern":
        ax.add_collection(PolyCollection(polys, facecolors=region_colors(len(polys), seed=seed), **edge_kw))
    elif color == "linear":
        lab = linear_region_labels(rs)
        n_lin = int(lab.max()) + 1 if lab.size else 0
        cols = region_colors(n_lin, seed=seed)
        ax.add_collection(PolyCollection(polys, facecolors=cols[lab] if n_lin else [], **edge_kw))
        title = f"{n_lin} linear regions ({exact})"
    else:
        J, c = chart_affine_maps(rs.net_t, rs.patterns)  # (N, out, 2), (N, out)
        if color == "output":
            if not 0 <= output < net.output_dim:
                raise DimensionError(f"output {output} out of range for {net.output_dim} outputs")
            xs, ys, vals, tris = [], [], [], []
            base = 0
            for i, P in enumerate(polys):
                v = P @ J[i, output] + c[i, output]
                xs.append(P[:, 0])
                ys.append(P[:, 1])
                vals.append(v)
                tris += [(base, base + k, base + k + 1) for k in range(1, len(P) - 1)]
                base += len(P)
            mappable = ax.tripcolor(
                np.concatenate(xs),
                np.concatenate(ys),
                np.asarray(tris),
                np.concatenate(vals),
                shading="gouraud",
                cmap=cmap,
            )
            if colorbar:
                ax.figure.colorbar(mappable, ax=ax, label=f"output {output}")
            if edges:
                ax.add_collection(
                    PolyCollection(polys, facecolors="none", edgecolors=(0, 0, 0, 0.5), linewidths=0.4)
                )
        else:
            _draw_classes(ax, polys, J, c, net.output_dim, class_names, edges)
            title = f"{rs.count.regions} regions ({exact}), exact decision boundary"
    if points is not None:
        T = _to_chart(rs, points)
        plot_points_2d(ax, T, labels)
    _set_limits(ax, polys)
    ax.set_title(title)
    ax.set_xlabel("t1")
    ax.set_ylabel("t2")
    return ax


def _draw_classes(
    ax: Any, polys: list[FloatArray], J: Any, c: Any, n_out: int, names: Sequence[str] | None, edges: bool
) -> None:
    from matplotlib import colormaps
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.patches import Patch

    k = 2 if n_out == 1 else n_out
    cmap = colormaps["tab10" if k <= 10 else "tab20"]
    colours = [tuple(0.35 + 0.65 * np.asarray(cmap(i % cmap.N)[:3])) for i in range(k)]  # lightened
    piece_polys: list[FloatArray] = []
    piece_cls: list[int] = []
    boundary: list[FloatArray] = []
    for i, P in enumerate(polys):
        pieces = class_pieces(P, J[i], c[i])
        piece_polys += [Q for _, Q in pieces]
        piece_cls += [k for k, _ in pieces]
        boundary += class_boundary(pieces, J[i], c[i])
    ax.add_collection(
        PolyCollection(
            piece_polys, facecolors=[colours[q] for q in piece_cls], edgecolors="face", linewidths=0.0
        )
    )
    if edges:
        ax.add_collection(
            PolyCollection(polys, facecolors="none", edgecolors=(0, 0, 0, 0.35), linewidths=0.3)
        )
    if boundary:
        ax.add_collection(LineCollection(boundary, colors="black", linewidths=1.6))
    labels = list(names) if names is not None else [str(i) for i in range(k)]
    present = sorted(set(piece_cls))
    ax.legend(
        handles=[Patch(facecolor=colours[q], edgecolor="0.3", label=f"class {labels[q]}") for q in present],
        loc="upper right",
        fontsize=8,
        framealpha=0.85,
    )


def _set_limits(ax: Any, polys: list[FloatArray]) -> None:
    if not polys:
        return
    V = np.vstack(polys)
    lo, hi = V.min(axis=0), V.max(axis=0)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
