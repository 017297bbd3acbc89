"""Figures of local linearity (Sattelberg 2023, Ch. 5-7).

Every function takes ``ax=None`` (a new figure only when ``None``), imports matplotlib
lazily and returns the Axes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._base import new_axes, region_colors

__all__ = [
    "plot_cross_section",
    "plot_grid_regions",
    "plot_pieces_1d",
    "plot_coefficients_1d",
    "plot_active_direction",
    "plot_spectrum",
    "plot_kmeans_accuracy",
    "plot_similarity",
    "plot_coefficient_scatter",
]


def plot_cross_section(cs: Any, ax: Any = None, *, color: str = "pattern", boundary: bool = True,
                       anchors: bool = True, anchor_labels: Sequence[str] = ("A", "B", "C"),
                       seed: int = 0) -> Any:
    """The exact regions of a :class:`~relu_regions.linearity.CrossSection` (Fig. 6.10-6.11).

    Polygons come from :func:`relu_regions.plot.plot_regions` (``color``: ``"pattern"`` one
    colour per activation region, ``"linear"`` per linear region, ``"class"``, ``"output"``);
    the exact decision boundary is drawn in white and the three samples are marked.
    """
    from matplotlib.collections import LineCollection

    from ._regions import plot_regions

    ax = plot_regions(cs.region_set.net, None, ax, regions=cs.region_set, color=color, seed=seed,
                      colorbar=False)
    if boundary and cs.boundary:
        ax.add_collection(LineCollection(cs.boundary, colors="white", linewidths=1.6, zorder=3))
    if anchors:
        for (a, b), name in zip(cs.anchors, anchor_labels, strict=False):
            w = cs.window
            if w[0] <= a <= w[1] and w[2] <= b <= w[3]:
                ax.plot([a], [b], "k*", ms=10, zorder=4)
                ax.annotate(name, (a, b), xytext=(4, 4), textcoords="offset points", zorder=4)
    ax.set_xlim(cs.window[0], cs.window[1])
    ax.set_ylim(cs.window[2], cs.window[3])
    ax.set_xlabel("a (along A->B)")
    ax.set_ylabel("b (eq. 6.2)")
    state = "exact" if cs.exact else "partial"
    lin = "" if cs.linear_regions is None else f", {cs.linear_regions} linear"
    ax.set_title(f"{cs.regions} regions ({state}){lin}")
    return ax


def plot_grid_regions(grid: Any, window: Sequence[float], ax: Any = None, *, patterns: bool = False,
                      seed: int = 0) -> Any:
    """The grid method's groups (Fig. 6.12-6.13) as an image, one random colour per group."""
    ax = new_axes(ax)
    lab = grid.pattern_labels if patterns else grid.labels
    cols = region_colors(int(lab.max()) + 1, seed=seed)
    ax.imshow(cols[lab], extent=(window[0], window[1], window[2], window[3]), origin="upper",
              interpolation="nearest", aspect="auto")
    what = "activation patterns" if patterns else f"Jacobians (tol {grid.tol:g})"
    n = grid.pattern_regions if patterns else grid.regions
    ax.set_title(f"grid {grid.grid}x{grid.grid}, {what}: {n} regions")
    ax.set_xlabel("a")
    ax.set_ylabel("b")
    return ax


def plot_pieces_1d(pieces: Any, ax: Any = None, *, target: Any = np.sin) -> Any:
    """The network's exact pieces over the target function (Fig. 5.5a)."""
    ax = new_axes(ax)
    lo, hi = pieces.interval
    xs = np.linspace(lo, hi, 400)
    if target is not None:
        ax.plot(xs, target(xs), color="0.6", lw=3, label="target")
    for (x0, x1), a, b in zip(pieces.intervals, pieces.intercepts, pieces.slopes, strict=True):
        ax.plot([x0, x1], [a + b * x0, a + b * x1], lw=1.5)
    if len(pieces.breakpoints):
        bx = pieces.breakpoints
        r = np.searchsorted(pieces.intervals[:, 0], bx, side="right") - 1
        ax.plot(bx, pieces.intercepts[r] + pieces.slopes[r] * bx, "k.", ms=4)
    ax.set_title(f"{pieces.linear_pieces} pieces, MSE {pieces.mse_sine:.3g}")
    return ax


def plot_coefficients_1d(pieces: Any, ax: Any = None, *, tangent: bool = True) -> Any:
    """(slope, intercept) of every piece (Fig. 5.5b), over sine's tangent-line curve."""
    ax = new_axes(ax)
    if tangent:
        xs = np.linspace(pieces.interval[0], pieces.interval[1], 400)
        ax.plot(np.cos(xs), np.sin(xs) - xs * np.cos(xs), color="0.7", lw=2, label="tangents of sin")
    ax.scatter(pieces.slopes, pieces.intercepts, s=14, c="C3", zorder=3)
    ax.set_xlabel("slope b")
    ax.set_ylabel("intercept a")
    ax.set_title(f"{pieces.linear_pieces} linear pieces")
    return ax


def plot_active_direction(active: Any, output: int = 0, ax: Any = None, *, k: int = 0,
                          shape: Sequence[int] | None = None) -> Any:
    """The ``k``-th active direction of one output as an image (Fig. 6.14)."""
    ax = new_axes(ax)
    d = active.directions[output, k]
    shp = tuple(shape or active.input_shape or ())
    side = int(math.isqrt(d.size))
    img = d.reshape(shp[-2:]) if len(shp) >= 2 and int(np.prod(shp[-2:])) == d.size else (
        d.reshape(side, side) if side * side == d.size else d[None, :])
    m = float(np.abs(img).max()) or 1.0
    ax.imshow(img, cmap="RdBu_r", vmin=-m, vmax=m)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"out {output}: {100 * active.explained[output, k]:.0f}%")
    return ax


def plot_spectrum(active: Any, ax: Any = None, *, outputs: Sequence[int] | None = None,
                  label: str = "") -> Any:
    """Singular values ``sqrt(N lambda_k)`` of the stacked gradients per output (Fig. 6.16)."""
    ax = new_axes(ax)
    outs = range(active.eigenvalues.shape[0]) if outputs is None else outputs
    for o in outs:
        s = np.sqrt(np.maximum(active.eigenvalues[o], 0) * active.n_samples)
        ax.semilogy(np.arange(1, len(s) + 1), np.maximum(s, 1e-16), lw=1,
                    label=f"{label} out {o}".strip() if outputs is not None else None)
    ax.set_xlabel("direction k")
    ax.set_ylabel("singular value")
    return ax


def plot_kmeans_accuracy(results: Any, ax: Any = None, *, labels: Sequence[str] | None = None) -> Any:
    """Accuracy against the number of clusters per output (Fig. 7.3-7.4)."""
    ax = new_axes(ax)
    items = results if isinstance(results, (list, tuple)) else [results]
    for i, r in enumerate(items):
        name = labels[i] if labels else None
        line = ax.semilogx(r.k, r.accuracy, "o-", label=name)[0]
        ax.axhline(r.original_accuracy, color=line.get_color(), ls=":", lw=1)
    ax.set_xlabel("clusters k per output")
    ax.set_ylabel("test accuracy")
    if labels:
        ax.legend(fontsize=7)
    return ax


def plot_similarity(sim: Any, metric: str = "linear_cka", ax: Any = None, *, fmt: str = ".2f") -> Any:
    """Heatmap of one pairwise metric of :class:`SimilarityMatrices` (Fig. 7.8-7.17)."""
    ax = new_axes(ax)
    M = np.asarray(sim.matrices[metric], dtype=float)
    im = ax.imshow(M, cmap="viridis")
    n = len(sim.names)
    ax.set_xticks(range(n), sim.names, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(n), sim.names, fontsize=7)
    for i in range(n):
        for j in range(n):
            ax.text(j, i, format(M[i, j], fmt), ha="center", va="center", fontsize=6,
                    color="white" if M[i, j] < np.nanmean(M) else "black")
    ax.figure.colorbar(im, ax=ax, shrink=0.8)
    ax.set_title(metric)
    return ax


def plot_coefficient_scatter(maps: Any, labels: Any, ax: Any = None, *, output: int = 0) -> Any:
    """Gradients ``grad v_j`` of a 2-input network's local maps, coloured by class (Sec. 6.2)."""
    ax = new_axes(ax)
    J = np.asarray(maps.jacobians)[:, output, :]
    if J.shape[1] != 2:
        raise ValueError("plot_coefficient_scatter needs a network with two inputs")
    lab = np.asarray(labels)
    for k in np.unique(lab):
        sel = lab == k
        ax.scatter(J[sel, 0], J[sel, 1], s=6, alpha=0.5, label=f"class {k}")
    ax.set_xlabel("dv/dx1")
    ax.set_ylabel("dv/dx2")
    ax.legend(fontsize=7)
    return ax
