"""The ``geometric`` engine: exact activation regions on 1-D and 2-D domains.

Algorithm (Hanin & Rolnick 2019, Appendix A)
--------------------------------------------
Keep the domain as a list of convex pieces together with, on each piece, the affine
map of the current layer's pre-activations :math:`z_l(u) = A_{l,P} u + c_{l,P}`.  Add
the neurons one by one, first to last layer: neuron ``j`` cuts a piece exactly when
its pre-activation takes both signs at the piece's vertices (it is affine on the
piece, so a convex piece is cut along one chord).  After a layer, the maps of the next
one follow from the pieces' patterns :math:`s`:

.. math::

    h_{l,P}(u) = D_s z_{l,P}(u), \\qquad
    z_{l+1,P}(u) = W_{l+1} h_{l,P}(u) + b_{l+1} \\beta(u),

with :math:`D_s = \\mathrm{diag}(s + \\alpha (1 - s))` (``alpha`` the leaky slope) and
:math:`\\beta \\equiv 1` (see below for the projective case).  All pieces are split at
once per neuron (:mod:`._partition`).  A piece is a region's intersection with the
domain, so the count is the number of final pieces, and their patterns are distinct.

Full-dimensional pieces only (Cai et al. 2023, Sec. 5)
------------------------------------------------------
* A vertex is *on* the zero line of a neuron when :math:`|z| \\le` ``ZERO_RTOL`` times
  the magnitude of the terms that make up :math:`z` there (so a neuron whose
  pre-activation is identically zero or constant on a piece, up to round-off, splits
  nothing, and a duplicate neuron or a hyperplane along the domain's boundary leaves
  the pieces alone).
* A split is kept only when both halves have an inradius estimate ``2 area /
  perimeter`` (which lies between the inradius and twice it; half the length in 1-D)
  above ``RADIUS_RTOL`` times the domain's half-diagonal; otherwise the sliver is not a
  region and the piece keeps the sign of its larger half.

The certificate is that the pieces' areas (lengths) sum to the domain's.

Unbounded lines and planes: the projective closure
--------------------------------------------------
For a line or plane (or any unbounded polyhedral domain) put
:math:`t = s\\,x'/x_{k+1}` with :math:`x = (x', x_{k+1})`, :math:`x_{k+1} > 0`.  Every
pre-activation becomes :math:`z(t) = \\hat z(x) / x_{k+1}` where :math:`\\hat z` is the
*homogenised* network (biases multiplied by :math:`\\beta(x) = x_{k+1}`), which is
positively homogeneous, so :math:`z(t)` and :math:`\\hat z(x)` have the same sign.  The
rays :math:`\\{x_{k+1} > 0\\}` meet the surface of the cube :math:`[-1, 1]^{k+1}` once
each, on the top face :math:`x_{k+1} = 1` (which is the window :math:`[-s, s]^k`) or on
one of the ``2k`` side faces :math:`0 < x_{k+1} \\le 1`.  Each face is a bounded square
on which :math:`\\hat z` is a ReLU network of the face coordinates, so the bounded
algorithm applies, and the activation regions of the whole line/plane are exactly the
distinct patterns over the ``2k + 1`` faces (a region is convex, so one pattern).  The
count therefore depends on no window.  The vertices of the partition found on the
faces (those at :math:`x_{k+1} >` ``HORIZON``, i.e. not at infinity) and one interior
point per region span a window :math:`B` (enlarged by a quarter); every vertex of the
partition lies in :math:`B` and every region meets it, so the bounded algorithm on
:math:`B` finds every region again, now with its vertices, area and neighbours in
:math:`t` coordinates; the result is that run, and the certificate checks that it found
every region of the faces (and that its areas sum to :math:`B`'s).

Resolution on unbounded domains: on a face the sliver test is relative to the face, so a
region at distance :math:`D` from the origin must have an inradius of about
``RADIUS_RTOL`` :math:`D^2 / s` to be resolved there; in :math:`B` a piece centred at
:math:`t` needs ``RADIUS_RTOL`` :math:`(s \\sqrt{k} + |t|)`, as fine as the top face near
the origin and relative to :math:`|t|` (like floating-point precision) farther out.  A
region resolved on a face but not in :math:`B` makes the result inexact (the union is
then returned as a lower bound).

Kernels and streaming
---------------------
In 2-D the pieces are split by :class:`._pieces2d.LayerPieces` (maps per layer root, the
pieces of all roots split in rounds; ``KERNEL = "neuron"`` selects the previous
:class:`._partition.Partition`, same results).  With the option ``sink`` (a callable) the
regions of a bounded 2-D domain are not returned but handed to ``sink`` in chunks as
independent parts of the domain finish (:func:`_stream_partition`, at most about
``chunk_size`` pieces per part, so memory is bounded); the result then has ``count`` rows
of width 0.  :func:`relu_regions.regions.stream_regions` uses it to write ``.npz`` files.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from .._budget import Budget, progress_bar
from .._typing import BoolArray, FloatArray, IntArray
from ..exceptions import DomainError, EmptyDomainError, OptionError
from ..network import Network
from ..polytope import lp_bounding_box
from ._parallel import run_parallel, wants_parallel
from ._partition import WINDOW_LABEL, Partition, polygon_area_perimeter, split_polygons
from ._pieces2d import LayerPieces
from ._types import ENGINES, EngineInfo, EngineResult

__all__ = ["geometric_engine", "ZERO_RTOL", "RADIUS_RTOL", "HORIZON"]

#: A pre-activation is zero at a vertex when ``|z|`` is at most this times the sum of the
#: magnitudes of the terms that make it up (well above float64 round-off).
ZERO_RTOL = 1e-11
#: A piece is full-dimensional when its inradius estimate (half-length in 1-D) exceeds
#: this times the half-diagonal of the domain (or of the projective face).
RADIUS_RTOL = 1e-9
#: Vertices found on the projective faces with ``x_{k+1}`` below this are at infinity.
HORIZON = 1e-9
#: The 2-D kernel: ``"layer"`` (:mod:`._pieces2d`, maps kept per layer root) or ``"neuron"``
#: (:class:`._partition.Partition`, maps per piece); both give the same pieces.  The
#: tests and ``benchmarks/bench_count_2d.py`` compare them.
KERNEL = "layer"
#: Pieces per part when the regions are streamed to a sink (``chunk_size`` option).
STREAM_CHUNK = 20_000


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
    if k == 2 and KERNEL == "layer":
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


# --------------------------------------------------------------------------- projective closure
def _faces(k: int) -> list[tuple[FloatArray, FloatArray, FloatArray, FloatArray]]:
    """``(origin, basis, lower, upper)`` of the top and side faces of ``[-1, 1]^{k+1}``."""
    if k == 1:
        return [
            (np.array([0.0, 1.0]), np.array([[1.0], [0.0]]), np.array([-1.0]), np.array([1.0])),
            (np.array([1.0, 0.0]), np.array([[0.0], [1.0]]), np.array([0.0]), np.array([1.0])),
            (np.array([-1.0, 0.0]), np.array([[0.0], [1.0]]), np.array([0.0]), np.array([1.0])),
        ]
    e = np.eye(3)
    faces = [(e[2].copy(), e[:, :2].copy(), np.array([-1.0, -1.0]), np.array([1.0, 1.0]))]
    for axis in (0, 1):
        other = 1 - axis
        for sign in (1.0, -1.0):
            basis = np.zeros((3, 2))
            basis[other, 0] = 1.0
            basis[2, 1] = 1.0
            faces.append((sign * e[axis], basis, np.array([-1.0, 0.0]), np.array([1.0, 1.0])))
    return faces


def _projective_scale(net: Network) -> float:
    """Half-width ``s`` of the top face: twice the farthest first-layer hyperplane."""
    W0, b0 = net.layers[0].weight, net.layers[0].bias
    norms = np.linalg.norm(W0, axis=1)
    ok = norms > 1e-12 * max(float(norms.max()), 1e-300)
    dist = np.abs(b0[ok]) / norms[ok] if np.any(ok) else np.zeros(1)
    return float(max(1.0, 2.0 * float(dist.max(initial=0.0))))


def _genuine_vertices(part: Partition) -> FloatArray:
    """Vertices of the pieces where two non-window edges meet ``(V, k)``."""
    P = part.P
    if part.k == 1:
        keep = part.E[:P] != WINDOW_LABEL
        return part.vertices()[keep]
    M = part.width
    E = part.E[:P, :M]
    n = part.n[:P]
    idx = np.arange(M)[None, :]
    prev = np.where(idx == 0, n[:, None] - 1, idx - 1)
    E_in = np.take_along_axis(E, prev, axis=1)
    keep = (idx < n[:, None]) & (E != WINDOW_LABEL) & (E_in != WINDOW_LABEL)
    return part.vertices()[keep]


def _projective(
    net: Network, G: FloatArray, h: FloatArray, *, budget: Budget, progress: Any,
    extra: tuple[FloatArray, FloatArray] | None = None,
) -> tuple[dict[str, Any], bool]:
    """Count on the projective faces; returns the patterns, points and face statistics."""
    k = net.input_dim
    s = _projective_scale(net)
    Gh = np.hstack([s * G, -h[:, None]])
    pats: list[BoolArray] = []
    pts: list[FloatArray] = []
    depth: list[FloatArray] = []
    verts: list[FloatArray] = []
    faces_info = []
    complete = True
    for origin, basis, lo, hi in _faces(k):
        clipped = _clip_window(_box_corners(lo, hi), Gh @ basis, -(Gh @ origin))
        if clipped is None:
            faces_info.append({"pieces": 0, "measure_sum": 0.0, "face_measure": 0.0})
            continue
        V0, E0 = clipped
        lifted = _Lifted(net, origin, basis, s, extra)
        part, done = _partition(lifted, V0, E0, budget=budget, progress=progress)
        complete &= done
        run = _Run(part, done)
        x = origin + run.centroids @ basis.T
        pats.append(run.bits)
        pts.append(s * x[:, :k] / x[:, k:])
        depth.append(x[:, k])
        gv = _genuine_vertices(part)
        xv = origin + gv @ basis.T
        xv = xv[xv[:, k] > HORIZON]
        verts.append(s * xv[:, :k] / xv[:, k:])
        faces_info.append(
            {"pieces": part.P, "measure_sum": float(run.measure.sum()), "face_measure": _measure(V0)}
        )
        if not done:
            break
    V = np.concatenate(verts) if verts else np.zeros((0, k))
    if len(V):  # the same vertex seen from several faces
        tol = 1e-9 * (1.0 + float(np.abs(V).max()))
        V = V[np.unique(np.round(V / tol), axis=0, return_index=True)[1]]
    P = np.concatenate(pats) if pats else np.zeros((0, 0), bool)
    T = np.concatenate(pts) if pts else np.zeros((0, k))
    D = np.concatenate(depth) if depth else np.zeros(0)
    # one interior point per distinct pattern: the one nearest to the top face
    order = np.argsort(-D, kind="stable")
    _, first = np.unique(np.packbits(P[order], axis=1), axis=0, return_index=True)
    keep = np.sort(order[first])
    return {
        "patterns": P[keep],
        "points": T[keep],
        "vertices": V,
        "faces": faces_info,
        "scale": s,
    }, complete


# --------------------------------------------------------------------------- engine
def _complete_patterns(net: Network, points: FloatArray) -> BoolArray:
    return np.asarray(net.pattern_vector(points), dtype=bool).reshape(len(points), -1)


def geometric_engine(
    net: Network, G: FloatArray, h: FloatArray, *, budget: Budget, options: dict[str, Any]
) -> EngineResult:
    """Exact activation regions of ``net`` (chart coordinates) on ``{t : G t <= h}``, k <= 2."""
    k = net.input_dim
    if k not in (1, 2):
        raise DomainError(f"the geometric engine works on 1-D and 2-D domains, not {k}-D")
    lo, hi = _bounding_box(G, h)
    bounded = bool(np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)))
    total = net.num_neurons * (1 if bounded else 2 * k + 2)
    enabled = options.get("progress")
    bar = progress_bar(total, desc="geometric: neurons", unit=" neurons", enabled=enabled)
    sink = options.get("sink")
    with bar, _one_thread():
        if sink is None:
            return _engine(net, G, h, lo, hi, bounded, budget=budget, options=options, progress=bar)
        if bounded and k == 2 and KERNEL == "layer" and not wants_parallel(options):
            return _window_stream(net, lo, hi, G, h, budget=budget, options=options, progress=bar)
        # 1-D, unbounded or parallel: the regions are few or need the whole set; hand them over at once
        res = _engine(net, G, h, lo, hi, bounded, budget=budget, options=options, progress=bar)
        chunk: dict[str, Any] = {
            "patterns": res.patterns, "points": res.points, "exact": np.full(res.count, res.complete),
            "measures": res.measures if res.measures is not None else np.full(res.count, np.nan),
        }
        if res.vertices is not None:
            chunk["vertices"] = _flat_vertices(res.vertices, k)
        sink(chunk)
        return _streamed(res, res.count, {"streamed": True, "chunks": 1})


def _pullback_extra(options: dict[str, Any]) -> tuple[FloatArray, FloatArray] | None:
    """Magnitudes of the chart pull-back's first-layer terms (they set round-off tolerances)."""
    if options.get("_pullback") is None:
        return None
    W0, b0, o, B = options["_pullback"]  # (W0, b0, origin, basis) of the chart pull-back
    absW = np.abs(np.asarray(W0))
    return absW @ np.abs(o) + np.abs(b0), absW @ np.linalg.norm(B, axis=1)


def _flat_vertices(vertices: list[FloatArray], k: int) -> tuple[FloatArray, IntArray]:
    counts = np.array([len(v) for v in vertices], dtype=np.int64)
    return (np.vstack(vertices) if len(vertices) else np.zeros((0, k))), counts


def _streamed(res: EngineResult, count: int, details: dict[str, Any]) -> EngineResult:
    """``res`` without its regions (they went to the sink): ``count`` rows of width 0."""
    return dataclasses.replace(
        res, patterns=np.zeros((count, 0), dtype=bool), points=np.zeros((count, 0)), vertices=None,
        measures=None, adjacency=None, halfspaces=None, details={**res.details, **details},
    )


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


_CONTROLLER: list[Any] = []


def _one_thread() -> Any:
    """Single-threaded BLAS: the layer products are small, and threads only contend.

    The controller (which scans the loaded libraries, about 2 ms) is made once per process.
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - comes with scikit-learn
        import contextlib

        return contextlib.nullcontext()
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1, user_api="blas")


def _engine(
    net: Network, G: FloatArray, h: FloatArray, lo: FloatArray, hi: FloatArray, bounded: bool, *,
    budget: Budget, options: dict[str, Any], progress: Any,
) -> EngineResult:
    k = net.input_dim
    details: dict[str, Any] = {"bounded": bounded}
    extra = _pullback_extra(options)
    certificate: dict[str, Any] = {}
    surface = None
    radius = options.get("_radius")
    if not bounded:
        surface, complete = _projective(net, G, h, budget=budget, progress=progress, extra=extra)
        if not complete:
            pats = _complete_patterns(net, surface["points"])
            _, idx = np.unique(np.packbits(pats, axis=1), axis=0, return_index=True)
            return EngineResult(
                patterns=pats[np.sort(idx)], points=surface["points"][np.sort(idx)], complete=False,
                exact=False, details=details,
            )
        pts = np.vstack([surface["vertices"], surface["points"]])
        c_lo, c_hi = pts.min(axis=0), pts.max(axis=0)
        pad = 0.25 * float((c_hi - c_lo).max()) + 1e-9 * (1.0 + float(np.abs(pts).max()))
        lo, hi = c_lo - pad, c_hi + pad
        details["projective_scale"] = surface["scale"]
        details["window"] = [lo, hi]
        # near the origin as fine as the top face, farther out relative to |t|
        radius = (RADIUS_RTOL * surface["scale"] * math.sqrt(k), RADIUS_RTOL)
        certificate["projective_faces"] = surface["faces"]
        certificate["partition_vertices_in_window"] = int(len(surface["vertices"]))
    if wants_parallel(options) and not options.get("adjacency"):
        res = _window_parallel(net, lo, hi, G, h, budget=budget, options=options, radius=radius)
    else:
        res = _window_serial(
            net, lo, hi, G, h, budget=budget, options=options, progress=progress, radius=radius, extra=extra
        )
    details.update(res.details)
    certificate.update(res.certificate)
    if not res.complete:
        return dataclasses.replace(res, details=details, certificate=certificate)
    exact = res.exact
    patterns, points, measures = res.patterns, res.points, res.measures
    if surface is not None:
        a = {p.tobytes() for p in np.packbits(surface["patterns"], axis=1)}
        b = {p.tobytes() for p in np.packbits(patterns, axis=1)}
        certificate["projective_regions"] = len(a)
        certificate["projective_regions_found_in_window"] = len(a & b)
        if not a <= b:
            exact = False
            details["not_exact_reason"] = (
                f"{len(a - b)} of the {len(a)} regions found on the projective faces are missing from the "
                f"window's {len(b)}: some region is at the resolution limit; their union is a lower bound"
            )
            packed = np.packbits(surface["patterns"], axis=1)
            missing = [i for i, p in enumerate(packed) if p.tobytes() not in b]
            patterns = np.vstack([patterns, surface["patterns"][missing]])
            points = np.vstack([points, surface["points"][missing]])
            if measures is not None:
                measures = np.concatenate([measures, np.full(len(missing), np.nan)])
            res = dataclasses.replace(res, vertices=None, adjacency=None)
    details.update({"pieces": int(patterns.shape[0]), "zero_rtol": ZERO_RTOL, "radius_rtol": RADIUS_RTOL})
    return dataclasses.replace(
        res, patterns=patterns, points=points, measures=measures, exact=exact, certificate=certificate,
        details=details,
    )


def _window_serial(
    net: Network, lo: FloatArray, hi: FloatArray, G: FloatArray, h: FloatArray, *, budget: Budget,
    options: dict[str, Any], progress: Any, radius: tuple[float, float] | None,
    extra: tuple[FloatArray, FloatArray] | None,
) -> EngineResult:
    """The regions in the window ``[lo, hi]`` of ``{G t <= h}``, with the measure certificate."""
    k = net.input_dim
    run = _run_window(
        net, lo, hi, G, h, budget=budget, progress=progress, track_chords=bool(options.get("adjacency")),
        radius=radius, extra=extra,
    )
    part = run.part
    if not run.complete:
        pats = _complete_patterns(net, run.centroids)
        _, idx = np.unique(np.packbits(pats, axis=1), axis=0, return_index=True)
        idx = np.sort(idx)
        return EngineResult(
            patterns=pats[idx], points=run.centroids[idx], complete=False, exact=False,
            details={"pieces_when_stopped": part.P},
        )
    total = float(run.measure.sum())
    certificate: dict[str, Any] = {
        "measure_sum": total,
        "domain_measure": run.domain_measure,
        "relative_error": abs(total - run.domain_measure) / run.domain_measure,
        "measure": "area" if k == 2 else "length",
    }
    details: dict[str, Any] = {"splits": part.splits, "rejected_slivers": part.rejected}
    exact = certificate["relative_error"] <= 1e-8
    if not exact:
        details["not_exact_reason"] = "the pieces' measures do not add up to the domain's"
    adjacency = None
    if options.get("adjacency"):
        from ._adjacency import partition_adjacency

        adjacency = partition_adjacency(part)
    return EngineResult(
        patterns=run.bits,
        points=run.centroids,
        complete=True,
        exact=exact,
        certificate=certificate,
        details=details,
        vertices=part.vertex_list() if options.get("collect") else None,
        measures=run.measure,
        adjacency=adjacency,
    )


def _window_parallel(
    net: Network, lo: FloatArray, hi: FloatArray, G: FloatArray, h: FloatArray, *, budget: Budget,
    options: dict[str, Any], radius: tuple[float, float] | None,
) -> EngineResult:
    """:func:`_window_serial` on first-layer cells (which cut no region), in parallel."""
    k = net.input_dim
    eye = np.eye(k)
    Gw = np.vstack([G, eye, -eye])
    hw = np.concatenate([h, hi, -lo])
    if radius is None:
        clipped = _clip_window(_box_corners(lo, hi), G, h)
        if clipped is None:
            raise EmptyDomainError("the domain has no interior in its own coordinates")
        span = clipped[0].max(axis=0) - clipped[0].min(axis=0)
        radius = (RADIUS_RTOL * 0.5 * float(np.sqrt((span**2).sum())), 0.0)
    res = run_parallel(geometric_engine, net, Gw, hw, budget=budget, options={**options, "_radius": radius})
    cert = dict(res.certificate)
    if "measure_sum" in cert and cert.get("domain_measure"):
        cert["relative_error"] = abs(cert["measure_sum"] - cert["domain_measure"]) / cert["domain_measure"]
        cert["measure"] = "area" if k == 2 else "length"
    return dataclasses.replace(res, certificate=cert)


ENGINES.add(
    "geometric",
    EngineInfo(
        geometric_engine,
        exact=True,
        max_dim=2,
        needs_bounded=False,
        parallel=True,
        description="exact splitting of convex pieces neuron by neuron (1-D/2-D domains)",
    ),
)
