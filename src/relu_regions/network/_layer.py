"""One layer of a :class:`~relu_regions.network.Network` and the checks and helpers it needs.

:class:`Layer` (an affine map and the activation that follows it, or a rank-``k`` maxout
stack; Goodfellow et al. 2013), the pattern dtype of maxout networks, and the array
validation the network constructor applies to every weight and bias.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._typing import FloatArray, IntArray
from ..exceptions import ModelFormatError

__all__ = ["Layer", "MAXOUT_PATTERN_DTYPE", "MAX_MAXOUT_RANK"]


#: dtype of the activation patterns of networks with a maxout layer: the arg-max piece
#: index of every maxout unit, 0/1 for ReLU neurons.
MAXOUT_PATTERN_DTYPE = np.int16
#: The largest maxout rank a pattern entry can hold.
MAX_MAXOUT_RANK = int(np.iinfo(np.int16).max)



@dataclasses.dataclass(frozen=True, eq=False)
class Layer:
    """One affine layer and the activation that follows it.

    ``slope`` is ``None`` for no activation (affine output layer), ``0.0`` for a ReLU and
    ``alpha`` for ``LeakyReLU(alpha)``.  A maxout layer has a weight of shape
    ``(k, out, in)`` and a bias of shape ``(k, out)``; its ``slope`` is ``0.0`` and unused.
    """

    weight: FloatArray
    bias: FloatArray
    slope: float | None

    @property
    def activated(self) -> bool:
        return self.slope is not None

    @property
    def is_maxout(self) -> bool:
        """Whether this is a maxout layer (3-D weight)."""
        return self.weight.ndim == 3

    @property
    def rank(self) -> int:
        """The maxout rank ``k`` (number of pieces per unit); 1 for other layers."""
        return int(self.weight.shape[0]) if self.weight.ndim == 3 else 1

    @property
    def width(self) -> int:
        """Number of units (outputs) of the layer."""
        return int(self.weight.shape[-2])

    @property
    def in_dim(self) -> int:
        """Number of inputs of the layer."""
        return int(self.weight.shape[-1])

    def stacked(self) -> tuple[FloatArray, FloatArray]:
        """The layer's pieces as one affine map: ``(k * out, in)`` weight and ``(k * out,)`` bias.

        Row ``p * out + j`` is piece ``p`` of unit ``j`` (for ``k = 1``: the layer itself).
        """
        return (
            self.weight.reshape(-1, self.weight.shape[-1]),
            self.bias.reshape(-1),
        )

    def maxout(self, h: FloatArray) -> tuple[FloatArray, IntArray]:
        """Pieces ``(N, k, out)`` and arg-max indices ``(N, out)`` of a maxout layer on ``h``."""
        W, b = self.stacked()
        z = (h @ W.T + b).reshape(h.shape[0], self.rank, self.width)
        return z, np.argmax(z, axis=1)


def _activate(z: FloatArray, slope: float) -> FloatArray:
    """(Leaky) ReLU in place: ``max(z, slope * z)`` equals ``z`` for ``z > 0`` and
    ``slope * z`` otherwise because ``0 <= slope < 1``."""
    if slope == 0.0:
        return np.maximum(z, 0.0, out=z)
    return np.maximum(z, slope * z, out=z)


def _readonly(a: Any, name: str) -> FloatArray:
    if np.iscomplexobj(a) or (hasattr(a, "is_complex") and a.is_complex()):
        raise ModelFormatError(f"{name} has complex values: a ReLU network's weights must be real")
    try:
        arr = np.array(a, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise ModelFormatError(f"{name} is not a numeric array: {exc}") from None
    if not np.all(np.isfinite(arr)):
        raise ModelFormatError(f"{name} contains NaN or infinite values")
    arr.setflags(write=False)
    return arr


def _layer_kind(layer: Layer) -> str:
    if layer.is_maxout:
        return "maxout"
    return "relu" if layer.slope == 0.0 else "leaky_relu"



def _select_pieces(A: FloatArray, c: FloatArray, piece: Any) -> tuple[FloatArray, FloatArray]:
    """Rows ``A[piece[j], j]`` and ``c[piece[j], j]`` of a maxout layer's piece maps."""
    units = np.arange(A.shape[1])
    return A[piece, units], c[piece, units]


def _check_maxout(W: FloatArray, b: FloatArray, i: int, last: int) -> None:
    """Shape checks of a maxout layer ``i``: one-line :class:`ModelFormatError` messages."""
    k = W.shape[0]
    if i == last:
        raise ModelFormatError(
            f"W{i} is a maxout stack {W.shape} but the output layer must be affine; "
            "append an affine output layer (e.g. the identity) after the maxout layer"
        )
    if k < 2:
        raise ModelFormatError(
            f"W{i} has shape {W.shape}: a maxout layer needs k >= 2 pieces (k = 1 is an "
            f"affine layer: give the matrix W{i}[0] instead)"
        )
    if k > MAX_MAXOUT_RANK:
        raise ModelFormatError(f"W{i} has maxout rank {k} > {MAX_MAXOUT_RANK}, the largest supported")
    if b.shape != W.shape[:2]:
        raise ModelFormatError(
            f"b{i} has shape {b.shape}, expected {W.shape[:2]} (k, out) to match the maxout W{i}"
        )
