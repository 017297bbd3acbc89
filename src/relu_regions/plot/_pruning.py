"""Pruning figures (Cai et al. 2023, Figs. 1-4): a quantity against density, with accuracy.

Densities are drawn on a log axis decreasing to the right (pruning more as one reads on),
accuracy on a second y axis.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._base import new_axes

__all__ = ["plot_density_curve", "plot_pruning_gain"]

_ACC = "#1f77b4"
_OLIVE = "#808000"
_ORANGE = "#ff7f0e"
_MAROON = "#800000"


def _density_axis(ax: Any, densities: Any) -> None:
    d = np.asarray(densities, dtype=float)
    ax.set_xscale("log")
    ax.set_xlim(d.max() * 1.3, d.min() / 1.3)
    ax.set_xlabel("density p (log scale)")


def plot_density_curve(
    densities: Sequence[float],
    values: Sequence[float],
    ax: Any = None,
    *,
    accuracy: Sequence[float] | None = None,
    ylabel: str = "",
    label: str = "",
    title: str = "",
    dashed: bool = False,
    log_y: bool = False,
    color: str | None = None,
    marker: str = "o",
) -> Any:
    """A quantity (regions, ``log10`` bound) against density, accuracy on a second axis.

    Fig. 1 of Cai et al. (2023) draws exact region counts this way (olive), Fig. 2 the
    bound of Theorem 1 (dashed); accuracy is the blue curve on the right axis.

    Examples
    --------
    >>> ax = plot_density_curve([1, 0.1, 0.01], [50, 20, 3], accuracy=[0.9, 0.8, 0.2], ylabel="regions")
    >>> ax.get_ylabel()
    'regions'
    """
    ax = new_axes(ax)
    ax.plot(densities, values, "--" if dashed else "-", marker=marker,
            color=color or (_ACC if dashed else _OLIVE), label=label or ylabel)
    if log_y:
        ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    _density_axis(ax, densities)
    if accuracy is not None:
        ax2 = ax.twinx()
        ax2.plot(densities, accuracy, "-", marker=".", color=_ACC, alpha=0.8, label="accuracy")
        ax2.set_ylabel("test accuracy", color=_ACC)
        ax2.set_ylim(0, 1)
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def plot_pruning_gain(
    densities: Sequence[float],
    accuracy_uniform: Sequence[float],
    accuracy_guided: Sequence[float],
    ax: Any = None,
    *,
    title: str = "",
    guided_label: str = "bound-guided",
) -> Any:
    """Accuracy of uniform vs bound-guided pruning against density, the gain as bars (Figs. 3-4).

    Examples
    --------
    >>> ax = plot_pruning_gain([1, 0.1, 0.01], [0.9, 0.7, 0.2], [0.9, 0.75, 0.3])
    >>> ax.get_ylabel()
    'test accuracy'
    """
    ax = new_axes(ax)
    d = np.asarray(densities, dtype=float)
    ax.plot(d, accuracy_uniform, "-o", color=_ACC, label="uniform")
    ax.plot(d, accuracy_guided, "-s", color=_ORANGE, label=guided_label)
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1)
    _density_axis(ax, d)
    ax2 = ax.twinx()
    gain = np.asarray(accuracy_guided, dtype=float) - np.asarray(accuracy_uniform, dtype=float)
    ax2.bar(d, gain, width=d * 0.25, color=_MAROON, alpha=0.5, label="gain")
    lim = max(0.05, float(np.nanmax(np.abs(gain))) * 1.2) if gain.size else 0.05
    ax2.set_ylim(-lim, lim)
    ax2.axhline(0.0, color=_MAROON, lw=0.5)
    ax2.set_ylabel("accuracy gain", color=_MAROON)
    ax.set_zorder(ax2.get_zorder() + 1)  # the accuracy curves above the bars
    ax.patch.set_visible(False)
    ax.legend(loc="lower left", fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    return ax
