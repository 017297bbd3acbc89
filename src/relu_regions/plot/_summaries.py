"""Summary figures: bounds on the number of regions, and stable neurons per layer."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import new_axes

__all__ = ["plot_bounds", "plot_stability"]

_KIND_COLOURS = {"upper": "#4c72b0", "expected": "#55a868", "lower": "#c44e52"}


def plot_bounds(
    bounds: Any, ax: Any = None, *, exact: Any = None, methods: str = "all", **options: Any
) -> Any:
    """Bar chart of ``log10`` of every bound, tightest first; returns the Axes.

    Parameters
    ----------
    bounds:
        A :class:`~relu_regions.BoundReport`, or a network / list of widths handed to
        :func:`~relu_regions.bound_regions` with ``methods`` and ``options``.
    exact:
        An exact count (an int or a :class:`~relu_regions.RegionCount`) drawn as a line.

    Examples
    --------
    >>> ax = plot_bounds([2, 8, 8], exact=57)
    >>> ax.get_xlabel()
    'log10(number of regions)'
    """
    from ..bounds import BoundReport, bound_regions

    rep = bounds if isinstance(bounds, BoundReport) else bound_regions(bounds, methods=methods, **options)
    items = rep.ordered()
    ax = new_axes(ax, height=max(2.0, 0.45 * len(items) + 1.2))
    y = np.arange(len(items))[::-1]
    vals = [b.log10 for b in items]
    ax.barh(y, vals, color=[_KIND_COLOURS.get(b.kind, "0.5") for b in items])
    kinds = {"upper": "upper", "expected": "expected", "lower": "max-lower"}
    ax.set_yticks(y, [f"{b.name} ({kinds.get(b.kind, b.kind)})" for b in items], fontsize=8)
    for yi, b in zip(y, items, strict=True):
        text = f"{b.value:,}" if isinstance(b.value, int) and b.log10 < 12 else f"1e{b.log10:.1f}"
        ax.text(b.log10, yi, " " + text, va="center", fontsize=7)
    if exact is not None:
        n = int(getattr(exact, "regions", exact))
        label = "exact count" if getattr(exact, "exact", True) else "count (lower bound)"
        ax.axvline(np.log10(max(n, 1)), color="black", linestyle="--", linewidth=1.2, label=f"{label}: {n:,}")
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlabel("log10(number of regions)")
    ax.set_title(f"Bounds for {'-'.join(map(str, rep.widths))}")
    ax.set_xlim(0, max(vals + [1.0]) * 1.25)
    return ax


def plot_stability(result: Any, ax: Any = None) -> Any:
    """Stacked bars per layer: stably active, stably inactive, unstable (and undecided) neurons.

    ``result`` is a :class:`~relu_regions.stability.StableNeurons` from
    :func:`~relu_regions.stable_neurons`; returns the Axes.

    Examples
    --------
    >>> from relu_regions import random_network, stable_neurons
    >>> ax = plot_stability(stable_neurons(random_network([2, 6, 6, 1], seed=1), "box:0,0.1"))
    >>> ax.get_ylabel()
    'neurons'
    """
    layers = result.layers
    ax = new_axes(ax)
    x = np.arange(len(layers))
    parts = [
        ("stably active", "active", "#55a868"),
        ("stably inactive", "inactive", "#8c8c8c"),
        ("unstable", "unstable", "#4c72b0"),
        ("undecided", "undecided", "#dd8452"),
    ]
    bottom = np.zeros(len(layers))
    for label, attr, colour in parts:
        h = np.array([len(getattr(layer, attr)) for layer in layers], dtype=float)
        if attr == "undecided" and not h.any():
            continue
        ax.bar(x, h, bottom=bottom, color=colour, label=label, width=0.6)
        bottom += h
    ax.set_xticks(x, [f"layer {i + 1}" for i in x])
    ax.set_ylabel("neurons")
    state = "exact" if result.exact else "partial"
    ax.set_title(f"Neuron stability ({state}, {result.method})")
    ax.legend(fontsize=8)
    return ax
