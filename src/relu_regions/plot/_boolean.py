"""Figures of Sattelberg's chapters 3-4: Fig. 3.6 metrics strip, Fig. 3.7 success grids,
and the exact decision boundary of a 2-D network (Fig. 4.6)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._typing import DomainLike, NetworkLike
from ._base import new_axes

__all__ = ["plot_metric_strip", "plot_success_grid", "plot_decision_boundary", "decision_segments"]


def _axes(ax: Any, figsize: tuple[float, float]) -> Any:
    return new_axes(ax, width=figsize[0], height=figsize[1])


def plot_metric_strip(
    rows: Mapping[str, Sequence[float]], *, order: Sequence[int] | None = None, ax: Any = None
) -> Any:
    """Fig. 3.6: one row per metric (each scaled to [0, 1]), one column per problem.

    ``rows`` maps a label to one value per problem; ``order`` sorts the columns (the
    dissertation sorts by average network performance).
    """
    ax = _axes(ax, (10, 0.5 * len(rows) + 1))
    labels = list(rows)
    M = np.array([np.asarray(rows[k], dtype=float) for k in labels])
    if order is not None:
        M = M[:, np.asarray(order)]
    lo = M.min(axis=1, keepdims=True)
    span = np.ptp(M, axis=1, keepdims=True)
    S = (M - lo) / np.where(span > 0, span, 1.0)
    ax.imshow(S, aspect="auto", cmap="viridis", interpolation="nearest")
    ax.set_yticks(range(len(labels)), [f"{k} [{a:.3g}, {b:.3g}]" for k, a, b in
                                       zip(labels, M.min(axis=1), M.max(axis=1), strict=True)])
    ax.set_xlabel("problem (sorted)")
    return ax


def plot_success_grid(
    rates: Any,
    widths: Sequence[int],
    depths: Sequence[int],
    *,
    predicted: Any = None,
    title: str = "",
    ax: Any = None,
) -> Any:
    """Fig. 3.7: success rate per (depth, width) as a heat map with the numbers written in.

    ``predicted`` (same shape, bool) outlines the cells the swaps analysis predicts can
    solve the problem.
    """
    ax = _axes(ax, (1 + 0.7 * len(widths), 1 + 0.6 * len(depths)))
    R = np.asarray(rates, dtype=float)
    ax.imshow(R, vmin=0, vmax=1, cmap="magma", origin="lower")
    for i in range(R.shape[0]):
        for j in range(R.shape[1]):
            pred = predicted is not None and bool(np.asarray(predicted)[i, j])
            ax.text(j, i, f"{R[i, j]:.2f}", ha="center", va="center", fontsize=8,
                    color="black" if R[i, j] > 0.5 else "white",
                    fontweight="bold" if pred else "normal",
                    bbox={"edgecolor": "white", "facecolor": "none"} if pred else None)
    ax.set_xticks(range(len(widths)), [str(w) for w in widths])
    ax.set_yticks(range(len(depths)), [str(d) for d in depths])
    ax.set_xlabel("width")
    ax.set_ylabel("depth")
    if title:
        ax.set_title(title)
    return ax


def decision_segments(net: NetworkLike, domain: DomainLike) -> list[tuple[Any, Any]]:
    """Exact pieces of the zero level set ``{x : net(x) = 0}`` of a 2-D scalar network.

    On each activation region (exact, :func:`relu_regions.regions.enumerate_regions`) the
    network is ``J x + c``; its zero line is clipped to the region's polygon.
    """
    from ..regions import enumerate_regions

    segs = []
    for region in enumerate_regions(net, domain):
        V = region.ambient_vertices
        if V is None or len(V) < 3:
            continue
        J, c = region.affine_map
        vals = V @ J[0] + c[0]
        pts = []
        k = len(V)
        for i in range(k):
            a, b = vals[i], vals[(i + 1) % k]
            if a == 0:
                pts.append(V[i])
            if (a < 0 < b) or (b < 0 < a):
                s = a / (a - b)
                pts.append(V[i] + s * (V[(i + 1) % k] - V[i]))
        if len(pts) >= 2:
            segs.append((pts[0], pts[-1]))
    return segs


def plot_decision_boundary(
    net: NetworkLike, X: Any = None, y: Any = None, *, domain: DomainLike | None = None, ax: Any = None
) -> Any:
    """The exact decision boundary of a 2-D, one-output network with its data (Fig. 4.6).

    Region edges are drawn thin grey, the boundary ``net(x) = 0`` black.
    """
    from ..domain import Box
    from ..regions import enumerate_regions

    ax = _axes(ax, (5, 5))
    if domain is None:
        lim = 1.1 * float(np.abs(np.asarray(X)).max()) if X is not None else 1.0
        domain = Box([-lim, -lim], [lim, lim])
    for region in enumerate_regions(net, domain):
        V = region.ambient_vertices
        if V is not None and len(V) >= 3:
            P = np.vstack([V, V[:1]])
            ax.plot(P[:, 0], P[:, 1], color="0.8", lw=0.6)
    if X is not None:
        Xa = np.asarray(X)
        ax.scatter(Xa[:, 0], Xa[:, 1], c=np.asarray(y), s=3, cmap="coolwarm", alpha=0.6)
    for p, q in decision_segments(net, domain):
        ax.plot([p[0], q[0]], [p[1], q[1]], color="black", lw=1.8)
    ax.set_aspect("equal")
    return ax
