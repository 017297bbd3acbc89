"""Parallel exact counting: independent sub-problems on processes or any ``Executor``.

Splitting
---------
The domain is cut by ``m`` first-layer hyperplanes ``z_j(t) = w_j . t + b_j = 0`` (those
passing closest to the domain's Chebyshev centre, so the pieces are balanced) into the
cells ``D_sigma = D \\cap \\{\\sigma_j z_j(t) >= 0\\}`` that have an interior.  First-layer
hyperplanes are boundaries of every activation region, so **no region is cut**: each region
lies in exactly one cell, the cells' counts add up, and the sub-problems are independent
(the exact engines treat the cell's rows like domain rows).  Results are merged by
pattern (a region is one pattern), which also removes any duplicate a numerically
borderline cell might produce.  ``m = ceil(log2(4 * workers))`` gives several cells per
worker for load balance.

Execution
---------
``workers=K`` runs the cells on a ``ProcessPoolExecutor`` with ``K`` processes; any
``concurrent.futures.Executor`` passed as ``executor`` (a ``ThreadPoolExecutor``, a Dask
``client.get_executor()``, ...) is used unchanged instead.  Every sub-problem gets the
remaining time as an absolute deadline.  On Ctrl-C or the time limit the own pool's
workers are told to stop (a shared event) and return what they found, so nothing is lost;
with a foreign executor, cells not yet finished are dropped (the count stays a lower bound).
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import multiprocessing
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .._budget import Budget
from .._typing import FloatArray
from ..network import Network
from ._polytope import RADIUS_TOL, chebyshev, domain_scale
from ._types import EngineResult

__all__ = ["wants_parallel", "run_parallel", "split_cells", "serial_or_parallel"]

Engine = Callable[..., EngineResult]
_STOP_EVENT: Any = None


def wants_parallel(options: dict[str, Any]) -> bool:
    """Whether the options ask for parallel execution (``workers > 1`` or an executor)."""
    return int(options.get("workers") or 1) > 1 or options.get("executor") is not None


def split_cells(
    net: Network, G: FloatArray, h: FloatArray, *, pieces: int, scale: float
) -> list[tuple[FloatArray, FloatArray]]:
    """The cells of ``m = ceil(log2(pieces))`` first-layer hyperplanes inside ``{G t <= h}``.

    Returns ``[(G_cell, h_cell), ...]``: the domain's rows followed by the cell's rows.
    """
    W, b = net.activated_layers[0].weight, net.activated_layers[0].bias
    centre, _ = domain_scale(G, h)
    norms = np.linalg.norm(W, axis=1)
    live = norms > 1e-12 * max(float(norms.max()), 1.0)
    dist = np.full(W.shape[0], np.inf)
    dist[live] = np.abs(W[live] @ centre + b[live]) / norms[live]
    m = max(1, math.ceil(math.log2(max(pieces, 2))))
    chosen: list[int] = []
    normal_rows: list[FloatArray] = []
    for j in np.argsort(dist):
        if len(chosen) == m or not np.isfinite(dist[j]):
            break
        u = np.r_[W[j], b[j]] / norms[j]
        if any(abs(abs(float(u @ v)) - 1.0) < 1e-9 for v in normal_rows):
            continue  # same hyperplane as one already chosen
        chosen.append(int(j))
        normal_rows.append(u)
    cells = [(G, h)]
    tol = RADIUS_TOL * scale
    for j in chosen:
        nxt = []
        for Gc, hc in cells:
            for sgn in (1.0, -1.0):
                # sgn * (w t + b) >= 0   <=>   -sgn * w t <= sgn * b
                G2 = np.vstack([Gc, -sgn * W[j]])
                h2 = np.r_[hc, sgn * b[j]]
                x, r = chebyshev(G2, h2)
                if x is not None and r > tol:
                    nxt.append((G2, h2))
        cells = nxt
    return cells


def _net_spec(net: Network) -> tuple[Any, ...]:
    slopes = list(net.negative_slopes[: net.num_hidden_layers])
    return (list(net.weights), list(net.biases), slopes, net.output_relu)


class _JobBudget(Budget):
    """A worker's budget: its deadline, plus the pool's shared stop event when there is one."""

    @property
    def stop(self) -> bool:
        if _STOP_EVENT is not None and _STOP_EVENT.is_set():
            self.request_stop("interrupted")
        return super().stop


def _init_worker(event: Any) -> None:
    global _STOP_EVENT
    _STOP_EVENT = event
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C


def _run_job(
    engine: Engine,
    spec: tuple[Any, ...],
    G: FloatArray,
    h: FloatArray,
    options: dict[str, Any],
    deadline: float | None,
) -> EngineResult:
    weights, biases, slopes, output_relu = spec
    net = Network(weights, biases, negative_slope=slopes, output_relu=output_relu)
    limit = None if deadline is None else max(deadline - time.time(), 1e-3)
    return engine(net, G, h, budget=_JobBudget(limit), options=options)


def serial_or_parallel(serial: Engine) -> Engine:
    """The engine entry point for ``serial``: run it directly, or over first-layer cells on
    ``options["workers"]`` processes / ``options["executor"]`` when the caller asks."""

    def engine(
        net: Network, G: FloatArray, h: FloatArray, *, budget: Budget, options: dict[str, Any]
    ) -> EngineResult:
        if wants_parallel(options):
            return run_parallel(serial, net, G, h, budget=budget, options=options)
        return serial(net, G, h, budget=budget, options=options)

    engine.__name__ = serial.__name__.replace("_serial", "_engine")
    engine.__doc__ = f"Entry point of {serial.__name__}: serial, or parallel over first-layer cells."
    return engine


def run_parallel(
    engine: Engine,
    net: Network,
    G: FloatArray,
    h: FloatArray,
    *,
    budget: Budget,
    options: dict[str, Any],
) -> EngineResult:
    """Run ``engine`` on the cells of :func:`split_cells` in parallel and merge by pattern."""
    workers = int(options.get("workers") or 1)
    executor = options.get("executor")
    if workers < 1:
        from ..exceptions import OptionError

        raise OptionError(f"workers must be a positive integer, got {workers}")
    slots = workers if executor is None else max(workers, int(getattr(executor, "_max_workers", 4) or 4))
    _, scale = domain_scale(G, h)
    scale = float(options.get("_scale") or scale)
    cells = split_cells(net, G, h, pieces=int(options.get("pieces") or 4 * slots), scale=scale)
    sub_options = {k: v for k, v in options.items() if k not in ("workers", "executor", "pieces")}
    sub_options["_scale"] = scale
    sub_options["progress"] = False
    remaining = budget.remaining()
    deadline = None if remaining is None else time.time() + remaining
    spec = _net_spec(net)
    own = executor is None
    event = None
    pool: Any = executor
    if own:
        ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        event = ctx.Event()
        pool = cf.ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(event,))
    results: list[EngineResult] = []
    dropped = 0
    try:
        futures = [pool.submit(_run_job, engine, spec, Gc, hc, sub_options, deadline) for Gc, hc in cells]
        pending = set(futures)
        while pending:
            done, pending = cf.wait(pending, timeout=0.1)
            for f in done:
                results.append(f.result())
            if pending and budget.stop:
                if event is not None:
                    # own pool: every worker sees the event at its next poll and returns what it
                    # has (queued cells return their seed region at once), so nothing is lost
                    event.set()
                    results.extend(f.result() for f in pending)
                else:
                    for f in pending:
                        f.cancel()
                    dropped += len(pending)
                pending = set()
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)
    return _merge(results, len(cells), dropped, net.num_neurons, net.input_dim)


def _merge(results: list[EngineResult], cells: int, dropped: int, N: int, k: int) -> EngineResult:
    seen: dict[bytes, int] = {}
    pats: list[np.ndarray] = []
    pts: list[np.ndarray] = []
    meas: list[float] = []
    has_meas = all(r.measures is not None for r in results) and bool(results)
    has_verts = all(r.vertices is not None for r in results) and bool(results)
    verts: list[np.ndarray] = []
    for r in results:
        for i in range(r.count):
            key = r.patterns[i].tobytes()
            if key in seen:
                continue
            seen[key] = len(pats)
            pats.append(r.patterns[i])
            pts.append(r.points[i])
            if has_meas:
                meas.append(r.measures[i])  # type: ignore[index]
            if has_verts:
                verts.append(r.vertices[i])  # type: ignore[index]
    complete = dropped == 0 and len(results) == cells and all(r.complete for r in results)
    exact = complete and all(r.exact for r in results)
    certificate: dict[str, Any] = {"kind": "independent first-layer cells, merged by pattern", "cells": cells}
    for r in results:
        for key, v in r.certificate.items():
            if isinstance(v, bool):
                certificate[key] = bool(certificate.get(key, True)) and v
            elif isinstance(v, (int, float)) and key not in ("volume_rel_error",):
                certificate[key] = certificate.get(key, 0) + v
    if "volume_sum" in certificate and "domain_volume" in certificate:
        dv = certificate["domain_volume"]
        certificate["volume_rel_error"] = abs(certificate["volume_sum"] - dv) / dv if dv > 0 else math.nan
    details: dict[str, Any] = {
        "cells": cells,
        "cells_finished": sum(r.complete for r in results),
        "cells_dropped": dropped,
        "duplicates_merged": sum(r.count for r in results) - len(pats),
    }
    for r in results:
        for key, v in r.details.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool) and key not in ("scale", "radius_tol"):
                details[key] = details.get(key, 0) + v
            elif key == "not_exact_reason":
                details[key] = v
    return EngineResult(
        np.array(pats, dtype=bool).reshape(-1, N),
        np.array(pts).reshape(-1, k),
        complete,
        exact,
        certificate,
        details,
        measures=np.array(meas) if has_meas and meas else None,
        vertices=verts if has_verts else None,
    )
