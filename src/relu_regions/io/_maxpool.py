"""Max pooling as ReLU layers: pooling windows and the pairwise tournament.

Max pooling is piecewise linear, so it converts exactly into ReLU layers with

.. math::

    \\max(a, b) = b + \\mathrm{relu}(a - b), \\qquad
    v = \\mathrm{relu}(v) - \\mathrm{relu}(-v) \\quad (= \\mathrm{relu}(v) \\text{ if } v \\ge 0).

A window of ``k`` values is reduced by a tournament of ``ceil(log2 k)`` ReLU layers; each
pair costs two neurons (three when the carried value may be negative) and an unpaired
candidate one (two).  This is the standard construction used to encode max pooling in
MILP verifiers (e.g. Tjeng, Xiao & Tedrake 2019) written as network layers.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["pool_windows", "tournament"]

Functional = dict[int, float]  # sparse linear functional over the current vector


def pool_windows(
    shape: Sequence[int],
    out_spatial: Sequence[int],
    kernel: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
) -> list[list[int]]:
    """Flat input indices of every pooling window, in the output's C-order.

    ``shape`` is ``(C, *spatial)``; output position ``o`` along an axis covers the input
    positions ``o * stride - padding + j * dilation`` for ``j < kernel`` that lie inside
    the input (padding never wins a max, so padded positions are left out).

    >>> pool_windows((1, 2, 2), (1, 1), (2, 2), (2, 2), (0, 0), (1, 1))
    [[0, 1, 2, 3]]
    """
    C, *spatial = (int(d) for d in shape)
    strides = np.cumprod([1, *spatial[::-1]])[::-1]  # C-order strides of (C, *spatial)
    axes = []
    for n, o, k, s, p, d in zip(spatial, out_spatial, kernel, stride, padding, dilation, strict=True):
        axes.append([[i for j in range(k) if 0 <= (i := oi * s - p + j * d) < n] for oi in range(o)])
    windows = []
    for c in range(C):
        for pos in itertools.product(*axes):
            idx = [
                int(c * strides[0] + sum(int(i) * int(st) for i, st in zip(combo, strides[1:], strict=True)))
                for combo in itertools.product(*pos)
            ]
            windows.append(idx)
    return windows


def tournament(
    windows: Sequence[Sequence[int]], n: int, *, nonneg: bool
) -> tuple[list[Any], Any]:
    """Matrices of the ReLU levels that compute ``max`` over each window of an ``n``-vector.

    Returns ``(levels, final)`` as sparse CSR matrices (two or three entries per row):
    apply ``relu(M v)`` for each ``M`` in ``levels`` in turn, then ``final``, to get one
    maximum per window.  ``nonneg`` says every input entry is known to be non-negative.

    >>> levels, final = tournament([[0, 1]], 2, nonneg=False)
    >>> v = np.array([-3.0, -5.0])
    >>> for M in levels:
    ...     v = np.maximum(M @ v, 0.0)
    >>> (final @ v).tolist()
    [-3.0]
    """
    items: list[list[Functional]] = [[{int(i): 1.0} for i in w] for w in windows]
    if any(not w for w in items):
        raise ValueError("a pooling window contains no input position")
    levels: list[Any] = []
    size = n
    while any(len(w) > 1 for w in items):
        level = _Level(nonneg)
        nxt: list[list[Functional]] = []
        for w in items:
            out = [level.max2(a, b) for a, b in zip(w[0::2], w[1::2], strict=False)]
            if len(w) % 2:
                out.append(level.carry(w[-1]))
            nxt.append(out)
        levels.append(_sparse(level.rows, size))
        size = len(level.rows)
        items = nxt
    final = _sparse([w[0] for w in items], size)
    return levels, final


class _Level:
    """The neurons of one tournament level, as functionals over the level's input."""

    def __init__(self, nonneg: bool) -> None:
        self.nonneg = nonneg
        self.rows: list[Functional] = []

    def neuron(self, f: Functional) -> int:
        self.rows.append(f)
        return len(self.rows) - 1

    def carry(self, f: Functional) -> Functional:
        """``f`` through the ReLU: ``relu(f)``, or ``relu(f) - relu(-f)`` if f may be < 0."""
        if self.nonneg:
            return {self.neuron(f): 1.0}
        return {self.neuron(f): 1.0, self.neuron({k: -v for k, v in f.items()}): -1.0}

    def max2(self, a: Functional, b: Functional) -> Functional:
        """``max(a, b) = relu(a - b) + b``."""
        diff = dict(a)
        for k, v in b.items():
            diff[k] = diff.get(k, 0.0) - v
        return {self.neuron(diff): 1.0, **self.carry(b)}


def _sparse(rows: Sequence[Functional], n: int) -> Any:
    from scipy import sparse

    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indices: list[int] = []
    data: list[float] = []
    for r, f in enumerate(rows):
        indices.extend(f)
        data.extend(f.values())
        indptr[r + 1] = len(indices)
    values = np.asarray(data, dtype=np.float64)
    return sparse.csr_matrix((values, np.asarray(indices, dtype=np.int64), indptr), shape=(len(rows), n))
