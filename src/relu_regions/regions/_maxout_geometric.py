"""The ``geometric`` method for networks with maxout layers: exact regions on 1-D/2-D domains.

Algorithm (Hanin & Rolnick 2019, Appendix A, with maxout units)
---------------------------------------------------------------
Keep the (bounded) domain as a list of convex cells, each with its pattern so far and the
affine map ``u -> A u + c`` of the current layer's input.  Add the units one by one, first to
last layer.  On a cell every piece of unit ``j`` is affine, ``f_q(u) = a_q u + c_q``, so the
unit splits the cell into the convex parts

.. math::

    C_q = \\{u \\in C : f_q(u) \\ge f_r(u) \\ \\forall r \\ne q\\}

(up to ``k`` of them, cut along the pairwise ties ``f_q = f_r``; a piece may win only inside
the cell, so every piece is tried).  When one piece is the maximum at every vertex of the
cell it wins on the whole cell (a maximum of affine functions over a polygon is attained at
its vertices) and the cell is not split.  A ReLU neuron is the rank-2 unit ``max(0, z)``
(``max(alpha z, z)`` for a leaky one), so this is the ReLU algorithm on mixed networks.

Tolerances, as in the ReLU engine (:mod:`._geometric`): ``f_q - f_r`` is zero at a vertex when
``|f_q - f_r| <= ZERO_RTOL`` times the magnitude of the terms both are summed from; two
pieces whose difference is zero at every vertex are identical on the cell and the lower
index wins (ties go to the lowest piece).  A part whose inradius estimate ``2 area /
perimeter`` (half its length in 1-D) is at most ``RADIUS_RTOL`` times the domain's
half-diagonal is a sliver, not a region: its piece is dropped and the parts are recomputed
among the remaining pieces, which then cover the cell.

The certificate is that the cells' areas (lengths) sum to the domain's.  Unbounded domains
are not supported for maxout networks (use ``lp`` in 2-D).  Cost: per unit and cell one
vertex evaluation; a split cell costs ``k (k - 1)`` polygon clips.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._budget import Budget, progress_bar
from .._typing import FloatArray
from ..exceptions import DomainError, EmptyDomainError
from ..network import Network
from ._geometric import RADIUS_RTOL, ZERO_RTOL
from ._maxout_polytope import PATTERN_DTYPE, piece_layers, point_patterns, region_rows
from ._polytope import bounding_box
from ._types import EngineResult

__all__ = ["maxout_geometric_engine"]


class _Cell:
    __slots__ = ("V", "pattern", "A", "c", "MA", "Mc")

    def __init__(self, V: FloatArray, pattern: list[int], A: FloatArray, c: FloatArray, MA: FloatArray,
                 Mc: FloatArray) -> None:
        self.V = V  # (m, 2) counter-clockwise, or (2, 1) [lo, hi]
        self.pattern = pattern
        self.A, self.c = A, c  # the current layer's piece maps (k, out, n), (k, out)
        self.MA, self.Mc = MA, Mc  # magnitudes of their terms


def _measure_radius(V: FloatArray) -> tuple[float, float]:
    """Measure and inradius estimate (``2 area / perimeter``; half the length in 1-D)."""
    if V.shape[1] == 1:
        L = float(V[1, 0] - V[0, 0])
        return L, 0.5 * L
    x, y = V[:, 0], V[:, 1]
    area = 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))
    perim = float(np.linalg.norm(np.roll(V, -1, axis=0) - V, axis=1).sum())
    return area, (2.0 * area / perim if perim > 0 else 0.0)


def _clip(V: FloatArray, f: FloatArray, tol: FloatArray) -> FloatArray | None:
    """The part of the convex cell ``V`` where the affine ``f >= 0`` (``f`` given at the vertices)."""
    s = np.where(f > tol, 1, np.where(f < -tol, -1, 0))
    if np.all(s >= 0):
        return V
    if np.all(s <= 0):
        return None
    if V.shape[1] == 1:
        lo, hi = float(V[0, 0]), float(V[1, 0])
        x = lo + f[0] / (f[0] - f[1]) * (hi - lo) if s[0] * s[1] < 0 else None
        if s[0] >= 0:
            return np.array([[lo], [x if x is not None else lo]])
        return np.array([[x if x is not None else hi], [hi]])
    out = []
    m = V.shape[0]
    for i in range(m):
        j = (i + 1) % m
        if s[i] >= 0:
            out.append(V[i])
        if s[i] * s[j] < 0:
            t = f[i] / (f[i] - f[j])
            out.append(V[i] + t * (V[j] - V[i]))
    return np.array(out) if len(out) >= 3 else None


def _split(cell: _Cell, j: int, radius_tol: float) -> list[tuple[int, FloatArray]]:
    """The parts ``(piece, vertices)`` of ``cell`` under unit ``j`` (module docstring)."""
    V = cell.V
    a, c = cell.A[:, j, :], cell.c[:, j]
    F = V @ a.T + c  # (m, k) piece values at the vertices
    M = np.abs(V) @ cell.MA[:, j, :].T + cell.Mc[:, j]  # magnitudes of their terms
    k = F.shape[1]
    best = F.max(axis=1, keepdims=True)
    Mb = np.take_along_axis(M, F.argmax(axis=1)[:, None], axis=1)
    wins = np.all(F >= best - ZERO_RTOL * (M + Mb), axis=0)
    if wins.any():
        return [(int(np.argmax(wins)), V)]  # the lowest piece that is a maximum everywhere
    pieces = list(range(k))
    while True:
        parts: list[tuple[int, FloatArray]] = []
        slivers = []
        for q in pieces:
            P: FloatArray | None = V
            Fq, Mq = F[:, q], M[:, q]
            for r in pieces:
                if r == q or P is None:
                    continue
                if P is V:
                    d, tol = Fq - F[:, r], ZERO_RTOL * (Mq + M[:, r])
                else:
                    d = P @ (a[q] - a[r]) + (c[q] - c[r])
                    mag = np.abs(P) @ (cell.MA[q, j] + cell.MA[r, j]) + cell.Mc[q, j] + cell.Mc[r, j]
                    tol = ZERO_RTOL * mag
                if np.all(np.abs(d) <= tol):  # identical on the cell: the lower piece wins
                    if r < q:
                        P = None
                    continue
                P = _clip(P, d, tol)
            if P is None:
                continue
            _, rad = _measure_radius(P)
            if rad > radius_tol:
                parts.append((q, P))
            else:
                slivers.append(q)
        if not slivers or not parts:
            return parts
        pieces = [q for q in pieces if q not in slivers]


def maxout_geometric_engine(
    net: Network, G: FloatArray, h: FloatArray, *, budget: Budget, options: dict[str, Any]
) -> EngineResult:
    """Exact regions of a maxout network (chart coordinates) on a bounded ``{G t <= h}``, k <= 2."""
    k = net.input_dim
    if k not in (1, 2):
        raise DomainError(f"the geometric engine works on 1-D and 2-D domains, not {k}-D")
    G = np.asarray(G, dtype=np.float64).reshape(-1, k)
    h = np.asarray(h, dtype=np.float64).ravel()
    try:
        lo, hi = bounding_box(G, h)
    except DomainError:
        raise DomainError(
            "method 'geometric' needs a bounded domain for maxout networks; give finite bounds "
            "(or use method='lp' on an unbounded plane)"
        ) from None
    V0 = np.array([[lo[0]], [hi[0]]]) if k == 1 else np.array(
        [[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]]
    )
    for g, hh in zip(G, h, strict=True):
        f = hh - V0 @ g
        clipped = _clip(V0, f, 1e-12 * (np.abs(V0) @ np.abs(g) + abs(hh)))
        if clipped is None:
            raise EmptyDomainError("the domain has no interior in its own coordinates")
        V0 = clipped
    dom_measure, _ = _measure_radius(V0)
    radius_tol = RADIUS_RTOL * 0.5 * float(np.linalg.norm(hi - lo))
    layers = piece_layers(net)
    W0, b0 = layers[0]
    MA0, Mc0 = np.abs(W0), np.abs(b0)
    if options.get("_pullback") is not None:
        Wp, bp, o, B = (np.asarray(x, dtype=np.float64) for x in options["_pullback"])
        if Wp.ndim == 2:  # a ReLU first layer: both pieces are made of the same terms
            Wp, bp = np.stack([Wp, Wp]), np.stack([bp, bp])
        MA0 = MA0 + np.abs(Wp) @ np.abs(B)
        Mc0 = Mc0 + np.abs(Wp) @ np.abs(o) + np.abs(bp)
    cells = [_Cell(V0, [], W0, b0, MA0, Mc0)]
    total = net.num_neurons
    bar = progress_bar(
        total, desc="geometric (maxout): units", unit=" units", enabled=options.get("progress")
    )
    complete = True
    splits = 0
    with bar:
        for li, (W, b) in enumerate(layers):
            if li > 0:
                for cell in cells:
                    cell.A = np.einsum("qoi,in->qon", W, cell.A)
                    cell.c = W @ cell.c + b
                    absW = np.abs(W)
                    cell.MA = np.einsum("qoi,in->qon", absW, cell.MA)
                    cell.Mc = absW @ cell.Mc + np.abs(b)
            for j in range(W.shape[1]):
                if budget.stop:
                    complete = False
                    break
                new: list[_Cell] = []
                for cell in cells:
                    parts = _split(cell, j, radius_tol)
                    splits += len(parts) - 1
                    for q, P in parts:
                        new.append(_Cell(P, [*cell.pattern, q], cell.A, cell.c, cell.MA, cell.Mc))
                cells = new
                bar.update(1)
            if not complete:
                break
            # the next layer's input: the active pieces' maps
            for cell in cells:
                p = np.array(cell.pattern[-W.shape[1]:])
                units = np.arange(W.shape[1])
                cell.A, cell.c = cell.A[p, units], cell.c[p, units]
                cell.MA, cell.Mc = cell.MA[p, units], cell.Mc[p, units]
    points = np.array([cell.V.mean(axis=0) for cell in cells]).reshape(-1, k)
    if not complete:  # cells of a cut-off layer: their full patterns at the centroids
        found, clear = point_patterns(layers, points)
        found, points = found[clear], points[clear]
        _, idx = np.unique(found, axis=0, return_index=True)
        idx = np.sort(idx)
        return EngineResult(found[idx], points[idx], complete=False, exact=False,
                            details={"cells_when_stopped": len(cells)})
    pats: Any = np.array([cell.pattern for cell in cells], dtype=PATTERN_DTYPE).reshape(len(cells), -1)
    measures = np.array([_measure_radius(cell.V)[0] for cell in cells])
    total_measure = float(measures.sum())
    rel = abs(total_measure - dom_measure) / dom_measure
    certificate: dict[str, Any] = {
        "measure_sum": total_measure,
        "domain_measure": dom_measure,
        "relative_error": rel,
        "measure": "area" if k == 2 else "length",
    }
    details: dict[str, Any] = {
        "splits": splits, "pieces": len(cells), "zero_rtol": ZERO_RTOL, "radius_rtol": RADIUS_RTOL,
        "maxout_ranks": list(net.maxout_ranks),
    }
    exact = rel <= 1e-8
    if not exact:
        details["not_exact_reason"] = "the cells' measures do not add up to the domain's"
    _, first, counts = np.unique(pats, axis=0, return_index=True, return_counts=True)
    if np.any(counts > 1):
        exact = False
        details["duplicate_patterns"] = int((counts > 1).sum())
        details["not_exact_reason"] = "a pattern was found on two cells (numerically degenerate ties)"
        keep = np.sort(first)
        pats, points, measures = pats[keep], points[keep], measures[keep]
        cells = [cells[i] for i in keep]
    halfspaces = None
    if options.get("collect") and len(pats):
        Gr, hr, _ = region_rows(layers, pats)
        halfspaces = [(np.vstack([Gr[i], G]), np.concatenate([hr[i], h])) for i in range(len(pats))]
    return EngineResult(
        patterns=pats,
        points=points,
        complete=True,
        exact=exact,
        certificate=certificate,
        details=details,
        halfspaces=halfspaces,
        vertices=[cell.V for cell in cells] if options.get("collect") else None,
        measures=measures,
    )

