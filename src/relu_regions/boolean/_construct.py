"""The width-s construction of Theorem 3.3.2 (Sattelberg, Sec. 3.3.2 and Appendix A.2).

A function with swaps value ``s`` has a direction ``w`` along which its inputs fall into
``s + 1`` alternating runs of one class.  Lemma A.2.1 interpolates ``k`` points on a line
with ``k - 1`` leaky-ReLU nodes whose kinks sit at the first ``k - 1`` points:

.. math::

    v(t) = d + \\sum_{i=1}^{k-1} a_i \\max(\\alpha (t - t_i), t - t_i), \\qquad
    M a = \\Bigl(\\frac{f(t_{j+1}) - f(t_j)}{t_{j+1} - t_j}\\Bigr)_j, \\quad
    M_{ji} = \\begin{cases} 1 & i \\le j \\\\ \\alpha & i > j \\end{cases}
    \\quad (A.8, A.13, A.14),

and the proof of Theorem 3.3.2 picks the targets ``f(t_i)`` (A.17-A.20) so that the
interpolant crosses zero exactly halfway across each gap between runs.  We take the nodes
``t_1 < ... < t_{s+1}`` at the run centres as the proof does, except the first node, which
we put at the *left end* of the first run: left of ``t_1`` the interpolant has slope
``alpha * sum(a)``, which for ``alpha > 0`` may cross zero inside the first run when
``t_1`` is its centre; at its left end no data point lies on that ray.  The resulting
one-hidden-layer network has ``s`` neurons (one for a constant function), takes the inputs
in ``{0, 1}^n`` (or ``{-1, 1}^n``) and is positive exactly where ``f = 1``; the result
records the check on all ``2^n`` inputs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from .._registry import Registry
from .._results import FrozenResult
from .._typing import FloatArray, IntArray
from ..network import Network
from ._swaps import MAX_SWAPS_INPUTS, swaps
from ._truth import BooleanInputError, _points, check_function, truth_table

__all__ = [
    "SwapsNetwork",
    "ParityNetwork",
    "ENCODINGS",
    "interpolation_network",
    "swaps_network",
    "parity_network",
]


def _encoding_01(n: int) -> tuple[FloatArray, FloatArray]:
    return np.eye(n), np.zeros(n)


def _encoding_pm1(n: int) -> tuple[FloatArray, FloatArray]:
    # x01 = (x + 1) / 2 for x in {-1, 1}^n with -1 <-> 0
    return np.eye(n) / 2.0, np.full(n, 0.5)


#: input encoding -> (A, c) with x_{01} = A x + c
ENCODINGS: Registry[Callable[[int], tuple[FloatArray, FloatArray]]] = Registry("input encoding")
ENCODINGS.add("01", _encoding_01, help="inputs in {0, 1}^n (the dissertation's Sec. 3.3.1)")
ENCODINGS.add("pm1", _encoding_pm1, help="inputs in {-1, 1}^n, -1 for false (Sec. 3.2, 3.4)")


def interpolation_network(
    t: FloatArray, targets: FloatArray, *, negative_slope: float
) -> tuple[FloatArray, FloatArray, float]:
    """Lemma A.2.1: ``(a, kinks, d)`` with ``d + sum_i a_i lrelu(t - kinks_i)`` through the points.

    Examples
    --------
    >>> a, kinks, d = interpolation_network(np.array([0., 1., 3.]), np.array([1., -1., 2.]),
    ...                                     negative_slope=0.1)
    >>> lrelu = lambda z: np.maximum(z, 0.1 * z)
    >>> [round(float(d + a @ lrelu(x - kinks)), 9) for x in (0., 1., 3.)]
    [1.0, -1.0, 2.0]
    """
    t = np.asarray(t, dtype=np.float64)
    y = np.asarray(targets, dtype=np.float64)
    k = t.size
    if k < 2 or np.any(np.diff(t) <= 0):
        raise BooleanInputError("interpolation needs at least two increasing points")
    alpha = float(negative_slope)
    slopes = np.diff(y) / np.diff(t)
    M = np.where(np.arange(k - 1)[:, None] >= np.arange(k - 1)[None, :], 1.0, alpha)
    a = np.asarray(np.linalg.solve(M, slopes), dtype=np.float64)
    kinks = t[:-1]
    lrelu = np.maximum(t[0] - kinks, alpha * (t[0] - kinks))
    d = float(y[0] - a @ lrelu)
    return a, kinks, d


@dataclasses.dataclass(frozen=True)
class SwapsNetwork(FrozenResult):
    """A one-hidden-layer (leaky) ReLU network of width ``max(swaps, 1)`` classifying ``code``.

    ``verified`` is the check on all ``2^n`` inputs (output > 0 exactly where ``f = 1``);
    ``margin`` the smallest ``|output|`` over them.
    """

    network: Network = dataclasses.field(metadata={"json": False})
    code: int
    n: int
    swaps: int
    width: int
    negative_slope: float
    encoding: str
    direction: tuple[float, ...]
    verified: bool
    margin: float
    weights: dict[str, list[list[float]] | list[float]]


def _minimal_line_network(
    lo: FloatArray, hi: FloatArray, run_cls: IntArray, alpha: float
) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    """``s - 1`` leaky nodes with ``s`` sign changes along the line (``s >= 3``, ``alpha > 0``).

    Returns ``(orientation, kinks, c, d)`` for ``v(t) = d + sum_i c_i lrelu(o_i (t - t_i))``.
    A node's output weight ``c_i`` changes the slope by ``(1 - alpha) c_i`` at its kink
    whichever way it faces; the left ray has slope ``alpha C_+ - C_-`` (sums of ``c`` over
    the right- and left-facing nodes).  With the first and last kinks at the outer ends of
    runs 1 and ``s - 1``, the two rays only need slopes steep enough to cross zero inside the
    outer gaps, which leaves room for that relation: all nodes face right when ``k = s - 1``
    is even, the first faces left when ``k`` is odd.
    """
    s = len(lo) - 1
    k = s - 1
    t = np.array([lo[1]] + [(lo[j] + hi[j]) / 2.0 for j in range(2, k)] + [hi[k]])
    v = np.empty(k)
    v[0] = 1.0 if run_cls[1] == 1 else -1.0
    for j in range(1, k):  # zero crossing at the middle of gap j + 1
        c_mid = (hi[j] + lo[j + 1]) / 2.0
        v[j] = -v[j - 1] * (t[j] - c_mid) / (c_mid - t[j - 1])
    m = np.empty(k + 1)
    m[1:k] = np.diff(v) / np.diff(t)
    low0 = abs(v[0]) / (t[0] - hi[0])
    lowk = abs(v[-1]) / (lo[s] - t[-1])
    orient = np.ones(k)
    if k % 2 == 0:
        m0 = max(2.0 * low0, 2.0 * alpha * lowk)
        mk = m0 / alpha
    else:
        orient[0] = -1.0
        m0 = max(2.0 * low0, 2.0 * lowk)
        mk = (1.0 + alpha) * abs(m[1]) / alpha + m0
    m[0] = np.sign(v[0]) * m0
    m[k] = -np.sign(v[-1]) * mk
    c = np.diff(m) / (1.0 - alpha)
    pre = orient * (t[0] - t)
    d = float(v[0] - c @ np.maximum(pre, alpha * pre))
    return orient, t, c, d


def swaps_network(
    code: int, n: int, *, negative_slope: float = 0.1, encoding: str = "01",
    minimal: bool = False,
) -> SwapsNetwork:
    """Build the width-``swaps(f)`` network of Theorem 3.3.2 for ``code`` and verify it.

    With ``minimal=True`` and a leak ``alpha > 0``, a function with swaps ``s >= 3`` gets
    width ``s - 1`` instead (the count of Sec. 3.3.2's text: one more sign change than
    nodes, see :func:`_minimal_line_network`); ReLU and ``s <= 2`` keep width ``s``.

    Examples
    --------
    >>> res = swaps_network(27030, 4)  # 4-parity: width 4
    >>> res.width, res.verified
    (4, True)
    >>> swaps_network(7140, 4, negative_slope=0.0, encoding="pm1").width
    5
    >>> swaps_network(7140, 4, minimal=True).width, swaps_network(7140, 4, minimal=True).verified
    (4, True)
    """
    code, n = check_function(code, n, max_inputs=MAX_SWAPS_INPUTS)
    if not 0.0 <= negative_slope < 1.0:
        raise BooleanInputError(f"negative_slope must lie in [0, 1), got {negative_slope}")
    A_enc, c_enc = ENCODINGS[encoding](n)
    table = truth_table(code, n)
    sw = swaps(code, n)
    u = np.array(sw.direction)
    pts = _points(n).astype(np.float64)
    proj = pts @ u
    order = np.array(sw.order)
    vals, cls = proj[order], table[order]
    # runs of equal class along the line: [start, end] projections
    breaks = np.flatnonzero(np.diff(cls)) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks - 1, [len(order) - 1]])
    lo, hi = vals[starts], vals[ends]
    run_cls = cls[starts]
    if len(starts) == 1:  # constant function: one neuron, zero output weight
        W1, b1 = u[None, :], np.zeros(1)
        W2, b2 = np.zeros((1, 1)), np.array([1.0 if run_cls[0] else -1.0])
    elif minimal and negative_slope > 0 and len(starts) >= 4:
        orient, kinks, cw, d = _minimal_line_network(lo, hi, run_cls, float(negative_slope))
        W1 = orient[:, None] * u[None, :]
        b1 = -orient * kinks
        W2, b2 = cw[None, :], np.array([d])
    else:
        centres = (lo + hi) / 2.0
        centres[0] = lo[0]
        sign = np.where(run_cls == 1, 1.0, -1.0)
        y = np.empty(len(starts))
        y[0] = sign[0]
        for i in range(1, len(starts)):  # A.17-A.20: zero crossing at the middle of each gap
            gap = (hi[i - 1] + lo[i]) / 2.0
            m = -y[i - 1] / (gap - centres[i - 1])
            y[i] = y[i - 1] + m * (centres[i] - centres[i - 1])
        a, kinks, d = interpolation_network(centres, y, negative_slope=negative_slope)
        W1 = np.repeat(u[None, :], len(kinks), axis=0)
        b1 = -kinks
        W2, b2 = a[None, :], np.array([d])
    # fold the input encoding into the first layer: u^T (A x + c)
    W1e = W1 @ A_enc
    b1e = b1 + W1 @ c_enc
    net = Network([W1e, W2], [b1e, b2], negative_slope=negative_slope,
                  name=f"swaps-{n}-{code}")
    A_inv_pts = (pts - c_enc) @ np.linalg.inv(A_enc).T
    out = net.forward(A_inv_pts).ravel()
    verified = bool(np.all((out > 0) == (table == 1)))
    return SwapsNetwork(
        network=net,
        code=code,
        n=n,
        swaps=sw.swaps,
        width=int(W1.shape[0]),
        negative_slope=float(negative_slope),
        encoding=encoding,
        direction=sw.direction,
        verified=verified,
        margin=float(np.min(np.abs(out))),
        weights={"W1": W1e.tolist(), "b1": b1e.tolist(), "W2": W2.tolist(), "b2": b2.tolist()},
    )


@dataclasses.dataclass(frozen=True)
class ParityNetwork(FrozenResult):
    """The width-``w``, depth-``l`` network of Theorems 3.3.3-3.3.4 for ``n``-parity.

    ``verified`` is the check on all ``2^n`` inputs; ``sign_changes`` is ``w^l``, the number
    of alternating regions the construction makes on ``[0, 1]``.
    """

    network: Network = dataclasses.field(metadata={"json": False})
    n: int
    width: int
    depth: int
    sign_changes: int
    negative_slope: float
    encoding: str
    verified: bool
    margin: float


def parity_network(
    n: int, *, width: int = 2, depth: int | None = None, negative_slope: float = 0.1,
    encoding: str = "01",
) -> ParityNetwork:
    """Theorems 3.3.3-3.3.4: a depth-``l`` width-``w`` net solving ``n``-parity when ``n <= w^l``.

    Each hidden layer is Lemma A.2.1's interpolant through ``(i/w, i mod 2)``, ``i = 0..w``:
    a zigzag of ``w`` pieces mapping ``[0, 1]`` onto itself.  Composing ``l`` of them gives
    ``w^l`` pieces with value ``k mod 2`` at ``t = k / w^l``; the input is ``t = (sum_i x_i)
    / w^l`` (the number of ones, scaled) and the output ``zigzag(t) - 1/2``.  ``depth``
    defaults to the smallest ``l`` with ``w^l >= n``.

    Examples
    --------
    >>> res = parity_network(10, width=4)      # 4^2 = 16 >= 10
    >>> res.depth, res.network.hidden_widths, res.verified
    (2, (4, 4), True)
    """
    n = check_function(0, n, max_inputs=16)[1]
    if width < 2:
        raise BooleanInputError(f"the construction needs width >= 2, got {width}")
    if depth is None:
        depth = 1
        while width**depth < n:
            depth += 1
    if depth < 1 or width**depth < n:
        raise BooleanInputError(
            f"width {width} and depth {depth} make {width ** max(depth, 0)} regions, fewer than "
            f"the n + 1 = {n + 1} needed for {n}-parity (Theorem 3.3.4 needs n <= w^l)")
    if not 0.0 <= negative_slope < 1.0:
        raise BooleanInputError(f"negative_slope must lie in [0, 1), got {negative_slope}")
    A_enc, c_enc = ENCODINGS[encoding](n)
    knots = np.arange(width + 1) / width
    a, kinks, d = interpolation_network(knots, (np.arange(width + 1) % 2).astype(float),
                                        negative_slope=negative_slope)
    scale = float(width**depth)
    u = np.full(n, 1.0 / scale)
    weights = [np.outer(np.ones(width), u @ A_enc)]
    biases = [np.full(width, float(u @ c_enc)) - kinks]
    for _ in range(depth - 1):
        weights.append(np.outer(np.ones(width), a))
        biases.append(np.full(width, d) - kinks)
    weights.append(a[None, :])
    biases.append(np.array([d - 0.5]))
    net = Network(weights, biases, negative_slope=negative_slope, name=f"parity-{n}-{width}x{depth}")
    pts = _points(n).astype(np.float64)
    x = (pts - c_enc) @ np.linalg.inv(A_enc).T
    out = net.forward(x).ravel()
    target = pts.sum(axis=1) % 2 == 1
    return ParityNetwork(
        network=net, n=n, width=width, depth=depth, sign_changes=width**depth,
        negative_slope=float(negative_slope), encoding=encoding,
        verified=bool(np.all((out > 0) == target)), margin=float(np.min(np.abs(out))),
    )
