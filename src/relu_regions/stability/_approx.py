"""Global linear approximation of a deep ReLU network by a 2-hidden-layer one (Theorems 2-3).

Kumar, Serra & Ramalingam, Sec. 5 and Appendices E-G.  For ``L`` hidden layers of widths
``n_1..n_L`` and ``n_{L+1}`` outputs, the shallow network has widths

.. math::

    n_1' = \\sum_{l=1}^{L-1} |\\mathcal A_{l-1}|\\, 2 n_l + |\\mathcal A_{L-1}|\\, n_L,
    \\qquad n_2' = |\\mathcal A_{L-1}|\\, n_{L+1},

where ``A_l`` is the set of activation patterns of layers ``1..l``: all
``2^{n_1 + ... + n_l}`` of them (Theorem 2, eqs. 4-5) or only the prefixes of the feasible
patterns (Theorem 3, eqs. 6-7).  (The Theorem-2 column of the paper's Table 1 follows from
eqs. 4-5; its Theorem-3 entry for 784-5-5-5-10, ``n1' = 1540, n2' = 1900``, would need
``|A_1| = 58 > 2^5`` prefixes of a 5-unit layer under eqs. 6-7, so it cannot be
reproduced from the equations as printed.  We follow the equations.)

Construction (Appendix E).  For a prefix ``S`` of patterns of layers ``< l``,
``g^l(x; S) = A_S x + c_S`` is layer ``l``'s pre-activation when the earlier layers follow
``S``.  The first hidden layer holds ``h = relu(g)`` and ``hbar = relu(-g)`` for every
``l < L`` and prefix in ``A_{l-1}`` (the penalty groups), and ``relu(g^L(x; S))`` for every
``S`` in ``A_{L-1}`` (the last group).  The second layer has, for every output ``j`` and
``S`` in ``A_{L-1}``, the unit

.. math::

    u_{jS} = \\mathrm{relu}\\Big(w_j^{L+1} \\cdot h^L(x; S) + b_j^{L+1} + C_j
      - H \\sum_{l<L} \\Big[\\sum_{s \\in S_l} \\bar h_s^l(x; S_{<l})
      + \\sum_{s \\notin S_l} h_s^l(x; S_{<l})\\Big]\\Big),

and ``f_2(x)_j = sum_S u_{jS} - C_j``.  The penalty vanishes exactly for ``x``'s own pattern.
The offset ``C_j >= -min_D f_1(x)_j`` (``0`` with a ReLU output) extends the paper's
construction, which sums ReLUs and so needs non-negative outputs, to affine outputs.

The constant ``H``.  Instead of the paper's bilevel argmax (27)-(28) we use a closed-form
valid value: if the L-infinity ball of radius ``epsilon`` around ``x`` lies in one region,
then for any wrong prefix ``S`` (first differing at neuron ``s`` of layer ``l``) the
penalty is at least ``|g_s^l(x)| >= epsilon ||a_s||_1`` (``a_s`` its gradient on the
region).  So ``H = N / P`` with ``N >= max_{x in D, S} w_j h^L(x; S) + b_j + C_j`` (interval
arithmetic over the domain's bounding box) and
``P = epsilon min_{l, S, s} ||a_s(S)||_1`` makes every wrong unit zero at such points,
and ``f_2 = f_1`` there.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._results import FrozenResult
from .._typing import BoolArray, FloatArray, Seed
from ..exceptions import DimensionError, DomainError, ReluRegionsError, UnsupportedLayerError
from ..io import load_network
from ..network import Network

__all__ = [
    "theorem2_widths",
    "theorem3_widths",
    "global_linear_approximation",
    "LinearApproximation",
]


def _hidden(widths: Sequence[int]) -> tuple[list[int], int]:
    w = [int(v) for v in widths]
    if len(w) < 3:
        raise DimensionError(f"need (n0, n1, ..., nL, n_out) with at least one hidden layer, got {w}")
    return w[1:-1], w[-1]


def theorem2_widths(widths: Sequence[int]) -> tuple[int, int]:
    """``(n1', n2')`` of Theorem 2 (eqs. 4-5) for widths ``(n0, n1, ..., nL, n_{L+1})``.

    Exact Python integers, however large.

    Examples
    --------
    >>> theorem2_widths([784, 5, 5, 5, 10])       # Table 1, first row
    (5450, 10240)
    >>> theorem2_widths([784, 5, 5, 10, 10, 10])  # Table 1, second row
    (10506570, 10485760)
    """
    hidden, out = _hidden(widths)
    return _widths(hidden, out, [2 ** sum(hidden[:l]) for l in range(len(hidden))])


def _widths(hidden: list[int], out: int, prefixes: list[int]) -> tuple[int, int]:
    L = len(hidden)
    n1 = sum(prefixes[l] * 2 * hidden[l] for l in range(L - 1)) + prefixes[L - 1] * hidden[L - 1]
    return int(n1), int(prefixes[L - 1] * out)


def prefix_counts(widths: Sequence[int], patterns: Any) -> list[int]:
    """``|A_0|, ..., |A_{L-1}|``: distinct prefixes (layers ``1..l``) of the given patterns."""
    hidden, _ = _hidden(widths)
    P = _patterns(hidden, patterns)
    cut = np.cumsum([0, *hidden])
    return [len(np.unique(P[:, : cut[l]], axis=0)) if l else 1 for l in range(len(hidden))]


def theorem3_widths(widths: Sequence[int], patterns: Any) -> tuple[int, int]:
    """``(n1', n2')`` of Theorem 3 (eqs. 6-7) from the feasible activation ``patterns``.

    ``patterns`` is a boolean ``(N, k)`` array with one row per activation region and at
    least the hidden neurons' columns (extra output-ReLU columns are ignored).

    Examples
    --------
    >>> P = [[0, 0, 1, 1], [1, 0, 1, 0], [1, 1, 0, 0]]  # 2-2-2-1, three regions
    >>> theorem3_widths([2, 2, 2, 1], P)  # |A_0| = 1, |A_1| = 3
    (10, 3)
    """
    hidden, out = _hidden(widths)
    return _widths(hidden, out, prefix_counts(widths, patterns))


def _patterns(hidden: list[int], patterns: Any) -> BoolArray:
    P = np.asarray(patterns)
    k = sum(hidden)
    if P.ndim != 2 or P.shape[1] < k:
        raise DimensionError(
            f"patterns must be an (N, {k}) boolean array (one row per region), got {P.shape}"
        )
    if P.shape[0] == 0:
        raise DimensionError("patterns is empty: a domain has at least one activation region")
    return P[:, :k].astype(bool)


@dataclasses.dataclass(frozen=True)
class LinearApproximation(FrozenResult):
    """Widths of the Theorem 2/3 networks and, when built, the 2-hidden-layer network."""

    theorem2: dict[str, int]
    theorem3: dict[str, Any] | None
    built: int | None  # which theorem's network was built (2 or 3), or None
    epsilon: float
    H: float | None = None
    offsets: tuple[float, ...] = ()
    max_abs_difference: float | None = None
    checked_points: int = 0
    interior_points: int = 0
    note: str = ""
    network: Network | None = dataclasses.field(default=None, metadata={"json": False}, repr=False)


def global_linear_approximation(
    net: Any,
    *,
    patterns: Any = None,
    domain: Any = None,
    theorem: int | None = None,
    epsilon: float = 1e-3,
    build: bool | None = None,
    max_parameters: int = 5_000_000,
    count_method: str = "auto",
    time_limit: float | None = None,
    check_points: int = 2000,
    seed: Seed = 0,
) -> LinearApproximation:
    """The 2-hidden-layer global linear approximation of Theorems 2 and 3.

    Parameters
    ----------
    net:
        A ReLU network (or model path) with at least one hidden layer.
    patterns:
        The feasible activation patterns (Theorem 3); when omitted and ``domain`` is given,
        they are enumerated by :func:`relu_regions.regions.enumerate_regions`.
    domain:
        A bounded domain: needed for ``H`` (and to enumerate patterns).
    theorem:
        Which network to build: 2 (all patterns) or 3 (feasible ones; the default when
        patterns are known).
    epsilon:
        ``f_2(x) = f_1(x)`` whenever the L-infinity ball of this radius around ``x`` lies
        in one activation region (of the first ``L - 1`` hidden layers).
    build:
        Build the network (default: when ``domain`` is given and its dense parameter
        count is at most ``max_parameters``); otherwise only the widths are reported.
    check_points:
        Samples of the domain; those ``epsilon``-far from region boundaries are compared.

    Examples
    --------
    >>> from relu_regions import Box, random_network
    >>> net = random_network([2, 3, 3, 1], seed=0)
    >>> res = global_linear_approximation(net, domain=Box([-1, -1], [1, 1]), theorem=2)
    >>> res.theorem2, res.network.hidden_widths
    ({'n1': 30, 'n2': 8}, (30, 8))
    >>> res.max_abs_difference < 1e-9
    True
    """
    net = load_network(net)
    if not net.is_relu:
        raise UnsupportedLayerError("the approximation of Theorems 2-3 is defined for ReLU networks only")
    if net.num_hidden_layers < 1:
        raise DimensionError("the network has no hidden layer: it is already affine")
    if not epsilon > 0:
        raise DomainError(f"epsilon must be positive, got {epsilon}")
    hidden, out = _hidden(net.widths)
    n1, n2 = theorem2_widths(net.widths)
    t2 = {"n1": n1, "n2": n2}
    dom = None
    if domain is not None:
        from ..domain import parse_domain

        dom = parse_domain(domain, input_dim=net.input_dim)
    notes = []
    exact_patterns = True
    if patterns is None and dom is not None and theorem != 2:
        from ..regions import enumerate_regions

        rs = enumerate_regions(net, dom, method=count_method, time_limit=time_limit)
        patterns, exact_patterns = rs.patterns, rs.count.exact
        if not exact_patterns:
            notes.append(
                f"patterns from {rs.count.method} are incomplete ({rs.count.reason}): "
                "Theorem 3 widths are lower bounds"
            )
    t3: dict[str, Any] | None = None
    m1 = m2 = 0
    if patterns is not None:
        counts = prefix_counts(net.widths, patterns)
        m1, m2 = _widths(hidden, out, counts)
        t3 = {
            "n1": m1,
            "n2": m2,
            "patterns": int(len(np.unique(_patterns(hidden, patterns), axis=0))),
            "prefixes": counts,
        }
        t3["exact"] = exact_patterns
    which = theorem if theorem is not None else (3 if t3 is not None else 2)
    if which not in (2, 3):
        raise ReluRegionsError(f"theorem must be 2 or 3, got {theorem}")
    if which == 3 and t3 is None:
        raise ReluRegionsError(
            "Theorem 3 needs the feasible patterns: pass patterns= or a domain to count them on"
        )
    w1, w2 = (n1, n2) if which == 2 else (m1, m2)
    params = w1 * (net.input_dim + 1) + w2 * (w1 + 1) + out * (w2 + 1)
    want = build if build is not None else dom is not None and params <= max_parameters
    if not want:
        if build is None and dom is not None:
            notes.append(f"not built: {params} dense parameters exceed max_parameters={max_parameters}")
        elif dom is None:
            notes.append("not built: H needs a bounded domain")
        return LinearApproximation(t2, t3, None, float(epsilon), note="; ".join(notes))
    if dom is None:
        raise DomainError("building the approximation needs a bounded domain (H depends on it)")
    if which == 3 and not exact_patterns:
        raise ReluRegionsError("cannot build Theorem 3's network from an incomplete pattern set")
    if params > max_parameters and build:
        raise ReluRegionsError(
            f"the Theorem {which} network has {params} dense parameters (> max_parameters={max_parameters})"
        )
    prefixes = (
        _all_prefixes(hidden) if which == 2 else _feasible_prefixes(hidden, _patterns(hidden, patterns))
    )
    shallow, H, C = _build(net, dom, prefixes, float(epsilon))
    diff, n, m = _check(net, shallow, dom, len(hidden), float(epsilon), check_points, seed)
    return LinearApproximation(
        t2, t3, which, float(epsilon), H, tuple(float(c) for c in C), diff, n, m, "; ".join(notes), shallow
    )


def _all_prefixes(hidden: list[int]) -> list[list[BoolArray]]:
    out: list[list[BoolArray]] = []
    for l in range(len(hidden)):
        k = sum(hidden[:l])
        out.append([np.array(b, dtype=bool) for b in itertools.product([False, True], repeat=k)])
    return out


def _feasible_prefixes(hidden: list[int], P: BoolArray) -> list[list[BoolArray]]:
    cut = np.cumsum([0, *hidden])
    return [list(np.unique(P[:, : cut[l]], axis=0)) if l else [np.zeros(0, bool)] for l in range(len(hidden))]


def _prefix_maps(
    net: Network, hidden: list[int], prefixes: list[list[BoolArray]]
) -> list[dict[bytes, tuple]]:
    """``maps[l][key(S)] = (A, c)``: layer ``l``'s pre-activation when layers ``< l`` follow ``S``."""
    cut = np.cumsum([0, *hidden])
    maps: list[dict[bytes, tuple]] = [{np.zeros(0, bool).tobytes(): (net.weights[0], net.biases[0])}]
    for l in range(1, len(hidden)):
        layer: dict[bytes, tuple] = {}
        for S in prefixes[l]:
            A, c = maps[l - 1][S[: cut[l - 1]].tobytes()]
            s = S[cut[l - 1] : cut[l]].astype(float)
            layer[S.tobytes()] = (net.weights[l] @ (s[:, None] * A), net.weights[l] @ (s * c) + net.biases[l])
        maps.append(layer)
    return maps


def _build(
    net: Network, dom: Any, prefixes: list[list[BoolArray]], eps: float
) -> tuple[Network, float, FloatArray]:
    hidden, out = _hidden(net.widths)
    L = len(hidden)
    cut = np.cumsum([0, *hidden])
    maps = _prefix_maps(net, hidden, prefixes)
    lo_x, hi_x = dom.bounding_box()
    rows_W, rows_b = [], []
    pen_start: dict[tuple[int, bytes], int] = {}
    pos = 0
    penalty_floor = np.inf
    for l in range(L - 1):
        for S in prefixes[l]:
            A, c = maps[l][S.tobytes()]
            pen_start[(l, S.tobytes())] = pos
            rows_W += [A, -A]
            rows_b += [c, -c]
            pos += 2 * hidden[l]
            g1 = np.abs(A).sum(axis=1)
            floor = np.where(g1 > 0, eps * g1, np.abs(c))
            penalty_floor = min(penalty_floor, float(floor.min()))
    last_start: dict[bytes, int] = {}
    W_out, b_out = net.weights[L], net.biases[L]
    numer = np.full(out, -np.inf)
    for S in prefixes[L - 1]:
        A, c = maps[L - 1][S.tobytes()]
        last_start[S.tobytes()] = pos
        rows_W.append(A)
        rows_b.append(c)
        pos += hidden[L - 1]
        g_hi = c + np.maximum(A, 0) @ hi_x + np.minimum(A, 0) @ lo_x
        g_lo = c + np.maximum(A, 0) @ lo_x + np.minimum(A, 0) @ hi_x
        h_hi, h_lo = np.maximum(g_hi, 0), np.maximum(g_lo, 0)
        numer = np.maximum(numer, b_out + np.maximum(W_out, 0) @ h_hi + np.minimum(W_out, 0) @ h_lo)
    W1, b1 = np.vstack(rows_W), np.concatenate(rows_b)
    C = np.zeros(out) if net.output_relu else np.maximum(0.0, -_output_lower(net, dom))
    numer = numer + C
    if L > 1:
        if not penalty_floor > 0:
            raise ReluRegionsError(
                "a neuron is identically zero on some pattern's region: no finite H separates the patterns"
            )
        H = 1.01 * max(float(numer.max()), 0.0) / penalty_floor
    else:
        H = 0.0
    K = len(prefixes[L - 1])
    W2 = np.zeros((out * K, W1.shape[0]))
    b2 = np.zeros(out * K)
    for k, S in enumerate(prefixes[L - 1]):
        cols = np.arange(hidden[L - 1]) + last_start[S.tobytes()]
        pen_cols = []
        for l in range(L - 1):
            start = pen_start[(l, S[: cut[l]].tobytes())]
            s = S[cut[l] : cut[l + 1]]
            pen_cols.append(start + np.arange(hidden[l]) + np.where(s, hidden[l], 0))  # hbar if active
        pc = np.concatenate(pen_cols) if pen_cols else np.zeros(0, int)
        for j in range(out):
            r = j * K + k
            W2[r, cols] = W_out[j]
            W2[r, pc] = -H
            b2[r] = b_out[j] + C[j]
    W3 = np.kron(np.eye(out), np.ones((1, K)))
    shallow = Network([W1, W2, W3], [b1, b2, -C], name=f"{net.name or 'net'}-2hidden")
    return shallow, H, C


def _output_lower(net: Network, dom: Any) -> FloatArray:
    """A sound lower bound of every output over the domain (CROWN)."""
    from ..relax import crown_layer, prepare

    setup = prepare(net, dom)
    bounds: list[tuple[FloatArray, FloatArray]] = []
    for layer in range(len(net.layers)):
        bounds.append(crown_layer(setup.net_t, layer, bounds, setup.lower, setup.upper))
    return bounds[-1][0]


def _check(
    net: Network, shallow: Network, dom: Any, L: int, eps: float, n: int, seed: Seed
) -> tuple[float, int, int]:
    """Largest ``|f_2 - f_1|`` over samples whose ``eps``-ball stays in one region of layers ``< L``."""
    if n <= 0:
        return 0.0, 0, 0
    X = dom.sample(n, seed=seed)
    keep = np.ones(len(X), bool)
    for s in range(0, len(X), 256):
        Xb = X[s : s + 256]
        pats = net.activation_patterns(Xb)
        pre = net.preactivations(Xb)
        G = np.broadcast_to(net.weights[0], (len(Xb), *net.weights[0].shape))
        for l in range(L - 1):
            if l:
                G = np.einsum("ij,njk->nik", net.weights[l], pats[l - 1][:, :, None] * G)
            margin = np.abs(pre[l]) - eps * np.abs(G).sum(axis=2)
            keep[s : s + 256] &= np.all(margin > 0, axis=1)
    Xi = X[keep]
    if not len(Xi):
        return float("nan"), len(X), 0
    return float(np.abs(shallow.forward(Xi) - net.forward(Xi)).max()), len(X), int(len(Xi))
