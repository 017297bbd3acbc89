r"""Region bounds for networks with maxout layers (mixed with ReLU layers).

A rank-``k`` maxout unit :math:`\max_p W[p] h + b[p]` changes its arg-max piece only on the
:math:`k(k-1)/2` *tie* hyperplanes :math:`(W[p] - W[q]) h + b[p] - b[q] = 0`; a ReLU neuron is
the rank-2 unit :math:`\max(z, 0)` with one tie, :math:`z = 0`.

``serra2018_maxout`` (architecture, :func:`serra2018_maxout_layers`)
    Serra, Tjandraatmadja & Ramalingam (2018), maxout bound (Theorem 2 of the poster) with
    each layer's own rank :math:`k_l` (ReLU layers :math:`k_l = 2`):

    .. math::

        \prod_{l=1}^{L} \sum_{j=0}^{d_l} \binom{k_l (k_l - 1) n_l / 2}{j}, \qquad
        d_l = \min\{n_0, n_1, \dots, n_l\};

    with one rank for all layers it is the paper's formula (the proof is layer by layer,
    so a per-layer rank changes nothing in it).
``network_aware`` on a maxout network (:func:`maxout_network_bound`)
    the same layer-by-layer product, with what the weights and the domain allow.  Inside
    a region of the layers before ``l``, layer ``l``'s input is an affine function of the
    input, and each unit changes piece only where two of its *live* pieces tie (pieces
    proven never to be the maximum on the domain, by :func:`relu_regions.stability.stable_units`,
    cannot tie at the top).  With :math:`r_u` live pieces of unit ``u`` (1 for a stable
    unit), :math:`m_l = \sum_u r_u (r_u - 1) / 2` tie hyperplanes whose normals span a space
    of dimension :math:`\rho_l` (the numerical rank of the stacked differences
    :math:`W[p] - W[q]` of live pairs) inside the :math:`e_{l-1}`-dimensional image of the
    region (:math:`e_0` the domain's dimension, :math:`e_l = \min(e_{l-1}, n_l)`), a
    region is split into at most

    .. math::

        F_l = \min\Big\{ \prod_u r_u,\ \sum_{j=0}^{\min(e_{l-1}, \rho_l)} \binom{m_l}{j} \Big\}

    regions: the first because the arg-max sets of one unit are convex, so each unit cuts a
    convex region into at most :math:`r_u` convex parts; the second by Zaslavsky's count of
    an arrangement whose normals span :math:`\min(e_{l-1}, \rho_l)` dimensions.  The bound is
    :math:`\prod_l F_l`.  Without a domain every piece counts as live.
``tseran_montufar2021`` (an *estimate*, ``kind="expected"``)
    the growth the expected number of activation regions of a random rank-``K`` maxout
    network with ``N`` units follows at initialisation, Tseran & Montúfar (2021), *On the
    Expected Complexity of Maxout Networks*, NeurIPS:

    .. math:: \frac{(K N)^{n_0}}{n_0!} \binom{K n_0}{2 n_0},

    the constant-free part of their upper bound
    :math:`\mathbb{E}[\#\text{regions in } C] / \mathrm{vol}(C) \le (T K N)^{n_0}
    \binom{K n_0}{2 n_0} / n_0!`, :math:`T = 2^5 C_\text{grad} C_\text{bias}`.  We took both from
    the authors' implementation (github.com/hanna-tseran/maxout_complexity, ``formula.py``:
    ``regions_predicted_growth_with_K`` and ``regions_formula``); we could not read the
    paper's theorem statement itself.  With ``c_grad`` and ``c_bias`` given, the full bound
    for a cube of volume ``volume`` is returned instead.  For ``K = 2`` the growth is
    :math:`2^{n_0}` times Hanin & Rolnick's :math:`N^{n_0}/n_0!`.  Like ``hanin_rolnick2019``
    it describes an average over random weights, not any one network.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from ..domain import Domain
from ..exceptions import DimensionError
from ..network import Network
from ._numbers import zaslavsky
from ._types import Bound, BoundConditionError, make_bound

__all__ = [
    "MAXOUT_METHODS",
    "REFERENCES",
    "maxout_ranks",
    "serra2018_maxout_layers",
    "maxout_network_bound",
    "tseran_montufar2021_estimate",
]

#: Bound methods that apply to networks with maxout layers (the others assume ReLUs).
MAXOUT_METHODS = frozenset({"serra2018_maxout", "network_aware", "tseran_montufar2021"})

REFERENCES = {
    "serra2018_maxout": "Serra, Tjandraatmadja, Ramalingam (2018), ICML, maxout bound (Theorem 2 of the "
    "poster), with each layer's own rank",
    "network_aware": "Serra et al. (2018) maxout bound, layer by layer, with live pieces on the domain "
    "(relu_regions.stability.stable_units), tie-normal ranks and prod_u r_u per layer",
    "tseran_montufar2021": "Tseran & Montufar (2021), On the Expected Complexity of Maxout Networks, "
    "NeurIPS; formula as implemented by the authors (github.com/hanna-tseran/maxout_complexity, "
    "formula.py)",
}


def maxout_ranks(net: Network) -> tuple[int, ...]:
    """Rank of every activated layer, ReLU layers as rank 2 (``max(z, 0)``)."""
    return tuple(layer.rank if layer.rank > 1 else 2 for layer in net.activated_layers)


def serra2018_maxout_layers(widths: Any, ranks: Any) -> Bound:
    r"""Serra et al.'s maxout bound with one rank per layer (see the module docstring).

    Examples
    --------
    >>> serra2018_maxout_layers([2, 3], [3]).value        # 9 tie lines in the plane
    46
    >>> serra2018_maxout_layers([2, 3, 2], [2, 3]).value  # (1 + 3 + 3) * (1 + 6 + 15)
    154
    """
    ws = [int(w) for w in widths]
    ks = [int(k) for k in ranks]
    if len(ws) < 2 or min(ws) < 1:
        raise DimensionError(f"widths need the input dimension and at least one positive width, got {ws}")
    if len(ks) != len(ws) - 1 or min(ks) < 2:
        raise BoundConditionError(f"need one maxout rank >= 2 per layer: got {ks} for widths {ws}")
    value, d = 1, ws[0]
    for n, k in zip(ws[1:], ks, strict=True):
        d = min(d, n)
        value *= zaslavsky(k * (k - 1) // 2 * n, d)
    return make_bound(
        "serra2018_maxout",
        value,
        kind="upper",
        reference=REFERENCES["serra2018_maxout"],
        formula="prod_l sum_{j<=d_l} C(k_l(k_l-1)/2 n_l, j), d_l = min(n_0..n_l)",
        details={"maxout_ranks": ks},
    )


def _live_pieces(
    net: Network, domain: Domain | None, method: str, time_limit: float | None
) -> tuple[list[list[tuple[int, ...]]], str, bool]:
    """Live pieces per unit per activated layer (ReLU neurons: (z, 0) as pieces (0, 1))."""
    ranks = maxout_ranks(net)
    every = [[tuple(range(k))] * layer.width for k, layer in zip(ranks, net.activated_layers, strict=True)]
    leaky = any(layer.rank == 1 and float(layer.slope or 0.0) != 0.0 for layer in net.activated_layers)
    if domain is None or domain.dim == 0 or not domain.bounded or leaky:
        why = (
            "no domain"
            if domain is None
            else "a point"
            if domain.dim == 0
            else "LeakyReLU layers"
            if leaky
            else "unbounded domain"
        )
        return every, f"every piece counted as live ({why})", True
    from ..relax import UnitLayerStability, stable_units

    method = "interval" if method == "crown" else method
    st = stable_units(net, domain, method=method, time_limit=time_limit)
    live = []
    for ls in st.layers:
        assert isinstance(ls, UnitLayerStability)
        live.append(list(ls.live_pieces))
    note = f"relu_regions.stability.stable_units(method={method!r})"
    if not st.exact:
        note += f"; {st.counts['undecided']} undecided units keep their open pieces"
    return live, note, st.exact


def maxout_network_bound(
    net: Network, domain: Domain | None = None, *, stability: str = "crown", time_limit: float | None = None
) -> Bound:
    r"""Upper bound on the activation regions of a maxout (or mixed) network on ``domain``.

    :math:`\prod_l \min\{\prod_u r_u, \sum_{j \le \min(e_{l-1}, \rho_l)} \binom{m_l}{j}\}`;
    see the module docstring for the quantities and why each is sound.

    Examples
    --------
    >>> import numpy as np
    >>> from relu_regions import Network
    >>> W = np.array([[[1.0, 0.0]], [[-1.0, 0.0]], [[0.0, 1.0]]])      # one rank-3 unit in the plane
    >>> net = Network([W, [[1.0]]], [np.zeros((3, 1)), [0.0]])
    >>> maxout_network_bound(net).value                                 # min(3, 1 + 3 + 3)
    3
    """
    if domain is not None:
        domain.check_network(net)
    live, note, exact = _live_pieces(net, domain, stability, time_limit)
    e = net.input_dim if domain is None else domain.dim
    value = 1
    facts = []
    pl_layers = []
    for layer in net.activated_layers:
        W = layer.weight if layer.weight.ndim == 3 else np.stack([layer.weight, np.zeros_like(layer.weight)])
        pl_layers.append(W)
    chart_basis = None if domain is None or domain.dim == 0 else np.asarray(domain.chart().basis, float)
    for li, (W, pieces) in enumerate(zip(pl_layers, live, strict=True)):
        if li == 0 and chart_basis is not None:
            W = np.einsum("kji,im->kjm", W, chart_basis)  # normals in the domain's coordinates
        rows = [
            W[p, u] - W[q, u] for u, ps in enumerate(pieces) for a, p in enumerate(ps) for q in ps[a + 1 :]
        ]
        m = len(rows)
        rho = int(np.linalg.matrix_rank(np.stack(rows))) if rows else 0
        prod = math.prod(len(ps) for ps in pieces)
        arr = zaslavsky(m, min(e, rho))
        factor = min(prod, arr)
        facts.append(
            {
                "width": len(pieces),
                "live_pieces": [len(ps) for ps in pieces],
                "ties": m,
                "tie_rank": rho,
                "image_dim": e,
                "prod_live": prod,
                "arrangement": arr,
                "factor": factor,
            }
        )
        value *= factor
        e = min(e, len(pieces))
    return make_bound(
        "network_aware",
        value,
        kind="upper",
        reference=REFERENCES["network_aware"],
        formula="prod_l min(prod_u r_u, sum_{j<=min(e_{l-1}, rho_l)} C(m_l, j))",
        details={
            "layers": facts,
            "stability": note,
            "stability_exact": exact,
            "domain_dim": net.input_dim if domain is None else domain.dim,
        },
    )


def tseran_montufar2021_estimate(
    input_dim: int,
    units: int,
    rank: int,
    *,
    c_grad: float | None = None,
    c_bias: float | None = None,
    volume: float = 1.0,
) -> Bound:
    r"""Tseran & Montúfar (2021) growth of the expected number of regions (an estimate).

    :math:`(K N)^{n_0} \binom{K n_0}{2 n_0} / n_0!`, or with ``c_grad`` and ``c_bias`` the
    full bound :math:`\mathrm{vol}\,(T K N)^{n_0} \binom{K n_0}{2 n_0} / n_0!`,
    :math:`T = 2^5 C_\text{grad} C_\text{bias}` (see the module docstring for the source).

    Examples
    --------
    >>> tseran_montufar2021_estimate(2, 20, 2).value   # the authors' README example: 800
    800.0
    """
    n0, N, K = int(input_dim), int(units), int(rank)
    if n0 < 1 or N < 1 or K < 2:
        raise BoundConditionError(f"need n0 >= 1, N >= 1 units and rank K >= 2; got {n0}, {N}, {K}")
    growth = Fraction((K * N) ** n0 * math.comb(K * n0, 2 * n0), math.factorial(n0))
    details: dict[str, Any] = {"n0": n0, "units": N, "rank": K}
    if (c_grad is None) != (c_bias is None):
        raise BoundConditionError("give both c_grad and c_bias (or neither, for the growth estimate)")
    if c_grad is not None and c_bias is not None:
        if not (c_grad > 0 and c_bias > 0 and volume > 0):
            raise BoundConditionError("c_grad, c_bias and volume must be positive")
        T = Fraction(32) * Fraction(c_grad) * Fraction(c_bias)
        value = growth * T**n0 * Fraction(volume)
        details.update(c_grad=c_grad, c_bias=c_bias, volume=volume)
        formula = "vol (T K N)^n0 C(K n0, 2 n0) / n0!, T = 2^5 C_grad C_bias"
    else:
        value = growth
        formula = "(K N)^n0 C(K n0, 2 n0) / n0! (growth at initialisation, constants dropped)"
    return make_bound(
        "tseran_montufar2021",
        value,
        kind="expected",
        reference=REFERENCES["tseran_montufar2021"],
        formula=formula,
        details=details,
    )
