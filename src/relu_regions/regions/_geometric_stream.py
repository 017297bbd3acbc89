"""The geometric engine streaming its regions to a sink in parts of bounded size.

A bounded window is split by a depth-first walk over independent parts
(:func:`_stream_partition`), and each part's pieces are handed to the sink
(``chunk_size`` pieces at a time, default ``STREAM_CHUNK``) instead of being kept.  See
:mod:`relu_regions.regions._geometric` and :mod:`relu_regions.regions._export`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._budget import Budget
from .._typing import FloatArray, IntArray
from ..exceptions import EmptyDomainError, OptionError
from ..network import Network
from ._geometric_window import (
    RADIUS_RTOL,
    ZERO_RTOL,
    _box_corners,
    _clip_window,
    _complete_patterns,
    _Lifted,
    _measure,
    _pullback_extra,
    _standard,
)
from ._pieces2d import LayerPieces
from ._types import EngineResult

__all__ = ["STREAM_CHUNK"]

#: Pieces per part when the regions are streamed to a sink (``chunk_size`` option).
STREAM_CHUNK = 20_000


def _stream_partition(
    lifted: _Lifted, V0: FloatArray, E0: IntArray, radius_tol: float, *, budget: Budget, progress: Any,
    emit: Any, chunk: int,
) -> tuple[dict[str, Any], list[LayerPieces]]:
    """:func:`_partition_layers` with bounded memory: finished regions go to ``emit`` in chunks.

    The work is a depth-first walk over independent parts: at the end of a layer the
    pieces are handed to the next layer ``chunk`` at a time, and inside a layer a part
    that outgrows ``2 chunk`` pieces is cut into parts of ``chunk`` queue roots
    (:meth:`LayerPieces.child`); pieces of different roots never interact, so the regions
    are those of :func:`_partition_layers`.  Memory: the parts on the current path, each
    of ``O(chunk)`` pieces.  Returns statistics and, when the budget stopped the walk, the
    unfinished parts (their pieces hold the regions not emitted yet).
    """
    root = LayerPieces(V0, E0, lifted.num_bits, radius_tol)
    beta = (float(lifted.beta_a[0]), float(lifted.beta_a[1]), float(lifted.beta_c))
    M = np.stack([lifted.A1[:, 0], lifted.A1[:, 1], lifted.c1], axis=1)[:, :, None]
    T = ZERO_RTOL * np.stack([lifted.mag0, lifted.mag1], axis=1)[:, :, None]
    root.begin_layer(M, T)
    layers = lifted.layers
    last = len(layers) - 1
    total = _measure(V0)
    stats = {"splits": 0, "rejected_slivers": 0, "measure_sum": 0.0, "chunks": 0}
    reported = 0
    stack: list[tuple[str, LayerPieces, int, int]] = [("run", root, 0, 0)]
    while stack:
        kind, part, li, start = stack.pop()
        if kind == "run":
            state = part.run_rounds(budget, max_pieces=2 * chunk)
            stats["splits"] += part.splits
            stats["rejected_slivers"] += part.rejected
            part.splits = part.rejected = 0
            if state == "stopped":
                return stats, [part] + [p for _, p, _, _ in _pending(stack)]
            if state == "full":
                stack.append(("split", part, li, 0))
                continue
            part.end_layer()
            if li < last:
                stack.append(("next", part, li, 0))
                continue
            stats["measure_sum"] += float(part.measure[: part.P].sum())
            stats["chunks"] += 1
            emit(part)
            if progress is not None:
                now = int(lifted.num_bits * min(1.0, stats["measure_sum"] / total))
                if now > reported:
                    progress.update(now - reported)
                    reported = now
            continue
        stop = min(start + chunk, part.P)
        rows = np.arange(start, stop)
        if stop < part.P:
            stack.append((kind, part, li, stop))
        if kind == "split":
            stack.append(("run", part.child(rows), li, 0))
        else:
            slope = float(layers[li].slope)  # type: ignore[arg-type]
            nxt = layers[li + 1]
            stack.append(("run", part.next_child(rows, slope, nxt.weight, nxt.bias, beta), li + 1, 0))
    if progress is not None and lifted.num_bits > reported:
        progress.update(lifted.num_bits - reported)
    return stats, []


def _pending(stack: list[tuple[str, LayerPieces, int, int]]) -> list[tuple[str, LayerPieces, int, int]]:
    """The parts on the stack, each reduced to the pieces nobody has taken yet."""
    out = []
    for kind, part, li, start in stack:
        if kind == "run" or start == 0:
            out.append((kind, part, li, start))
        else:
            out.append((kind, part._blank(np.arange(start, part.P)), li, 0))
    return out


def _window_stream(
    net: Network, lo: FloatArray, hi: FloatArray, G: FloatArray, h: FloatArray, *, budget: Budget,
    options: dict[str, Any], progress: Any,
) -> EngineResult:
    """The regions of a bounded 2-D domain handed to ``options["sink"]`` in chunks (bounded memory).

    Each chunk is a dict of arrays: ``patterns`` ``(m, num_neurons)``, ``points`` ``(m, 2)``
    (chart coordinates), ``measures`` ``(m,)``, ``exact`` ``(m,)`` (True: a finished region;
    False: after a stop, an interior point of an unfinished piece, whose region's pattern
    is ``patterns``) and, with ``collect``, ``vertices`` = ``(flat (V, 2), counts (m,))``.
    """
    if options.get("adjacency"):
        raise OptionError("adjacency is not available when the regions are streamed to a sink")
    clipped = _clip_window(_box_corners(lo, hi), G, h)
    if clipped is None:
        raise EmptyDomainError("the domain has no interior in its own coordinates")
    V0, E0 = clipped
    span = V0.max(axis=0) - V0.min(axis=0)
    radius_tol = RADIUS_RTOL * 0.5 * float(np.sqrt((span**2).sum()))
    if options.get("_radius") is not None:
        radius_tol = float(options["_radius"][0])
    sink = options["sink"]
    collect = bool(options.get("collect"))
    chunk = int(options.get("chunk_size") or STREAM_CHUNK)
    if chunk < 1:
        raise OptionError(f"chunk_size must be at least 1, got {chunk}")
    count = 0

    def emit(part: LayerPieces) -> None:
        nonlocal count
        P = part.P
        out: dict[str, Any] = {
            "patterns": part.bits, "points": part.centroids(), "measures": part.measure[:P].copy(),
            "exact": np.ones(P, dtype=bool),
        }
        if collect:
            V = part.vertices()
            keep = np.arange(V.shape[1])[None, :] < part.n[:P, None]
            out["vertices"] = (V[keep], part.n[:P].astype(np.int64))
        sink(out)
        count += P

    stats, pending = _stream_partition(
        _standard(net, _pullback_extra(options)), V0, E0, radius_tol, budget=budget, progress=progress,
        emit=emit, chunk=chunk,
    )
    details: dict[str, Any] = {
        "splits": stats["splits"], "rejected_slivers": stats["rejected_slivers"], "streamed": True,
        "chunks": stats["chunks"], "chunk_size": chunk,
    }
    if pending:
        # one interior point per unfinished piece: distinct pieces hold distinct regions
        pts = np.vstack([p.centroids() for p in pending if p.P])
        pats = _complete_patterns(net, pts)
        _, idx = np.unique(np.packbits(pats, axis=1), axis=0, return_index=True)
        idx = np.sort(idx)
        sink({"patterns": pats[idx], "points": pts[idx], "measures": np.full(idx.size, np.nan),
              "exact": np.zeros(idx.size, dtype=bool)})
        details["finished_regions"] = count
        count += int(idx.size)
        return EngineResult(
            patterns=np.zeros((count, 0), dtype=bool), points=np.zeros((count, 0)), complete=False,
            exact=False, details=details, certificate={"measure_sum": stats["measure_sum"]},
        )
    domain_measure = _measure(V0)
    certificate: dict[str, Any] = {
        "measure_sum": stats["measure_sum"],
        "domain_measure": domain_measure,
        "relative_error": abs(stats["measure_sum"] - domain_measure) / domain_measure,
        "measure": "area",
    }
    exact = certificate["relative_error"] <= 1e-8
    if not exact:
        details["not_exact_reason"] = "the pieces' measures do not add up to the domain's"
    details.update({"pieces": count, "zero_rtol": ZERO_RTOL, "radius_rtol": RADIUS_RTOL})
    return EngineResult(
        patterns=np.zeros((count, 0), dtype=bool), points=np.zeros((count, 0)), complete=True, exact=exact,
        certificate=certificate, details=details,
    )
