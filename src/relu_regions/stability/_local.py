"""Local stability sweeps: stable neurons and activation patterns on balls around a point.

For each radius ``delta`` of the L-infinity ball ``{x : |x_i - c_i| <= delta}`` (optionally
clipped to the valid input range) this reports how many neurons are stably active and
stably inactive and how many activation patterns the ball contains, as in Kumar, Serra &
Ramalingam, Table 2 and Figure 6.  Stability comes from :func:`stable_neurons` (exact by
default); pattern counts from :func:`relu_regions.regions.count_regions` (exact where the
counting engine finishes, else a labelled lower bound).  Stable neurons are constant on
the ball, so only the unstable ones can split it: the count is at most ``2^unstable``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._budget import Budget
from .._results import FrozenResult
from .._typing import Seed
from ..domain import LInfBall
from ..exceptions import DimensionError, DomainError, ReluRegionsError
from ..io import load_network
from ..relax import stable_neurons

__all__ = ["local_stability", "LocalStability", "RadiusStability"]


@dataclasses.dataclass(frozen=True)
class RadiusStability(FrozenResult):
    """One row of the sweep."""

    radius: float
    active: int
    inactive: int
    unstable: int
    undecided: int
    per_layer: tuple[dict[str, int], ...]
    stability_exact: bool
    stability_seconds: float
    patterns: int | None = None
    patterns_exact: bool = False
    patterns_method: str | None = None
    patterns_seconds: float | None = None
    patterns_note: str = ""


@dataclasses.dataclass(frozen=True)
class LocalStability(FrozenResult):
    """The sweep: one :class:`RadiusStability` per radius, in the order given."""

    rows: tuple[RadiusStability, ...]
    neurons: int
    clip: tuple[float, float] | None
    seconds: float
    partial: bool = False
    stop_reason: str | None = None
    skipped_radii: tuple[float, ...] = ()


def local_stability(
    net: Any,
    center: Any,
    radii: Sequence[float],
    *,
    clip: Sequence[float] | None = None,
    method: str = "auto",
    count: bool = True,
    count_method: str = "auto",
    time_limit: float | None = None,
    count_time_limit: float | None = None,
    max_exact_unstable: int | None = None,
    seed: Seed = 0,
    total_time_limit: float | None = None,
) -> LocalStability:
    """Stable neurons and activation patterns on L-infinity balls of radii ``radii`` around ``center``.

    Parameters
    ----------
    net:
        A ReLU network (or model path).
    center:
        The data point ``(n0,)``.
    radii:
        Positive radii ``delta``; the paper's Table 2 uses side lengths ``alpha = 2 delta``.
    clip:
        ``(lo, hi)`` valid input range (``(0, 1)`` for images); ``None`` for none.
    method:
        Stability method (see :func:`stable_neurons`); ``auto`` is exact.
    count, count_method, count_time_limit:
        Whether and how to count activation patterns (``count_method`` is a counting
        method of :mod:`relu_regions.regions`; ``auto`` picks the exact one for the
        dimension).  When the exact method is unavailable, fails or hits its time limit the
        count is a lower bound and ``patterns_exact`` is false.
    max_exact_unstable:
        With more unstable neurons than this, patterns are sampled (a quick lower bound)
        instead of counted exactly.
    time_limit:
        Seconds per radius for the stability analysis.
    total_time_limit:
        Seconds for the whole sweep, stability and counting together (Ctrl-C stops it too):
        each step gets at most what is left, radii not reached are listed in
        ``skipped_radii`` and the result is ``partial``.

    Examples
    --------
    >>> from relu_regions import Network
    >>> net = Network([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0]]], [[0.0, -0.5], [0.0]])
    >>> sweep = local_stability(net, [0.2, 0.2], [0.1, 0.5])
    >>> [(r.active, r.inactive, r.unstable, r.patterns) for r in sweep.rows]
    [(1, 1, 0, 1), (0, 0, 2, 4)]
    """
    net = load_network(net)
    net.require_relu("local_stability")
    c = np.asarray(center, dtype=np.float64).reshape(-1)
    if c.size != net.input_dim:
        raise DimensionError(f"the center has {c.size} entries, the network takes {net.input_dim} inputs")
    rs = [float(r) for r in radii]
    if not rs:
        raise DomainError("give at least one radius")
    if any(not r > 0 for r in rs):
        raise DomainError(f"radii must be positive, got {rs}")
    t0 = time.perf_counter()
    rows = []
    budget = Budget(total_time_limit)
    skipped: list[float] = []

    def cap(limit: float | None) -> float | None:
        left = budget.remaining()
        if left is None:
            return limit
        left = max(left, 1e-3)
        return left if limit is None else min(limit, left)

    with budget.catch_interrupt():
        for r in rs:
            if budget.stop:
                skipped.append(r)
                continue
            rows.append(_radius(net, c, r, clip, method, count, count_method, cap(time_limit),
                                cap(count_time_limit), max_exact_unstable, seed, budget))
    return LocalStability(
        rows=tuple(rows),
        neurons=net.num_neurons,
        clip=None if clip is None else (float(clip[0]), float(clip[1])),
        seconds=time.perf_counter() - t0,
        partial=budget.stop,
        stop_reason=budget.reason,
        skipped_radii=tuple(skipped),
    )


def _radius(
    net: Any, c: Any, r: float, clip: Any, method: str, count: bool, count_method: str,
    time_limit: float | None, count_time_limit: float | None, max_exact_unstable: int | None,
    seed: Seed, budget: Budget,
) -> RadiusStability:
    ball = LInfBall(c, r, clip=clip)
    st = stable_neurons(net, ball, method=method, time_limit=time_limit, seed=seed)
    counts = st.counts
    per_layer = tuple(
        {k: len(getattr(layer, k)) for k in ("active", "inactive", "unstable", "undecided")}
        for layer in st.layers
    )
    row: dict[str, Any] = {
        "radius": r,
        **counts,
        "per_layer": per_layer,
        "stability_exact": st.exact,
        "stability_seconds": st.seconds,
    }
    if count:
        free = counts["unstable"] + counts["undecided"]
        cm = count_method
        if max_exact_unstable is not None and free > max_exact_unstable:
            cm = "sample"
        if budget.stop:  # no time left to count: the patterns are not known
            cm = "sample"
        row.update(_count(net, ball, free, cm, count_time_limit, seed))
    return RadiusStability(**row)


def _count(
    net: Any, ball: LInfBall, free: int, method: str, time_limit: float | None, seed: Seed
) -> dict[str, Any]:
    from ..regions import count_regions

    t0 = time.perf_counter()
    if free == 0:  # every neuron is stable: the ball is one activation region
        return {
            "patterns": 1,
            "patterns_exact": True,
            "patterns_method": "stability",
            "patterns_seconds": time.perf_counter() - t0,
            "patterns_note": "every neuron is stable on the ball",
        }
    note = ""
    try:
        opts: dict[str, Any] = {"samples": 20_000, "seed": seed} if method == "sample" else {}
        res = count_regions(net, ball, method=method, time_limit=time_limit, **opts)
    except (ReluRegionsError, MemoryError) as exc:
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        note = f"{method} failed ({why}); sampled instead: a lower bound"
        res = count_regions(net, ball, method="sample", samples=20_000, seed=seed)
    return {
        "patterns": int(res.regions),
        "patterns_exact": bool(res.exact),
        "patterns_method": res.method,
        "patterns_seconds": time.perf_counter() - t0,
        "patterns_note": note or res.reason,
    }
