r"""Network-aware upper bound: Serra et al.'s recurrence with what the weights allow.

For a given network (and optionally a domain) we evaluate the recurrence of
:mod:`relu_regions.bounds._recurrence` with, for every activated layer ``l``:

``d0``
    the domain's intrinsic dimension (its chart dimension) instead of :math:`n_0` -- the
    network is pulled back to the domain's affine chart, and regions are counted relative
    to the domain, so the first hyperplanes live in a :math:`d_0`-dimensional space;
``u_l``
    the number of neurons that are *not stable* on the domain instead of :math:`n_l`: a
    neuron whose pre-activation keeps one sign on the whole domain never changes the
    activation pattern, so it cannot split a region;
``s_l``
    the stably active neurons, which still pass their input on (they count towards the
    dimension of the image but not towards the cuts);
``r_l``, ``k_l``
    the numerical ranks of the weight rows of the unstable neurons, and of the rows that can
    be non-zero (stably active or unstable), restricted to the input columns that can be
    non-zero (outputs of stably inactive ReLUs are identically zero and are dropped).  Cuts
    of a region are hyperplanes whose normals lie in the row space of the unstable rows, so
    Zaslavsky's count applies with dimension :math:`\min\{r_l, d\}`; the image of a region
    lies in the column space of the active rows, of dimension at most :math:`\min\{k_l,
    s_l + a, d\}`.

Why each replacement keeps an upper bound is spelled out in
:mod:`relu_regions.bounds._recurrence`; every replacement is at most the architecture's
value, so ``network_aware <= serra2018``.  Without a domain the whole input space is used:
only neurons that are constant (all incoming weights zero, e.g. after pruning, or fed only
by dead neurons) are stable there.

Ranks are numerical ranks (``numpy.linalg.matrix_rank``: singular values above
``max(rows, cols) * eps * sigma_max``).  A matrix within rounding error of a lower rank is
treated as having that rank; this is the same float64 resolution the exact counting engines
work at, so the bound covers every region those engines can resolve.

Stable neurons on a bounded domain come from :func:`relu_regions.stability.stable_neurons`
(``stability="crown"`` by default: CROWN bounds in milliseconds, sound; ``"auto"`` or
``"milp"`` decide every neuron exactly; ``"interval"``/``"lp"`` are the other sound
relaxations).  A neuron the method leaves *undecided* is counted as unstable, which only
loosens the bound.  The stability module reads "stable" at its tolerance ``SIGN_TOL``
(``1e-7``): a neuron whose pre-activation exceeds zero by at most ``1e-7`` on one side is
stable; regions thinner than that in pre-activation are below float64 resolution, like
the rank tolerance above.  Without a domain (or on an unbounded one, or for leaky ReLU
networks, which the stability module does not cover) a private interval propagation over
the whole input space finds the neurons that are exactly constant (all incoming weights
zero, or fed only by constant neurons): their pre-activation is the same number
everywhere, so they are stable with no tolerance at all.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._typing import DomainLike, FloatArray, NetworkLike
from ..domain import Domain, parse_domain
from ..io import load_network
from ..network import Network
from ..relax import stable_neurons
from ._recurrence import LayerSpec, region_recurrence
from ._types import Bound, make_bound

__all__ = ["network_aware_bound", "network_layer_specs", "REFERENCE"]

REFERENCE = (
    "Serra, Tjandraatmadja, Ramalingam (2018), ICML, Theorem 1, with weight ranks (Cai et al. 2023, "
    "Sec. 3 (v)) and stable neurons (Serra et al. 2020; Cai et al. 2023, Sec. 3 (v)) replacing widths"
)


def _interval_signs(net: Network, lower: FloatArray, upper: FloatArray) -> list[np.ndarray]:
    """Stability of every activated neuron from interval arithmetic on ``lower <= x <= upper``.

    Returns per activated layer an int array: ``+1`` stably active (pre-activation > 0 on
    the box), ``-1`` stably inactive (<= 0), ``0`` unknown.  Infinite bounds are allowed.

    Used where :func:`relu_regions.stability.stable_neurons` does not apply: no domain or an
    unbounded one (where only exactly constant neurons come out stable), and leaky ReLUs.
    """
    lo = np.asarray(lower, dtype=np.float64)
    hi = np.asarray(upper, dtype=np.float64)
    out: list[np.ndarray] = []
    for layer in net.layers:
        W, b = layer.weight, layer.bias
        Wp, Wn = np.maximum(W, 0.0), np.minimum(W, 0.0)
        zlo = b + _dot(Wp, lo) + _dot(Wn, hi)
        zhi = b + _dot(Wp, hi) + _dot(Wn, lo)
        if layer.slope is None:
            break
        sign = np.zeros(W.shape[0], dtype=np.int64)
        sign[zlo > 0] = 1
        sign[zhi <= 0] = -1
        out.append(sign)
        lo, hi = _activate(zlo, float(layer.slope)), _activate(zhi, float(layer.slope))
    return out


def _activate(z: FloatArray, slope: float) -> FloatArray:
    """(Leaky) ReLU of interval end points; monotone, and ``0 * -inf`` is 0 for a ReLU."""
    if slope == 0.0:
        return np.maximum(z, 0.0)
    return np.where(z > 0, z, slope * z)


def _dot(W: FloatArray, x: FloatArray) -> FloatArray:
    """``W @ x`` where ``0 * inf`` counts as 0 (a zero weight ignores an unbounded input)."""
    with np.errstate(invalid="ignore"):
        prod = W * x[None, :]
    prod[W == 0.0] = 0.0
    with np.errstate(invalid="ignore"):
        s = prod.sum(axis=1)
    # +inf and -inf in one row cannot happen: callers pass Wp with one bound and Wn with the other
    return np.asarray(s, dtype=np.float64)


def _rank(M: FloatArray) -> int:
    if M.size == 0:
        return 0
    return int(np.linalg.matrix_rank(M))


def _stability(
    net: Network, domain: Domain | None, method: str, time_limit: float | None
) -> tuple[list[np.ndarray], str]:
    """Per activated layer ``+1`` stably active, ``-1`` stably inactive, ``0`` unstable/undecided."""
    if domain is not None and net.is_relu and domain.dim > 0 and domain.bounded:
        st = stable_neurons(net, domain, method=method, time_limit=time_limit)
        signs = []
        for layer in range(len(st.layers)):
            code = st.status(layer).astype(np.int64)
            signs.append(np.where(np.abs(code) == 1, code, 0))  # undecided (2) -> unstable
        note = f"relu_regions.stability.stable_neurons(method={method!r})"
        if not st.exact:
            note += f"; {st.counts['undecided']} undecided neurons counted as unstable"
        return signs, note
    if domain is not None:
        why = "a point" if domain.dim == 0 else ("leaky ReLU" if not net.is_relu else "unbounded domain")
        return _interval_signs(net, *domain.bounding_box()), f"interval propagation ({why})"
    d = net.input_dim
    return (_interval_signs(net, np.full(d, -np.inf), np.full(d, np.inf)),
            "constant neurons only (no domain)")


def network_layer_specs(
    net: Network,
    domain: Domain | None = None,
    *,
    stability: str = "crown",
    time_limit: float | None = None,
) -> tuple[int, list[LayerSpec], list[dict[str, Any]], str]:
    """``(d0, specs, per-layer facts, stability note)`` for :func:`network_aware_bound`."""
    if domain is not None:
        domain.check_network(net)
    signs, note = _stability(net, domain, stability, time_limit)
    net_t = net
    d0 = net.input_dim
    if domain is not None:
        chart = domain.chart()
        d0 = chart.dim
        if d0 > 0:  # a point (d0 = 0) has one region whatever the ranks
            net_t = net.with_input_map(chart.origin, chart.basis)
    specs: list[LayerSpec] = []
    facts: list[dict[str, Any]] = []
    live = np.ones(net_t.input_dim, dtype=bool)  # input columns that can be non-zero
    for layer, sign in zip(net_t.activated_layers, signs, strict=True):
        W = layer.weight[:, live]
        leaky = float(layer.slope or 0.0) > 0.0
        unstable = sign == 0
        active = sign == 1
        u, s = int(unstable.sum()), int(active.sum())
        r = _rank(W[unstable])
        passing = np.ones_like(unstable) if leaky else (unstable | active)
        k = _rank(W[passing])
        specs.append(LayerSpec(u=u, s=s, r=r, k=k, leaky=leaky))
        facts.append({"width": int(W.shape[0]), "unstable": u, "stably_active": s,
                      "stably_inactive": int((sign == -1).sum()), "rank_unstable": r,
                      "rank_passing": k, "rank": _rank(layer.weight)})
        live = passing
    return d0, specs, facts, note


def network_aware_bound(
    net: NetworkLike, domain: DomainLike | None = None, *, stability: str = "crown",
    time_limit: float | None = None,
) -> Bound:
    r"""Upper bound on the activation regions of ``net`` on ``domain`` (default: all inputs).

    .. math::

        R(l, d) = \sum_{j=0}^{\min\{u_l, d, r_l\}} \binom{u_l}{j}\,
                  R(l + 1, \min\{s_l + u_l - j, d, k_l\}), \qquad R(L+1, \cdot) = 1,

    the bound being :math:`R(1, d_0)`; see the module docstring for the quantities and why
    each keeps the bound valid.  Always ``<= serra2018`` of the architecture.

    Parameters
    ----------
    net, domain:
        The network and, optionally, a domain (regions are counted relative to it).
    stability:
        Method of :func:`relu_regions.stability.stable_neurons` on bounded domains
        (``crown`` default; ``auto``/``milp`` exact; ``interval``, ``lp``).
    time_limit:
        Seconds for the stability analysis; undecided neurons count as unstable.

    Examples
    --------
    >>> import numpy as np
    >>> from relu_regions import Network
    >>> W = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])       # three parallel lines
    >>> net = Network([W, np.ones((1, 3))], [np.array([0.0, 1.0, 2.0]), np.zeros(1)])
    >>> network_aware_bound(net).value                             # rank 1: 3 + 1 regions
    4
    """
    net = load_network(net)
    dom = None if domain is None else parse_domain(domain, input_dim=net.input_dim)
    d0, specs, facts, note = network_layer_specs(net, dom, stability=stability, time_limit=time_limit)
    value = region_recurrence(d0, specs)
    return make_bound(
        "network_aware",
        value,
        kind="upper",
        reference=REFERENCE,
        formula="sum_{j<=min(u_l,d,r_l)} C(u_l, j) R(l+1, min(s_l + u_l - j, d, k_l))",
        details={
            "domain_dim": d0,
            "layers": facts,
            "stability": note,
        },
    )
