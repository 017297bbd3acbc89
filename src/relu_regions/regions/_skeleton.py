"""The ``skeleton`` engine: exact activation regions in low dimension (d <= ~6), no LPs.

Algorithm (after Berzins 2023, "Polyhedral complex extraction from ReLU networks using
edge subdivision", ICML, Sec. 3; our own implementation in NumPy)
------------------------------------------------------------------------------------
Keep the *skeleton* of the polyhedral complex cut out of the domain ``D = {t : G t <= h}``
by the neurons added so far: its vertices ``X``, its edges, and for every vertex its sign
vector ``S[v]`` over all hyperplanes so far (the domain's rows, ``h - G t``, then the
neurons' pre-activations ``z_i``): ``+1``, ``-1`` or ``0`` (the vertex lies on it).
Neurons are added layer by layer; every neuron of layer ``l`` is affine on each closed cell
of the complex of layers ``< l``, hence affine along every edge, so

1. its value at every vertex (one matrix product per layer, then interpolation) decides
   which edges it cuts: those whose endpoints have opposite signs;
2. each cut edge gets a new vertex by linear interpolation (its sign vector: the edge's,
   with ``0`` for the new neuron);
3. new edges join the two new vertices on each 2-face that the neuron cuts.  An edge lies
   on ``d - 1`` hyperplanes; turning one of its zeros into ``+`` or ``-`` names one of the
   ``2 (d - 1)`` 2-faces that contain it, so two cut edges lie on a common 2-face exactly
   when one such *face key* of each is the same sign vector.  Keys are hashed (random 64-bit
   weights, one per hyperplane, summed modulo ``2^64``), sorted, and must come in pairs; each
   matched pair is then compared in full (its sign vectors differ in exactly two places).

A polytope domain that is not a box is made the same way: start from a slightly larger box
and *clip* by each row of ``G`` (a cut that also deletes the vertices outside).

Counting (lowest-vertex rule) and the patterns
----------------------------------------------
In general position (every vertex on exactly ``d`` hyperplanes) the complex is locally a
simple arrangement at every vertex: ``2^d`` cells meet there, one per sign choice of its
``d`` zeros (a bent hyperplane is still a topological hyperplane at its bend), and along each
of the ``d`` lines through ``v`` (drop one zero) there is an edge on either side of the
dropped hyperplane (only the inner one for a domain row).  The cell with signs ``sigma`` at
``v`` is spanned there by the edges on the sides ``sigma_k``.  For a generic direction ``c``
every region, a bounded convex polytope, has exactly one lowest vertex, and ``v`` is the
lowest vertex of the cell ``sigma`` exactly when its ``d`` spanning edges all go up.  Hence

.. math::  \\#\\text{regions} = \\sum_v \\prod_{k=1}^{d} u_k(v),

with ``u_k(v)`` the number of up edges along line ``k`` at ``v`` (0, 1 or 2: both edges of a
line can go up where the line bends at ``v``, on the bend of a later neuron's hyperplane;
in a flat arrangement exactly one does).  A counted cell's sign vector is ``S[v]`` with its
zeros set to ``sigma``; its activation pattern is the neurons' part (``z > 0`` active).  The
simplex spanned by ``v`` and its ``d`` spanning neighbours lies in the region: its incentre
is the region's interior point and its inradius a lower bound on the region's, so every
region is certified full-dimensional (Cai et al. 2023, Sec. 5: measure-zero cells never
count).  Facets are counted the same way (their lowest vertex and the lines that stay on
their hyperplane), which gives the adjacency of the regions.

Certificate (checked on every run; any failure marks the domain degenerate, see below):
every vertex has exactly ``d`` zeros and is locally a simple arrangement (along each of its
``d`` lines one edge on either side of the dropped hyperplane, only the inner one for a
domain row); every face key was matched exactly twice, by two edges sharing ``d - 2``
hyperplanes; the cells counted from the *highest* vertices (direction ``-c``) are exactly
those counted from the lowest (same number, same sign-vector hashes); the cells are
distinct; every certified inradius is above the resolution limit; and a forward pass at the
interior points of ``ORACLE_SAMPLE`` regions spread over the list (all of them when fewer)
gives the regions' patterns (an independent oracle).

Degenerate positions are detected, not assumed away.  Handled exactly: a neuron of one
sign (or identically zero) at every vertex while no earlier layer has cut the domain (it is
affine on the convex domain, so its zero set is at most a face of it: a dead neuron, a zero
row, a hyperplane along a facet or through a corner) gets that sign everywhere.  Any other
degeneracy raises: a neuron within ``ZERO_RTOL`` (relative to the largest magnitude of its
terms) of zero at a vertex (a hyperplane through a vertex, duplicate or coinciding neurons,
a neuron identically zero on a cell), a face key seen other than twice, a vertex that is not
locally simple, a region whose certified inradius is below
``RADIUS_MARGIN * RADIUS_TOL * scale``, or a domain that is not a simple polytope.  The
domain is then split by ``CELL_SPLITS`` first-layer hyperplanes (which cut no region; the
cells of :func:`~relu_regions.regions._parallel.split_cells`) and the skeleton runs on each
cell; a cell that is degenerate itself goes to ``lp`` (exact on degenerate nets), and the
regions are merged by pattern.  ``details["fallback"]`` says why and on how many cells
``lp`` ran (with ``adjacency=True`` the whole domain goes to ``lp``).  ``workers`` /
``executor`` run the skeleton on first-layer cells in parallel, like ``lp``.

A time limit or Ctrl-C stops it between neurons: the cells of the neurons added so far are
unions of regions; the full pattern at each cell's interior point is a region of the
network, so the distinct ones are returned as a labelled lower bound (``complete=False``).

Layout: the engine (building, partial results, fallback) is here; the complex itself
(:class:`_Skeleton`, the domain's starting complex, ``ZERO_RTOL``) is in
:mod:`relu_regions.regions._skeleton_complex`, the counting of its regions (lowest
vertices, adjacency, certified balls, ``RADIUS_MARGIN``) in
:mod:`relu_regions.regions._skeleton_count`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._budget import Budget, progress_bar
from .._typing import FloatArray
from ..exceptions import DomainError
from ..network import Network
from ._parallel import serial_or_parallel
from ._polytope import axis_rows, bounding_box, domain_scale
from ._skeleton_complex import ZERO_RTOL, _Degenerate, _domain, _Skeleton
from ._skeleton_count import RADIUS_MARGIN, _count, _generic_direction, _lowest, _patterns_at, _simplices
from ._types import ENGINES, EngineInfo, EngineResult

__all__ = ["skeleton_engine", "skeleton_serial", "ZERO_RTOL", "RADIUS_MARGIN", "MAX_DIM", "CELL_SPLITS"]

#: Largest chart dimension the engine accepts (the skeleton grows like regions x 2^d / d!).
MAX_DIM = 8


# --------------------------------------------------------------------------- engine
def _build(
    net: Network, G: FloatArray, h: FloatArray, *, budget: Budget, progress: Any
) -> tuple[_Skeleton, int, bool]:
    """The skeleton after every neuron (or as far as the budget allowed); ``(sk, cols, complete)``."""
    layers = list(net.activated_layers)
    if len(layers) < len(net.layers) - 1:
        raise _Degenerate("a hidden layer without activation (not supported: uses lp)")
    nneur = int(sum(L.width for L in layers))
    sk, ndom = _domain(G, h, nneur)
    col = ndom
    slope_prev = 0.0
    affine = True  # no neuron has cut the domain yet: the next layer is affine on it
    for li, L in enumerate(layers):
        W, b, slope = np.asarray(L.weight), np.asarray(L.bias), float(L.slope)  # type: ignore[arg-type]
        if li > 0:
            Zv = sk.Z[:, : sk.N]
            H = np.where(Zv > 0, Zv, slope_prev * Zv)
        else:
            H = np.ascontiguousarray(sk.X[: sk.N].T)
        sk.start_layer(W, b, H)
        cut_here = False
        for j in range(L.width):
            if budget.stop:
                return sk, col, False
            vals = sk.Z[j, : sk.N]
            if affine and sk.N:
                hi, lo = float(vals.max()), float(vals.min())
                if not (hi > sk.tol[j] and lo < -sk.tol[j]):
                    # no earlier layer cut the domain, so this neuron is affine on it (convex);
                    # of one sign (or zero) at its vertices, its zero set is a face of the
                    # domain (or all of it): it cuts nothing and has one sign inside
                    # (identically zero: inactive)
                    sk.constant(col, 1 if hi > sk.tol[j] else -1)
                    sk.constants += 1
                    col += 1
                    if progress is not None:
                        progress.update(1)
                    continue
            if sk.N and np.abs(vals).min() <= sk.tol[j]:
                raise _Degenerate(
                    f"neuron {j} of activated layer {li} is zero at a vertex (a hyperplane through a vertex, "
                    "a duplicate neuron or one constant zero on a cell)"
                )
            sk.cut(col, vals, j, clip=False)
            cut_here = True
            col += 1
            if progress is not None:
                progress.update(1)
        slope_prev = slope
        affine = affine and not cut_here
    return sk, col, True


def _partial(sk: _Skeleton, cols: int, net: Network) -> EngineResult:
    """A stopped run: full patterns at the interior points of the cells built so far."""
    d = sk.d
    try:
        height = sk.X[: sk.N] @ _generic_direction(d, 0)
        low = _lowest(sk, height[sk.E1[: sk.ne]] > height[sk.E0[: sk.ne]])
        points, radii = _simplices(sk, low)
        pts = points[radii > 0]
    except Exception:  # noqa: BLE001 - a partial result must never raise
        pts = np.zeros((0, d))
    pats = _patterns_at(net, pts)
    if len(pats):
        _, idx = np.unique(np.packbits(pats, axis=1), axis=0, return_index=True)
        idx = np.sort(idx)
        pats, pts = pats[idx], pts[idx]
    return EngineResult(
        patterns=pats, points=pts, complete=False, exact=False,
        details={"vertices_when_stopped": int(sk.N), "hyperplanes_added": int(cols - sk.ndom)},
    )


def skeleton_serial(
    net: Network, G: FloatArray, h: FloatArray, *, budget: Budget, options: dict[str, Any]
) -> EngineResult:
    """Exact activation regions of ``net`` (chart coordinates) on the polytope ``{t : G t <= h}``."""
    G = np.asarray(G, dtype=np.float64)
    h = np.asarray(h, dtype=np.float64)
    d = net.input_dim
    if d < 2:
        raise DomainError("the skeleton engine works on domains of dimension >= 2 (use geometric in 1-D)")
    if d > MAX_DIM:
        raise DomainError(f"the skeleton engine works on domains of dimension <= {MAX_DIM}, this one has {d}")
    if options.get("_scale"):  # a cell of a larger domain: that domain's tolerance scale
        scale = float(options["_scale"])
    elif np.all(axis_rows(G)):  # a box: its Chebyshev radius is its smallest half-width
        lo, hi = bounding_box(G, h)
        scale = float(np.min(hi - lo)) / 2.0
    else:
        _, scale = domain_scale(G, h)
    bar = progress_bar(
        net.num_neurons, desc="skeleton: neurons", unit=" neurons", enabled=options.get("progress")
    )
    try:
        with bar:
            sk, cols, complete = _build(net, G, h, budget=budget, progress=bar)
            if not complete:
                return _partial(sk, cols, net)
            patterns, points, certificate, pairs = _count(sk, net, scale, bool(options.get("adjacency")))
    except _Degenerate as exc:
        if options.get("_cell") or options.get("adjacency"):
            return _fallback(net, G, h, budget, options, str(exc))
        return _cells_fallback(net, G, h, budget, options, str(exc), scale)
    details = {
        "vertices": int(sk.N),
        "edges": int(sk.ne),
        "edge_splits": int(sk.splits),
        "constant_neurons": int(sk.constants),
        "zero_rtol": ZERO_RTOL,
        "general_position": True,
    }
    return EngineResult(
        patterns=patterns,
        points=points,
        complete=True,
        exact=True,
        certificate=certificate,
        details=details,
        adjacency=pairs,
    )


#: first-layer hyperplanes that split a degenerate domain (2^CELL_SPLITS cells at most)
CELL_SPLITS = 3


def _cells_fallback(
    net: Network, G: FloatArray, h: FloatArray, budget: Budget, options: dict[str, Any], reason: str,
    scale: float,
) -> EngineResult:
    """A degenerate domain: split it by a few first-layer hyperplanes (which cut no region) and
    run the skeleton on each cell; only the cells that are degenerate themselves go to ``lp``.
    The regions are merged by pattern (each lies in exactly one cell)."""
    from ._parallel import _merge, split_cells

    if not net.activated_layers:
        return _fallback(net, G, h, budget, options, reason)
    cells = split_cells(net, G, h, pieces=2**CELL_SPLITS, scale=scale)
    if len(cells) <= 1:
        return _fallback(net, G, h, budget, options, reason)
    sub = {**options, "_cell": True, "_scale": scale, "progress": False}
    results = []
    for Gc, hc in cells:
        results.append(skeleton_serial(net, Gc, hc, budget=budget, options=sub))
        if budget.stop:
            break
    merged = _merge(results, len(cells), 0, net.num_neurons, net.input_dim)
    on_lp = sum("fallback" in r.details for r in results)
    details = {
        **merged.details,
        "fallback": (
            f"lp: {reason} (lp on {on_lp} of {len(cells)} first-layer cells, the skeleton on the others)"
        ),
        "fallback_cells": on_lp,
        "general_position": False,
    }
    return dataclasses.replace(merged, details=details)


def _fallback(
    net: Network, G: FloatArray, h: FloatArray, budget: Budget, options: dict[str, Any], reason: str
) -> EngineResult:
    """Run ``lp`` on the domain (exact on degenerate nets) and say why."""
    from ._lp import lp_engine

    opts = {k: v for k, v in options.items() if k not in ("workers", "executor")}
    res = lp_engine(net, G, h, budget=budget, options=opts)
    details = {**res.details, "fallback": f"lp: {reason}", "general_position": False}
    return dataclasses.replace(res, details=details)


skeleton_engine = serial_or_parallel(skeleton_serial)


ENGINES.add(
    "skeleton",
    EngineInfo(
        skeleton_engine,
        exact=True,
        max_dim=MAX_DIM,
        needs_bounded=True,
        parallel=True,
        description=(
            "vertex/edge skeleton split neuron by neuron, lowest-vertex counting, no LPs "
            "(bounded domains, 2 <= d <= 8; degenerate positions handed to lp)"
        ),
    ),
)
