"""Interval and CROWN bounds on pre-activations (closed form, milliseconds).

Interval bound propagation pushes boxes through the layers.  CROWN (Zhang et al.,
"Efficient neural network robustness certification with general activation functions",
NeurIPS 2018) propagates a linear bound backwards instead: for an unstable neuron with
pre-activation bounds ``l < 0 < u`` the ReLU is sandwiched as

.. math::

    \\alpha z \\le \\mathrm{relu}(z) \\le \\frac{u}{u - l}(z - l),
    \\qquad \\alpha = [u \\ge -l],

and the upper relaxation is used where the backward coefficient is positive, the lower
one where it is negative.  The resulting linear function of the input is maximised over
the input box in closed form.  Both bounds are sound; CROWN is never looser than the
interval bound at the same intermediate bounds (we return their intersection).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._typing import FloatArray
from ..network import Network

__all__ = ["interval_layer", "crown_layer"]

Bounds = Sequence[tuple[FloatArray, FloatArray]]


def interval_layer(
    net: Network, layer: int, bounds: Bounds, lower: FloatArray, upper: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Interval bounds of the pre-activations of ``net.layers[layer]``.

    ``bounds[k]`` are sound bounds of layer ``k``'s pre-activations for ``k < layer``;
    ``[lower, upper]`` is the input box.  Exact for ``layer == 0``.
    """
    if layer == 0:
        lo_in, hi_in = lower, upper
    else:
        L, U = bounds[layer - 1]
        lo_in, hi_in = np.maximum(L, 0.0), np.maximum(U, 0.0)
    W = net.layers[layer].weight
    b = net.layers[layer].bias
    Wp, Wn = np.maximum(W, 0.0), np.minimum(W, 0.0)
    return Wp @ lo_in + Wn @ hi_in + b, Wp @ hi_in + Wn @ lo_in + b


def _relaxation(L: FloatArray, U: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Slopes/intercept of the upper line and slope of the lower line of relu on [L, U]."""
    active = L >= 0
    dead = U <= 0
    unstable = ~active & ~dead
    width = np.where(unstable, U - L, 1.0)
    up_slope = np.where(active, 1.0, np.where(unstable, U / width, 0.0))
    up_icpt = np.where(unstable, -U * L / width, 0.0)
    lo_slope = np.where(active, 1.0, np.where(unstable, (U >= -L).astype(float), 0.0))
    return up_slope, up_icpt, lo_slope


def _backward_max(
    net: Network, layer: int, bounds: Bounds, lower: FloatArray, upper: FloatArray, sign: float
) -> FloatArray:
    """Upper bound of ``sign * z_layer`` by one backward linear pass."""
    A = sign * net.layers[layer].weight
    c = sign * net.layers[layer].bias
    for k in range(layer - 1, -1, -1):
        su, iu, sl = _relaxation(*bounds[k])
        Ap, An = np.maximum(A, 0.0), np.minimum(A, 0.0)
        c = c + Ap @ iu
        A = Ap * su + An * sl
        c = c + A @ net.layers[k].bias
        A = A @ net.layers[k].weight
    return np.asarray(c + np.maximum(A, 0.0) @ upper + np.minimum(A, 0.0) @ lower)


def crown_layer(
    net: Network, layer: int, bounds: Bounds, lower: FloatArray, upper: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """CROWN bounds (intersected with interval bounds) of the pre-activations of ``layer``.

    Works for every layer, including a final affine one (bounds of the network output).

    Examples
    --------
    >>> net = Network([[[1.0], [-1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])  # |x|
    >>> lo, hi = crown_layer(net, 1, [(np.array([-1., -1.]), np.array([1., 1.]))],
    ...                      np.array([-1.0]), np.array([1.0]))
    >>> float(hi[0]), bool(lo[0] <= 0.0)
    (1.0, True)
    """
    ilo, ihi = interval_layer(net, layer, bounds, lower, upper)
    if layer == 0:
        return ilo, ihi
    hi = _backward_max(net, layer, bounds, lower, upper, 1.0)
    lo = -_backward_max(net, layer, bounds, lower, upper, -1.0)
    return np.maximum(lo, ilo), np.minimum(hi, ihi)
