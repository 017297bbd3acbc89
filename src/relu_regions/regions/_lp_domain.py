"""The ``lp`` traversal's view of its domain: boundedness, scale, candidate neurons, row space.

Set-up helpers of :func:`~relu_regions.regions._lp.lp_serial` (see that module's docstring).
"""

from __future__ import annotations

import numpy as np

from .._typing import BoolArray, FloatArray
from ..exceptions import EmptyDomainError
from ..network import Network
from ._polytope import axis_box, bounding_box, chebyshev

__all__ = ["candidate_neurons", "row_space_basis", "is_bounded", "unbounded_scale", "RANK_FRACTION"]

#: The traversal decides facet rows in the row space of the first layer (plus the domain's
#: rows that are not a box's) when its dimension ``r`` is at most ``k / RANK_FRACTION``.
RANK_FRACTION = 4


def candidate_neurons(net: Network, G: FloatArray, h: FloatArray) -> BoolArray:
    """Neurons that may change sign on ``{t : G t <= h}`` (bounded, non-empty).

    The complement is proven stable: sound CROWN/interval bounds of every pre-activation
    over a box around the domain (read off its axis-aligned rows, else the bounding box by
    2 k LPs) have a constant strict sign.
    """
    from ..exceptions import DomainError
    from ..relax import crown_layer

    if not net.is_relu:  # the CROWN relaxation below is for ReLU; LeakyReLU: decide every row
        return np.ones(net.num_neurons, dtype=bool)
    box = axis_box(G, h)  # a box around the domain (cells of a split box keep its rows)
    if box is None:
        try:
            box = bounding_box(G, h)
        except DomainError:
            return np.ones(net.num_neurons, dtype=bool)  # no bounding box: decide every row
    lower, upper = box
    pad = 1e-9 * (1.0 + np.maximum(np.abs(lower), np.abs(upper)))
    lower, upper = lower - pad, upper + pad
    bounds: list[tuple[FloatArray, FloatArray]] = []
    masks = []
    for layer, lay in enumerate(net.layers):
        if not lay.activated:
            break  # only the affine output layer is not activated
        lo, hi = crown_layer(net, layer, bounds, lower, upper)
        bounds.append((lo, hi))
        masks.append(~((lo > 0) | (hi < 0)))
    return np.concatenate(masks) if masks else np.zeros(0, dtype=bool)


def row_space_basis(W1: FloatArray, G_other: FloatArray, k: int) -> FloatArray | None:
    """Orthonormal basis ``V`` (``k x r``) of the row space of the first layer and ``G_other``.

    Every later neuron's row on a region is a combination of first-layer rows (the chain
    rule), so all facet rows of the traversal lie in ``span(V)`` and depend on ``t`` only
    through ``y = V^T t`` (:func:`~relu_regions.regions._facets_lp.facets_lp` with ``basis``).
    ``None`` when that space is not much smaller than ``R^k`` (``r > k / RANK_FRACTION``)
    or is ``{0}``.  Directions with singular value below NumPy's rank tolerance
    (``s_max max(shape) eps``) are dropped: ``W1`` of rank ``< n1`` loses nothing.
    """
    M = np.vstack([W1, G_other]) if G_other.size else np.asarray(W1, dtype=np.float64)
    if M.shape[0] == 0 or M.shape[0] * RANK_FRACTION > k and M.shape[0] >= k:
        return None
    _, sv, Vt = np.linalg.svd(M, full_matrices=False)
    if sv.size == 0 or not sv[0] > 0:
        return None
    r = int(np.sum(sv > sv[0] * max(M.shape) * np.finfo(np.float64).eps))
    if r * RANK_FRACTION > k:
        return None
    return np.ascontiguousarray(Vt[:r].T)


def is_bounded(G: FloatArray, h: FloatArray) -> bool:
    """Whether the (non-empty) polyhedron ``{t : G t <= h}`` is bounded.

    Read off its axis rows when they bound every coordinate; otherwise by one LP: it is
    bounded iff its recession cone ``{d : G d <= 0}`` is ``{0}``, i.e. iff ``G`` has rank
    ``k`` and its rows positively span ``R^k``: some ``y >= 1`` has ``G^T y = 0`` (then
    ``G d <= 0`` and ``y^T G d = 0`` force ``G d = 0``, so ``d = 0``; conversely Gordan).
    """
    m, k = G.shape
    if m <= k:
        return False  # fewer than k + 1 rows never bound a polyhedron
    if axis_box(G, h) is not None:
        return True
    if np.linalg.matrix_rank(G) < k:
        return False
    from ..solvers import solve_lp

    res = solve_lp(np.zeros(m), A_eq=G.T, b_eq=np.zeros(k), bounds=[(1.0, None)] * m)
    return res.status == "optimal"


def unbounded_scale(net: Network, G: FloatArray, h: FloatArray) -> tuple[FloatArray, float]:
    """Reference point and tolerance scale of an unbounded domain (module docstring).

    The point is the domain's Chebyshev centre with the ball capped at radius 1; the scale
    is the largest distance from it to a first-layer hyperplane, at least 1.
    """
    centre, r = chebyshev(G, h, cap=1.0) if G.shape[0] else (np.zeros(G.shape[1]), 1.0)
    if centre is None or not r > 0:
        raise EmptyDomainError("the domain has no interior in its chart (it is empty or flat)")
    scale = 1.0
    if net.activated_layers:
        W0, b0 = net.layers[0].weight, net.layers[0].bias
        norms = np.linalg.norm(W0, axis=1)
        live = norms > 0
        if live.any():
            dist = np.abs(W0[live] @ centre + b0[live]) / norms[live]
            scale = max(scale, float(dist.max()))
    return centre, scale
