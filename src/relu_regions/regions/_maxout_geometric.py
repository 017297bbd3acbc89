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

import math
from typing import Any

import numpy as np

from .._budget import Budget, progress_bar
from .._typing import FloatArray, IntArray
from ..exceptions import DomainError, EmptyDomainError
from ..network import Network
from ._geometric import RADIUS_RTOL, ZERO_RTOL
from ._maxout_polytope import PATTERN_DTYPE, piece_layers, point_patterns, region_rows
from ._polytope import bounding_box
from ._types import EngineResult

__all__ = ["maxout_geometric_engine"]


def _measure_radius(V: FloatArray) -> tuple[float, float]:
    """Measure and inradius estimate (``2 area / perimeter``; half the length in 1-D)."""
    if V.shape[1] == 1:
        L = float(V[1, 0] - V[0, 0])
        return L, 0.5 * L
    pts = V.tolist()  # a few vertices: plain floats beat NumPy's per-call overhead
    area2 = 0.0
    perim = 0.0
    x0, y0 = pts[-1]
    for x1, y1 in pts:
        area2 += x0 * y1 - x1 * y0
        perim += math.hypot(x1 - x0, y1 - y0)
        x0, y0 = x1, y1
    area = 0.5 * area2
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
    pts, fs, ss = V.tolist(), f.tolist(), s.tolist()  # plain floats: a few vertices
    m = len(pts)
    for i in range(m):
        j = (i + 1) % m
        if ss[i] >= 0:
            out.append(pts[i])
        if ss[i] * ss[j] < 0:
            t = fs[i] / (fs[i] - fs[j])
            (xi, yi), (xj, yj) = pts[i], pts[j]
            out.append([xi + t * (xj - xi), yi + t * (yj - yi)])
    return np.array(out) if len(out) >= 3 else None


def _split(
    V: FloatArray, a: FloatArray, c: FloatArray, MA: FloatArray, Mc: FloatArray, radius_tol: float
) -> list[tuple[int, FloatArray]]:
    """The parts ``(piece, vertices)`` of the cell ``V`` under one unit (module docstring).

    ``a, c`` ``(k, n), (k,)``: the unit's pieces on the cell; ``MA, Mc``: the magnitudes of
    their terms.
    """
    F = V @ a.T + c  # (m, k) piece values at the vertices
    M = np.abs(V) @ MA.T + Mc
    k = F.shape[1]
    pieces = list(range(k))
    while True:
        parts: list[tuple[int, FloatArray]] = []
        slivers: list[tuple[float, int]] = []
        for q in pieces:
            P: FloatArray | None = V
            for r in pieces:
                if r == q or P is None:
                    continue
                if P is V:
                    d, tol = F[:, q] - F[:, r], ZERO_RTOL * (M[:, q] + M[:, r])
                else:
                    d = P @ (a[q] - a[r]) + (c[q] - c[r])
                    tol = ZERO_RTOL * (np.abs(P) @ (MA[q] + MA[r]) + Mc[q] + Mc[r])
                if np.all(np.abs(d) <= tol):  # identical on the cell: the lower piece wins
                    if r < q:
                        P = None
                    continue
                P = _clip(P, d, tol)
            if P is None:
                continue
            area, rad = _measure_radius(P)
            if rad > radius_tol:
                parts.append((q, P))
            else:
                slivers.append((area, q))
        if not slivers:
            return parts or [(int(np.argmax(F.mean(axis=0))), V)]  # (only if round-off lost every part)
        if not parts:  # every part is a sliver: the cell keeps the piece of the largest one
            return [(max(slivers)[1], V)]
        pieces = [q for q in pieces if q not in {sq for _, sq in slivers}]


def _pad(polys: list[FloatArray]) -> tuple[FloatArray, IntArray]:
    """Vertex lists padded to one array ``(C, M, n)`` by repeating the first vertex."""
    m = np.array([len(P) for P in polys], dtype=np.int64)
    M = int(m.max()) if len(m) else 1
    n = polys[0].shape[1] if polys else 1
    V = np.empty((len(polys), M, n))
    for i, P in enumerate(polys):
        V[i, : len(P)] = P
        V[i, len(P):] = P[0]
    return V, m


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
    # every cell at once: vertices (padded), the current layer's piece maps and magnitudes
    polys = [V0]
    A, c = W0[None], b0[None]
    MA, Mc = MA0[None], Mc0[None]
    pattern = np.zeros((1, 0), dtype=np.int64)
    total = net.num_neurons
    bar = progress_bar(
        total, desc="geometric (maxout): units", unit=" units", enabled=options.get("progress")
    )
    complete = True
    splits = 0
    with bar:
        for li, (W, b) in enumerate(layers):
            out = W.shape[1]
            if li > 0:
                absW = np.abs(W)
                A = np.einsum("qoi,cin->cqon", W, A, optimize=True)
                c = np.einsum("qoi,ci->cqo", W, c) + b
                MA = np.einsum("qoi,cin->cqon", absW, MA, optimize=True)
                Mc = np.einsum("qoi,ci->cqo", absW, Mc) + np.abs(b)
            for j in range(out):
                if budget.stop:
                    complete = False
                    break
                V, _ = _pad(polys)
                F = np.einsum("cmn,ckn->cmk", V, A[:, :, j, :]) + c[:, None, :, j]
                Mg = np.einsum("cmn,ckn->cmk", np.abs(V), MA[:, :, j, :]) + Mc[:, None, :, j]
                best = F.argmax(axis=2)[..., None]
                Fb = np.take_along_axis(F, best, axis=2)
                Mb = np.take_along_axis(Mg, best, axis=2)
                wins = np.all(F >= Fb - ZERO_RTOL * (Mg + Mb), axis=1)  # (C, k)
                piece = np.argmax(wins, axis=1)  # the lowest piece that is a maximum everywhere
                hard = np.flatnonzero(~wins.any(axis=1))
                if hard.size:
                    src = list(range(len(polys)))
                    new_piece = list(piece)
                    for ci in hard:
                        parts = _split(
                            polys[ci], A[ci, :, j], c[ci, :, j], MA[ci, :, j], Mc[ci, :, j], radius_tol
                        )
                        splits += len(parts) - 1
                        (new_piece[ci], polys[ci]), rest = parts[0], parts[1:]
                        for q, P in rest:
                            src.append(int(ci))
                            new_piece.append(q)
                            polys.append(P)
                    idx = np.array(src)
                    A, c, MA, Mc, pattern = A[idx], c[idx], MA[idx], Mc[idx], pattern[idx]
                    piece = np.array(new_piece)
                pattern = np.concatenate([pattern, piece[:, None]], axis=1)
                bar.update(1)
            if not complete:
                break
            # the next layer's input: the active pieces' maps
            sel = pattern[:, -out:][:, None, :]
            A = np.take_along_axis(A, sel[..., None], axis=1)[:, 0]
            c = np.take_along_axis(c, sel, axis=1)[:, 0]
            MA = np.take_along_axis(MA, sel[..., None], axis=1)[:, 0]
            Mc = np.take_along_axis(Mc, sel, axis=1)[:, 0]
    points = np.array([P.mean(axis=0) for P in polys]).reshape(-1, k)
    if not complete:  # cells of a cut-off layer: their full patterns at the centroids
        found, clear = point_patterns(layers, points)
        found, points = found[clear], points[clear]
        _, idx = np.unique(found, axis=0, return_index=True)
        idx = np.sort(idx)
        return EngineResult(found[idx], points[idx], complete=False, exact=False,
                            details={"cells_when_stopped": len(polys)})
    pats: Any = pattern.astype(PATTERN_DTYPE)
    measures = np.array([_measure_radius(P)[0] for P in polys])
    total_measure = float(measures.sum())
    rel = abs(total_measure - dom_measure) / dom_measure
    certificate: dict[str, Any] = {
        "measure_sum": total_measure,
        "domain_measure": dom_measure,
        "relative_error": rel,
        "measure": "area" if k == 2 else "length",
    }
    details: dict[str, Any] = {
        "splits": splits, "pieces": len(polys), "zero_rtol": ZERO_RTOL, "radius_rtol": RADIUS_RTOL,
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
        polys = [polys[i] for i in keep]
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
        vertices=polys if options.get("collect") else None,
        measures=measures,
    )

