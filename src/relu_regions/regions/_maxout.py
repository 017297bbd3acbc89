"""Region counting for networks with maxout layers: the engines and how the API picks them.

Networks with a maxout layer (:attr:`Network.has_maxout`) are counted by their own engines,
registered here under the same names as the ReLU engines they generalise:

``lp``
    region-graph traversal in any dimension (:mod:`._maxout_lp`), exact with a certificate;
``geometric``
    cell splitting on bounded 1-D/2-D domains (:mod:`._maxout_geometric`), exact;
``sample``
    distinct patterns at sample points (:mod:`._maxout_sample`), a lower bound.

Other methods (``milp``) refuse maxout networks with
:class:`~relu_regions.exceptions.UnsupportedNetworkError`.  Patterns of maxout networks are
``int16`` arrays of piece indices (0/1 for ReLU neurons; see :mod:`._maxout_polytope`).
Linear regions merge adjacent regions with equal maps as for ReLU networks; when the engine
gives no adjacency, :func:`maxout_facet_between` tests pairs with one LP.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._registry import Registry
from .._typing import FloatArray, IntArray
from ..exceptions import DomainError, UnsupportedNetworkError
from ..network import Network
from ._maxout_geometric import maxout_geometric_engine
from ._maxout_lp import maxout_lp_engine
from ._maxout_polytope import piece_layers, region_rows
from ._maxout_sample import maxout_sample_engine
from ._types import EngineInfo, EngineResult, RegionSet

__all__ = [
    "MAXOUT_ENGINES",
    "MAXOUT_AUTO_ORDER",
    "maxout_engine_info",
    "choose_maxout_method",
    "maxout_facet_between",
    "maxout_linear_labels",
]

#: Engines for networks with maxout layers (same names as the ReLU engines).
MAXOUT_ENGINES: Registry[EngineInfo] = Registry("counting method for maxout networks")
#: Exact methods in order of preference for ``method="auto"`` on maxout networks.
MAXOUT_AUTO_ORDER = ("geometric", "lp")


def _with_halfspaces(engine: Any) -> Any:
    """Wrap an engine so that ``collect`` results always carry the regions' H-representations
    (:class:`~relu_regions.regions.Region` reads them instead of its ReLU sign rule)."""

    def run(
        net: Network, G: FloatArray, h: FloatArray, *, budget: Any, options: dict[str, Any]
    ) -> EngineResult:
        res: EngineResult = engine(net, G, h, budget=budget, options=options)
        if options.get("collect") and res.halfspaces is None and res.count:
            import dataclasses

            Gr, hr, _ = region_rows(piece_layers(net), res.patterns)
            Gd = np.asarray(G, dtype=np.float64).reshape(-1, net.input_dim)
            hd = np.asarray(h, dtype=np.float64).ravel()
            hs = [(np.vstack([Gr[i], Gd]), np.concatenate([hr[i], hd])) for i in range(res.count)]
            res = dataclasses.replace(res, halfspaces=hs)
        return res

    return run


MAXOUT_ENGINES.add(
    "lp",
    EngineInfo(
        _with_halfspaces(maxout_lp_engine), exact=True, max_dim=None, needs_bounded=False,
        description="region-graph traversal across maxout ties: exact in any dimension",
    ),
)
MAXOUT_ENGINES.add(
    "geometric",
    EngineInfo(
        _with_halfspaces(maxout_geometric_engine), exact=True, max_dim=2, needs_bounded=True,
        description="exact splitting of convex cells unit by unit (bounded 1-D/2-D domains)",
    ),
)
MAXOUT_ENGINES.add(
    "sample",
    EngineInfo(
        _with_halfspaces(maxout_sample_engine), exact=False, max_dim=None, needs_bounded=True,
        description="distinct patterns over uniform samples (or given points): a lower bound",
        unbounded_with=("points",),
    ),
)


def maxout_engine_info(name: str) -> EngineInfo:
    """The maxout engine registered as ``name``; other methods refuse maxout networks."""
    if name not in MAXOUT_ENGINES:
        raise UnsupportedNetworkError(
            f"method {name!r} does not support maxout layers yet; use one of: {', '.join(MAXOUT_ENGINES)}"
        )
    return MAXOUT_ENGINES[name]


def choose_maxout_method(dim: int, bounded: bool) -> str:
    """The method ``auto`` picks for a maxout network on a domain of chart dimension ``dim``.

    Examples
    --------
    >>> choose_maxout_method(2, bounded=True), choose_maxout_method(2, bounded=False)
    ('geometric', 'lp')
    """
    reasons = []
    for name in MAXOUT_AUTO_ORDER:
        why = MAXOUT_ENGINES[name].supports(dim, bounded)
        if why is None and not (name == "lp" and dim == 1 and not bounded):
            return name
        reasons.append(f"{name} {why or 'needs a bounded domain in 1 dimension'}")
    raise DomainError(
        "no exact counting method for maxout networks applies to this domain: " + "; ".join(reasons)
    )


def _region_rows(regions: RegionSet, i: int) -> tuple[FloatArray, FloatArray]:
    G, h, _ = region_rows(piece_layers(regions.net_t), regions.patterns[i : i + 1])
    return G[0], h[0]


def maxout_facet_between(regions: RegionSet, i: int, j: int) -> bool:
    """Whether regions ``i`` and ``j`` of a maxout network share a facet (one LP).

    The earliest unit ``u`` where the patterns differ has the same piece maps on both
    regions (the earlier layers agree), and the tie of its two active pieces ``p_i``, ``p_j``
    separates them, so the common boundary lies in that hyperplane: maximise the Chebyshev
    radius, measured inside it, of the set satisfying both regions' other rows and the
    domain's (as :func:`~relu_regions.regions._adjacency.facet_between` for ReLU networks).
    """
    from ._adjacency import facet_in_hyperplane
    from ._maxout_polytope import row_index

    Si, Sj = regions.patterns[i], regions.patterns[j]
    diff = np.flatnonzero(Si != Sj)
    if diff.size == 0:
        return False
    u = int(diff[0])
    layers = piece_layers(regions.net_t)
    row_unit, row_piece, _ = row_index(layers)
    Gi, hi = _region_rows(regions, i)
    Gj, hj = _region_rows(regions, j)
    ri = int(np.flatnonzero((row_unit == u) & (row_piece == Sj[u]))[0])  # in region i: z_pj <= z_pi
    rj = int(np.flatnonzero((row_unit == u) & (row_piece == Si[u]))[0])
    a, c0 = Gi[ri], -hi[ri]  # the tie: a t + c0 = 0
    keep_i = np.arange(len(hi)) != ri
    keep_j = np.arange(len(hj)) != rj
    Gd, hd = regions.chart.halfspaces()
    G = np.vstack([Gi[keep_i], Gj[keep_j], Gd])
    h = np.concatenate([hi[keep_i], hj[keep_j], hd])
    return facet_in_hyperplane(a, float(c0), G, h)


def maxout_linear_labels(regions: RegionSet, flat: FloatArray, tol: float) -> IntArray:
    """Linear-region labels of a maxout enumeration without engine adjacency.

    Regions are grouped by their affine map; within a group, pairs whose patterns differ in
    one unit are tested first, then every pair of still separate components
    (:func:`maxout_facet_between`, one LP each).
    """
    N = len(regions)
    key = np.round(flat / max(tol, 1e-300) / 4.0)
    _, group = np.unique(key, axis=0, return_inverse=True)
    group = group.reshape(-1)
    parent = np.arange(N)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
        return x

    def union(x: int, y: int) -> None:
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)

    pats = regions.patterns
    for g in np.unique(group):
        members = [int(m) for m in np.flatnonzero(group == g)]
        if len(members) < 2:
            continue
        ordered = sorted(
            ((a, b) for ai, a in enumerate(members) for b in members[ai + 1:]),
            key=lambda ab: int(np.count_nonzero(pats[ab[0]] != pats[ab[1]])),
        )
        for a, b in ordered:
            if find(a) != find(b) and maxout_facet_between(regions, a, b):
                union(a, b)
    final = np.array([find(x) for x in range(N)])
    _, labels = np.unique(final, return_inverse=True)
    return labels.reshape(-1).astype(np.int64)
