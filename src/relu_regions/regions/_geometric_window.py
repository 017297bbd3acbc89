"""One window of the geometric engine: the pieces of a bounded 1-D/2-D domain, neuron by neuron.

The splitting kernels (:func:`_partition`, per neuron or per layer root), the window's
clipping and measures.  The rules and tolerances are described in
:mod:`relu_regions.regions._geometric`, which runs the windows (bounded domain, projective
closure, streaming, parallel cells).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._budget import Budget
from .._typing import BoolArray, FloatArray, IntArray
from ..exceptions import DomainError, EmptyDomainError
from ..network import Network
from ..polytope import lp_bounding_box
from ._partition import WINDOW_LABEL, Partition, polygon_area_perimeter, split_polygons
from ._pieces2d import LayerPieces

__all__ = ["ZERO_RTOL", "RADIUS_RTOL", "HORIZON"]

#: A pre-activation is zero at a vertex when ``|z|`` is at most this times the sum of the
#: magnitudes of the terms that make it up (well above float64 round-off).
ZERO_RTOL = 1e-11
#: A piece is full-dimensional when its inradius estimate (half-length in 1-D) exceeds
#: this times the half-diagonal of the domain (or of the projective face).
RADIUS_RTOL = 1e-9
#: Vertices found on the projective faces with ``x_{k+1}`` below this are at infinity.
HORIZON = 1e-9


# --------------------------------------------------------------------------- one window
class _Lifted:
    """The network on a window's coordinates ``u``: first-layer map and bias multiplier."""

    def __init__(
        self, net: Network, origin: FloatArray, basis: FloatArray, scale: float = 1.0,
        extra: tuple[FloatArray, FloatArray] | None = None,
    ) -> None:
        # x = origin + basis @ u in homogeneous coordinates (x', x_{k+1}); t = scale x'/x_{k+1}
        k = net.input_dim
        self.layers = [layer for layer in net.layers if layer.activated]
        if len(self.layers) < len(net.layers) - 1:
            raise DomainError("the geometric engine needs every hidden layer to be activated")
        W0, b0 = net.layers[0].weight, net.layers[0].bias
        H = np.hstack([scale * W0, b0[:, None]])
        self.A1 = H @ basis
        self.c1 = H @ origin
        self.beta_a = basis[k].copy()
        self.beta_c = float(origin[k])
        self.num_bits = int(sum(layer.width for layer in self.layers))
        # magnitudes of the first layer's terms: |z(u)| <= mag0 + mag1 |u| (plus ``extra``,
        # the terms of the pull-back t -> W0 (o + B t) + b0 that cancelled in net_t)
        self.mag0 = np.abs(self.c1)
        self.mag1 = np.linalg.norm(self.A1, axis=1)
        if extra is not None:
            e0, e1 = extra
            xp, x3 = np.abs(origin[:k]).sum(), abs(origin[k])
            self.mag0 = self.mag0 + e0 * x3 + e1 * scale * xp
            self.mag1 = self.mag1 + e0 * float(np.linalg.norm(basis[k])) + e1 * scale * float(
                np.linalg.norm(basis[:k], 2)
            )


def _partition(
    lifted: _Lifted,
    V0: FloatArray,
    E0: IntArray,
    *,
    budget: Budget,
    progress: Any,
    track_chords: bool = False,
    radius: tuple[float, float] | None = None,
) -> tuple[Partition, bool]:
    """Split the window ``V0`` by every neuron; ``False`` when the budget stopped it.

    ``radius = (absolute, relative)`` overrides the sliver tolerance: a piece centred at
    ``u`` needs an inradius estimate above ``absolute + relative * |u|``.
    """
    k = V0.shape[-1]
    if k == 2:
        span = V0.max(axis=0) - V0.min(axis=0)
    else:
        span = np.abs(np.diff(V0.reshape(-1)))
    radius_tol, radius_rel = radius or (RADIUS_RTOL * 0.5 * float(np.sqrt((span**2).sum())), 0.0)
    from . import _geometric  # the KERNEL switch lives there (set by tests and benchmarks)

    if k == 2 and _geometric.KERNEL == "layer":
        return _partition_layers(
            lifted, V0, E0, radius_tol, radius_rel, budget=budget, progress=progress,
            track_chords=track_chords,
        )
    part = Partition(V0, E0, lifted.num_bits, radius_tol, radius_rel=radius_rel, track_chords=track_chords)
    beta_a = complex(*lifted.beta_a) if k == 2 else complex(lifted.beta_a[0])
    beta_c = lifted.beta_c
    bit = 0
    HA = np.zeros((0, 1), dtype=np.complex128)
    Hc = np.zeros((0, 1))
    for li, layer in enumerate(lifted.layers):
        if li == 0:
            A1 = lifted.A1[:, 0] + 1j * lifted.A1[:, 1] if k == 2 else lifted.A1[:, 0].astype(np.complex128)
            A, c = A1[:, None], lifted.c1[:, None]
            mag0, mag1 = lifted.mag0[:, None], lifted.mag1[:, None]
        else:
            # z = W h + b beta(u), one matrix product for all pieces (neuron-major layout)
            W, b = layer.weight, layer.bias
            A = W @ HA + (b * beta_a)[:, None]
            c = W @ Hc + (b * beta_c)[:, None]
            # |z(u)| <= mag0 + mag1 |u| bounds the terms that make up z, hence its round-off
            absW = np.abs(W)
            mag0 = absW @ np.abs(Hc) + (np.abs(b) * abs(beta_c))[:, None]
            mag1 = absW @ np.abs(HA) + (np.abs(b) * abs(beta_a))[:, None]
        part.set_layer(A, c, ZERO_RTOL * mag0, ZERO_RTOL * mag1)
        first = bit
        for j in range(layer.width):
            if budget.stop:
                return part, False
            part.split(j, bit)
            bit += 1
            if progress is not None:
                progress.update(1)
        HA, Hc = part.hidden_maps(first, bit, float(layer.slope))  # type: ignore[arg-type]
    return part, True


def _partition_layers(
    lifted: _Lifted, V0: FloatArray, E0: IntArray, radius_tol: float, radius_rel: float, *, budget: Budget,
    progress: Any, track_chords: bool,
) -> tuple[Partition, bool]:
    """:func:`_partition` in 2-D with :class:`._pieces2d.LayerPieces` (maps per layer root)."""
    part = LayerPieces(V0, E0, lifted.num_bits, radius_tol, radius_rel=radius_rel, track_chords=track_chords)
    if getattr(progress, "disable", False):
        progress = None  # a silenced bar: skip the bookkeeping
    beta = (float(lifted.beta_a[0]), float(lifted.beta_a[1]), float(lifted.beta_c))
    M = np.stack([lifted.A1[:, 0], lifted.A1[:, 1], lifted.c1], axis=1)[:, :, None]
    T = ZERO_RTOL * np.stack([lifted.mag0, lifted.mag1], axis=1)[:, :, None]
    for li, layer in enumerate(lifted.layers):
        if li > 0:
            slope = float(lifted.layers[li - 1].slope)  # type: ignore[arg-type]
            M, T = part.next_maps(slope, layer.weight, layer.bias, beta)
        if not part.run_layer(M, T, budget=budget, progress=progress):
            return part, False
        part.end_layer()
    return part, True


def _clip_window(V: FloatArray, G: FloatArray, h: FloatArray) -> tuple[FloatArray, IntArray] | None:
    """The window ``V`` (a box, ccw corners in 2-D or ``[lo, hi]``) cut by ``G u <= h``."""
    k = V.shape[-1]
    if k == 1:
        lo, hi = float(V.min()), float(V.max())
        llab, hlab = WINDOW_LABEL, WINDOW_LABEL
        for i, (g, hh) in enumerate(zip(G[:, 0], h, strict=True)):
            if g > 0 and hh / g < hi:
                hi, hlab = hh / g, -1 - i
            elif g < 0 and hh / g > lo:
                lo, llab = hh / g, -1 - i
            elif g == 0 and hh < 0:
                return None
        if not hi > lo:
            return None
        return np.array([[lo], [hi]]), np.array([llab, hlab])
    Z = (V[:, 0] + 1j * V[:, 1])[None, :]
    n = np.array([V.shape[0]])
    E = np.full((1, V.shape[0]), WINDOW_LABEL, dtype=np.int64)
    R = float(np.abs(V).max())
    for i, (g, hh) in enumerate(zip(G, h, strict=True)):
        f = Z[0].real * g[0] + Z[0].imag * g[1] - hh
        tol = 1e-12 * (float(np.linalg.norm(g)) * R + abs(hh))
        s = (f > tol).astype(np.int8) - (f < -tol).astype(np.int8)
        if not np.any(s > 0):
            continue
        if not np.any(s < 0):
            return None
        Z, n, E = split_polygons(Z, n, E, f[None], s[None], np.array([-1 - i]))[1]
    area, perim = polygon_area_perimeter(Z)
    span = V.max(axis=0) - V.min(axis=0)
    if not 2 * area[0] / perim[0] > RADIUS_RTOL * 0.5 * float(np.sqrt((span**2).sum())):
        return None
    m = int(n[0])
    return np.stack([Z[0, :m].real, Z[0, :m].imag], axis=1), E[0, :m]


def _box_corners(lo: FloatArray, hi: FloatArray) -> FloatArray:
    if lo.size == 1:
        return np.array([[lo[0]], [hi[0]]])
    return np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]]])


def _bounding_box(G: FloatArray, h: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Smallest box around ``{t : G t <= h}`` (infinite sides when unbounded).

    :func:`relu_regions.polytope.lp_bounding_box` (rows read off for a box, else ``2 k``
    LPs), except that a box read off the rows with a flat side (``lower == upper``) is
    refused here as empty: the engine needs a domain with interior.
    """
    lo, hi = lp_bounding_box(G, h)
    if G.shape[0] and np.all(np.count_nonzero(G, axis=1) == 1) and np.any(lo >= hi):
        raise EmptyDomainError("the domain is empty")
    return lo, hi


class _Run:
    """The pieces of one window: patterns, interior points, geometry, measures."""

    def __init__(self, part: Partition, complete: bool) -> None:
        self.part = part
        self.complete = complete
        P = part.P
        self.bits: BoolArray = part.bits
        self.measure: FloatArray = part.measure[:P].copy()
        self.centroids: FloatArray = part.centroids()
        self.domain_measure = math.nan


def _measure(V0: FloatArray) -> float:
    if V0.shape[-1] == 2:
        return float(polygon_area_perimeter((V0[:, 0] + 1j * V0[:, 1])[None])[0][0])
    return float(V0[1, 0] - V0[0, 0])


def _standard(net: Network, extra: tuple[FloatArray, FloatArray] | None = None) -> _Lifted:
    k = net.input_dim
    origin = np.zeros(k + 1)
    origin[k] = 1.0
    basis = np.vstack([np.eye(k), np.zeros((1, k))])
    return _Lifted(net, origin, basis, extra=extra)


def _run_window(
    net: Network, lo: FloatArray, hi: FloatArray, G: FloatArray, h: FloatArray, *, budget: Budget,
    progress: Any, track_chords: bool = False, radius: tuple[float, float] | None = None,
    extra: tuple[FloatArray, FloatArray] | None = None,
) -> _Run:
    clipped = _clip_window(_box_corners(lo, hi), G, h)
    if clipped is None:
        raise EmptyDomainError("the domain has no interior in its own coordinates")
    V0, E0 = clipped
    part, complete = _partition(
        _standard(net, extra), V0, E0, budget=budget, progress=progress, track_chords=track_chords,
        radius=radius,
    )
    run = _Run(part, complete)
    run.domain_measure = _measure(V0)
    return run


# --------------------------------------------------------------------------- engine
def _complete_patterns(net: Network, points: FloatArray) -> BoolArray:
    return np.asarray(net.pattern_vector(points), dtype=bool).reshape(len(points), -1)


def _pullback_extra(options: dict[str, Any]) -> tuple[FloatArray, FloatArray] | None:
    """Magnitudes of the chart pull-back's first-layer terms (they set round-off tolerances)."""
    if options.get("_pullback") is None:
        return None
    W0, b0, o, B = options["_pullback"]  # (W0, b0, origin, basis) of the chart pull-back
    absW = np.abs(np.asarray(W0))
    return absW @ np.abs(o) + np.abs(b0), absW @ np.linalg.norm(B, axis=1)
