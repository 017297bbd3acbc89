"""Polytope helpers shared by the exact engines: H-representations, tolerances, Chebyshev balls.

An activation region with pattern ``s`` is the polytope (Hanin & Rolnick 2019, Lemma 3)

.. math::

    R_s = \\{t \\in D : (2 s_i - 1)\\, z_i(t) \\ge 0 \\ \\forall i\\},
    \\qquad z_i(t) = a_i^{(s)} \\cdot t + c_i^{(s)},

where ``(a_i, c_i)`` is neuron ``i``'s pre-activation map under the pattern of the earlier
layers.  In matrix form ``G t <= h`` with rows ``G_i = -(2 s_i - 1) a_i``,
``h_i = (2 s_i - 1) c_i``, followed by the domain's rows.

Full-dimensionality (Cai et al. 2023, Sec. 5)
---------------------------------------------
A region counts when it contains a ball of radius ``> RADIUS_TOL * scale`` where ``scale``
is the Chebyshev radius of the domain (both in chart coordinates).  The radius is always
*certified in float64* by evaluating ``min_i (h_i - G_i t) / |G_i|`` at an explicit point
``t``; LPs are only used to find good points, never trusted for the radius itself.  Rows with
``|G_i| = 0`` (a neuron constant on the region) constrain nothing: a constant neuron
splits nothing.

Scale invariance
----------------
``relu(d z) = d relu(z)`` for ``d > 0`` (LeakyReLU too), so multiplying a neuron's row
``(W_i, b_i)`` by ``d`` and column ``i`` of the next layer by ``1 / d`` changes neither the
function nor any activation region.  :func:`unit_row_network` uses this to give every
activated neuron a weight row of unit norm before any engine runs: a network whose layers
were scaled by ``1e-6`` or ``1e6`` (or each neuron by its own factor) becomes the *same*
network up to round-off, so every absolute tolerance below acts on distances in the chart
and on ``O(1)`` rows.  The LPs see row-normalised constraints (:func:`chebyshev`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._typing import BoolArray, FloatArray
from ..exceptions import SolverError
from ..network import Network
from ..solvers import new_highs

__all__ = [
    "RADIUS_TOL",
    "TIGHT_TOL",
    "ZERO_ROW_TOL",
    "ActLayer",
    "activated_layers",
    "pattern_rows",
    "region_halfspaces",
    "live_rows",
    "constant_rows_violated",
    "chebyshev",
    "radius_at",
    "domain_scale",
    "axis_rows",
    "axis_box",
    "bounding_box",
    "unit_row_network",
    "CANCEL_TOL",
]

#: A region counts when it contains a ball of radius ``> RADIUS_TOL * scale`` (``scale``: the
#: Chebyshev radius of the domain).  Well above float64 round-off of the rows (~1e-15) and
#: well below any region a network of practical size produces on a unit-size domain.
RADIUS_TOL = 1e-9
#: A neuron is *tight* at a point when the point lies within ``TIGHT_TOL * scale`` of the
#: neuron's hyperplane (``|z| <= TIGHT_TOL * scale * |grad z|``).
TIGHT_TOL = 1e-9
#: A row whose gradient norm is below ``ZERO_ROW_TOL`` times the largest row norm of its
#: layer is treated as constant (the neuron is constant on the region and splits nothing).
ZERO_ROW_TOL = 1e-12

#: :func:`unit_row_network`: a chart row ``W_0 B`` (or bias ``b_0 + W_0 o``) whose norm is below
#: ``CANCEL_TOL`` times the norm of the terms it was summed from (``|W_0| |B|``,
#: ``|b_0| + |W_0| |o|``) is cancellation noise and is set to exactly zero: the neuron's
#: hyperplane contains the chart (the neuron is constant on the domain).  Round-off of the
#: sums is ~``k * 1e-16`` of the terms.
CANCEL_TOL = 1e-12

ActLayer = tuple[FloatArray, FloatArray, float]


def unit_row_network(
    net: Network, pullback: tuple[Any, Any, Any, Any] | None = None
) -> tuple[Network, list[FloatArray]]:
    """The same network up to positive per-neuron factors, every activated weight row of unit norm.

    Row ``i`` of activated layer ``l`` is divided by ``d_i = |W_{l,i}|`` (by ``|b_{l,i}|`` when
    the row is zero, by 1 when both are) and column ``i`` of layer ``l + 1`` multiplied by
    ``d_i``: since ``relu(z / d) = relu(z) / d`` for ``d > 0`` the function, every
    pre-activation's sign and so every activation region are unchanged (module docstring).
    Layer by layer this removes any positive scaling of layers or neurons: two networks that
    differ by such scalings map to the same network up to round-off.

    Parameters
    ----------
    net:
        the network on chart coordinates (``net.with_input_map(origin, basis)``).
    pullback:
        optional ``(W0, b0, origin, basis)`` it was pulled back from; first-layer rows and
        biases that cancelled to below :data:`CANCEL_TOL` of their terms are set to zero.

    Returns
    -------
    net, factors:
        the normalised network and the factors ``d`` of each activated layer.
    """
    W = [np.array(w, dtype=np.float64) for w in net.weights]
    b = [np.array(v, dtype=np.float64) for v in net.biases]
    if pullback is not None:
        W0, b0, o, B = (np.asarray(a, dtype=np.float64) for a in pullback)
        absW = np.abs(W0)
        row_terms = np.linalg.norm(absW @ np.abs(B), axis=1)
        bias_terms = absW @ np.abs(o) + np.abs(b0)
        W[0][np.linalg.norm(W[0], axis=1) <= CANCEL_TOL * row_terms] = 0.0
        b[0][np.abs(b[0]) <= CANCEL_TOL * bias_terms] = 0.0
    factors: list[FloatArray] = []
    for li, layer in enumerate(net.layers):
        if not layer.activated:
            break
        norms = np.linalg.norm(W[li], axis=1)
        d = np.where(norms > 0, norms, np.abs(b[li]))
        d = np.where(np.isfinite(d) & (d > 0), d, 1.0)
        W[li] /= d[:, None]
        b[li] /= d
        if li + 1 < len(W):
            W[li + 1] *= d[None, :]
        factors.append(d)
    return net.replace_layers(W, b), factors


def activated_layers(net: Network) -> list[ActLayer]:
    """``(W, b, slope)`` of every activated layer (the layers whose neurons form the pattern)."""
    return [(L.weight, L.bias, float(L.slope)) for L in net.activated_layers]  # type: ignore[arg-type]


def pattern_rows(
    layers: Sequence[ActLayer], patterns: BoolArray
) -> tuple[FloatArray, FloatArray]:
    """Pre-activation maps of a batch of patterns: ``z = A t + c`` per neuron.

    Parameters
    ----------
    layers:
        :func:`activated_layers` of the (chart) network.
    patterns:
        ``(P, N)`` boolean patterns.

    Returns
    -------
    A, c:
        ``(P, N, k)`` gradients and ``(P, N)`` offsets of every neuron's pre-activation on
        each pattern's region.
    """
    P = patterns.shape[0]
    W0, b0, _ = layers[0]
    k = W0.shape[1]
    As: list[FloatArray] = []
    cs: list[FloatArray] = []
    A = np.broadcast_to(W0, (P, *W0.shape))
    c = np.broadcast_to(b0, (P, b0.size))
    start = 0
    for li, (W, b, slope) in enumerate(layers):
        if li > 0:
            A = np.matmul(W, A)
            c = c @ W.T + b
        n = W.shape[0]
        As.append(A)
        cs.append(c)
        d = np.where(patterns[:, start : start + n], 1.0, slope)
        A = d[:, :, None] * A
        c = d * c
        start += n
    return np.concatenate(As, axis=1).reshape(P, -1, k), np.concatenate(cs, axis=1)


def region_halfspaces(
    A: FloatArray, c: FloatArray, pattern: BoolArray, G_dom: FloatArray, h_dom: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``(G, h)`` of one region from its neuron maps ``(A, c)`` (``(N, k)``, ``(N,)``).

    An *active* neuron must be strictly positive; for a neuron constant on the region that
    strictness is lost in ``G t <= h`` (``0 t <= c`` holds at ``c = 0``), so such a row gets
    ``h = -1`` (infeasible) when its constant is not positive: a neuron identically zero on
    a region is inactive there, never active.
    """
    sign = np.where(pattern, -1.0, 1.0)
    hA = -sign * c
    norms = np.sqrt(np.einsum("ij,ij->i", A, A))
    const = ~live_rows(norms)
    if const.any():
        bad = const & pattern & (c <= 1e-12 * max(1.0, float(np.abs(c).max())))
        hA = np.where(bad, -1.0, hA)
    return np.vstack([sign[:, None] * A, G_dom]), np.concatenate([hA, h_dom])


def radius_at(G: FloatArray, h: FloatArray, t: FloatArray) -> float:
    """Certified radius of a ball around ``t`` inside ``{G t <= h}``: ``min (h - G t)/|G|``.

    Rows with (numerically) zero gradient belong to neurons that are constant on the
    region: they make the radius ``-inf`` when violated (:func:`constant_rows_violated`)
    and are skipped otherwise.
    """
    norms = np.sqrt(np.einsum("ij,ij->i", G, G))
    slack = h - G @ t
    big = live_rows(norms)
    if constant_rows_violated(big, h):
        return -math.inf
    if not np.any(big):
        return math.inf
    return float(np.min(slack[big] / norms[big]))


def live_rows(norms: FloatArray) -> BoolArray:
    """Rows whose gradient is not (numerically) zero; see :data:`ZERO_ROW_TOL`."""
    return norms > ZERO_ROW_TOL * max(float(norms.max(initial=0.0)), 1.0)  # type: ignore[no-any-return]


def constant_rows_violated(live: BoolArray, h: FloatArray) -> bool:
    """Whether a constant row ``0 t <= h_i`` fails, i.e. ``h_i < 0`` beyond round-off.

    Such a row is a neuron whose constant pre-activation has the sign opposite to the
    pattern's: the pattern has no region at all.
    """
    dead = ~live
    if not dead.any():
        return False
    return bool(np.any(h[dead] < -1e-12 * max(1.0, float(np.abs(h).max()))))


def axis_rows(G: FloatArray) -> np.ndarray:
    """Rows of ``G`` with exactly one non-zero entry (bounds on one coordinate)."""
    return np.count_nonzero(G, axis=1) == 1


def axis_box(G: FloatArray, h: FloatArray) -> tuple[FloatArray, FloatArray] | None:
    """``(lower, upper)`` from the axis-aligned rows of ``{t : G t <= h}`` when they bound
    every coordinate, else ``None``.  The box contains the polytope; it equals its bounding
    box when every row is axis-aligned."""
    from ..polytope import lp_bounding_box as _lp_bounding_box

    axis = axis_rows(G)
    if not axis.any():
        return None
    lower, upper = _lp_bounding_box(G[axis], h[axis])  # read off, no LP
    if not (np.all(np.isfinite(lower)) and np.all(np.isfinite(upper))):
        return None
    return lower, upper


def bounding_box(G: FloatArray, h: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The smallest box containing ``{t : G t <= h}`` (read off axis-aligned rows, else by
    ``2 k`` LPs).  Raises :class:`DomainError` when the polytope is empty or unbounded."""
    # relu_regions.polytope.lp_bounding_box does the work; this adds the engines' check
    # that the box is finite (lp_bounding_box returns infinite sides for unbounded polytopes)
    from ..exceptions import DomainError
    from ..polytope import lp_bounding_box as _lp_bounding_box

    lo, hi = _lp_bounding_box(G, h)
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        raise DomainError("the domain must be bounded and non-empty here")
    return lo, hi


def chebyshev_model(
    G: FloatArray, h: FloatArray, norms: FloatArray, cap: float, *, presolve: bool = True
) -> Any:
    """A ``highspy.Highs`` holding the Chebyshev-ball LP of ``{t : G t <= h}``.

    Columns ``t`` (free) and ``r`` (in ``[0, cap]``, maximised); row ``i`` is
    ``G_i t + norms_i r <= h_i`` (row-wise, zeros left out).  Kept as a model so callers can change
    rows and re-solve warm-started.
    """
    import highspy

    m, k = G.shape
    hs = new_highs()
    hs.setOptionValue("primal_feasibility_tolerance", 1e-10)
    hs.setOptionValue("dual_feasibility_tolerance", 1e-10)
    if not presolve:
        hs.setOptionValue("presolve", "off")
    lp = highspy.HighsLp()
    lp.num_col_ = k + 1
    lp.num_row_ = m
    cost = np.zeros(k + 1)
    cost[-1] = -1.0
    lp.col_cost_ = cost
    lp.col_lower_ = np.r_[np.full(k, -highspy.kHighsInf), 0.0]
    lp.col_upper_ = np.r_[np.full(k, highspy.kHighsInf), cap]
    lp.row_lower_ = np.full(m, -highspy.kHighsInf)
    lp.row_upper_ = h
    M = np.hstack([G, np.asarray(norms, dtype=np.float64).reshape(m, 1)])
    # sparse rows: a box's rows have two non-zeros, which matters in high dimension
    rows, cols = np.nonzero(M)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = k + 1
    lp.a_matrix_.num_row_ = m
    lp.a_matrix_.start_ = np.r_[0, np.cumsum(np.bincount(rows, minlength=m))].astype(np.int32)
    lp.a_matrix_.index_ = cols.astype(np.int32)
    lp.a_matrix_.value_ = M[rows, cols]
    hs.passModel(lp)
    return hs


def chebyshev(
    G: FloatArray, h: FloatArray, *, cap: float = 1e6
) -> tuple[FloatArray | None, float]:
    """Chebyshev centre of ``{t : G t <= h}`` by one LP (HiGHS, called directly).

    .. math:: \\max_{t, r} r \\quad \\text{s.t.} \\quad G_i t + |G_i| r \\le h_i,\\ 0 \\le r \\le cap

    The rows are divided by their norms first (:math:`|G_i| = 1` in the LP), so HiGHS's
    absolute feasibility tolerances act on distances.  Returns ``(centre,
    certified_radius)``; the radius is re-evaluated in float64 at the returned centre with
    :func:`radius_at` (``-inf`` and ``None`` when the LP is infeasible).
    """
    # Not relu_regions.polytope.chebyshev_center on purpose: the engines need the rows
    # normalised (tolerances act on distances whatever the network's scale), constant rows
    # dropped, a caller's cap, a float64-certified radius and ``None`` (not an exception)
    # for an empty region, and they re-use the HiGHS model (chebyshev_model) warm.
    import highspy

    norms = np.sqrt(np.einsum("ij,ij->i", G, G))
    keep = live_rows(norms)
    if constant_rows_violated(keep, h):
        return None, -math.inf
    # row-normalised: every row of the LP has unit norm, whatever the network's scale
    nk = norms[keep]
    Gk, hk = G[keep] / nk[:, None], h[keep] / nk
    k = Gk.shape[1]
    hs = chebyshev_model(Gk, hk, np.ones(nk.size), cap)
    hs.run()
    status = hs.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return None, -math.inf
    if status != highspy.HighsModelStatus.kOptimal:
        raise SolverError(f"HiGHS could not solve a Chebyshev-ball LP: {hs.modelStatusToString(status)}")
    x = np.array(hs.getSolution().col_value[:k], dtype=np.float64)
    return x, radius_at(G, h, x)


def domain_scale(G: FloatArray, h: FloatArray) -> tuple[FloatArray, float]:
    """Chebyshev centre and radius of the (bounded) domain ``{G t <= h}``."""
    from ..exceptions import EmptyDomainError

    x, r = chebyshev(G, h)
    if x is None or not r > 0:
        raise EmptyDomainError("the domain has no interior in its chart (it is empty or flat)")
    return x, r


def seed_candidates(centre: FloatArray, scale: float, rng: np.random.Generator, n: int = 64) -> FloatArray:
    """``centre`` and ``n`` points uniform in the ball of radius ``0.9 * scale`` around it: the
    candidates a traversal's first region is picked from (the one with the largest certified ball)."""
    k = centre.size
    U = rng.normal(size=(n, k))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    U *= 0.9 * scale * rng.uniform(0, 1, size=(n, 1)) ** (1.0 / k)
    return np.vstack([centre[None, :], centre + U])
