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

import time
from typing import Any

import numpy as np

from .._budget import Budget
from .._typing import FloatArray, Seed
from ..exceptions import OptionError, UnknownChoiceError
from ..polytope import sample_chart as _sample_chart
from ._maxout_pieces import (
    _build,
    _input_bounds,
    _interval,
    _interval_dead,
    _solver_gap,
    _State,
    _witnesses,
    prepare_units,
)
from ._maxout_units import STABLE_PIECE, PLLayer, StableUnits, UnitLayerStability, pl_layers

__all__ = [
    "PLLayer",
    "pl_layers",
    "UnitLayerStability",
    "StableUnits",
    "stable_units",
    "MAXOUT_STABILITY_METHODS",
    "STABLE_PIECE",
    "prepare_units",
]

#: Methods of :func:`stable_units`: how far each piece is pushed (see the module docstring).
MAXOUT_STABILITY_METHODS = {
    "auto": "exact: witnesses, interval, LP relaxation, then sign-only MILPs",
    "milp": "exact: as auto (the MILP is the same; kept for parity with stable_neurons)",
    "lp": "sound: witnesses, interval and LP relaxation (may leave units undecided)",
    "interval": "sound: witnesses and interval bounds (may leave units undecided)",
    "crown": "sound: as interval for maxout networks (no CROWN relaxation of max units yet)",
}


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
