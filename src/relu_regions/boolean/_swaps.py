"""The swaps value of a Boolean function (Sattelberg, Sec. 3.3.1, eq. 3.10).

Project the inputs ``{0, 1}^n`` onto a line with ``x -> w^T x``, allowing ties only between
points of the same class (the set ``W`` of eq. 3.8), and count the class changes along the
line; ``swaps(f)`` is the smallest count over ``W``:

.. math::

    \\operatorname{swaps}(f) = \\min_{w \\in W} \\sum_{i=1}^{2^n - 1}
        \\frac{|f(x_{i+1}) - f(x_i)|}{2}.

The count only depends on the *ordering* that ``w`` induces, and a ``w`` with ties among
same-class points can be perturbed into a tie-free one with the same count, so the minimum
runs over the chambers of the central arrangement of the hyperplanes ``{w : d^T w = 0}``,
``d in {-1, 0, 1}^n`` (the pairwise differences of inputs).  Two methods:

``"enumeration"`` (the dissertation's algorithm)
    Restrict ``w`` to ``0 <= w_1 <= ... <= w_n`` (every input negation-permutation of ``f``
    is tried instead) and build ``w`` coordinate by coordinate through the ``2i - 2`` cases
    of Sec. 3.3.1 (``w_i = w_{i-1}``, ``w_{i-1} < w_i < w_{i-1} + w_1``, ``w_i = w_{i-1} +
    sum_{j<=k} w_j``, the open gaps between those, and ``w_i`` above them all), one exact
    rational ``w`` per case: ``2^n (n-1)!`` directions, each tried on all ``2^n n!``
    transforms of ``f``.  The case split decides how ``w_i`` compares with ``w_{i-1}`` plus
    the smallest weights, not every comparison between subset sums, so for ``n >= 4`` it
    visits only some of the orderings; it is the reference the faster method is checked
    against, and the two agree on every function of ``n <= 4`` inputs
    (``tests/boolean/test_swaps.py``).

``"arrangement"`` (ours)
    Enumerate once per ``n`` the chambers of the arrangement inside the open cone
    ``0 < w_1 < ... < w_n`` (incremental splitting with one LP per chamber and hyperplane,
    kept in a cache: 1, 1, 2, 14, 516 chambers for ``n = 1..5``, OEIS A009997), compose
    them with the ``2^n n!`` input transforms into every tie-free ordering of the cube (e.g.
    5,376 for ``n = 4``), and take the minimum of the class changes over all of them in one
    vectorised pass.  Exact: every chamber of the full arrangement is the image of a cone
    chamber under exactly one transform.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from .._registry import Registry
from .._results import FrozenResult
from .._typing import FloatArray, IntArray
from ._truth import (
    BooleanInputError,
    _points,
    _transforms,
    check_function,
    npn_classes,
    truth_table,
)

__all__ = [
    "Swaps",
    "SWAPS_METHODS",
    "swaps",
    "max_swaps",
    "cone_chambers",
    "paper_directions",
    "changes_along",
    "swaps_of_classes",
    "swaps_values",
]

#: Largest ``n`` for which the swaps value is computed (``n = 5``: 516 cone chambers,
#: about 2 million orderings of 32 points, built once in about 35 s).
MAX_SWAPS_INPUTS = 5

#: An LP margin below this counts as "no chamber on that side" (data are in {-1, 0, 1}
#: and ``w`` is boxed in [0, 1]^n, so real chambers of n <= 5 have margins >= 1e-3).
CHAMBER_TOL = 1e-7


@dataclasses.dataclass(frozen=True)
class Swaps(FrozenResult):
    """The swaps value of one function and a direction attaining it.

    ``direction`` is a ``w`` (in the original input coordinates, inputs in ``{0, 1}^n``)
    whose ordering attains ``swaps``; ``order`` lists the input indices along the line and
    ``classes`` their values; ``orderings`` counts the orderings examined.
    """

    code: int
    n: int
    swaps: int
    method: str
    direction: tuple[float, ...]
    order: tuple[int, ...]
    classes: tuple[int, ...]
    orderings: int
    seconds: float


def changes_along(table: IntArray, orders: IntArray) -> IntArray:
    """Class changes of ``table`` along each ordering (row) of ``orders``."""
    seq = table[orders]
    return np.abs(np.diff(seq, axis=-1)).sum(axis=-1)  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------- arrangement
def _difference_vectors(n: int) -> IntArray:
    """``d in {-1, 0, 1}^n``, one per line through the origin (first nonzero entry +1)."""
    out = []
    for k in range(3**n):
        d = [(k // 3**i) % 3 - 1 for i in range(n)]
        nz = [v for v in d if v]
        if nz and nz[0] > 0:
            out.append(d)
    return np.array(out, dtype=np.int64)


def _margin_lp(n: int, rows: list[IntArray]) -> tuple[float, FloatArray]:
    """max t s.t. rows @ w >= t, cone rows, 0 <= w <= 1; returns (t, w)."""
    from scipy.optimize import linprog

    cone = [np.eye(n, dtype=np.int64)[0]]
    cone += [np.eye(n, dtype=np.int64)[i + 1] - np.eye(n, dtype=np.int64)[i] for i in range(n - 1)]
    G = np.array([*cone, *rows], dtype=np.float64)
    # variables (w, t): -G w + t <= 0
    A = np.hstack([-G, np.ones((G.shape[0], 1))])
    c = np.zeros(n + 1)
    c[-1] = -1.0
    res = linprog(c, A_ub=A, b_ub=np.zeros(G.shape[0]), bounds=[(0, 1)] * n + [(None, 1)],
                  method="highs")
    if res.status != 0:  # pragma: no cover - the LP is always feasible and bounded
        raise RuntimeError(f"chamber LP failed: {res.message}")
    return float(-res.fun), np.asarray(res.x[:n], dtype=np.float64)


@functools.lru_cache(maxsize=8)
def cone_chambers(n: int) -> tuple[tuple[tuple[int, ...], tuple[float, ...]], ...]:
    """The chambers of the difference arrangement inside ``0 < w_1 < ... < w_n``.

    Returns ``(order, w)`` per chamber: the tie-free ordering of the ``2^n`` inputs and a
    point ``w`` inside the chamber (the LP's maximum-margin point).  Built by splitting
    chambers hyperplane by hyperplane: a hyperplane splits a chamber when the LP finds a
    positive margin on the side opposite the chamber's known interior point.  Hyperplanes
    whose sign is constant on the cone (all suffix sums of ``d`` of one sign) are skipped.

    Examples
    --------
    >>> [len(cone_chambers(k)) for k in (1, 2, 3, 4)]
    [1, 1, 2, 14]
    """
    if not 1 <= n <= MAX_SWAPS_INPUTS:
        raise BooleanInputError(f"swaps are computed for 1..{MAX_SWAPS_INPUTS} inputs, got {n}")
    chambers: list[tuple[list[IntArray], FloatArray]] = [([], np.arange(1, n + 1) / n)]
    for d in _difference_vectors(n):
        # The cone is generated by the suffix indicators e_k + ... + e_n, so d.w has one sign
        # on the whole cone iff all suffix sums of d have that sign: such d split nothing.
        suffix = np.cumsum(d[::-1])
        if np.all(suffix >= 0) or np.all(suffix <= 0):
            continue
        new: list[tuple[list[IntArray], FloatArray]] = []
        for rows, w in chambers:
            side = float(d @ w)
            if abs(side) > CHAMBER_TOL:
                s = 1 if side > 0 else -1
                t, w2 = _margin_lp(n, [*rows, -s * d])
                new.append(([*rows, s * d], w))
                if t > CHAMBER_TOL:
                    new.append(([*rows, -s * d], w2))
            else:
                for s in (1, -1):
                    t, w2 = _margin_lp(n, [*rows, s * d])
                    if t > CHAMBER_TOL:
                        new.append(([*rows, s * d], w2))
        chambers = new
    pts = _points(n)
    out = []
    for _, w in chambers:
        vals = pts @ w
        order = np.argsort(vals, kind="stable")
        if np.min(np.diff(vals[order])) <= CHAMBER_TOL:  # pragma: no cover - interior points
            raise RuntimeError("a chamber point has tied projections")
        out.append((tuple(int(i) for i in order), tuple(float(v) for v in w)))
    return tuple(sorted(out))


@functools.lru_cache(maxsize=4)
def _all_orderings(n: int) -> tuple[Any, IntArray, IntArray]:
    """Every tie-free ordering of the cube: (orders, transform index, chamber index)."""
    ch = cone_chambers(n)
    orders = np.array([o for o, _ in ch], dtype=np.int64)
    T = _transforms(n)
    full = T[:, orders]  # (transforms, chambers, 2^n): original indices along the line
    ti, ci = np.meshgrid(np.arange(len(T)), np.arange(len(ch)), indexing="ij")
    dtype = np.int8 if n <= 6 else np.int16
    out = full.reshape(-1, 1 << n).astype(dtype)
    out.setflags(write=False)
    return out, ti.ravel().astype(np.int64), ci.ravel().astype(np.int64)


def _direction(n: int, tmap: IntArray, w: FloatArray) -> FloatArray:
    """``u`` with ``u^T y = w^T x + c`` for original point ``y = tmap[x]`` (an affine fit)."""
    pts = _points(n).astype(np.float64)
    vals = np.empty(1 << n)
    vals[tmap] = pts @ w
    A = np.hstack([pts, np.ones((1 << n, 1))])
    sol = np.linalg.lstsq(A, vals, rcond=None)[0]
    return np.asarray(sol[:n], dtype=np.float64)


def swaps_values(tables: Any, n: int, *, chunk: int = 32) -> IntArray:
    """Exact swaps values of many truth tables at once (rows of ``tables``), vectorised.

    The arrangement method without directions: ``min`` over all tie-free orderings of the
    class changes, ``chunk`` functions per pass (memory ``chunk x orderings x 2^n`` bytes).

    Examples
    --------
    >>> swaps_values([[0, 1, 1, 0], [0, 0, 0, 1]], 2).tolist()
    [2, 1]
    """
    T = np.atleast_2d(np.asarray(tables)).astype(np.int8)
    if T.shape[1] != 1 << n:
        raise BooleanInputError(f"truth tables of {n} inputs have {1 << n} entries, got {T.shape[1]}")
    orders = np.asarray(_all_orderings(n)[0]).astype(np.intp)
    out = np.empty(len(T), dtype=np.int64)
    for k in range(0, len(T), chunk):
        seq = T[k:k + chunk][:, orders]  # (chunk, orderings, 2^n)
        out[k:k + chunk] = (seq[..., 1:] != seq[..., :-1]).sum(axis=-1).min(axis=1)
    return out


def _swaps_arrangement(table: IntArray, n: int) -> tuple[int, FloatArray, int]:
    orders, ti, ci = _all_orderings(n)
    counts = changes_along(table, orders)
    best = int(np.argmin(counts))
    w = np.array(cone_chambers(n)[ci[best]][1])
    return int(counts[best]), _direction(n, _transforms(n)[ti[best]], w), len(orders)


# ----------------------------------------------------------------------------- enumeration
@functools.lru_cache(maxsize=8)
def paper_directions(n: int) -> tuple[tuple[int, ...], ...]:
    """The directions of the case split of Sec. 3.3.1, one exact point per case.

    ``w_1`` is 0 or 1; given ``w_1..w_{i-1}``, with ``P_k = w_{i-1} + sum_{j<=k} w_j``,
    ``w_i`` is ``P_0`` (= ``w_{i-1}``), each ``P_k`` (``k = 1..i-2``), the midpoint of each
    nonempty gap ``(P_{k-1}, P_k)``, or ``P_{i-2} + 1``.  Scaled to integers, duplicates
    removed (the gaps collapse when ``w_1 = 0``).

    Examples
    --------
    >>> paper_directions(2)
    ((0, 0), (0, 1), (1, 1), (1, 2))
    """
    if not 1 <= n <= MAX_SWAPS_INPUTS + 1:
        raise BooleanInputError(f"swaps are computed for 1..{MAX_SWAPS_INPUTS} inputs, got {n}")
    ws: list[list[Fraction]] = [[Fraction(0)], [Fraction(1)]]
    for i in range(2, n + 1):
        nxt: list[list[Fraction]] = []
        for w in ws:
            P = [w[-1] + sum(w[:k], Fraction(0)) for k in range(0, i - 1)]
            cands = set(P)
            cands.update((a + b) / 2 for a, b in zip(P[:-1], P[1:], strict=True) if a < b)
            cands.add(P[-1] + 1)
            nxt.extend([*w, c] for c in cands)
        ws = nxt
    out = set()
    for w in ws:
        den = 1
        for v in w:
            den = den * v.denominator // np.gcd(den, v.denominator)
        out.add(tuple(int(v * den) for v in w))
    return tuple(sorted(out))


def _swaps_enumeration(table: IntArray, n: int) -> tuple[int, FloatArray, int]:
    pts = _points(n)
    T = _transforms(n)
    tables = table[T]  # (transforms, 2^n): f o T
    best = (1 << n) + 1
    best_dir: FloatArray = np.zeros(n)
    tried = 0
    for w in paper_directions(n):
        vals = pts @ np.array(w, dtype=np.int64)
        order = np.argsort(vals, kind="stable")
        ties = np.diff(vals[order]) == 0
        seq = tables[:, order]
        jumps = np.abs(np.diff(seq, axis=1))
        valid = ~np.any(jumps[:, ties], axis=1)
        tried += int(valid.sum())
        if not valid.any():
            continue
        counts = np.where(valid, jumps.sum(axis=1), best + 1)
        k = int(np.argmin(counts))
        if counts[k] < best:
            best = int(counts[k])
            best_dir = _direction(n, T[k], np.array(w, dtype=np.float64))
    return best, best_dir, tried


#: name -> fn(table, n) -> (swaps, direction, orderings examined)
SWAPS_METHODS: Registry[Callable[[IntArray, int], tuple[int, FloatArray, int]]] = Registry(
    "swaps method"
)
SWAPS_METHODS.add("arrangement", _swaps_arrangement,
                  help="all chambers of the difference arrangement (ours; fast, exact)")
SWAPS_METHODS.add("enumeration", _swaps_enumeration,
                  help="the case split of Sattelberg Sec. 3.3.1 on every input transform")


def swaps(code: int, n: int, *, method: str = "arrangement") -> Swaps:
    """The swaps value (eq. 3.10) of the function with this code, and a direction attaining it.

    Examples
    --------
    >>> swaps(27030, 4).swaps  # 4-parity
    4
    >>> swaps(7140, 4).swaps, swaps(1785, 4).swaps  # Fig. 3.2
    (5, 5)
    >>> swaps(6, 2, method="enumeration").swaps  # XOR
    2
    """
    fn = SWAPS_METHODS[method]
    code, n = check_function(code, n, max_inputs=MAX_SWAPS_INPUTS)
    t0 = time.perf_counter()
    table = truth_table(code, n)
    value, direction, tried = fn(table, n)
    vals = _points(n) @ direction
    order = np.argsort(vals, kind="stable")
    seq = table[order]
    # the direction must attain the value (ties only among equal classes)
    tied = np.isclose(np.diff(vals[order]), 0.0, atol=1e-9)
    if np.any(np.diff(seq)[tied] != 0) or int(np.abs(np.diff(seq)).sum()) != value:
        raise RuntimeError("internal error: the swaps direction does not attain the value")
    return Swaps(
        code=code,
        n=n,
        swaps=value,
        method=method,
        direction=tuple(float(v) for v in direction),
        order=tuple(int(i) for i in order),
        classes=tuple(int(c) for c in seq),
        orderings=tried,
        seconds=time.perf_counter() - t0,
    )


def max_swaps(n: int, *, method: str = "arrangement") -> tuple[int, tuple[int, ...]]:
    """The largest swaps value over all functions of ``n <= 4`` inputs (Table 3.1).

    Runs over one representative per NPN class (swaps is an NPN invariant, Thm. 3.3.1).
    Returns the maximum and the canonical codes of the classes attaining it.

    Examples
    --------
    >>> [max_swaps(k)[0] for k in (1, 2, 3, 4)]
    [1, 2, 3, 5]
    """
    values = list(swaps_of_classes(n, method=method).values())
    classes = npn_classes(n)
    top = max(values)
    return top, tuple(c for c, v in zip(classes.representatives, values, strict=True) if v == top)


def swaps_of_classes(n: int, *, method: str = "arrangement") -> dict[int, int]:
    """Swaps value of every NPN class representative of ``n <= 4`` inputs."""
    classes = npn_classes(n)
    fn = SWAPS_METHODS[method]
    if method == "arrangement":
        tables = np.array([truth_table(c, n) for c in classes.representatives])
        vals = swaps_values(tables, n)
        return {c: int(v) for c, v in zip(classes.representatives, vals, strict=True)}
    return {c: fn(truth_table(c, n), n)[0] for c in classes.representatives}
