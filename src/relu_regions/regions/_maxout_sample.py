r"""The ``sample`` method for networks with maxout layers: distinct patterns at sample points.

As for ReLU networks (:mod:`~relu_regions.regions._sample`) every distinct pattern seen at
a point *clear of every boundary* is a region, so the count is a lower bound, never exact.
A point is clear when, in every unit, the active piece beats every other piece that is
not identical to it on the point's region by more than ``BOUNDARY_RTOL`` times the
magnitude of the terms the two values are summed from,

.. math:: z_{u,p_u}(x) - z_{u,q}(x) > \text{BOUNDARY\_RTOL} \cdot
          \big(|W_{p_u}| |h| + |b_{p_u}| + |W_q| |h| + |b_q|\big),

and patterns are canonical (the lowest of identical pieces,
:func:`~relu_regions.regions._maxout_polytope.point_patterns`), so duplicate pieces never
make a second pattern.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .._budget import Budget, progress_bar
from .._typing import FloatArray
from ..exceptions import DimensionError
from ..network import Network
from ._maxout_polytope import PATTERN_DTYPE, piece_layers, point_patterns
from ._sample import uniform_batches
from ._types import EngineResult

__all__ = ["maxout_sample_engine"]

_BATCH = 20_000


def maxout_sample_engine(
    net: Network, G: FloatArray, h: FloatArray, *, budget: Budget, options: dict[str, Any]
) -> EngineResult:
    """Distinct canonical patterns at points clear of every boundary (module docstring)."""
    n = int(options.get("samples") or 100_000)
    points = options.get("points")
    k = net.input_dim
    layers = piece_layers(net)
    batches: Iterator[FloatArray]
    if points is not None:
        T = np.asarray(points, dtype=np.float64)
        if T.ndim != 2 or T.shape[1] != k:
            raise DimensionError(f"sample points must have shape (N, {k}) in chart coordinates")
        batches = iter([T])
        total = len(T)
    else:
        batches = uniform_batches(G, h, n, seed=options.get("seed", 0))
        total = n
    bar = progress_bar(
        total=total, desc="sample (maxout): points", unit=" pts", enabled=options.get("progress")
    )
    hash_key = np.random.default_rng(12345).integers(1, 2**62, size=net.num_neurons, dtype=np.int64)
    seen: dict[bytes, int] = {}
    pats: list[Any] = []
    pts: list[FloatArray] = []
    done = 0
    dropped = 0
    complete = True
    try:
        for big in batches:
            for s in range(0, len(big), _BATCH):
                if budget.stop:
                    complete = False
                    break
                T = big[s : s + _BATCH]
                P, clear = point_patterns(layers, T)
                dropped += int((~clear).sum())
                Pc, Tc = P[clear], T[clear]
                # one representative per distinct row: a 64-bit hash first (1-D unique is fast;
                # a collision, ~N^2 / 2^64, could only hide a pattern: still a lower bound)
                _, idx = np.unique(Pc.astype(np.int64) @ hash_key, return_index=True)
                for row, t in zip(Pc[idx], Tc[idx], strict=True):
                    key = row.tobytes()
                    if key not in seen:
                        seen[key] = len(pats)
                        pats.append(row)
                        pts.append(t)
                done += len(T)
                bar.update(len(T))
            if not complete:
                break
    finally:
        bar.close()
    found: Any = np.array(pats, dtype=PATTERN_DTYPE).reshape(-1, net.num_neurons)
    return EngineResult(
        patterns=found,
        points=np.array(pts).reshape(-1, k),
        complete=complete,
        exact=False,
        details={
            "samples": done,
            "distinct_patterns": len(pats),
            "dropped_near_boundary": dropped,
            "given_points": points is not None,
        },
    )
