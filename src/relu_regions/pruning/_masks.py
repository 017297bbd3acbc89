r"""Which weights survive: magnitude (layerwise, global) and random selection.

Magnitude pruning keeps the weights of largest absolute value (Han et al. 2015; the
ShrinkBench baseline used by Cai et al. 2023, Sec. 6):

- *layerwise*: layer ``l`` keeps its ``k_l`` largest :math:`|w|` (never disconnects a
  layer: ``k_l >= 1``);
- *global*: the ``K`` largest :math:`|w|` over all pruned layers together (may leave a
  layer with few or no weights at extreme sparsity, the reason the paper uses layerwise);
- *random*: layer ``l`` keeps ``k_l`` weights chosen uniformly at random (fixed seed).

Ties in :math:`|w|` are broken deterministically: the lower flat index (row-major within a
layer, layers in order for global pruning) is kept first.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._typing import BoolArray, FloatArray

__all__ = ["magnitude_masks", "global_magnitude_masks", "random_masks"]


def _top(absw: FloatArray, k: int) -> np.ndarray:
    """Flat indices of the ``k`` largest entries, ties to the lower index (stable sort)."""
    order = np.argsort(-absw, kind="stable")
    return order[:k]


def magnitude_masks(weights: Sequence[FloatArray], counts: Sequence[int]) -> list[BoolArray]:
    """Layerwise magnitude masks: layer ``l`` keeps exactly ``counts[l]`` entries.

    >>> m = magnitude_masks([np.array([[0.1, -3.0], [2.0, 0.5]])], [2])
    >>> m[0].astype(int).tolist()
    [[0, 1], [1, 0]]
    >>> magnitude_masks([np.ones((1, 3))], [2])[0].astype(int).tolist()   # ties: lower index
    [[1, 1, 0]]
    """
    out = []
    for W, k in zip(weights, counts, strict=True):
        flat = np.abs(np.asarray(W, dtype=np.float64)).ravel()
        mask = np.zeros(flat.size, dtype=bool)
        mask[_top(flat, int(k))] = True
        out.append(mask.reshape(np.shape(W)))
    return out


def global_magnitude_masks(weights: Sequence[FloatArray], total: int) -> list[BoolArray]:
    """Global magnitude masks: the ``total`` largest ``|w|`` over all layers together.

    >>> ms = global_magnitude_masks([np.array([[5.0, 1.0]]), np.array([[2.0], [0.5]])], 2)
    >>> [m.astype(int).tolist() for m in ms]
    [[[1, 0]], [[1], [0]]]
    """
    flats = [np.abs(np.asarray(W, dtype=np.float64)).ravel() for W in weights]
    allw = np.concatenate(flats)
    mask = np.zeros(allw.size, dtype=bool)
    mask[_top(allw, int(total))] = True
    out, start = [], 0
    for W, f in zip(weights, flats, strict=True):
        out.append(mask[start:start + f.size].reshape(np.shape(W)))
        start += f.size
    return out


def random_masks(weights: Sequence[FloatArray], counts: Sequence[int], seed: int = 0) -> list[BoolArray]:
    """Random masks: layer ``l`` keeps ``counts[l]`` entries chosen uniformly (seeded).

    >>> [int(m.sum()) for m in random_masks([np.ones((3, 4)), np.ones((2, 3))], [5, 1], seed=0)]
    [5, 1]
    """
    rng = np.random.default_rng(seed)
    out = []
    for W, k in zip(weights, counts, strict=True):
        n = int(np.size(W))
        mask = np.zeros(n, dtype=bool)
        mask[rng.choice(n, size=int(k), replace=False)] = True
        out.append(mask.reshape(np.shape(W)))
    return out
