"""Farm out ``auto``'s sign MILPs: the neurons the cheap prefilters left, on an executor.

Within one layer the sign questions of the undecided neurons are independent given the
bounds and signs of the earlier layers, so the layer's undecided neurons are dealt
round-robin into chunks, and each chunk runs :func:`~relu_regions.stability._stable._sign_milps`
(LP with cuts, then the sign-only MILP) on any ``concurrent.futures.Executor`` (a process
pool, a Dask ``client.get_executor()``; see :mod:`relu_regions.cluster`).  The next layer
waits for the whole layer, as in the serial loop (its big-M constants need these signs).

What ships to a worker: the :class:`~relu_regions.stability._setup.Setup` (network weights
and the domain's chart; scattered once per run on Dask), the tightened bounds of the
earlier layers, the best witness values found so far for this layer (so no answered
question is asked again) and the chunk's neuron indices.  What comes back: the chunk's
proven signs (status, proof, bound), every LP/MILP solution point (witness candidates,
checked here by a forward pass like all witnesses) and the solve counters.

The classification is the serial one: every stable neuron has a proven bound and every
unstable one two checked witnesses, whatever the order of the solves.  What may differ is
*which* proof settled a neuron (a witness found by another neuron's MILP in the serial run
may be found by the neuron's own LP here) and the solve counts.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
from typing import Any

import numpy as np

from .._budget import Budget
from .._typing import FloatArray
from ._setup import Setup
from ._witness import WitnessPool

__all__ = ["parallel_sign_milps", "executor_slots"]


def executor_slots(executor: Any) -> int:
    """How many tasks the executor runs at once (Dask: its worker threads; else its pool size)."""
    client = getattr(executor, "_client", None)
    if client is not None:
        try:
            return max(1, sum(client.nthreads().values()))
        except Exception:  # noqa: BLE001 - a scheduler we cannot ask: assume a few
            return 4
    return max(1, int(getattr(executor, "_max_workers", 4) or 4))


class _RecordingPool(WitnessPool):
    """A witness pool that also keeps every point it was given (to send them back)."""

    def __init__(self, net_t: Any, dim: int) -> None:
        super().__init__(net_t, dim)
        self.added: list[FloatArray] = []

    def add(self, T: FloatArray, batch: int = 8192) -> None:
        self.added.append(np.atleast_2d(np.asarray(T, dtype=np.float64)))
        super().add(T, batch)


def _chunk_task(
    setup: Setup,
    bounds: list[tuple[FloatArray, FloatArray]],
    signs: list[np.ndarray],
    layer: int,
    lo: FloatArray,
    hi: FloatArray,
    neurons: np.ndarray,
    pos_val: FloatArray,
    neg_val: FloatArray,
    solver: str,
    cuts: bool,
    time_limit: float | None,
) -> dict[str, Any]:
    """One chunk on a worker: the serial sign MILPs of ``neurons`` of ``layer``."""
    from ._stable import _sign_milps, _State
    from ._stable_results import ACTIVE, INACTIVE, UNDECIDED, UNSTABLE

    pool = _RecordingPool(setup.net_t, setup.dim)
    pool.pos_val[layer][:] = pos_val
    pool.neg_val[layer][:] = neg_val
    state = _State(setup, pool)
    state.bounds = list(bounds)
    for k in range(layer):  # only the signs are read (build_model's signs=)
        state.status[k][:] = np.where(signs[k] > 0, ACTIVE, np.where(signs[k] < 0, INACTIVE, UNSTABLE))
    st = state.status[layer]
    st[:] = UNSTABLE  # neurons outside the chunk are skipped
    st[neurons] = UNDECIDED
    budget = Budget(time_limit if time_limit is None or time_limit > 0 else 1e-3)
    _sign_milps(state, layer, lo, hi, solver=solver, budget=budget, cuts=cuts)
    points = np.vstack(pool.added) if pool.added else np.zeros((0, setup.dim))
    return {
        "neurons": neurons,
        "status": st[neurons].copy(),
        "proof": [str(p) for p in state.proof[layer][neurons]],
        "bound": state.bound[layer][neurons].copy(),
        "points": points,
        "stats": state.stats,
    }


def parallel_sign_milps(
    state: Any,
    layer: int,
    lo: FloatArray,
    hi: FloatArray,
    *,
    executor: Any,
    solver: str,
    budget: Budget,
    cuts: bool,
) -> None:
    """Settle ``layer``'s undecided neurons like ``_sign_milps``, chunks on ``executor``.

    A time limit or Ctrl-C (``budget.stop``) cancels the chunks not yet started and stops
    waiting for the running ones; their neurons stay undecided (a partial result).
    """
    from ._stable_results import ACTIVE, INACTIVE, UNDECIDED

    und = np.flatnonzero(state.status[layer] == UNDECIDED)
    if not und.size:
        return
    n_chunks = min(und.size, 2 * executor_slots(executor))
    chunks = [und[c::n_chunks] for c in range(n_chunks)]
    signs = [state.signs(k) for k in range(layer)]
    bounds = list(state.bounds)
    t0 = time.perf_counter()
    setup = _shared_setup(executor, state)
    futures = [
        executor.submit(
            _chunk_task,
            setup,
            bounds,
            signs,
            layer,
            lo,
            hi,
            chunk,
            state.pool.pos_val[layer].copy(),
            state.pool.neg_val[layer].copy(),
            solver,
            cuts,
            budget.remaining(),
        )
        for chunk in chunks
    ]
    state.bump("milp_tasks", len(futures))
    pending = set(futures)
    while pending:
        done, pending = cf.wait(pending, timeout=0.1)
        for f in done:
            _merge(state, layer, f.result(), ACTIVE, INACTIVE, UNDECIDED)
        if pending and budget.stop:
            for f in pending:
                f.cancel()
            state.bump("milp_tasks_dropped", len(pending))
            pending = set()
    state.settle_by_witnesses(layer)
    state.stats["milp_wall_seconds"] = state.stats.get("milp_wall_seconds", 0.0) + time.perf_counter() - t0


def _shared_setup(executor: Any, state: Any) -> Any:
    """The setup, scattered once to every Dask worker (a future), else the object itself.

    A box domain's chart carries an identity basis (784 x 784: 4.9 MB), so shipping the
    setup with every chunk would dominate the traffic; Dask resolves a future argument on
    the worker from its own copy.
    """
    cached = getattr(state, "_remote_setup", None)
    if cached is not None:
        return cached
    shared: Any = state.setup
    client = getattr(executor, "_client", None)
    if client is not None:
        try:
            shared = client.scatter(state.setup, broadcast=True, hash=False)
        except Exception:  # noqa: BLE001 - any failure: ship it with each task instead
            shared = state.setup
    state._remote_setup = shared
    return shared


def _merge(state: Any, layer: int, out: dict[str, Any], ACTIVE: int, INACTIVE: int, UNDECIDED: int) -> None:
    """Witness points first (checked by a forward pass here), then the chunk's proven signs."""
    if len(out["points"]):
        state.pool.add(out["points"])
    st = state.status[layer]
    for i, s, proof, bound in zip(out["neurons"], out["status"], out["proof"], out["bound"], strict=True):
        if st[i] == UNDECIDED and s in (ACTIVE, INACTIVE):
            st[i] = s
            state.proof[layer][i] = proof
            state.bound[layer][i] = bound
    for key, v in out["stats"].items():
        if key == "milp_binaries_max":
            state.stats[key] = max(state.stats.get(key, 0), v)
        elif isinstance(v, (int, float)):
            state.bump(key, v)
