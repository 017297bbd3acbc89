"""Facet finders' common ground: the :class:`Facets` result and row normalisation.

Rows of ``{G t <= h}`` are compared after scaling to unit normals; rows whose normalised
``(G_i, h_i)`` coincide are one halfspace, and every finder reports one representative per
such group (:mod:`~relu_regions.regions._facets`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .._typing import FloatArray, IntArray
from ._polytope import live_rows

__all__ = ["Facets", "COINCIDE_TOL"]

#: Relative tolerance under which two normalised rows ``(G_i, h_i)/|G_i|`` coincide.
COINCIDE_TOL = 1e-10


@dataclasses.dataclass(frozen=True)
class Facets:
    """Facet rows (indices into ``G``) and one relative-interior point per facet."""

    rows: IntArray
    points: FloatArray
    vertices: FloatArray | None = None
    lps: int = 0
    fallback: bool = False


def _row_norms(G: FloatArray) -> tuple[FloatArray, np.ndarray]:
    norms = np.sqrt(np.einsum("ij,ij->i", G, G))
    return norms, live_rows(norms)


def _representatives(Gn: FloatArray, hn: FloatArray) -> np.ndarray:
    """For each row, the index of the first row coinciding with it (same halfspace)."""
    R = np.hstack([Gn, hn[:, None]])
    m = R.shape[0]
    rep = np.arange(m)
    if m < 2:
        return rep
    scale = 1.0 + np.abs(hn).max()
    tol = COINCIDE_TOL * scale
    # Coinciding rows have nearly equal projections on any vector v (|R_i v - R_j v| <=
    # tol |v|_1), so only rows within that band of each other are compared entry by entry:
    # O(m log m + m d) memory and time instead of an (m, m, d) array.
    v = np.random.default_rng(0).uniform(0.5, 1.5, R.shape[1])
    key = R @ v
    order = np.argsort(key, kind="stable")
    sk = key[order]
    band = tol * float(np.abs(v).sum())
    lo = np.searchsorted(sk, sk - band, side="left")
    hi = np.searchsorted(sk, sk + band, side="right")
    for pos in np.flatnonzero(hi - lo > 1):
        i = order[pos]
        cand = order[lo[pos] : hi[pos]]
        same = cand[np.abs(R[cand] - R[i]).max(axis=1) <= tol]
        rep[i] = same.min()
    return rep
