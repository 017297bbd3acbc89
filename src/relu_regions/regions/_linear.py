"""Linear regions: activation regions merged where the network is one affine map.

Hanin & Rolnick (2019), Definition 2: the *linear regions* are the connected components
of the domain minus the set where the gradient of the network is discontinuous.  By their
Lemma 3 the closure of every linear region is the closure of a union of activation
regions, so linear regions are the connected components of the graph whose nodes are
the activation regions and whose edges join two regions that

1. share a facet (a common boundary piece of dimension ``k - 1``; touching at a lower-
   dimensional face does not connect them, since the gradient jumps around it), and
2. carry the same affine map of the domain's coordinates, :math:`J B`, :math:`J o + c`
   (:math:`x = o + B t`; on a line or plane through data, the map of the restricted
   function).

Adjacency comes from the engine when it knows it (the ``geometric`` engine, exactly from
its chords).  Otherwise only pairs with equal maps matter: regions are grouped by their
map; within a group, pairs whose patterns differ in one neuron are tested first, then
every pair of still separate components, with one LP each (the facet must have a positive
Chebyshev radius inside the hyperplane of the first neuron where the patterns differ).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._typing import DomainLike, FloatArray, IntArray, NetworkLike
from ..network import Network
from ._adjacency import facet_between
from ._api import enumerate_regions
from ._maxout import maxout_linear_labels
from ._maxout_polytope import maxout_chart_affine_maps
from ._types import RegionCount, RegionSet

__all__ = [
    "count_linear_regions", "linear_region_labels", "summarize_linear", "chart_affine_maps", "MAP_RTOL"
]

#: Two affine maps are equal when they differ by at most this times the largest entry.
MAP_RTOL = 1e-9


def chart_affine_maps(net_t: Network, patterns: Any) -> tuple[FloatArray, FloatArray]:
    """Affine maps ``(J, c)`` of ``net_t`` on regions with the given patterns, batched.

    Returns ``J`` ``(N, m, k)`` and ``c`` ``(N, m)`` with ``f(t) = J t + c`` on each region.
    """
    if net_t.has_maxout:  # --- maxout: patterns are piece indices
        return maxout_chart_affine_maps(net_t, patterns)
    P = np.asarray(patterns, dtype=bool)
    N = P.shape[0]
    J = np.broadcast_to(np.eye(net_t.input_dim), (N, net_t.input_dim, net_t.input_dim))
    c = np.zeros((N, net_t.input_dim))
    off = 0
    for layer in net_t.layers:
        J = np.matmul(layer.weight, J)
        c = c @ layer.weight.T + layer.bias
        if layer.slope is not None:
            d = np.where(P[:, off : off + layer.width], 1.0, layer.slope)
            off += layer.width
            J = d[:, :, None] * J
            c = d * c
    return np.ascontiguousarray(J), c


def _components(n: int, pairs: IntArray) -> tuple[int, IntArray]:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if n == 0:
        return 0, np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)) if len(pairs) else (
        coo_matrix((n, n))
    )
    ncomp, labels = connected_components(graph, directed=False)
    return int(ncomp), labels.astype(np.int64)


def linear_region_labels(regions: RegionSet, *, rtol: float = MAP_RTOL) -> IntArray:
    """Label each activation region of ``regions`` with its linear region (``0..L-1``).

    Examples
    --------
    >>> from relu_regions import Network, Box
    >>> from relu_regions.regions import enumerate_regions
    >>> net = Network([[[1.0], [1.0]], [[1.0, 0.0]]], [[0.0, -1.0], [0.0]])  # relu(x)
    >>> rs = enumerate_regions(net, Box([-2], [2]), adjacency=True)
    >>> len(rs), int(linear_region_labels(rs).max()) + 1
    (3, 2)
    """
    N = len(regions)
    if N == 0:
        return np.zeros(0, dtype=np.int64)
    J, c = chart_affine_maps(regions.net_t, regions.patterns)
    flat = np.hstack([J.reshape(N, -1), c])
    scale = max(float(np.abs(flat).max()), 1e-300)
    tol = rtol * scale

    def same(a: IntArray, b: IntArray) -> Any:
        return np.all(np.abs(flat[a] - flat[b]) <= tol, axis=1)

    if regions.adjacency is not None:
        pairs = regions.adjacency
        pairs = pairs[same(pairs[:, 0], pairs[:, 1])] if len(pairs) else pairs
        return _components(N, pairs)[1]
    if regions.net.has_maxout:  # --- maxout: the facet test across ties
        return maxout_linear_labels(regions, flat, tol)
    return _labels_by_lp(regions, flat, tol)


def _labels_by_lp(regions: RegionSet, flat: FloatArray, tol: float) -> IntArray:
    """Linear-region labels without engine adjacency: LP facet tests within map groups."""
    N = len(regions)
    key = np.round(flat / max(tol, 1e-300) / 4.0)
    _, group = np.unique(key, axis=0, return_inverse=True)
    group = group.reshape(-1)
    parent = np.arange(N)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    pats = regions.patterns
    for g in np.unique(group):
        members = np.flatnonzero(group == g)
        if members.size < 2:
            continue
        # 1) pairs differing in one neuron (the generic facet crossing)
        sub = pats[members]
        index = {p.tobytes(): int(i) for i, p in zip(members, np.packbits(sub, axis=1), strict=True)}
        for i, p in zip(members, sub, strict=True):
            for j in np.flatnonzero(p):
                q = p.copy()
                q[j] = False
                other = index.get(np.packbits(q).tobytes())
                if other is None or find(int(i)) == find(other):
                    continue
                if facet_between(regions, int(i), other):
                    union(int(i), other)
        # 2) any pair of still separate components (degenerate facets)
        roots = sorted({find(int(i)) for i in members})
        if len(roots) > 1:
            comp = {r: [int(i) for i in members if find(int(i)) == r] for r in roots}
            for a_idx, ra in enumerate(roots):
                for rb in roots[a_idx + 1 :]:
                    if find(ra) == find(rb):
                        continue
                    if any(facet_between(regions, i, j) for i in comp[ra] for j in comp[rb]):
                        union(ra, rb)
    final = np.array([find(i) for i in range(N)])
    _, labels = np.unique(final, return_inverse=True)
    return labels.reshape(-1).astype(np.int64)


def count_linear_regions(
    net: NetworkLike,
    domain: DomainLike,
    *,
    method: str = "auto",
    time_limit: float | None = None,
    workers: int = 1,
    executor: Any = None,
    progress: bool | None = None,
    **options: Any,
) -> RegionCount:
    """Count the linear regions of ``net`` on ``domain`` (Hanin & Rolnick 2019, Def. 2).

    Enumerates the activation regions with ``method`` and merges adjacent ones whose
    affine maps (of the domain's coordinates) are equal; see the module docstring.
    ``exact`` holds when the enumeration is exact.  Arguments as
    :func:`~relu_regions.regions.count_regions`.

    Examples
    --------
    >>> from relu_regions import Network, Box
    >>> dead = Network([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0]]], [[0.0, 0.0], [1.0]])
    >>> res = count_linear_regions(dead, Box([-1, -1], [1, 1]))
    >>> res.regions, res.details["activation_regions"], res.kind
    (1, 4, 'linear')
    """
    rs = enumerate_regions(
        net, domain, method=method, time_limit=time_limit, workers=workers, executor=executor,
        progress=progress, adjacency=True, **options,
    )
    return summarize_linear(rs)[0]


def summarize_linear(rs: RegionSet) -> tuple[RegionCount, IntArray | None]:
    """The linear-region count of an enumeration, and the labels when it is exact."""
    act = rs.count
    details = dict(act.details)
    details.update({"activation_regions": act.regions, "map_rtol": MAP_RTOL})
    labels: IntArray | None = None
    if act.exact:
        labels = linear_region_labels(rs)
        L = int(labels.max()) + 1 if labels.size else 0
        details["adjacency"] = "engine" if rs.adjacency is not None else "lp"
        reason = f"{act.method}: exact activation regions merged across shared facets with equal maps"
    else:
        # Regions that were not found may connect found ones, so merging is unsafe; but
        # distinct affine maps always lie in distinct linear regions: a lower bound.
        J, c = chart_affine_maps(rs.net_t, rs.patterns)
        flat = np.hstack([J.reshape(len(rs), -1), c])
        tol = MAP_RTOL * max(float(np.abs(flat).max(initial=0.0)), 1e-300)
        L = int(len(np.unique(np.round(flat / tol / 4.0), axis=0))) if len(rs) else 0
        reason = f"{act.reason}; linear regions: the number of distinct affine maps found (a lower bound)"
    count = RegionCount(
        regions=L,
        exact=act.exact,
        method=act.method,
        partial=act.partial,
        seconds=act.seconds,
        kind="linear",
        reason=reason,
        stop_reason=act.stop_reason,
        domain_dim=act.domain_dim,
        certificate=act.certificate,
        details=details,
    )
    return count, labels
