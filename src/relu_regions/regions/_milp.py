"""The ``milp`` method: the papers' MILP, enumerating activation patterns with ``f > 0``.

Formulation (Serra, Tjandraatmadja & Ramalingam 2018, poster Sec. 4; Cai et al. 2023,
constraints (3)-(14)), in the domain's chart coordinates ``t`` (``h^0 = t``, eq. (13)/(14):
``G t <= h``).  For every neuron ``i`` of every activated layer ``l``, with interval bounds
``L <= g <= U`` computed on the domain's bounding box:

.. math::

    g^l_i &= W^l_i h^{l-1} + b^l_i                                   &(3) \\\\
    r_i \\ge g_i,\\ r_i \\ge 0,\\ r_i &\\le g_i - L_i (1 - z_i),\\ r_i \\le U_i z_i
                                                                     &(4)\\text{-}(8) \\\\
    f &\\le g_i + (F - L_i)(1 - z_i)                                 &(11) \\\\
    f &\\le -g_i + (F + U_i)\\, z_i                                   &(12) \\\\
    \\max\\ & f,  \\qquad z \\in \\{0, 1\\}

with ``h = r`` for a ReLU (``h = alpha g + (1 - alpha) r`` for a leaky ReLU) and ``F`` the
largest ``|g|`` bound.  The regions are the distinct ``z`` with ``f > 0``; numerically ``f >=
MARGIN_TOL * F``.  Constraint (12) is Cai et al.'s correction: without it a pattern whose
region is a measure-zero slice (some ``g = 0`` on it) would count.  Neurons with ``L > 0`` or
``U < 0`` are stable: ``z`` is fixed (Kumar et al. 2024, App. C).

Neurons identically zero on a region
------------------------------------
On a region where a neuron's pre-activation is identically zero, (12) forces ``f <= 0``,
so the paper's formulation **cannot count that region** (by the definitions used here it
is a region: the neuron is inactive and splits nothing).  We handle the two ways this
happens structurally: (a) a neuron whose bounds are ``L = U = 0`` (zero on the whole domain:
zero rows, neurons fed only by dead neurons) gets ``z = 0`` and no (11)/(12); (b) a
ReLU-layer neuron with zero bias in layer ``l >= 2`` is identically zero exactly where all
the neurons feeding it are inactive; a binary ``y_i`` detects that (``y_i <= 1 - z_j`` for
each input ``j``, ``y_i >= 1 - sum_j z_j``), forces ``z_i = 0`` and relaxes (12) by
``F y_i``.  A neuron that vanishes on a region by exact cancellation (e.g. ``h_1 - h_2``
of two duplicate neurons) is not detected; such regions are then missed — the ``lp``
engine counts them.

Enumeration: :func:`~relu_regions.solvers.enumerate_solutions` (HiGHS re-solve loop with
no-good cuts by default; SCIP constraint handler or Gurobi pool with ``solver=``).  Every
pattern found is verified with one Chebyshev LP on its region (certified radius above
``RADIUS_TOL * scale``, as in the ``lp`` engine): MILPs can return numerically thin regions.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._budget import Budget
from .._typing import BoolArray, FloatArray, IntArray
from ..exceptions import DomainError
from ..network import Network
from ..solvers import ENUMERATORS, MILP, enumerate_solutions
from ._parallel import serial_or_parallel
from ._polytope import (
    RADIUS_TOL,
    activated_layers,
    bounding_box,
    chebyshev,
    domain_scale,
    pattern_rows,
    region_halfspaces,
)
from ._types import ENGINES, EngineInfo, EngineResult

__all__ = ["milp_engine", "milp_serial", "RegionMILP", "build_region_milp", "MARGIN_TOL"]

#: A pattern counts for the MILP when its margin ``f`` reaches ``MARGIN_TOL * F``.  Ten times
#: the feasibility and integrality tolerances the enumerators set (1e-9), so big-M leaks
#: cannot fake a margin, and every pattern is re-checked by an LP anyway.  A region whose
#: largest margin is below it is invisible to the MILP (the ``lp`` engine sees regions down
#: to an inradius of ``RADIUS_TOL * scale``): with ``1e-6`` the 4-10-10-1 benchmark net lost
#: two real regions of inradius ~5e-6 (max margin ~6e-6 < 7e-6).
MARGIN_TOL = 1e-8


@dataclasses.dataclass(frozen=True)
class RegionMILP:
    """The formulation and where its variables live."""

    problem: MILP
    z_cols: IntArray  # (N,) column of each neuron's z (fixed for stable neurons)
    keys: IntArray  # the free z columns
    f_col: int
    fcap: float
    stable: int
    dead: int
    exemptions: int


def interval_bounds(net: Network, lo: FloatArray, hi: FloatArray) -> list[tuple[FloatArray, FloatArray]]:
    """Interval bounds ``(L, U)`` of every activated layer's pre-activations over a box."""
    out = []
    hl, hu = lo, hi
    for W, b, slope in activated_layers(net):
        Wp, Wn = np.maximum(W, 0.0), np.minimum(W, 0.0)
        L = Wp @ hl + Wn @ hu + b
        U = Wp @ hu + Wn @ hl + b
        out.append((L, U))
        hl = np.where(L >= 0, L, slope * L)
        hu = np.where(U >= 0, U, slope * U)
    return out


def build_region_milp(net: Network, G: FloatArray, h: FloatArray) -> RegionMILP:
    """The formulation of the module docstring for ``net`` on ``{t : G t <= h}``."""
    net.require_relu("the region MILP")
    k = net.input_dim
    layers = activated_layers(net)
    try:
        lo, hi = bounding_box(G, h)
    except DomainError:  # the same check, with this method's name in the message
        raise DomainError("the milp method needs a bounded, non-empty domain") from None
    bounds = interval_bounds(net, lo, hi)
    pad = [(L - 1e-7 * (1 + np.abs(L)), U + 1e-7 * (1 + np.abs(U))) for L, U in bounds]
    fcap = max(max(float(np.max(U)), float(np.max(-L))) for L, U in bounds)
    fcap = max(fcap, 1e-12)
    # column layout: t | per layer: g, r, z | f | exemption binaries y
    col = k
    g_cols, r_cols, z_cols = [], [], []
    for W, _, _ in layers:
        n = W.shape[0]
        g_cols.append(np.arange(col, col + n))
        r_cols.append(np.arange(col + n, col + 2 * n))
        z_cols.append(np.arange(col + 2 * n, col + 3 * n))
        col += 3 * n
    f_col = col
    col += 1
    # exemptions (b): ReLU-layer neurons with zero bias in layers >= 2, fed by a ReLU layer
    exempt: list[tuple[int, int, IntArray]] = []  # (layer, neuron, input z columns)
    for li in range(1, len(layers)):
        W, b, _ = layers[li]
        prev_slope = layers[li - 1][2]
        L, U = bounds[li]
        if prev_slope != 0.0:
            continue
        for i_ in np.flatnonzero((b == 0.0) & (L <= 0) & (U >= 0) & ~((L == 0) & (U == 0))):
            supp = np.flatnonzero(W[i_] != 0.0)
            exempt.append((li, int(i_), z_cols[li - 1][supp]))
    y_cols = np.arange(col, col + len(exempt))
    ncol = col + len(exempt)

    cl = np.full(ncol, -np.inf)
    cu = np.full(ncol, np.inf)
    integ = np.zeros(ncol, dtype=bool)
    rows: list[tuple[dict[int, float], float, float]] = []  # ({col: coef}, lower, upper)
    for a, bb in zip(G, h, strict=True):
        rows.append(({j: float(v) for j, v in enumerate(a) if v != 0.0}, -np.inf, float(bb)))
    cl[:k], cu[:k] = lo, hi
    cl[f_col], cu[f_col] = -fcap - 1.0, fcap
    keys: list[int] = []
    stable = dead = 0
    yz = {(li, i): int(y_cols[e]) for e, (li, i, _) in enumerate(exempt)}
    for li, (W, b, _) in enumerate(layers):
        L, U = pad[li]
        L0, U0 = bounds[li]
        for i in range(W.shape[0]):
            g, r, z = int(g_cols[li][i]), int(r_cols[li][i]), int(z_cols[li][i])
            # (3): g - W h_prev = b
            coefs = {g: 1.0}
            if li == 0:
                for j, v in enumerate(W[i]):
                    if v != 0.0:
                        coefs[j] = coefs.get(j, 0.0) - float(v)
            else:
                ps = layers[li - 1][2]
                for j, v in enumerate(W[i]):
                    if v == 0.0:
                        continue
                    gj, rj = int(g_cols[li - 1][j]), int(r_cols[li - 1][j])
                    if ps != 0.0:
                        coefs[gj] = coefs.get(gj, 0.0) - float(v) * ps
                    coefs[rj] = coefs.get(rj, 0.0) - float(v) * (1.0 - ps)
            rows.append((coefs, float(b[i]), float(b[i])))
            cl[g], cu[g] = L[i], U[i]
            cl[r], cu[r] = max(L[i], 0.0), max(U[i], 0.0)
            integ[z] = True
            if L0[i] == 0.0 and U0[i] == 0.0:  # (a) zero on the whole domain
                cl[z] = cu[z] = 0.0
                cl[r] = cu[r] = 0.0
                dead += 1
                continue
            if L0[i] > 0.0:  # stably active: r = g, (11) only
                cl[z] = cu[z] = 1.0
                rows.append(({r: 1.0, g: -1.0}, 0.0, 0.0))
                rows.append(({f_col: 1.0, g: -1.0}, -np.inf, 0.0))
                stable += 1
                continue
            if U0[i] < 0.0:  # stably inactive: r = 0, (12) only
                cl[z] = cu[z] = 0.0
                cl[r] = cu[r] = 0.0
                rows.append(({f_col: 1.0, g: 1.0}, -np.inf, 0.0))
                stable += 1
                continue
            cl[z], cu[z] = 0.0, 1.0
            keys.append(z)
            rows.append(({r: 1.0, g: -1.0}, 0.0, np.inf))  # r >= g
            rows.append(({r: 1.0, g: -1.0, z: -L[i]}, -np.inf, -L[i]))  # r <= g - L (1 - z)
            rows.append(({r: 1.0, z: -U[i]}, -np.inf, 0.0))  # r <= U z
            M1 = fcap - L[i]
            rows.append(({f_col: 1.0, g: -1.0, z: M1}, -np.inf, M1))  # (11)
            M2 = fcap + U[i]
            c12 = {f_col: 1.0, g: 1.0, z: -M2}
            y = yz.get((li, i))
            if y is not None:
                c12[y] = -fcap - U[i]
            rows.append((c12, -np.inf, 0.0))  # (12)
    for e, (li, i, zin) in enumerate(exempt):
        y = int(y_cols[e])
        integ[y] = True
        cl[y], cu[y] = 0.0, 1.0
        zi = int(z_cols[li][i])
        for zj in zin:
            rows.append(({y: 1.0, int(zj): 1.0}, -np.inf, 1.0))  # y <= 1 - z_j
        rows.append(({y: 1.0, **{int(zj): 1.0 for zj in zin}}, 1.0, np.inf))  # y >= 1 - sum z_j
        rows.append(({zi: 1.0, y: 1.0}, -np.inf, 1.0))  # z_i <= 1 - y
    data, ri, ci = [], [], []
    for r_i, (coefs, _, _) in enumerate(rows):
        for j, v in coefs.items():
            ri.append(r_i)
            ci.append(j)
            data.append(v)
    A = sp.csr_matrix((data, (ri, ci)), shape=(len(rows), ncol))
    c = np.zeros(ncol)
    c[f_col] = 1.0
    problem = MILP(
        c,
        A,
        np.array([r[1] for r in rows]),
        np.array([r[2] for r in rows]),
        cl,
        cu,
        integ,
        "max",
    )
    z_all = np.concatenate(z_cols)
    return RegionMILP(problem, z_all, np.array(keys, dtype=np.int64), f_col, fcap, stable, dead, len(exempt))


#: Uniform samples drawn after a complete enumeration to test the formulation's answer.
AUDIT_SAMPLES = 20_000


def milp_serial(
    net: Network, G: FloatArray, h: FloatArray, *, budget: Budget, options: dict[str, Any]
) -> EngineResult:
    """Enumerate with the papers' MILP, then verify each pattern with a Chebyshev LP."""
    net.require_relu("method 'milp'")
    k = net.input_dim
    N = net.num_neurons
    G = np.asarray(G, dtype=np.float64).reshape(-1, k)
    h = np.asarray(h, dtype=np.float64).ravel()
    centre, own_scale = domain_scale(G, h)
    scale = float(options.get("_scale") or own_scale)
    solver = str(options.get("solver") or "highs")
    ENUMERATORS[solver]  # unknown names fail here, listing the valid ones
    if N == 0:
        return EngineResult(np.zeros((1, 0), bool), centre[None, :], True, True, {}, {"regions": 1})
    form = build_region_milp(net, G, h)
    tau = MARGIN_TOL * form.fcap
    enum = enumerate_solutions(
        form.problem, form.keys, threshold=tau, solver=solver, budget=budget,
        options=options.get("solver_options"),
    )
    X = enum.solutions
    raw = (np.round(X[:, form.z_cols]) > 0.5) if len(X) else np.zeros((0, N), dtype=bool)
    pats, pts, thin = _verify(net, raw, G, h, RADIUS_TOL * scale)
    details: dict[str, Any] = {
        "solver": enum.solver,
        "solves": enum.solves,
        "milp_seconds": enum.seconds,
        "patterns_found": int(len(raw)),
        "verified": int(len(pats)),
        "thin_patterns_rejected": thin,
        "binaries": int(form.keys.size),
        "stable_neurons": form.stable,
        "zero_neurons": form.dead,
        "zero_bias_exemptions": form.exemptions,
        "margin_threshold": tau,
        "variables": form.problem.num_cols,
        "constraints": form.problem.num_rows,
        **enum.details,
    }
    if enum.solver == "highs":
        details["note"] = (
            "HiGHS has no solution pool, so every pattern costs one re-solve with a no-good cut: "
            "this is the slow reference path (minutes for a few hundred regions); method='lp' is "
            "exact and 100-1000x faster, solver='scip' or 'gurobi' run the same formulation faster"
        )
    certificate = {
        "kind": "no feasible activation pattern with margin f >= threshold is left",
        "solver": enum.solver,
        "verified_by_lp": int(len(pats)),
        "assumes": "no neuron vanishes on a region by exact cancellation (zero rows and zero-bias "
        "neurons over inactive inputs are handled); regions whose largest margin is below the "
        "threshold are not seen",
    }
    exact = enum.complete
    n_audit = int(options.get("audit_samples", AUDIT_SAMPLES))
    if enum.complete and n_audit > 0:
        # The formulation's assumptions cannot be checked up front, so test its answer: a
        # uniform sample point off every boundary with an unlisted pattern witnesses a region
        # the MILP could not see.  Such regions are added and the count is not exact.
        from ._sample import collect_patterns, uniform_batches

        audit = collect_patterns(
            net, uniform_batches(G, h, n_audit, seed=options.get("seed", 0)), budget, known=pats
        )
        certificate["audit"] = (
            f"{audit.samples} uniform samples, {len(audit.patterns)} outside the enumerated regions"
        )
        if len(audit.patterns):
            exact = False
            pats = np.vstack([pats, audit.patterns])
            pts = np.vstack([pts, audit.points])
            details["audit_missed"] = int(len(audit.patterns))
            details["not_exact_reason"] = (
                f"sampling found {len(audit.patterns)} region(s) the MILP formulation cannot see "
                "(a neuron vanishes identically on them, or their margin is below the threshold); "
                "the count is a lower bound - use method='lp' for an exact count"
            )
    return EngineResult(pats, pts, enum.complete, exact, certificate, details)


def _verify(
    net: Network, raw: BoolArray, G: FloatArray, h: FloatArray, tol: float
) -> tuple[BoolArray, FloatArray, int]:
    """Keep the patterns whose region contains a ball of radius ``> tol`` (one LP each)."""
    k, N = net.input_dim, net.num_neurons
    if not len(raw):
        return np.zeros((0, N), dtype=bool), np.zeros((0, k)), 0
    A, c = pattern_rows(activated_layers(net), raw)
    keep, pts = [], []
    for i in range(len(raw)):
        x, r = chebyshev(*region_halfspaces(A[i], c[i], raw[i], G, h))
        if x is not None and r > tol:
            keep.append(i)
            pts.append(x)
    return raw[keep], np.array(pts).reshape(-1, k), len(raw) - len(keep)


milp_engine = serial_or_parallel(milp_serial)


ENGINES.add(
    "milp",
    EngineInfo(
        milp_engine,
        exact=True,
        max_dim=None,
        needs_bounded=True,
        parallel=True,
        description="the papers' MILP (Serra et al. 2018, Cai et al. 2023) with solution enumeration",
    ),
)

