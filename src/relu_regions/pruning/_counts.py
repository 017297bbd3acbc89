r"""Exact integer budgets: how many weights each pruned layer keeps.

A layer with ``m_l = n_l n_{l-1}`` weights (biases are never pruned) pruned to density
``p`` keeps

.. math::

    k_l = \min\{m_l, \max\{1, \lfloor p\, m_l + 1/2 \rfloor\}\}

weights: *round half up*, at least one weight (a layer is never disconnected by the
rounding) and at most all of them.  Uniform pruning to a global density ``p`` keeps
:math:`K = \sum_l k_l` weights, and every other density choice is held to exactly that
``K`` (Cai et al. 2023, Sec. 4: "pruning the same number of parameters in total"): real
layer densities ``p_l`` with :math:`\sum_l p_l m_l = K` become integer counts by the
*largest remainder* rule (floors first, then one more weight to the layers with the
largest fractional parts, ties to the lower layer index), clipped to ``[1, m_l]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..exceptions import DimensionError
from ._errors import PruningError

__all__ = ["layer_sizes", "uniform_counts", "counts_for_densities", "check_global_density"]


def check_global_density(p: object) -> float:
    """A global density must be a number in ``(0, 1]``."""
    try:
        f = float(p)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PruningError(f"density must be a number in (0, 1], got {p!r}") from None
    if isinstance(p, bool) or not 0.0 < f <= 1.0:
        raise PruningError(f"density must lie in (0, 1], got {p!r}")
    return f


def layer_sizes(widths: Sequence[int]) -> tuple[int, ...]:
    """Weights per layer ``m_l = n_l n_{l-1}`` for widths ``(n_0, ..., n_L)``.

    >>> layer_sizes([784, 100, 100])
    (78400, 10000)
    """
    ws = [int(w) for w in widths]
    if len(ws) < 2 or any(w < 1 for w in ws):
        raise DimensionError(f"widths must be at least two positive integers, got {list(widths)}")
    return tuple(a * b for a, b in zip(ws[:-1], ws[1:], strict=True))


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def uniform_counts(sizes: Sequence[int], density: float) -> tuple[int, ...]:
    """Weights kept per layer when every layer is pruned to ``density`` (round half up, >= 1).

    >>> uniform_counts([10, 3], 0.5)    # 5 and round(1.5) = 2
    (5, 2)
    >>> uniform_counts([10, 3], 0.01)   # never below one weight
    (1, 1)
    """
    p = check_global_density(density)
    return tuple(min(int(m), max(1, _round_half_up(p * m))) for m in sizes)


def counts_for_densities(sizes: Sequence[int], densities: Sequence[float], total: int) -> tuple[int, ...]:
    """Integer counts in ``[1, m_l]`` summing to exactly ``total`` and closest to ``p_l m_l``.

    Largest remainder rounding; when clipping to ``[1, m_l]`` leaves a surplus or deficit it
    is moved one weight at a time to/from the layers with the most room, in layer order.

    >>> counts_for_densities([10, 10], [0.25, 0.75], 10)
    (3, 7)
    >>> counts_for_densities([10, 10], [0.55, 0.55], 11)   # equal remainders: lower index first
    (6, 5)
    """
    m = np.asarray([int(s) for s in sizes], dtype=np.int64)
    if len(densities) != len(m):
        raise DimensionError(f"got {len(densities)} densities for {len(m)} layers")
    total = int(total)
    if not len(m) <= total <= int(m.sum()):
        raise PruningError(f"cannot keep {total} weights in layers of sizes {m.tolist()}")
    target = np.clip(np.asarray(densities, dtype=np.float64), 0.0, 1.0) * m
    # rescale so the real targets sum to the budget (they do up to rounding error)
    s = float(target.sum())
    if s > 0:
        target = target * (total / s)
    k = np.clip(np.floor(target).astype(np.int64), 1, m)
    rem = target - np.floor(target)
    order = sorted(range(len(m)), key=lambda i: (-rem[i], i))
    diff = total - int(k.sum())
    while diff != 0:
        moved = False
        for i in order if diff > 0 else order[::-1]:
            if diff > 0 and k[i] < m[i]:
                k[i] += 1
                diff -= 1
                moved = True
            elif diff < 0 and k[i] > 1:
                k[i] -= 1
                diff += 1
                moved = True
            if diff == 0:
                break
        if not moved:  # pragma: no cover - excluded by the range check above
            raise PruningError("internal error: could not distribute the parameter budget")
    return tuple(int(v) for v in k)
