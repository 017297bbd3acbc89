"""Charts: affine coordinates ``x = origin + basis @ t`` on an H-polytope of parameters ``t``.

Every input domain (:mod:`relu_regions.domain`) exposes a chart; the engines work in chart
coordinates on the pulled-back network ``net.with_input_map(chart.origin, chart.basis)``, so
a region counts when it is full-dimensional relative to the domain (Cai et al. 2023, Sec. 5).
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np

from .._typing import ArrayLike, FloatArray
from ._lp import lp_bounding_box

__all__ = ["Chart"]


@dataclasses.dataclass(frozen=True, eq=False)
class Chart:
    """Affine coordinates of a domain: ``x = origin + basis @ t``.

    ``t`` ranges over ``{t : lower <= t <= upper, A t <= b}``; bounds may be infinite.
    A chart is data: its bounding box (``2 k`` LPs when ``A`` has rows) is computed on first
    use and cached, so :attr:`bounded` and the samplers pay for it once.
    """

    origin: FloatArray
    basis: FloatArray
    lower: FloatArray
    upper: FloatArray
    A: FloatArray
    b: FloatArray

    @property
    def dim(self) -> int:
        return int(self.basis.shape[1])

    @functools.cached_property
    def _box(self) -> tuple[FloatArray, FloatArray]:
        if self.A.shape[0] == 0:
            lo, hi = np.array(self.lower, dtype=np.float64), np.array(self.upper, dtype=np.float64)
        else:
            lo, hi = lp_bounding_box(*self.halfspaces())
        lo.setflags(write=False)
        hi.setflags(write=False)
        return lo, hi

    def bounding_box(self) -> tuple[FloatArray, FloatArray]:
        """The bounding box ``(lower, upper)`` of the parameter polytope (cached; may be infinite)."""
        lo, hi = self._box
        return lo.copy(), hi.copy()

    @property
    def bounded(self) -> bool:
        """Whether the parameter polytope is bounded (LPs on first use only)."""
        lo, hi = self._box
        return bool(np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)))

    @classmethod
    def from_halfspaces(cls, G: ArrayLike, h: ArrayLike) -> Chart:
        """The identity chart of ``{t : G t <= h}``.

        Rows that are (positive multiples of) signed unit vectors become coordinate bounds,
        so a box stays a box (sampled and bounded without LPs).
        """
        G = np.asarray(G, dtype=np.float64)
        h = np.asarray(h, dtype=np.float64).ravel()
        k = G.shape[1]
        lower = np.full(k, -math.inf)
        upper = np.full(k, math.inf)
        nz = np.count_nonzero(G, axis=1)
        keep = np.ones(len(G), dtype=bool)
        for r in np.flatnonzero(nz == 1):
            j = int(np.flatnonzero(G[r])[0])
            a = G[r, j]
            if a > 0:
                upper[j] = min(upper[j], h[r] / a)
            else:
                lower[j] = max(lower[j], h[r] / a)
            keep[r] = False
        return cls(np.zeros(k), np.eye(k), lower, upper, G[keep], h[keep])

    def to_ambient(self, t: ArrayLike) -> FloatArray:
        """Map chart coordinates ``(k,)`` or ``(N, k)`` to input space."""
        t = np.asarray(t, dtype=np.float64)
        return np.asarray(t @ self.basis.T + self.origin, dtype=np.float64)

    def halfspaces(self) -> tuple[FloatArray, FloatArray]:
        """All constraints on ``t`` as ``G t <= h`` (finite coordinate bounds included)."""
        k = self.dim
        rows = [self.A]
        rhs = [self.b]
        eye = np.eye(k)
        fin_u = np.isfinite(self.upper)
        fin_l = np.isfinite(self.lower)
        rows += [eye[fin_u], -eye[fin_l]]
        rhs += [self.upper[fin_u], -self.lower[fin_l]]
        return np.vstack(rows).reshape(-1, k), np.concatenate(rhs)
