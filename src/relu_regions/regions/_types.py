"""Result types and the engine interface of region counting/enumeration.

Definitions (Hanin & Rolnick 2019, Def. 1-2; Cai et al. 2023, Sec. 5)
--------------------------------------------------------------------
The activation pattern of ``x`` is ``s(x) = [z(x) > 0]`` over all neurons of the
activated layers (a neuron exactly at zero is inactive).  For a pattern ``s`` the set
``P_s = {x in D : s(x) = s}`` is convex (a polyhedron: under ``s`` every pre-activation is
affine in ``x``).  An **activation region** of the network on the domain ``D`` is a
pattern whose ``P_s`` is full-dimensional *relative to D* (has interior in the domain's
chart).  Measure-zero slivers never count, and a neuron whose pre-activation is
identically zero (or constant) on a region splits nothing: the region keeps one pattern.
A **linear region** is a maximal connected union of activation regions on which the
network is one affine map (Lemma 3 of Hanin & Rolnick: linear regions are unions of
activation regions; the counts differ when adjacent regions share a map).

Engines
-------
An engine is a function registered in :data:`ENGINES`::

    engine(net_t, G, h, *, budget, options) -> EngineResult

It works in the domain's chart coordinates: ``net_t`` is the pulled-back network
``t -> net(origin + basis @ t)`` and the domain is ``{t : G t <= h}`` (bounded or not,
per the engine's own support).  It must poll ``budget.stop`` between units of work and
return what it has found, with ``complete=False``, when the budget stops it.

Common options every engine may read (the API sets them): ``collect`` (return
per-region geometry), ``adjacency`` (return which regions share a facet), ``progress``
(``None`` or a tqdm-like bar: engines add their amount of work to ``total`` and call
``update(n)``), ``workers``/``executor`` (parallel engines only), ``points`` (given
data, chart coordinates).  Every key, including the library's own ``_pullback``,
``_scale`` and ``_radius``, is documented in :data:`~relu_regions.regions.ENGINE_OPTIONS`.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .._registry import Registry
from .._results import FrozenResult, to_jsonable
from .._typing import BoolArray, FloatArray, IntArray
from ..domain import Chart
from ..network import Network

__all__ = [
    "Region",
    "RegionSet",
    "RegionCount",
    "EngineResult",
    "EngineInfo",
    "ENGINES",
]


@dataclasses.dataclass(frozen=True)
class EngineResult:
    """What an engine returns (internal; wrapped into :class:`RegionCount`/:class:`RegionSet`).

    Attributes
    ----------
    patterns:
        ``(N, num_neurons)`` boolean activation patterns of the regions found, distinct.
    points:
        ``(N, k)`` a point in the interior of each region, in chart coordinates.
    complete:
        True when the engine finished (not stopped by the budget).
    exact:
        True when ``complete`` and the method *proves* that ``patterns`` are exactly the
        regions (a sampling engine is never exact).
    certificate:
        Evidence for exactness, JSON-ready (e.g. summed areas vs the domain's area).
    details:
        Method statistics, JSON-ready (LPs solved, pieces split, ...).
    halfspaces:
        Optional per-region H-representation ``(G_i, h_i)`` in chart coordinates
        (including the domain's constraints).
    vertices:
        Optional per-region vertex arrays in chart coordinates (1-D/2-D engines), ordered
        counter-clockwise in 2-D.
    measures:
        Optional per-region length/area/volume in chart coordinates.
    adjacency:
        Optional ``(A, 2)`` index pairs ``i < j`` of regions that share a facet (used to
        merge activation regions into linear regions; engines fill it when
        ``options["adjacency"]`` is true and they know it).
    """

    patterns: BoolArray
    points: FloatArray
    complete: bool
    exact: bool
    certificate: dict[str, Any] = dataclasses.field(default_factory=dict)
    details: dict[str, Any] = dataclasses.field(default_factory=dict)
    halfspaces: list[tuple[FloatArray, FloatArray]] | None = None
    vertices: list[FloatArray] | None = None
    measures: FloatArray | None = None
    adjacency: IntArray | None = None

    @property
    def count(self) -> int:
        return int(self.patterns.shape[0])


@dataclasses.dataclass(frozen=True)
class EngineInfo:
    """A registered engine and what it supports."""

    function: Callable[..., EngineResult]
    exact: bool
    max_dim: int | None  # largest chart dimension supported (None: any)
    needs_bounded: bool
    parallel: bool = False  # accepts options["workers"] / options["executor"]
    description: str = ""
    #: options that lift ``needs_bounded`` (e.g. ``points`` for ``sample``: given data)
    unbounded_with: tuple[str, ...] = ()

    def supports(self, dim: int, bounded: bool, options: dict[str, Any] | None = None) -> str | None:
        """``None`` when the engine can handle the domain, else the reason it cannot."""
        if self.max_dim is not None and dim > self.max_dim:
            return f"works on domains of dimension <= {self.max_dim}, this one has dimension {dim}"
        lifted = any((options or {}).get(name) is not None for name in self.unbounded_with)
        if self.needs_bounded and not bounded and not lifted:
            hint = f" (or pass {' / '.join(self.unbounded_with)})" if self.unbounded_with else ""
            return f"needs a bounded domain; give finite box bounds or coefficient_bounds{hint}"
        return None


#: name -> engine.  Engines register themselves when their module is imported
#: (see :mod:`relu_regions.regions`).
ENGINES: Registry[EngineInfo] = Registry("counting method")


@dataclasses.dataclass(frozen=True)
class RegionCount(FrozenResult):
    """The number of activation (or linear) regions of a network on a domain.

    ``regions`` is exact when ``exact`` is true; otherwise it is a proven lower bound
    (every counted region was exhibited by an interior point).  ``partial`` says a time
    limit or Ctrl-C stopped the method (``stop_reason`` says which).
    """

    regions: int
    exact: bool
    method: str
    partial: bool
    seconds: float
    kind: str = "activation"  # or "linear"
    reason: str = ""  # why the result is (or is not) exact
    stop_reason: str | None = None
    domain_dim: int = 0
    certificate: dict[str, Any] = dataclasses.field(default_factory=dict)
    details: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __int__(self) -> int:
        return self.regions

    def __repr__(self) -> str:
        stopped = f", stopped by {self.stop_reason}" if self.partial else ""
        state = "exact" if self.exact else "lower bound" + stopped
        return (
            f"RegionCount({self.regions:,} {self.kind} regions, {state}, method={self.method!r}, "
            f"{self.seconds:.3g} s)"
        )


class Region:
    """One activation region: pattern, interior point, affine map, polytope.

    Created lazily by :class:`RegionSet`; the affine map ``f(x) = J x + c`` and the
    H-representation are computed on first access.
    """

    def __init__(self, regions: RegionSet, index: int) -> None:
        self._set = regions
        self.index = index

    @property
    def pattern(self) -> BoolArray:
        """Flat activation pattern ``(num_neurons,)``; split with ``net.split_pattern``."""
        return self._set.patterns[self.index]

    @property
    def layer_patterns(self) -> list[BoolArray]:
        return self._set.net.split_pattern(self.pattern)

    @property
    def interior_point(self) -> FloatArray:
        """A point in the region's interior (relative to the domain), input coordinates."""
        return self._set.chart.to_ambient(self._set.points[self.index])

    @property
    def chart_point(self) -> FloatArray:
        return self._set.points[self.index]

    @functools.cached_property
    def affine_map(self) -> tuple[FloatArray, FloatArray]:
        """``(J, c)`` with ``f(x) = J x + c`` on the region, in input coordinates."""
        return self._set.net.affine_map(self.layer_patterns)

    @property
    def jacobian(self) -> FloatArray:
        return self.affine_map[0]

    @property
    def offset(self) -> FloatArray:
        return self.affine_map[1]

    @functools.cached_property
    def halfspaces(self) -> tuple[FloatArray, FloatArray]:
        """``(G, h)`` with the region (inside the domain) equal to ``{t : G t <= h}``.

        In chart coordinates ``t`` (``x = origin + basis @ t``); for a full-dimensional box
        domain the chart is the identity, so these are input coordinates.
        """
        hs = self._set.halfspaces
        if hs is not None:
            return hs[self.index]
        net_t = self._set.net_t
        rows, rhs = [], []
        for (A, c), s in zip(net_t.preactivation_maps(self.layer_patterns), self.layer_patterns, strict=True):
            sign = np.where(s, -1.0, 1.0)  # active: -(A t + c) <= 0 ; inactive: A t + c <= 0
            rows.append(sign[:, None] * A)
            rhs.append(-sign * c)
        G, h = self._set.chart.halfspaces()
        return np.vstack([*rows, G]), np.concatenate([*rhs, h])

    @property
    def vertices(self) -> FloatArray | None:
        """Vertices in chart coordinates (1-D/2-D engines), else ``None``."""
        v = self._set.vertices
        return None if v is None else v[self.index]

    @property
    def ambient_vertices(self) -> FloatArray | None:
        v = self.vertices
        return None if v is None else self._set.chart.to_ambient(v)

    @property
    def measure(self) -> float | None:
        """Length/area/volume in chart coordinates when the engine computed it."""
        m = self._set.measures
        return None if m is None else float(m[self.index])

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "pattern": [p.astype(int) for p in self.layer_patterns],
            "interior_point": self.interior_point,
            "jacobian": self.jacobian,
            "offset": self.offset,
        }
        if self.vertices is not None:
            d["vertices"] = self.ambient_vertices
        if self.measure is not None:
            d["measure"] = self.measure
        return to_jsonable(d)  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"Region(#{self.index}, pattern={pattern_string(self.pattern)})"


def pattern_string(pattern: Any) -> str:
    """A pattern as text: ``"0110"`` for ReLU networks (bool), ``"2,0,1"`` for networks with
    maxout layers (``int16`` arg-max piece indices, ReLU neurons as 0/1), so piece indices survive."""
    p = np.asarray(pattern)
    if p.dtype == bool:
        return "".join("1" if b else "0" for b in p)
    return ",".join(str(int(v)) for v in p)


class RegionSet:
    """The regions found by :func:`~relu_regions.regions.enumerate_regions`.

    Iterable and indexable (``Region`` objects built on demand), with the summary
    :attr:`count` (a :class:`RegionCount`).  Arrays: :attr:`patterns` ``(N, neurons)``,
    :attr:`points` (chart coordinates) and :attr:`interior_points` (input coordinates);
    when the engine provides them, :attr:`vertices` (list of ``(n_i, k)`` chart-coordinate
    polygons/intervals), :attr:`measures` (areas/lengths) and :attr:`adjacency` (``(A, 2)``
    pairs of regions sharing a facet, with ``adjacency=True``).
    """

    def __init__(
        self,
        net: Network,
        chart: Chart,
        result: EngineResult,
        count: RegionCount,
    ) -> None:
        self.net = net
        self.chart = chart
        self.count = count
        self.patterns = result.patterns
        self.points = result.points
        self.halfspaces = result.halfspaces
        self.vertices = result.vertices
        self.measures = result.measures
        self.adjacency = result.adjacency

    @functools.cached_property
    def net_t(self) -> Network:
        return self.net.with_input_map(self.chart.origin, self.chart.basis)

    @property
    def interior_points(self) -> FloatArray:
        return self.chart.to_ambient(self.points)

    def __len__(self) -> int:
        return int(self.patterns.shape[0])

    def __getitem__(self, i: int) -> Region:
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"region index {i} out of range for {n} regions")
        return Region(self, i % n)

    def __iter__(self) -> Iterator[Region]:
        for i in range(len(self)):
            yield Region(self, i)

    def __repr__(self) -> str:
        c = self.count
        return f"RegionSet({c.regions} regions, exact={c.exact}, method={c.method!r})"

    def to_dict(self) -> dict[str, Any]:
        """``{"count": ..., "regions": [...]}``, one JSON-ready row per region."""
        from ._export import _rows

        return {"count": self.count.to_dict(), "regions": _rows(self)}

    def to_dataframe(self) -> Any:
        """One row per region (pattern, interior point, output there, measure, vertices); needs pandas."""
        from ._export import regions_to_dataframe

        return regions_to_dataframe(self)

    def save(self, path: Any, **kwargs: Any) -> Any:
        """Write the regions to ``.npz``, ``.json`` or ``.parquet``; see :func:`save_regions`."""
        from ._export import save_regions

        return save_regions(self, path, **kwargs)
