"""Figure primitives shared by the public figures and the report.

Matplotlib is used without pyplot state (:func:`new_figure` makes a ``Figure`` on the Agg
canvas, safe in threads and without a display).  :func:`plot_regions_2d` draws the
activation regions of a 2-D slice either from a grid of pattern ids (sampled) or from exact
polygons, so the sampled picture and an exact one share one look.  The drawing functions
take an ``Axes`` and return the artist they drew.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._typing import FloatArray

__all__ = [
    "new_figure",
    "new_axes",
    "save_figure",
    "region_colors",
    "pattern_ids",
    "plot_regions_2d",
    "plot_field_2d",
    "plot_points_2d",
]

#: Resolution of saved PNG files.
DPI = 150
_MARKERS = "o^sDvP*Xh<>p"


def new_figure(width: float = 6.4, height: float = 4.8) -> Any:
    """A matplotlib ``Figure`` not registered with pyplot (safe in threads, no GUI)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig


def new_axes(ax: Any = None, *, width: float = 6.4, height: float = 4.8) -> Any:
    """``ax`` itself, or the Axes of a new figure when it is ``None``.

    In a notebook (or wherever pyplot is already in use) the new figure comes from
    ``matplotlib.pyplot`` so it is displayed; elsewhere it is a pyplot-free ``Figure``.
    """
    if ax is not None:
        return ax
    import sys

    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(width, height), layout="constrained")
    else:
        fig = new_figure(width, height)
    return fig.add_subplot(1, 1, 1)


def save_figure(fig: Any, path: str | Path) -> Path:
    """Write ``fig`` (PNG, SVG or PDF by the file's extension; PNG otherwise) and return the path.

    The file is written under a temporary name and renamed, so a failed write leaves nothing.
    """
    import os

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fmt = p.suffix.lower().lstrip(".")
    fmt = fmt if fmt in ("png", "svg", "pdf") else "png"
    tmp = p.with_name(f".{p.name}.tmp")
    try:
        fig.savefig(tmp, dpi=DPI, format=fmt)
        os.replace(tmp, p)
    finally:
        tmp.unlink(missing_ok=True)
    return p


def pattern_ids(patterns: Any, valid: Any = None) -> np.ndarray:
    """Map boolean pattern rows ``(N, neurons)`` to ids ``0..K-1`` (equal rows, equal ids).

    Rows where ``valid`` is false (e.g. points on a region boundary) get id ``-1`` and do
    not count towards ``K``.
    """
    P = np.asarray(patterns, dtype=bool)
    if P.ndim != 2:
        raise ValueError("patterns must be a 2-D boolean array")
    keep = np.ones(len(P), dtype=bool) if valid is None else np.asarray(valid, dtype=bool)
    ids = np.full(len(P), -1, dtype=np.int64)
    if keep.any():
        _, inverse = np.unique(np.packbits(P[keep], axis=1), axis=0, return_inverse=True)
        ids[keep] = np.asarray(inverse).reshape(-1)
    return ids


def region_colors(n: int, *, seed: int = 0) -> FloatArray:
    """``n`` light, well-spread RGB colours in random order (neighbouring ids differ)."""
    from matplotlib.colors import hsv_to_rgb

    rng = np.random.default_rng(seed)
    golden = 0.618033988749895
    h = (rng.uniform() + golden * np.arange(n)) % 1.0
    s = rng.uniform(0.25, 0.6, size=n)
    v = rng.uniform(0.82, 1.0, size=n)
    rgb = hsv_to_rgb(np.column_stack([h, s, v]))
    return np.asarray(rgb[rng.permutation(n)] if n else rgb)


def _boundary_mask(ids: np.ndarray) -> np.ndarray:
    b = np.zeros(ids.shape, dtype=bool)
    dx = ids[:, 1:] != ids[:, :-1]
    dy = ids[1:, :] != ids[:-1, :]
    b[:, 1:] |= dx
    b[1:, :] |= dy
    return b


def plot_regions_2d(
    ax: Any,
    *,
    grid: Any = None,
    extent: Sequence[float] | None = None,
    polygons: Sequence[Any] | None = None,
    seed: int = 0,
    boundaries: bool = True,
    xlabel: str = "",
    ylabel: str = "",
    title: str = "",
) -> Any:
    """Draw activation regions of a 2-D slice, one colour per region.

    Parameters
    ----------
    ax:
        A matplotlib ``Axes``.
    grid, extent:
        Sampled picture: ``grid`` is an ``(H, W)`` int array of region ids (row 0 at the
        bottom, as :meth:`Plane.grid` orders it) covering ``extent = (x0, x1, y0, y1)``;
        boundaries are drawn where neighbouring pixels differ; a negative id marks a pixel
        that lies on a boundary itself (drawn dark).
    polygons:
        Exact picture: one ``(k, 2)`` vertex array per region, in the same coordinates.
    seed:
        Seeds the colour order.
    """
    if (grid is None) == (polygons is None):
        raise ValueError("give exactly one of grid= or polygons=")
    artist: Any
    if grid is not None:
        ids = np.asarray(grid)
        if ids.ndim != 2 or extent is None:
            raise ValueError("grid must be an (H, W) array of region ids and extent is required")
        colors = region_colors(max(int(ids.max()) + 1, 0) if ids.size else 0, seed=seed)
        rgb = colors[np.maximum(ids, 0)] if len(colors) else np.zeros((*ids.shape, 3))
        dark = ids < 0
        if boundaries:
            dark = dark | _boundary_mask(ids)
        rgb = np.where(dark[..., None], 0.15, rgb)
        artist = ax.imshow(rgb, origin="lower", extent=tuple(extent), interpolation="nearest", aspect="auto")
    else:
        from matplotlib.collections import PolyCollection

        polys = [np.asarray(p, dtype=float) for p in polygons or []]
        artist = PolyCollection(
            polys,
            facecolors=region_colors(len(polys), seed=seed),
            edgecolors="0.15" if boundaries else "face",
            linewidths=0.4,
        )
        ax.add_collection(artist)
        if extent is not None:
            ax.set_xlim(extent[0], extent[1])
            ax.set_ylim(extent[2], extent[3])
        else:
            ax.autoscale_view()
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return artist


def plot_field_2d(
    ax: Any,
    values: Any,
    extent: Sequence[float],
    *,
    cmap: str = "viridis",
    label: str = "",
    discrete: Sequence[str] | None = None,
    boundaries: Any = None,
    polygons: Sequence[Any] | None = None,
    xlabel: str = "",
    ylabel: str = "",
    title: str = "",
) -> Any:
    """A scalar (or class-valued) field on a grid with a colour bar.

    ``discrete`` names the classes when ``values`` holds class ids; region boundaries are
    overlaid in thin black either from a grid of region ids (``boundaries``, sampled) or
    exactly from region polygons (``polygons``, vertex arrays in the same coordinates).
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap

    vals = np.asarray(values)
    if discrete is not None:
        k = len(discrete)
        base = ("tab10" if k <= 10 else "tab20") if cmap == "viridis" else cmap
        from matplotlib import colormaps

        cm = ListedColormap(colormaps[base](np.arange(k) % colormaps[base].N))
        norm = BoundaryNorm(np.arange(k + 1) - 0.5, k)
        im = ax.imshow(
            vals,
            origin="lower",
            extent=tuple(extent),
            cmap=cm,
            norm=norm,
            interpolation="nearest",
            aspect="auto",
        )
        cb = ax.figure.colorbar(im, ax=ax, ticks=np.arange(k))
        cb.ax.set_yticklabels(list(discrete))
    else:
        im = ax.imshow(
            vals, origin="lower", extent=tuple(extent), cmap=cmap, interpolation="nearest", aspect="auto"
        )
        cb = ax.figure.colorbar(im, ax=ax)
    cb.set_label(label)
    if boundaries is not None:
        mask = _boundary_mask(np.asarray(boundaries))
        overlay = np.zeros((*mask.shape, 4))
        overlay[mask] = (0.0, 0.0, 0.0, 0.55)
        ax.imshow(overlay, origin="lower", extent=tuple(extent), interpolation="nearest", aspect="auto")
    if polygons is not None:
        from matplotlib.collections import PolyCollection

        polys = [np.asarray(p, dtype=float) for p in polygons]
        ax.add_collection(
            PolyCollection(polys, facecolors="none", edgecolors=(0, 0, 0, 0.6), linewidths=0.5)
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return im


def plot_points_2d(
    ax: Any,
    points: Any,
    labels: Sequence[int | None] | None = None,
    *,
    names: Sequence[str] | None = None,
    size: float = 36.0,
) -> Any:
    """Mark data points (one marker shape per class) and optionally annotate them by name."""
    P = np.asarray(points, dtype=float).reshape(-1, 2)
    if len(P) == 0:
        return None
    labs = list(labels) if labels is not None else [None] * len(P)
    present: set[int] = {int(lab) for lab in labs if lab is not None}
    classes: list[int | None] = list(sorted(present))
    artist = None
    for c in classes or [None]:
        sel = np.array([lab == c for lab in labs])
        marker = _MARKERS[classes.index(c) % len(_MARKERS)] if c is not None else "o"
        artist = ax.scatter(
            P[sel, 0],
            P[sel, 1],
            s=size if len(P) < 50 else size / 4,
            marker=marker,
            facecolors="white",
            edgecolors="black",
            linewidths=1.0,
            zorder=3,
            label=f"class {c}" if c is not None else "data",
        )
    if names is not None and len(P) <= 10:
        for (x, y), nm in zip(P, names, strict=False):
            ax.annotate(
                nm,
                (x, y),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=8,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.8, "lw": 0},
            )
    return artist
