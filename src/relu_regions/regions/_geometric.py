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
independent parts of the domain finish (:func:`._geometric_stream._stream_partition`, at most about
``chunk_size`` pieces per part, so memory is bounded); the result then has ``count`` rows
of width 0.  :func:`relu_regions.regions.stream_regions` uses it to write ``.npz`` files.

Layout: the engine (entry point, windows of a bounded domain, parallel cells) is here;
one window's splitting and measures in :mod:`relu_regions.regions._geometric_window`
(with ``ZERO_RTOL``, ``RADIUS_RTOL``, ``HORIZON``), the projective closure in
:mod:`relu_regions.regions._geometric_projective`, streaming in
:mod:`relu_regions.regions._geometric_stream` (``STREAM_CHUNK``).  ``KERNEL`` stays here.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from .._budget import Budget, progress_bar
from .._typing import FloatArray, IntArray
from ..exceptions import DomainError, EmptyDomainError
from ..network import Network
from ._geometric_projective import _projective
from ._geometric_stream import STREAM_CHUNK, _window_stream
from ._geometric_window import (
    HORIZON,
    RADIUS_RTOL,
    ZERO_RTOL,
    _bounding_box,
    _box_corners,
    _clip_window,
    _complete_patterns,
    _pullback_extra,
    _run_window,
)
from ._parallel import run_parallel, wants_parallel
from ._types import ENGINES, EngineInfo, EngineResult

__all__ = ["geometric_engine", "ZERO_RTOL", "RADIUS_RTOL", "HORIZON", "STREAM_CHUNK"]

#: The 2-D kernel: ``"layer"`` (:mod:`._pieces2d`, maps kept per layer root) or ``"neuron"``
#: (:class:`._partition.Partition`, maps per piece); both give the same pieces.  The
#: tests and ``benchmarks/bench_count_2d.py`` compare them.
KERNEL = "layer"


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




def _flat_vertices(vertices: list[FloatArray], k: int) -> tuple[FloatArray, IntArray]:
    counts = np.array([len(v) for v in vertices], dtype=np.int64)
    return (np.vstack(vertices) if len(vertices) else np.zeros((0, k))), counts


def _streamed(res: EngineResult, count: int, details: dict[str, Any]) -> EngineResult:
    """``res`` without its regions (they went to the sink): ``count`` rows of width 0."""
    return dataclasses.replace(
        res, patterns=np.zeros((count, 0), dtype=bool), points=np.zeros((count, 0)), vertices=None,
        measures=None, adjacency=None, halfspaces=None, details={**res.details, **details},
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
