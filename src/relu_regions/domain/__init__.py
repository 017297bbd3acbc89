"""Input domains: boxes, L-infinity balls, affine subspaces through samples, polytopes.

Every domain exposes an affine *chart*: ``x = origin + basis @ t`` with ``t`` in a
parameter polytope ``{t : lower <= t <= upper, A t <= b}`` of the domain's intrinsic
dimension.  Algorithms work in chart coordinates on the pulled-back network
``net.with_input_map(chart.origin, chart.basis)``; a region is counted when it is
full-dimensional *in the chart*, i.e. relative to the domain (Cai et al. 2023, Sec. 5).

JSON forms (also accepted by the CLI's ``--domain``)::

    {"type": "box", "lower": [...], "upper": [...]}
    {"type": "ball", "center": [...], "radius": r, "clip": [lo, hi]}   # clip optional
    {"type": "subspace", "points": [[...], ...], "coefficient_bounds": [lo, hi]}
    {"type": "polytope", "A": [[...], ...], "b": [...]}
    {"type": "space", "dim": n}                # all of R^n; "dim" may be left out
    "box:LO,HI"                                # every coordinate in [LO, HI]
    "space"                                    # all of R^n0 (the network's input space)

In ``subspace``, the points ``p_0, ..., p_S`` span
``{p_0 + sum_i a_i (p_i - p_0) : lo <= a_i <= hi}`` (Cai et al. 2023, eq. 14);
``coefficient_bounds`` may be omitted (or use ``null``) for the whole line/plane, as in
Hanin & Rolnick's cross-sections.
"""

from ..polytope import Chart, chart_sampler
from ._base import INTERIOR_TOL, Domain
from ._parse import DOMAIN_TYPES, parse_domain
from ._shapes import AffineSubspace, Box, LInfBall, Polytope, Space

__all__ = [
    "Domain",
    "Chart",
    "Box",
    "LInfBall",
    "AffineSubspace",
    "Polytope",
    "Space",
    "parse_domain",
    "DOMAIN_TYPES",
    "INTERIOR_TOL",
    "chart_sampler",
]
