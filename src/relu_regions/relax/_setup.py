"""Validated inputs shared by the stability algorithms: the network in chart coordinates.

Every algorithm here works on the pulled-back network ``t -> net(origin + basis @ t)`` of
the domain's chart (see :mod:`relu_regions.domain`), with ``t`` in the box
``[lower, upper]`` intersected with ``{t : A t <= b}``.  The box is always finite: for a
polytope chart it is the polytope's bounding box (computed once by LP).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._typing import FloatArray, Seed
from ..domain import Domain, parse_domain
from ..exceptions import DomainError, UnsupportedLayerError
from ..io import load_network
from ..network import Network
from ..polytope import Chart
from ..polytope import lp_bounding_box as _lp_bounding_box
from ..polytope import sample_chart as _sample_chart

__all__ = ["Setup", "prepare", "SIGN_TOL", "SOLVER_PAD"]

#: A pre-activation counts as positive (negative) only when it exceeds ``SIGN_TOL``
#: (is below ``-SIGN_TOL``).  A neuron is *stably inactive* when its maximum over the
#: domain is at most ``SIGN_TOL`` and *stably active* when its minimum is at least
#: ``-SIGN_TOL``: at the default LP/MILP feasibility tolerance (1e-7) solvers cannot
#: tell such a value from zero.  Removing such a neuron changes outputs by at most
#: ``SIGN_TOL`` times its outgoing weights; ``compress`` reports the measured difference.
SIGN_TOL = 1e-7

#: Bounds computed by LP/MILP solvers are widened by ``SOLVER_PAD * (1 + |v|)`` so that
#: they stay sound despite the solvers' feasibility tolerances.
SOLVER_PAD = 1e-6


@dataclasses.dataclass(frozen=True, eq=False)
class Setup:
    """A ReLU network pulled back to a bounded chart of its input domain."""

    net: Network
    domain: Domain
    chart: Chart
    net_t: Network
    lower: FloatArray  # finite box of the chart coordinates t
    upper: FloatArray
    A: FloatArray  # extra constraints A t <= b of the chart (polytope domains)
    b: FloatArray

    @property
    def dim(self) -> int:
        return int(self.lower.size)

    @property
    def is_box(self) -> bool:
        """True when the chart is exactly the box (no extra constraints)."""
        return self.A.shape[0] == 0

    @property
    def layers(self) -> int:
        """Number of activated layers (hidden layers, plus the output with output_relu)."""
        return len(self.net.activated_layers)

    def to_ambient(self, t: Any) -> FloatArray:
        return self.chart.to_ambient(t)

    def sample(self, n: int, seed: Seed = 0) -> FloatArray:
        """``n`` uniform points of the domain in chart coordinates."""
        return _sample_chart(self.chart, int(n), np.random.default_rng(seed))

    def to_chart(self, x: Any) -> FloatArray:
        """Chart coordinates of ambient points (least squares; exact for points in the domain)."""
        X = np.atleast_2d(np.asarray(x, dtype=np.float64))
        t, *_ = np.linalg.lstsq(self.chart.basis, (X - self.chart.origin).T, rcond=None)
        return np.asarray(t.T)


def chart_box(chart: Chart, what: str) -> tuple[FloatArray, FloatArray]:
    """The finite bounding box ``(lower, upper)`` of a domain's chart: its coefficient bounds
    tightened by LPs over its rows; a one-line ``DomainError`` naming ``what`` when unbounded."""
    lower = np.asarray(chart.lower, dtype=np.float64)
    upper = np.asarray(chart.upper, dtype=np.float64)
    if chart.A.shape[0]:
        G, h = chart.halfspaces()
        lo, hi = _lp_bounding_box(G, h)
        lower, upper = np.maximum(lower, lo), np.minimum(upper, hi)
    if not (np.all(np.isfinite(lower)) and np.all(np.isfinite(upper))):
        raise DomainError(f"{what} need a bounded domain; give finite box bounds or coefficient_bounds")
    return lower, upper


def prepare(net: Any, domain: Any) -> Setup:
    """Load and check ``net`` and ``domain``; raise a one-line error on what does not fit."""
    net = load_network(net)
    if not net.is_relu:
        raise UnsupportedLayerError(
            "stability analysis supports ReLU networks only; this one has LeakyReLU slopes "
            f"{list(net.negative_slopes)}"
        )
    dom = parse_domain(domain, input_dim=net.input_dim)
    chart = dom.chart()
    lower, upper = chart_box(chart, "stable neurons and pre-activation bounds")
    net_t = net.with_input_map(chart.origin, chart.basis)
    return Setup(
        net, dom, chart, net_t, lower, upper, np.asarray(chart.A, float), np.asarray(chart.b, float)
    )
