"""Big-M MILP (and its LP relaxation) of the first layers of a ReLU network on a domain.

For every neuron ``j`` of an encoded layer with pre-activation ``g = w^T h_prev + b`` and
sound bounds ``L <= g <= U`` (Appendix B of Kumar, Serra & Ramalingam; Tjeng et al. 2019):

.. math::

    \\text{unstable } (L < 0 < U):\\quad h \\ge g,\\; h \\ge 0,\\; h \\le g - L(1 - z),\\;
    h \\le U z,\\; z \\in \\{0, 1\\};
    \\qquad \\text{active: } h = g; \\qquad \\text{inactive: } h \\equiv 0.

This is exact for any valid bounds: its feasible ``(t, h)`` are exactly the points of the
domain with their true activations, so the maximum of a later pre-activation over it is
the true maximum over the domain.  Tighter bounds only make it faster.  With
``relax=True`` the binaries become ``z in [0, 1]`` (the triangle relaxation).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from .._typing import FloatArray, IntArray
from ..solvers import MILP
from ._setup import Setup

__all__ = ["NetworkModel", "UnstableBlock", "build_model"]


@dataclasses.dataclass(frozen=True, eq=False)
class UnstableBlock:
    """The unstable neurons of one encoded layer: ``g = W @ x[in_cols] + b``, ``h``, ``z``."""

    in_cols: IntArray
    W: FloatArray
    b: FloatArray
    h_cols: IntArray
    z_cols: IntArray


@dataclasses.dataclass(frozen=True, eq=False)
class NetworkModel:
    """The encoded layers ``0..depth-1`` and the objective of any neuron of layer ``depth``."""

    problem: MILP  # objective all zero; use :meth:`objective`
    depth: int
    input_cols: IntArray  # columns of the chart coordinates t
    out_cols: IntArray  # column of h for each neuron of layer depth-1 (-1: h is 0)
    out_binaries: IntArray  # column of z for each neuron of layer depth-1 (-1: no binary)
    num_binaries: int
    unstable: tuple[UnstableBlock, ...] = ()

    def objective(self, setup: Setup, neuron: int, *, sense: str) -> MILP:
        """The problem with objective ``max``/``min`` of neuron ``neuron``'s pre-activation.

        The binaries of the last encoded layer are kept only where the objective pushes
        ``h`` *up* (weight sign times sense positive): where it pushes ``h`` down, the
        relaxed constraints ``h >= g, h >= 0`` already hold with equality at every optimum,
        so the LP relaxation of that neuron is exact and its binary is dropped.  This
        typically halves the binaries of a per-neuron MILP.
        """
        layer = setup.net_t.layers[self.depth]
        w = layer.weight[neuron]
        c = np.zeros(self.problem.num_cols)
        integrality = self.problem.integrality
        if self.depth == 0:
            c[self.input_cols] = w
        else:
            alive = self.out_cols >= 0
            c[self.out_cols[alive]] = w[alive]
            push_up = (w > 0) if sense == "max" else (w < 0)
            drop = (self.out_binaries >= 0) & ~push_up
            if np.any(drop) and np.any(integrality):
                integrality = integrality.copy()
                integrality[self.out_binaries[drop]] = False
        return dataclasses.replace(
            self.problem, c=c, offset=float(layer.bias[neuron]), sense=sense, integrality=integrality
        )

    def binaries_for(self, problem: MILP) -> int:
        return int(np.count_nonzero(problem.integrality))

    def input_point(self, x: FloatArray, setup: Setup) -> FloatArray:
        """Chart coordinates ``t`` of a solution vector, clipped into the chart's box.

        Solvers may overstep variable bounds by their feasibility tolerance; clipping
        keeps witness points inside the domain (exactly, for box domains).
        """
        return np.clip(np.asarray(x[self.input_cols], dtype=np.float64), setup.lower, setup.upper)


def build_model(
    setup: Setup,
    bounds: Sequence[tuple[FloatArray, FloatArray]],
    depth: int,
    *,
    signs: Sequence[np.ndarray] | None = None,
    relax: bool = False,
) -> NetworkModel:
    """Encode activated layers ``0..depth-1`` of ``setup.net_t`` as a MILP (or its LP relaxation).

    Parameters
    ----------
    bounds:
        Sound pre-activation bounds ``(L, U)`` of every encoded layer.
    signs:
        Optional proven signs per encoded layer (``+1`` stably active, ``-1`` stably
        inactive, ``0`` unknown); they override the bounds and shrink the model.
    relax:
        Continuous ``z`` in ``[0, 1]`` instead of binaries.
    """
    net = setup.net_t
    k = setup.dim
    col_lo: list[FloatArray] = [setup.lower]
    col_hi: list[FloatArray] = [setup.upper]
    col_int: list[np.ndarray] = [np.zeros(k, bool)]
    ncols = k
    rows_r: list[np.ndarray] = []
    rows_c: list[np.ndarray] = []
    rows_v: list[np.ndarray] = []
    rlo: list[FloatArray] = []
    rhi: list[FloatArray] = []
    nrows = 0

    def add_rows(
        W: np.ndarray, cols: np.ndarray, extra: list[tuple[np.ndarray, float | np.ndarray]],
        lo: FloatArray, hi: FloatArray,
    ) -> None:
        """Rows ``lo <= W @ x[cols] + sum(coef * x[extra_col]) <= hi`` (one per row of W)."""
        nonlocal nrows
        m = W.shape[0]
        r, c = np.nonzero(W)
        rows_r.append(r + nrows)
        rows_c.append(cols[c])
        rows_v.append(W[r, c])
        for ecols, coef in extra:
            rows_r.append(np.arange(m) + nrows)
            rows_c.append(ecols)
            rows_v.append(np.broadcast_to(np.asarray(coef, float), (m,)).copy())
        rlo.append(lo)
        rhi.append(hi)
        nrows += m

    if setup.A.shape[0]:
        add_rows(setup.A, np.arange(k), [], np.full(setup.A.shape[0], -np.inf), setup.b)

    prev_cols = np.arange(k)  # columns feeding the current layer
    prev_z = np.full(0, -1)
    binaries = 0
    blocks: list[UnstableBlock] = []
    for layer in range(depth):
        W = net.layers[layer].weight
        b = net.layers[layer].bias
        L, U = (np.asarray(v, dtype=np.float64) for v in bounds[layer])
        alive_prev = prev_cols >= 0
        Wa = W[:, alive_prev]
        pcols = prev_cols[alive_prev]
        if signs is not None and signs[layer] is not None:
            s = np.asarray(signs[layer])
            active = (s > 0) | ((s == 0) & (L >= 0))
            dead = (s < 0) | ((s == 0) & (U <= 0) & ~active)
        else:
            active = L >= 0
            dead = (U <= 0) & ~active
        unstable = ~active & ~dead
        n = W.shape[0]
        out_cols = np.full(n, -1)
        ia = np.flatnonzero(active)
        iu = np.flatnonzero(unstable)
        # h columns for active and unstable neurons, then z columns for unstable ones
        out_cols[ia] = ncols + np.arange(ia.size)
        ncols += ia.size
        col_lo.append(np.maximum(L[ia], 0.0))
        col_hi.append(np.maximum(U[ia], 0.0))
        col_int.append(np.zeros(ia.size, bool))
        out_cols[iu] = ncols + np.arange(iu.size)
        ncols += iu.size
        col_lo.append(np.zeros(iu.size))
        col_hi.append(U[iu])
        col_int.append(np.zeros(iu.size, bool))
        z_cols = ncols + np.arange(iu.size)
        ncols += iu.size
        prev_z = np.full(n, -1)
        prev_z[iu] = z_cols
        col_lo.append(np.zeros(iu.size))
        col_hi.append(np.ones(iu.size))
        col_int.append(np.full(iu.size, not relax))
        binaries += 0 if relax else iu.size
        if ia.size:  # h - w.h_prev = b
            add_rows(-Wa[ia], pcols, [(out_cols[ia], 1.0)], b[ia], b[ia])
        if iu.size:
            Lu, Uu, bu = L[iu], U[iu], b[iu]
            blocks.append(UnstableBlock(pcols, Wa[iu], bu, out_cols[iu], z_cols))
            # h >= g:  w.h_prev - h <= -b
            add_rows(Wa[iu], pcols, [(out_cols[iu], -1.0)], np.full(iu.size, -np.inf), -bu)
            # h <= g - L (1 - z):  h - w.h_prev - L z <= b - L
            add_rows(-Wa[iu], pcols, [(out_cols[iu], 1.0), (z_cols, -Lu)], np.full(iu.size, -np.inf), bu - Lu)
            # h <= U z
            add_rows(
                np.zeros((iu.size, 0)), np.zeros(0, int), [(out_cols[iu], 1.0), (z_cols, -Uu)],
                np.full(iu.size, -np.inf), np.zeros(iu.size),
            )
        prev_cols = out_cols

    A = sp.csr_matrix(
        (
            np.concatenate(rows_v) if rows_v else np.zeros(0),
            (
                np.concatenate(rows_r) if rows_r else np.zeros(0, int),
                np.concatenate(rows_c) if rows_c else np.zeros(0, int),
            ),
        ),
        shape=(nrows, ncols),
    )
    problem = MILP(
        c=np.zeros(ncols),
        A=A,
        row_lower=np.concatenate(rlo) if rlo else np.zeros(0),
        row_upper=np.concatenate(rhi) if rhi else np.zeros(0),
        col_lower=np.concatenate(col_lo),
        col_upper=np.concatenate(col_hi),
        integrality=np.concatenate(col_int),
    )
    last_z = np.full(prev_z.size, -1) if relax else prev_z
    return NetworkModel(problem, depth, np.arange(k), prev_cols, last_z, binaries, tuple(blocks))
