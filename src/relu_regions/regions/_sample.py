"""The ``sample`` method: distinct activation patterns over sampled points (a lower bound).

Every distinct pattern seen at a sample point is an activation region *provided the
point is not on a region boundary*; points with a pre-activation within ``BOUNDARY_TOL``
of zero are discarded, so each counted pattern comes with an interior witness (generic
points: boundaries have measure zero).  The count is a lower bound, never exact.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._budget import Budget
from .._typing import FloatArray
from ..domain import Chart
from ..exceptions import DimensionError
from ..network import Network
from ._types import ENGINES, EngineInfo, EngineResult

__all__ = ["sample_engine", "BOUNDARY_TOL"]

#: Sample points whose smallest |pre-activation| is below this are dropped.
BOUNDARY_TOL = 1e-12
_BATCH = 20_000


def sample_engine(
    net: Network, G: FloatArray, h: FloatArray, *, budget: Budget, options: dict[str, Any]
) -> EngineResult:
    n = int(options.get("samples") or 100_000)
    seed = options.get("seed", 0)
    points = options.get("points")
    k = net.input_dim
    if points is not None:
        # given data, already in chart coordinates (see enumerate via API with data points)
        T = np.asarray(points, dtype=np.float64)
        if T.ndim != 2 or T.shape[1] != k:
            raise DimensionError(f"sample points must have shape (N, {k}) in chart coordinates")
        batches = [T[i : i + _BATCH] for i in range(0, len(T), _BATCH)]
    else:
        inf = np.full(k, np.inf)
        chart = Chart(np.zeros(k), np.eye(k), -inf, inf, G, h)
        rng = np.random.default_rng(seed)
        batches = None
    seen: dict[bytes, int] = {}
    pats: list[np.ndarray] = []
    pts: list[np.ndarray] = []
    done = 0
    complete = True
    i = 0
    while done < (n if batches is None else sum(len(b) for b in batches)):
        if budget.stop:
            complete = False
            break
        if batches is None:
            m = min(_BATCH, n - done)
            from ..domain import _sample_chart

            T = _sample_chart(chart, m, rng)
        else:
            T = batches[i]
            i += 1
            m = len(T)
        pre = net.preactivations(T)
        margin = np.min(np.abs(np.concatenate(pre, axis=1)), axis=1)
        P = np.concatenate([z > 0 for z in pre], axis=1)[margin > BOUNDARY_TOL]
        TT = T[margin > BOUNDARY_TOL]
        uniq, idx = np.unique(np.packbits(P, axis=1), axis=0, return_index=True)
        for row, j in zip(uniq, idx, strict=True):
            key = row.tobytes()
            if key not in seen:
                seen[key] = len(pats)
                pats.append(P[j])
                pts.append(TT[j])
        done += m
    patterns = np.array(pats, dtype=bool).reshape(-1, net.num_neurons)
    return EngineResult(
        patterns=patterns,
        points=np.array(pts).reshape(-1, k),
        complete=complete,
        exact=False,
        details={"samples": int(done), "distinct_patterns": len(pats), "given_points": points is not None},
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
