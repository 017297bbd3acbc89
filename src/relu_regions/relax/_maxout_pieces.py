"""How :func:`~relu_regions.relax.stable_units` decides one maxout piece live or dead.

The domain pulled back to its chart (:func:`prepare_units`), the per-layer working state,
witnesses from forward passes, interval bounds of pairwise piece differences, and the
big-M MILP of the earlier layers whose optimum bounds a piece's gap
:math:`g_q = \\max_D (z_q - \\max_{p \\ne q} z_p)` (steps 1-4 of the docstring of
:mod:`relu_regions.relax._maxout`, which drives them layer by layer).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._budget import Budget
from .._typing import FloatArray
from ..domain import Chart, Domain, parse_domain
from ..io import load_network
from ..network import Network
from ..solvers import MILP, solve
from ._maxout_units import PLLayer, pl_layers
from ._setup import SIGN_TOL, SOLVER_PAD, chart_box

__all__ = ["prepare_units"]


@dataclasses.dataclass(frozen=True, eq=False)
class _Setup:
    net: Network
    domain: Domain
    chart: Chart
    layers: list[PLLayer]  # in chart coordinates
    lower: FloatArray
    upper: FloatArray
    A: FloatArray
    b: FloatArray

    @property
    def dim(self) -> int:
        return int(self.lower.size)

    def to_ambient(self, T: FloatArray) -> FloatArray:
        return np.asarray(self.chart.to_ambient(T))


def prepare_units(net: Any, domain: Any) -> _Setup:
    net = load_network(net)
    layers = pl_layers(net)
    dom = parse_domain(domain, input_dim=net.input_dim)
    chart = dom.chart()
    lower, upper = chart_box(chart, "stable units")
    o, B = np.asarray(chart.origin, float), np.asarray(chart.basis, float)
    first = layers[0]
    layers[0] = PLLayer(
        np.einsum("kji,im->kjm", first.W, B), first.b + np.einsum("kji,i->kj", first.W, o), first.kind
    )
    return _Setup(
        net, dom, chart, layers, lower, upper, np.asarray(chart.A, float), np.asarray(chart.b, float)
    )


class _State:
    """Kept pieces, proofs and witnesses of every activated layer, filled layer by layer."""

    def __init__(self, setup: _Setup) -> None:
        self.setup = setup
        self.act = [pl for pl in setup.layers if pl.kind != "affine"]
        self.kept: list[list[list[int]]] = [
            [list(range(pl.rank)) for _ in range(pl.width)] for pl in self.act
        ]
        self.live = [[set() for _ in range(pl.width)] for pl in self.act]  # type: list[list[set[int]]]
        self.dead: list[list[list[int]]] = [[[] for _ in range(pl.width)] for pl in self.act]
        self.proof = [["" for _ in range(pl.width)] for pl in self.act]
        self.wit = [{} for _ in self.act]  # type: list[dict[int, FloatArray]]
        self.bounds: list[tuple[FloatArray, FloatArray]] = []  # per activated layer: (k, out) piece bounds
        self.stats: dict[str, Any] = {}

    def bump(self, key: str, n: float = 1) -> None:
        self.stats[key] = self.stats.get(key, 0) + n

    def mark_live(self, layer: int, unit: int, piece: int, point: FloatArray) -> None:
        self.live[layer][unit].add(piece)
        pts = self.wit[layer].setdefault(unit, np.full((self.act[layer].rank, self.setup.dim), np.nan))
        if np.any(np.isnan(pts[piece])):
            pts[piece] = point

    def mark_dead(self, layer: int, unit: int, piece: int, how: str) -> None:
        self.kept[layer][unit].remove(piece)
        self.dead[layer][unit].append(piece)
        self.bump(f"dead_by_{how}")
        self._proofs(layer, unit, how)

    def _proofs(self, layer: int, unit: int, how: str) -> None:
        have = [p for p in self.proof[layer][unit].split("+") if p]
        if how not in have:
            self.proof[layer][unit] = "+".join([*have, how])

    def decided(self, layer: int, unit: int) -> bool:
        return len(self.kept[layer][unit]) == len(self.live[layer][unit]) or len(self.kept[layer][unit]) == 1


# ---------------------------------------------------------------- witnesses and intervals
def _forward_act(setup: _Setup, T: FloatArray) -> list[FloatArray]:
    """Pieces ``(N, k, out)`` of every activated layer at chart points ``T``."""
    out = []
    h = T
    for pl in setup.layers:
        if pl.kind == "affine":
            break
        Z = pl.pieces(h)
        out.append(Z)
        h = Z.max(axis=1)
    return out


def _margins(Z: FloatArray) -> FloatArray:
    """``z_q - max_{p != q} z_p`` for every piece, ``(N, k, out)``."""
    k = Z.shape[1]
    if k == 1:
        return np.full_like(Z, np.inf)
    s = np.sort(Z, axis=1)
    top, second = s[:, -1:], s[:, -2:-1]
    return np.where(Z >= top, Z - second, Z - top)


def _witnesses(state: _State, T: FloatArray, layer: int | None = None) -> None:
    for li, Z in enumerate(_forward_act(state.setup, T)):
        if layer is not None and li != layer:
            continue
        M = _margins(Z)
        best = np.argmax(M, axis=0)  # (k, out)
        val = np.take_along_axis(M, best[None], axis=0)[0]
        for p, u in zip(*np.nonzero(val > SIGN_TOL), strict=True):
            if p not in state.live[li][u]:
                state.mark_live(li, int(u), int(p), T[best[p, u]])


def _interval(W: FloatArray, b: FloatArray, lo: FloatArray, hi: FloatArray) -> tuple[FloatArray, FloatArray]:
    Wp, Wn = np.maximum(W, 0.0), np.minimum(W, 0.0)
    return b + Wp @ lo + Wn @ hi, b + Wp @ hi + Wn @ lo


def _unit_output_bounds(state: _State, layer: int) -> tuple[FloatArray, FloatArray]:
    L, U = state.bounds[layer]
    lo = np.array([max(L[p, u] for p in ks) for u, ks in enumerate(state.kept[layer])])
    hi = np.array([max(U[p, u] for p in ks) for u, ks in enumerate(state.kept[layer])])
    return lo, hi


def _input_bounds(state: _State, layer: int) -> tuple[FloatArray, FloatArray]:
    if layer == 0:
        return state.setup.lower, state.setup.upper
    return _unit_output_bounds(state, layer - 1)


def _interval_dead(state: _State, layer: int, unit: int, q: int, lo: FloatArray, hi: FloatArray) -> bool:
    pl = state.act[layer]
    best = math.inf
    for p in state.kept[layer][unit]:
        if p == q:
            continue
        _, up = _interval(pl.W[q, unit] - pl.W[p, unit], np.asarray(pl.b[q, unit] - pl.b[p, unit]), lo, hi)
        best = min(best, float(up))
    return best <= SIGN_TOL


# ---------------------------------------------------------------- the MILP of the earlier layers
@dataclasses.dataclass
class _Model:
    rows: list[tuple[dict[int, float], float, float]]
    col_lo: list[float]
    col_hi: list[float]
    col_int: list[bool]
    h_cols: list[int]  # columns of the current layer's input h
    dim: int

    def add_col(self, lo: float, hi: float, integer: bool = False) -> int:
        self.col_lo.append(lo)
        self.col_hi.append(hi)
        self.col_int.append(integer)
        return len(self.col_lo) - 1

    def affine(self, w: FloatArray) -> dict[int, float]:
        return {c: float(v) for c, v in zip(self.h_cols, w, strict=True) if v != 0.0}


def _build(state: _State, depth: int) -> _Model:
    """Encode activated layers ``0..depth-1`` with their kept pieces (exact big-M)."""
    s = state.setup
    m = _Model([], list(s.lower), list(s.upper), [False] * s.dim, list(range(s.dim)), s.dim)
    for i in range(s.A.shape[0]):
        m.rows.append(({j: float(v) for j, v in enumerate(s.A[i]) if v != 0.0}, -math.inf, float(s.b[i])))
    for layer in range(depth):
        pl = state.act[layer]
        L, U = state.bounds[layer]
        olo, ohi = _unit_output_bounds(state, layer)
        new_cols = []
        for u, ks in enumerate(state.kept[layer]):
            pad = SOLVER_PAD * (1.0 + abs(olo[u]) + abs(ohi[u]))
            y = m.add_col(olo[u] - pad, ohi[u] + pad)
            new_cols.append(y)
            if len(ks) == 1:
                row = {y: 1.0}
                for c, v in m.affine(-pl.W[ks[0], u]).items():
                    row[c] = v
                m.rows.append((row, float(pl.b[ks[0], u]), float(pl.b[ks[0], u])))
                continue
            Umax = max(U[p, u] for p in ks)
            deltas = {}
            for p in ks:
                d = m.add_col(0.0, 1.0, integer=True)
                deltas[d] = 1.0
                neg = m.affine(-pl.W[p, u])
                ge = {y: 1.0, **neg}
                m.rows.append((ge, float(pl.b[p, u]), math.inf))  # y - W[p] h >= b[p]
                M = float(Umax - L[p, u]) + 2 * SOLVER_PAD * (1.0 + abs(Umax) + abs(L[p, u]))
                le = {y: 1.0, **neg, d: M}
                m.rows.append((le, -math.inf, float(pl.b[p, u]) + M))  # y <= z_p + M (1 - d)
            m.rows.append((deltas, 1.0, 1.0))
        m.h_cols = new_cols
    return m


def _gap_problem(
    m: _Model, pl: PLLayer, unit: int, q: int, others: Sequence[int], relax: bool
) -> tuple[MILP, int]:
    """``max z_q - s`` with ``s >= z_p`` for ``p`` in ``others``; returns the problem and s's column."""
    col_lo, col_hi, col_int = list(m.col_lo), list(m.col_hi), list(m.col_int)
    rows = list(m.rows)
    s_col = len(col_lo)
    col_lo.append(-math.inf)
    col_hi.append(math.inf)
    col_int.append(False)
    for p in others:
        row = {s_col: 1.0, **m.affine(-pl.W[p, unit])}
        rows.append((row, float(pl.b[p, unit]), math.inf))
    n = len(col_lo)
    c = np.zeros(n)
    for col, v in m.affine(pl.W[q, unit]).items():
        c[col] += v
    c[s_col] -= 1.0
    data, ri, ci = [], [], []
    for r, (coefs, _, _) in enumerate(rows):
        for col, v in coefs.items():
            ri.append(r)
            ci.append(col)
            data.append(v)
    A = sp.csr_matrix((data, (ri, ci)), shape=(len(rows), n))
    integ = np.zeros(n, bool) if relax else np.asarray(col_int, bool)
    problem = MILP(
        c=c,
        A=A,
        row_lower=np.array([lo for _, lo, _ in rows], float),
        row_upper=np.array([hi for _, _, hi in rows], float),
        col_lower=np.array(col_lo, float),
        col_upper=np.array(col_hi, float),
        integrality=integ,
        sense="max",
        offset=float(pl.b[q, unit]),
    )
    return problem, s_col


def _solver_gap(
    state: _State, layer: int, unit: int, q: int, model: _Model, *, relax: bool, solver: str, budget: Budget
) -> str | None:
    """Decide piece ``q`` by the LP relaxation or the MILP: "live", "dead" or None (open)."""
    s = state.setup
    others = [p for p in state.kept[layer][unit] if p != q]
    problem, _ = _gap_problem(model, state.act[layer], unit, q, others, relax)
    kwargs: dict[str, Any] = {} if relax else {"objective_stop": 10 * SIGN_TOL, "bound_stop": SIGN_TOL}
    res = solve(problem, solver=solver, time_limit=budget.remaining(), **kwargs)
    state.bump("lp_solves" if relax else "milp_solves")
    if res.x is not None:
        t = np.clip(np.asarray(res.x[: s.dim], float), s.lower, s.upper)
        _witnesses(state, t[None], layer)
        if q in state.live[layer][unit]:
            return "live"
    if res.status in ("optimal", "stopped") and math.isfinite(res.bound):
        if res.bound <= SIGN_TOL:
            return "dead"
        if not relax and res.status == "optimal":
            return "live"  # the exact optimum is above the tolerance (a thin witness)
    if not relax and res.status == "stopped":  # incumbent not confirmed by the forward pass
        full = solve(problem, solver=solver, time_limit=budget.remaining())
        state.bump("milp_solves")
        if full.status == "optimal" and math.isfinite(full.bound):
            return "dead" if full.bound <= SIGN_TOL else "live"
    return None
