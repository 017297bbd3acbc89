"""The ``sample`` method: distinct activation patterns over sampled points (a lower bound).

Every distinct pattern seen at a sample point is an activation region *provided the
point is not on a region boundary*; points with a pre-activation within ``BOUNDARY_TOL``
of zero are discarded, unless every such neuron is identically zero around the point (zero
gradient under its pattern: dead rows, exact cancellations), since those split nothing.  So
each counted pattern comes with an interior witness (generic points: boundaries have measure
zero).  The count is a lower bound, never exact.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from .._budget import Budget
from .._typing import BoolArray, FloatArray
from ..domain import Chart, chart_sampler
from ..exceptions import DimensionError
from ..network import Network
from ._types import ENGINES, EngineInfo, EngineResult

__all__ = ["sample_engine", "collect_patterns", "uniform_batches", "BOUNDARY_TOL"]

#: Sample points whose smallest |pre-activation| is below this are dropped.
BOUNDARY_TOL = 1e-12
_BATCH = 20_000


def sample_engine(
    net: Network, G: FloatArray, h: FloatArray, *, budget: Budget, options: dict[str, Any]
) -> EngineResult:
    n = int(options.get("samples") or 100_000)
    points = options.get("points")
    k = net.input_dim
    batches: Iterator[FloatArray]
    if points is not None:
        # given data, already in chart coordinates (the API projects ambient points)
        T = np.asarray(points, dtype=np.float64)
        if T.ndim != 2 or T.shape[1] != k:
            raise DimensionError(f"sample points must have shape (N, {k}) in chart coordinates")
        batches = (T[i : i + _BATCH] for i in range(0, len(T), _BATCH))
    else:
        batches = uniform_batches(G, h, n, seed=options.get("seed", 0))
    found = collect_patterns(net, batches, budget)
    return EngineResult(
        patterns=found.patterns,
        points=found.points,
        complete=found.complete,
        exact=False,
        details={
            "samples": found.samples,
            "distinct_patterns": len(found.patterns),
            "given_points": points is not None,
        },
    )


def uniform_batches(G: FloatArray, h: FloatArray, n: int, *, seed: Any = 0) -> Iterator[FloatArray]:
    """``n`` uniform points of ``{t : G t <= h}`` in batches (bounding box computed once)."""
    draw = chart_sampler(Chart.from_halfspaces(G, h), np.random.default_rng(seed))
    done = 0
    while done < n:
        m = min(_BATCH, n - done)
        yield draw(m)
        done += m


def _vanishing_only(net: Network, Z: FloatArray, near: BoolArray) -> BoolArray:
    """Which of the points flagged ``near`` a boundary are interior after all.

    A point whose small pre-activations all belong to neurons that are *identically* zero
    around it (zero value and zero gradient under its pattern: dead rows, exact
    cancellations) is interior: such neurons split nothing.  A small pre-activation with a
    non-zero gradient puts the point on (or too close to) a boundary, and it is dropped.
    """
    out = np.zeros(len(Z), dtype=bool)
    rows = np.flatnonzero(near)
    P = Z[rows] > 0
    keys = np.packbits(P, axis=1)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    scale = max(1.0, float(np.abs(net.weights[0]).max()))
    for g, i in enumerate(first):
        A = np.concatenate([a for a, _ in net.preactivation_maps(net.split_pattern(P[i]))], axis=0)
        flat = np.linalg.norm(A, axis=1) <= BOUNDARY_TOL * scale
        members = rows[inverse.ravel() == g]
        small = np.abs(Z[members]) <= BOUNDARY_TOL
        out[members] = ~np.any(small & ~flat, axis=1)
    return out


@dataclasses.dataclass
class FoundPatterns:
    patterns: BoolArray
    points: FloatArray
    samples: int
    complete: bool


def collect_patterns(
    net: Network,
    batches: Iterable[FloatArray],
    budget: Budget,
    *,
    known: BoolArray | None = None,
) -> FoundPatterns:
    """Distinct patterns at points away from every boundary (``|z| > BOUNDARY_TOL``).

    Each such point is an interior witness of a full-dimensional region.  Patterns in
    ``known`` are skipped, so the result lists only new regions.
    """
    seen: set[bytes] = set()
    if known is not None and len(known):
        seen.update(row.tobytes() for row in np.packbits(np.asarray(known, bool), axis=1))
    pats: list[BoolArray] = []
    pts: list[FloatArray] = []
    done = 0
    complete = True
    for T in batches:
        if budget.stop:
            complete = False
            break
        pre = net.preactivations(T)
        Z = np.concatenate(pre, axis=1)
        ok = np.min(np.abs(Z), axis=1) > BOUNDARY_TOL
        if not ok.all():
            ok |= _vanishing_only(net, Z, ~ok)
        P = Z[ok] > 0
        TT = T[ok]
        uniq, idx = np.unique(np.packbits(P, axis=1), axis=0, return_index=True)
        for row, j in zip(uniq, idx, strict=True):
            key = row.tobytes()
            if key not in seen:
                seen.add(key)
                pats.append(P[j])
                pts.append(TT[j])
        done += len(T)
    k = net.input_dim
    return FoundPatterns(
        np.array(pats, dtype=bool).reshape(-1, net.num_neurons),
        np.array(pts).reshape(-1, k),
        done,
        complete,
    )


ENGINES.add(
    "sample",
    EngineInfo(
        sample_engine,
        exact=False,
        max_dim=None,
        needs_bounded=True,
        description="distinct patterns over uniform samples (or given data points): a lower bound",
        unbounded_with=("points",),
    ),
)
