r"""Stable units of maxout networks (mixed freely with ReLU layers) on a bounded domain.

A rank-``k`` maxout unit outputs :math:`y = \max_p z_p` with pieces
:math:`z_p = W[p] h + b[p]` of the previous layer's output ``h`` (Goodfellow et al. 2013).
Generalising the stable neurons of Kumar, Serra & Ramalingam (Sec. 3), on a domain ``D``:

* piece ``q`` is *live* when it is strictly the maximum somewhere on ``D``:
  :math:`g_q = \max_{x \in D} \big(z_q(x) - \max_{p \ne q} z_p(x)\big) > \text{SIGN\_TOL}`,
  and *dead* otherwise (it never beats the other pieces by more than ``SIGN_TOL``);
* a unit is *stable* when one piece is left after removing its dead pieces one by one
  (that piece is :math:`\ge` every other one on the whole domain, so the unit is affine
  there), and *unstable* when two or more pieces are live.

A ReLU neuron is the rank-2 unit :math:`\max(z, 0)`: piece 0 stable is *stably active*,
piece 1 (the zero piece) stable is *stably inactive*, so ReLU layers of a mixed network
are decided by the same code.

Dead pieces are removed sequentially: each :math:`g_q` is taken against the pieces still
kept, so two identical pieces never remove each other.  Removing a dead piece changes the
unit's output by at most ``SIGN_TOL`` (the tolerance the ReLU stability uses for signs).

How a piece is decided (``method="auto"``, exact):

1. *witnesses*: uniform samples (plus random box vertices) where the piece is strictly the
   maximum by more than ``SIGN_TOL`` -- checked by a forward pass, so the piece is live;
2. *interval*: :math:`g_q \le \min_{p \ne q} \overline{(z_q - z_p)}`, the upper bound of
   each pairwise difference :math:`(W[q] - W[p]) h + b[q] - b[p]` by interval arithmetic
   on ``h`` (exact on box domains for the first layer); at most ``SIGN_TOL`` proves it dead;
3. *LP*: the LP relaxation of the MILP below; its optimum bounds :math:`g_q` from above;
4. *MILP*: the earlier layers encoded exactly (big-M; every maxout unit with several kept
   pieces gets one binary per piece: :math:`y \ge z_p`,
   :math:`y \le z_p + (U - L_p)(1 - \delta_p)`, :math:`\sum_p \delta_p = 1`, with sound
   interval bounds :math:`L_p \le z_p \le U_p`, :math:`U = \max_p U_p`), maximising
   :math:`z_q - s` subject to :math:`s \ge z_p` for the other kept pieces (no binary is
   needed for the unit itself: maximising :math:`-s` makes ``s`` their maximum).  The
   solve stops at the first incumbent above ``10 SIGN_TOL`` (a witness, re-checked by a
   forward pass) or when its bound proves :math:`g_q \le` ``SIGN_TOL``.

``method="lp"`` and ``"interval"`` stop after step 3 or 2: sound but incomplete; a piece
they cannot decide is kept, its unit may be *undecided*, and the result says ``exact: false``.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._budget import Budget
from .._typing import FloatArray, Seed
from ..domain import Chart, Domain, parse_domain
from ..exceptions import DomainError, OptionError, UnknownChoiceError, UnsupportedLayerError
from ..io import load_network
from ..network import Network
from ..polytope import lp_bounding_box as _lp_bounding_box
from ..polytope import sample_chart as _sample_chart
from ..solvers import MILP, solve
from ._setup import SIGN_TOL, SOLVER_PAD
from ._stable import LayerStability, StableNeurons

__all__ = [
    "PLLayer",
    "pl_layers",
    "UnitLayerStability",
    "StableUnits",
    "stable_units",
    "MAXOUT_STABILITY_METHODS",
    "STABLE_PIECE",
]

#: ``status()`` code of a stable maxout unit (beside 1 active, -1 inactive, 0 unstable, 2 undecided).
STABLE_PIECE = 3

#: Methods of :func:`stable_units`: how far each piece is pushed (see the module docstring).
MAXOUT_STABILITY_METHODS = {
    "auto": "exact: witnesses, interval, LP relaxation, then sign-only MILPs",
    "milp": "exact: as auto (the MILP is the same; kept for parity with stable_neurons)",
    "lp": "sound: witnesses, interval and LP relaxation (may leave units undecided)",
    "interval": "sound: witnesses and interval bounds (may leave units undecided)",
    "crown": "sound: as interval for maxout networks (no CROWN relaxation of max units yet)",
}


@dataclasses.dataclass(frozen=True, eq=False)
class PLLayer:
    """One layer in the uniform piecewise-linear form used here.

    ``W`` has shape ``(k, out, in)`` and ``b`` shape ``(k, out)``; ``kind`` is ``"maxout"``
    (``y = max_p W[p] h + b[p]``), ``"relu"`` (``k = 2``, piece 1 identically zero) or
    ``"affine"`` (``k = 1``, no activation: the output layer).
    """

    W: FloatArray
    b: FloatArray
    kind: str

    @property
    def rank(self) -> int:
        return int(self.W.shape[0])

    @property
    def width(self) -> int:
        return int(self.W.shape[1])

    def pieces(self, h: FloatArray) -> FloatArray:
        """Pre-activations of every piece, ``(N, k, out)``, for inputs ``h`` ``(N, in)``."""
        return np.einsum("kji,ni->nkj", self.W, h) + self.b[None]

    def forward(self, h: FloatArray) -> FloatArray:
        Z = self.pieces(h)
        return Z[:, 0] if self.kind == "affine" else Z.max(axis=1)


def pl_layers(net: Network) -> list[PLLayer]:
    """The layers of ``net`` in the uniform form; ReLU neurons become ``max(z, 0)``."""
    out = []
    for i, layer in enumerate(net.layers):
        W, b = np.asarray(layer.weight, float), np.asarray(layer.bias, float)
        if getattr(layer, "is_maxout", False):
            out.append(PLLayer(W, b, "maxout"))
        elif layer.slope is None:
            out.append(PLLayer(W[None], b[None], "affine"))
        elif float(layer.slope) == 0.0:
            out.append(PLLayer(np.stack([W, np.zeros_like(W)]), np.stack([b, np.zeros_like(b)]), "relu"))
        else:
            raise UnsupportedLayerError(
                f"maxout stability supports ReLU and maxout layers; layer {i} is a LeakyReLU "
                f"(slope {layer.slope})"
            )
    return out


@dataclasses.dataclass(frozen=True)
class UnitLayerStability(LayerStability):
    """One activated layer: ReLU neurons by sign, maxout units by their stable piece.

    ``stable`` lists ``(unit, piece)`` of the stable maxout units (empty for ReLU layers,
    whose stable neurons are ``active``/``inactive``); ``live_pieces``/``dead_pieces`` give
    per unit the pieces that can be the maximum and those proven never to be (for ReLU
    layers piece 0 is ``z``, piece 1 the zero); ``proof`` per unit says what decided it.
    """

    kind: str = "relu"
    rank: int = 2
    stable: tuple[tuple[int, int], ...] = ()
    live_pieces: tuple[tuple[int, ...], ...] = ()
    dead_pieces: tuple[tuple[int, ...], ...] = ()
    proof: tuple[str, ...] = ()

    @property
    def width(self) -> int:
        return len(self.live_pieces)


@dataclasses.dataclass(frozen=True)
class StableUnits(StableNeurons):
    """Stability of every unit of a network with maxout layers (see :func:`stable_units`).

    ``layers`` holds one :class:`UnitLayerStability` per activated layer.  ``exact`` is
    true when every unit is decided and every piece is proven live or dead.
    """

    witnesses: tuple[dict[int, FloatArray], ...] = dataclasses.field(
        default=(), metadata={"json": False}, repr=False
    )

    @property
    def counts(self) -> dict[str, int]:
        c = super().counts
        c["stable"] = sum(len(ls.stable) for ls in self._unit_layers())  # stable maxout units
        c["dead_pieces"] = sum(sum(map(len, ls.dead_pieces)) for ls in self._unit_layers())
        return c

    def _unit_layers(self) -> list[UnitLayerStability]:
        return [ls for ls in self.layers if isinstance(ls, UnitLayerStability)]

    def status(self, layer: int) -> np.ndarray:
        """Codes per unit: 1 active, -1 inactive, 0 unstable, 2 undecided, 3 stable maxout unit."""
        ls = self.layers[layer]
        n = ls.width if isinstance(ls, UnitLayerStability) else 0
        out = np.zeros(n, dtype=np.int8)
        out[list(ls.active)] = 1
        out[list(ls.inactive)] = -1
        out[list(ls.undecided)] = 2
        if isinstance(ls, UnitLayerStability):
            out[[u for u, _ in ls.stable]] = STABLE_PIECE
        return out

    def to_dataframe(self) -> Any:
        """One row per unit: ``layer``, ``unit``, ``kind``, ``status``, ``piece`` (stable ones),
        ``live_pieces``, ``dead_pieces`` and ``proof``.  Needs pandas."""
        from .._deps import require

        pd = require("pandas")
        names = {1: "active", -1: "inactive", 0: "unstable", 2: "undecided", STABLE_PIECE: "stable"}
        rows = []
        for li, ls in enumerate(self.layers):
            assert isinstance(ls, UnitLayerStability)
            for u, code in enumerate(self.status(li)):
                rows.append({"layer": li, "unit": u, "kind": ls.kind, "status": names[int(code)],
                             "piece": self.stable_piece(li, u), "live_pieces": ls.live_pieces[u],
                             "dead_pieces": ls.dead_pieces[u], "proof": ls.proof[u]})
        return pd.DataFrame(rows)

    def stable_piece(self, layer: int, unit: int) -> int | None:
        """The piece a stable unit always takes (ReLU: 0 active, 1 inactive), else None."""
        ls = self.layers[layer]
        live = ls.live_pieces[unit] if isinstance(ls, UnitLayerStability) else ()
        return live[0] if len(live) == 1 and unit not in ls.undecided else None

    def certificate(self, layer: int, neuron: int) -> dict[str, Any]:
        ls = self.layers[layer]
        assert isinstance(ls, UnitLayerStability)
        code = int(self.status(layer)[neuron])
        names = {1: "active", -1: "inactive", 0: "unstable", 2: "undecided", STABLE_PIECE: "stable"}
        out: dict[str, Any] = {
            "status": names[code],
            "proof": ls.proof[neuron],
            "live_pieces": list(ls.live_pieces[neuron]),
            "dead_pieces": list(ls.dead_pieces[neuron]),
        }
        pts = self.witnesses[layer].get(neuron) if self.witnesses else None
        if pts is not None:
            out["witnesses"] = {
                int(p): pts[p].tolist() for p in range(len(pts)) if not np.any(np.isnan(pts[p]))
            }
        return out

    def verify(self, net: Any, domain: Any = None, *, tol: float = 1e-7) -> bool:
        """Re-check by forward passes that every unstable unit has two pieces strictly on top."""
        layers = pl_layers(load_network(net))
        act = [pl for pl in layers if pl.kind != "affine"]
        for li, ls in enumerate(self.layers):
            for u in ls.unstable:
                pts = self.witnesses[li].get(u)
                if pts is None:
                    return False
                seen = 0
                for p in range(len(pts)):
                    if np.any(np.isnan(pts[p])):
                        continue
                    if domain is not None and not bool(domain.contains(pts[p][None], tol=tol)[0]):
                        return False
                    Z = _layer_pieces(layers, act[li], pts[p][None])[0][:, u]
                    if Z[p] - np.max(np.delete(Z, p)) > SIGN_TOL:
                        seen += 1
                if seen < 2:
                    return False
        return True


def _layer_pieces(layers: list[PLLayer], target: PLLayer, X: FloatArray) -> FloatArray:
    h = X
    for pl in layers:
        if pl is target:
            return pl.pieces(h)
        h = pl.forward(h)
    raise ValueError("layer not in network")


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
    lower = np.asarray(chart.lower, dtype=np.float64)
    upper = np.asarray(chart.upper, dtype=np.float64)
    if chart.A.shape[0]:
        G, h = chart.halfspaces()
        lo, hi = _lp_bounding_box(G, h)
        lower, upper = np.maximum(lower, lo), np.minimum(upper, hi)
    if not (np.all(np.isfinite(lower)) and np.all(np.isfinite(upper))):
        raise DomainError("stable units need a bounded domain; give finite box bounds or coefficient_bounds")
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


# ---------------------------------------------------------------- the driver
def _decide_layer(state: _State, layer: int, *, method: str, solver: str, budget: Budget) -> None:
    pl = state.act[layer]
    lo, hi = _input_bounds(state, layer)
    L = np.empty((pl.rank, pl.width))
    U = np.empty((pl.rank, pl.width))
    for p in range(pl.rank):
        L[p], U[p] = _interval(pl.W[p], pl.b[p], lo, hi)
    state.bounds.append((L, U))
    open_: list[tuple[int, int]] = []
    for u in range(pl.width):
        for q in sorted(state.kept[layer][u], key=lambda p: p in state.live[layer][u]):
            if q in state.live[layer][u] or len(state.kept[layer][u]) == 1:
                continue
            if _interval_dead(state, layer, u, q, lo, hi):
                state.mark_dead(layer, u, q, "interval")
            else:
                open_.append((u, q))
    solvers = {"auto": (True, False), "milp": (True, False), "lp": (True,), "interval": (), "crown": ()}[
        method
    ]
    if not open_ or not solvers:
        return
    model = _build(state, layer)
    for relax in solvers:
        still = []
        for u, q in open_:
            if q in state.live[layer][u] or q not in state.kept[layer][u] or len(state.kept[layer][u]) == 1:
                continue
            if budget.stop:
                still.append((u, q))
                continue
            verdict = _solver_gap(state, layer, u, q, model, relax=relax, solver=solver, budget=budget)
            if verdict == "dead":
                state.mark_dead(layer, u, q, "lp" if relax else "milp")
            elif verdict == "live":
                state._proofs(layer, u, "milp")
            else:
                still.append((u, q))
        open_ = still


def stable_units(
    net: Any,
    domain: Any,
    *,
    method: str = "auto",
    time_limit: float | None = None,
    solver: str = "highs",
    samples: int = 4096,
    points: Any = None,
    seed: Seed = 0,
) -> StableUnits:
    r"""Stable units and live pieces of every maxout (and ReLU) unit on ``domain``.

    Parameters
    ----------
    net, domain:
        A network with maxout and/or ReLU layers (or a model path) and a bounded domain.
    method:
        ``auto`` (exact: witnesses, interval, LP, then MILP), ``lp`` or ``interval``
        (sound, incomplete); ``milp`` is the same as ``auto`` and ``crown`` as ``interval``.
    time_limit:
        Seconds; on expiry (or Ctrl-C) open pieces are kept, their units ``undecided``.
    samples, points, seed:
        Uniform samples (plus random box vertices) and optional data points used as witnesses.

    Notes
    -----
    Piece ``q`` of a unit is dead when
    :math:`\max_{x \in D} \big(z_q(x) - \max_{p \ne q,\ p \text{ kept}} z_p(x)\big) \le`
    ``SIGN_TOL``; the unit is stable when one piece is left.  See the module docstring.

    Examples
    --------
    >>> import numpy as np
    >>> from relu_regions import Box, Network
    >>> net = Network([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0]]], [[0.5, 0.0], [0.0]])
    >>> s = stable_units(net, Box([0, -1], [1, 1]))
    >>> s.layers[0].active, s.layers[0].unstable, s.exact
    ((0,), (1,), True)
    """
    if method not in MAXOUT_STABILITY_METHODS:
        raise UnknownChoiceError(
            f"unknown stability method {method!r} for maxout networks; choose one of: "
            + ", ".join(MAXOUT_STABILITY_METHODS)
        )
    if isinstance(samples, bool) or int(samples) != samples or samples < 0:
        raise OptionError(f"samples must be a non-negative integer, got {samples}")
    t0 = time.perf_counter()
    setup = prepare_units(net, domain)
    state = _State(setup)
    budget = Budget(time_limit)
    rng = np.random.default_rng(seed)
    with budget.catch_interrupt():
        parts: list[FloatArray] = [_sample_chart(setup.chart, int(samples), rng)] if samples else []
        if setup.A.shape[0] == 0 and samples:
            pick = rng.random((max(samples // 4, 1), setup.dim)) < 0.5
            parts.append(np.where(pick, setup.upper, setup.lower))
        parts.append(0.5 * (setup.lower + setup.upper)[None])
        if points is not None:
            sol = np.linalg.lstsq(
                setup.chart.basis,
                (np.atleast_2d(np.asarray(points, float)) - setup.chart.origin).T,
                rcond=None,
            )[0]
            P: FloatArray = np.asarray(sol.T, dtype=np.float64)
            parts.append(P[setup.domain.contains(setup.to_ambient(P))])
        T: FloatArray = np.asarray(np.vstack(parts), dtype=np.float64)
        for s0 in range(0, len(T), 8192):
            _witnesses(state, T[s0 : s0 + 8192])
        state.stats["points_evaluated"] = len(T)
        for layer in range(len(state.act)):
            _decide_layer(state, layer, method=method, solver=solver, budget=budget)
    return _result(state, method, time.perf_counter() - t0, budget)


def _result(state: _State, method: str, seconds: float, budget: Budget) -> StableUnits:
    layers = []
    open_units = 0
    open_pieces = 0
    for li, pl in enumerate(state.act):
        active: list[int] = []
        inactive: list[int] = []
        unstable: list[int] = []
        undecided: list[int] = []
        stable: list[tuple[int, int]] = []
        proofs = []
        for u in range(pl.width):
            kept, live = state.kept[li][u], state.live[li][u]
            open_pieces += len(set(kept) - live) if len(kept) > 1 else 0
            proof = state.proof[li][u]
            if len(kept) == 1:
                p = kept[0]
                if pl.kind == "relu":
                    (active if p == 0 else inactive).append(u)
                else:
                    stable.append((u, p))
                proof = proof or "only piece"
            elif len(live) >= 2:
                unstable.append(u)
                proof = "+".join(x for x in ["witness", *proof.split("+")] if x)
            else:
                undecided.append(u)
            proofs.append(proof)
        und = tuple(undecided)
        open_units += len(und)
        layers.append(
            UnitLayerStability(
                active=tuple(active),
                inactive=tuple(inactive),
                unstable=tuple(unstable),
                undecided=und,
                kind=pl.kind,
                rank=pl.rank,
                stable=tuple(stable),
                live_pieces=tuple(tuple(sorted(k)) for k in state.kept[li]),
                dead_pieces=tuple(tuple(sorted(d)) for d in state.dead[li]),
                proof=tuple(proofs),
            )
        )
    stopped = budget.reason
    exact = open_pieces == 0
    if exact:
        reason = (
            f"{method}: every dead piece is proven (bound <= SIGN_TOL) and every live one "
            "has a witness or an exact MILP optimum"
        )
    elif stopped:
        reason = f"stopped by {stopped} with {open_pieces} pieces ({open_units} units) undecided"
    else:
        reason = (
            f"{method} is a relaxation: {open_pieces} pieces are neither proven dead nor shown live "
            f"({open_units} units undecided); they are kept"
        )
    return StableUnits(
        layers=tuple(layers),
        exact=exact,
        method=method,
        seconds=seconds,
        partial=stopped is not None and not exact,
        stop_reason=stopped if not exact else None,
        reason=reason,
        details={k: (round(v, 6) if isinstance(v, float) else v) for k, v in state.stats.items()},
        witnesses=tuple(
            {
                u: state.setup.to_ambient(np.nan_to_num(p)) * np.where(np.isnan(p[:, :1]), np.nan, 1.0)
                for u, p in w.items()
            }
            for w in state.wit
        ),
    )
