"""Figures of region counts during training (:class:`~relu_regions.RegionTracker` tables).

Matplotlib is imported inside the functions; without ``ax`` a pyplot-free ``Figure`` on the
Agg canvas is made (safe in threads and without a display).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["plot_region_tracking", "training_axes"]


def training_axes(ax: Any = None, *, width: float = 6.4, height: float = 4.2) -> Any:
    """``ax`` itself, or the Axes of a new pyplot-free figure when it is ``None``."""
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig.add_subplot(1, 1, 1)


def plot_region_tracking(
    rows: Iterable[Mapping[str, Any]],
    *,
    ax: Any = None,
    reference: float | None = None,
    reference_label: str = "",
    label: str = "mean over domains",
    per_domain: bool = True,
    color: str | None = None,
) -> Any:
    """Regions against training step: the mean over domains (band: min-max) and each domain.

    ``rows`` are the tidy rows of :meth:`RegionTracker.table` (``step``, ``domain``,
    ``regions``, ``exact``).  Steps where some count is only a lower bound (``exact`` false)
    are drawn with open markers.  ``reference`` draws a horizontal line (e.g. Hanin &
    Rolnick's ``N**2/2`` for planes, ``N`` for lines).

    Returns the Axes.
    """
    ax = training_axes(ax)
    by_step: dict[int, list[tuple[int, int, bool]]] = {}
    for r in rows:
        by_step.setdefault(int(r["step"]), []).append((int(r["domain"]), int(r["regions"]), bool(r["exact"])))
    if not by_step:
        ax.text(0.5, 0.5, "no counts yet", ha="center", va="center", transform=ax.transAxes)
        return ax
    steps = np.array(sorted(by_step))
    counts = [np.array([c for _, c, _ in by_step[s]], dtype=float) for s in steps]
    mean = np.array([c.mean() for c in counts])
    lo = np.array([c.min() for c in counts])
    hi = np.array([c.max() for c in counts])
    exact = np.array([all(e for _, _, e in by_step[s]) for s in steps])
    if per_domain:
        domains = sorted({d for s in steps for d, _, _ in by_step[s]})
        for d in domains:
            pts = [(s, c) for s in steps for dd, c, _ in by_step[s] if dd == d]
            if pts:
                xs, ys = zip(*pts, strict=True)
                ax.plot(xs, ys, lw=0.5, alpha=0.35, color=color or "0.5")
    (line,) = ax.plot(steps, mean, lw=1.8, color=color, label=label)
    c = line.get_color()
    if len(steps) > 1:
        ax.fill_between(steps, lo, hi, color=c, alpha=0.15, lw=0)
    ax.plot(steps[exact], mean[exact], "o", ms=3, color=c)
    if (~exact).any():
        ax.plot(steps[~exact], mean[~exact], "o", ms=4, mfc="none", color=c, label="lower bound (time limit)")
    if reference is not None:
        ax.axhline(reference, ls="--", color="k", lw=1, label=reference_label or f"reference {reference:g}")
    ax.set_xlabel("training step")
    ax.set_ylabel("regions (exact)" if exact.all() else "regions (open: lower bounds)")
    ax.legend(fontsize="small")
    return ax
