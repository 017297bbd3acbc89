r"""The ``sample`` method: distinct activation patterns over sampled points (a lower bound).

Every distinct pattern seen at a sample point is an activation region *provided the
point is not on a region boundary*; points with a pre-activation within ``BOUNDARY_TOL``
of zero *relative to the magnitude of the terms it is summed from* are discarded,

.. math:: |z_i(x)| \le \text{BOUNDARY\_TOL} \cdot \big(|W_i| \, |h(x)| + |b_i|\big),

unless every such neuron is identically zero around the point (zero gradient under its
pattern, again relative to its terms: dead rows, exact cancellations), since those split
nothing.  The test is invariant under any positive scaling of layers or neurons (both
sides scale alike), and a kept sign is far above the round-off of ``z`` (about ``n 1e-16``
of the terms), so each counted pattern comes with an interior witness (generic points:
boundaries have measure zero).  The count is a lower bound, never exact.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from .._budget import Budget, progress_bar
from .._typing import BoolArray, FloatArray
from ..domain import Chart, chart_sampler
from ..exceptions import DimensionError
from ..network import Network
from ._types import ENGINES, EngineInfo, EngineResult

__all__ = ["sample_engine", "collect_patterns", "uniform_batches", "BOUNDARY_TOL"]

#: Sample points with a pre-activation below this times the magnitude of its terms
#: (``|W_i| |h| + |b_i|``) are dropped (module docstring).
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
    total = len(points) if points is not None else n
    # points are drawn and classified in batches of _BATCH, so memory stays bounded however
    # large n is; the time limit and Ctrl-C are checked between batches
    bar = progress_bar(total=total, desc="sample: points", unit=" pts", enabled=options.get("progress"))
    try:
        found = collect_patterns(net, (_counted(b, bar) for b in batches), budget)
    finally:
        bar.close()
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


def _counted(batch: FloatArray, bar: Any) -> FloatArray:
    bar.update(len(batch))
    return batch


def uniform_batches(G: FloatArray, h: FloatArray, n: int, *, seed: Any = 0) -> Iterator[FloatArray]:
    """``n`` uniform points of ``{t : G t <= h}`` in batches (bounding box computed once)."""
    draw = chart_sampler(Chart.from_halfspaces(G, h), np.random.default_rng(seed))
    done = 0
    while done < n:
        m = min(_BATCH, n - done)
        yield draw(m)
        done += m


def preactivations_with_terms(net: Network, T: FloatArray) -> tuple[FloatArray, FloatArray]:
    """All pre-activations ``z`` ``(N, num_neurons)`` and the magnitudes of their terms
    ``|W_i| |h| + |b_i|`` (the scale of their round-off)."""
    h = np.asarray(T, dtype=np.float64)
    zs, mags = [], []
    for layer in net.activated_layers:
        W, b = layer.weight, layer.bias
        z = h @ W.T + b
        zs.append(z)
        mags.append(np.abs(h) @ np.abs(W).T + np.abs(b))
        h = np.where(z > 0, z, float(layer.slope) * z)  # type: ignore[arg-type]
    k = len(T)
    return np.concatenate(zs, axis=1).reshape(k, -1), np.concatenate(mags, axis=1).reshape(k, -1)


def _gradient_terms(net: Network, pattern: BoolArray) -> tuple[FloatArray, FloatArray]:
    """Gradient norms of every neuron on ``pattern``'s region and the norms of their terms."""
    pats = net.split_pattern(pattern)
    k = net.input_dim
    A = np.eye(k)
    M = np.eye(k)
    g, m = [], []
    for layer, p in zip(net.activated_layers, pats, strict=True):
        A = layer.weight @ A
        M = np.abs(layer.weight) @ M
        g.append(np.linalg.norm(A, axis=1))
        m.append(np.linalg.norm(M, axis=1))
        d = np.where(p, 1.0, float(layer.slope))  # type: ignore[arg-type]
        A = d[:, None] * A
        M = np.abs(d)[:, None] * M
    return np.concatenate(g), np.concatenate(m)


def _vanishing_only(
    net: Network, Z: FloatArray, mag: FloatArray, near: BoolArray
) -> tuple[BoolArray, BoolArray]:
    """Which of the points flagged ``near`` a boundary are interior after all.

    A point whose small pre-activations all belong to neurons that are *identically* zero
    around it (zero value and zero gradient under its pattern, both relative to their terms:
    dead rows, cancellations) is interior: such neurons split nothing.  A small
    pre-activation with a non-zero gradient puts the point on (or too close to) a boundary,
    and it is dropped.  Returns that mask and the ``(point, neuron)`` entries that vanish
    identically: they are inactive (their sign is round-off), as in the exact engines.
    """
    out = np.zeros(len(Z), dtype=bool)
    vanish = np.zeros(Z.shape, dtype=bool)
    rows = np.flatnonzero(near)
    P = Z[rows] > 0
    keys = np.packbits(P, axis=1)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    for g, i in enumerate(first):
        grad, terms = _gradient_terms(net, P[i])
        flat = grad <= BOUNDARY_TOL * terms
        members = rows[inverse.ravel() == g]
        small = np.abs(Z[members]) <= BOUNDARY_TOL * mag[members]
        out[members] = ~np.any(small & ~flat, axis=1)
        vanish[members] = small & flat
    return out, vanish


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
    """Distinct patterns at points away from every boundary (``|z| > BOUNDARY_TOL |terms|``).

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
        Z, mag = preactivations_with_terms(net, T)
        ok = np.all(np.abs(Z) > BOUNDARY_TOL * mag, axis=1)
        if not ok.all():
            interior, vanish = _vanishing_only(net, Z, mag, ~ok)
            ok |= interior
            Z = np.where(vanish, 0.0, Z)
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
