"""Crossing facets in the maxout ``lp`` traversal: the neighbour's pattern and a witness in it.

Helpers of :func:`~relu_regions.regions._maxout_lp.maxout_lp_engine` (see that module's
docstring, step 3, for the limit rule): :func:`maxout_cross` decides the pieces across a
facet, :func:`_fast_cross` takes the shortcut when only the facet's own tie is tight, and
:func:`_witness_points` steps just across.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._typing import FloatArray, IntArray
from ._lp_cross import DIR_TOL
from ._maxout_polytope import PATTERN_DTYPE, PieceLayer
from ._polytope import TIGHT_TOL, ZERO_ROW_TOL

__all__ = ["maxout_cross"]


def maxout_cross(
    layers: list[PieceLayer], X: FloatArray, normals: FloatArray, forced: tuple[IntArray, IntArray, IntArray],
    scale: float,
) -> tuple[IntArray, Any]:
    """Patterns just across facets by the limit rule (module docstring, step 3).

    ``forced = (unit, piece_a, piece_b)`` per facet: the facet's own tie, always tight.
    Returns the ``(F, U)`` patterns and a flag per facet for an ambiguous crossing.
    """
    F, n = X.shape
    H, dH = X, normals
    J: FloatArray = np.broadcast_to(np.eye(n), (F, n, n))
    absH = np.abs(X)
    pats = []
    ambiguous = np.zeros(F, dtype=bool)
    start = 0
    fu, fa, fb = forced
    for W, b in layers:
        out = W.shape[1]
        Z = np.einsum("qoi,fi->fqo", W, H) + b
        dZ = np.einsum("qoi,fi->fqo", W, dH)
        JZ = np.einsum("qoi,fim->fqom", W, J, optimize=True)
        mag = np.einsum("qoi,fi->fqo", np.abs(W), absH) + np.abs(b)
        pm = np.argmax(Z, axis=1)
        take = pm[:, None, :]
        Zm = np.take_along_axis(Z, take, axis=1)
        Jm = np.take_along_axis(JZ, take[..., None], axis=1)
        gd = np.sqrt(np.einsum("fqom,fqom->fqo", JZ - Jm, JZ - Jm))
        magm = np.take_along_axis(mag, take, axis=1)
        tight = (Zm - Z) <= TIGHT_TOL * scale * gd + 1e-13 * (mag + magm)
        own = (fu >= start) & (fu < start + out)
        if own.any():
            f = np.flatnonzero(own)
            tight[f, fa[own], fu[own] - start] = True
            tight[f, fb[own], fu[own] - start] = True
        score = np.where(tight, dZ, -np.inf)
        best = np.argmax(score, axis=1)
        tb = best[:, None, :]
        Jb = np.take_along_axis(JZ, tb[..., None], axis=1)
        dZb = np.take_along_axis(dZ, tb, axis=1)
        diff = JZ - Jb
        gb = np.sqrt(np.einsum("fqom,fqom->fqo", diff, diff))
        an = np.sqrt(np.einsum("fqom,fqom->fqo", JZ, JZ))
        abn = np.take_along_axis(an, tb, axis=1)
        ident = gb <= ZERO_ROW_TOL * np.maximum(np.maximum(an, abn), 1.0)
        # pieces identical to the best one (tight: same value, same gradient) stay candidates
        # whatever round-off did to their derivative along n
        near = tight & ((dZ >= dZb - DIR_TOL * gb) | ident)
        ambiguous |= np.any(near & ~ident, axis=(1, 2))
        p = np.argmax(near & ident, axis=1)  # the lowest identical piece (best itself is one)
        tp = p[:, None, :]
        pats.append(p)
        H = np.take_along_axis(Z, tp, axis=1)[:, 0]
        dH = np.take_along_axis(dZ, tp, axis=1)[:, 0]
        J = np.take_along_axis(JZ, tp[..., None], axis=1)[:, 0]
        absH = np.take_along_axis(mag, tp, axis=1)[:, 0]
        start += out
    return np.concatenate(pats, axis=1).astype(PATTERN_DTYPE), ambiguous


def _fast_cross(
    layers: list[PieceLayer], S: IntArray, G: FloatArray, h: FloatArray, norms: FloatArray, X: FloatArray,
    rows: IntArray, row_unit: IntArray, row_piece: IntArray, normals: FloatArray, scale: float, R: int,
) -> tuple[IntArray, Any]:
    """Neighbour patterns; without the limit rule when only the facet's own tie is tight.

    ``S, G, h, norms`` are the owners' patterns and rows (one per facet).  When no other row
    of the owner (no other unit's tie, no third piece of the same unit, no identical piece)
    is tight at the facet point, the neighbour differs in the facet's unit alone: its
    active piece becomes the row's piece.  Other facets go through :func:`maxout_cross`.
    """
    F = X.shape[0]
    Gu, hu, nu = G[:, :R], h[:, :R], norms[:, :R]
    slack = hu - np.einsum("fmk,fk->fm", Gu, X)
    mag = np.einsum("fmk,fk->fm", np.abs(Gu), np.abs(X)) + np.abs(hu)
    tight = slack <= TIGHT_TOL * scale * nu + 1e-13 * mag
    diagonal = row_piece[None, :] == S[:, row_unit]
    tight &= ~diagonal
    tight[np.arange(F), rows] = True
    simple = tight.sum(axis=1) == 1
    pats = S.copy()
    units = row_unit[rows]
    pats[np.arange(F), units] = row_piece[rows]
    amb = np.zeros(F, dtype=bool)
    hard = np.flatnonzero(~simple)
    if hard.size:
        owner_piece = S[hard, units[hard]]
        forced = (units[hard], owner_piece, row_piece[rows[hard]])
        hp, ha = maxout_cross(layers, X[hard], normals[hard], forced, scale)
        pats[hard] = hp
        amb[hard] = ha
    return pats, amb


def _witness_points(
    G: FloatArray, h: FloatArray, X: FloatArray, normals: FloatArray, scale: float
) -> FloatArray:
    """``x_f + eps n`` with ``eps`` half the largest step that stays in each neighbour."""
    norms = np.sqrt(np.einsum("fmk,fmk->fm", G, G))
    slack0 = h - np.einsum("fmk,fk->fm", G, X)
    rate = np.einsum("fmk,fk->fm", G, normals)
    moving = (norms > 0) & (rate > DIR_TOL * norms)
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = np.where(moving, np.maximum(slack0, 0.0) / rate, np.inf)
    eps = np.minimum(0.5 * steps.min(axis=1), scale)
    return X + eps[:, None] * normals  # type: ignore[no-any-return]
