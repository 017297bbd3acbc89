"""Boolean functions as truth tables with the dissertation's integer codes; NPN classes.

Convention (Sattelberg, *Local linearity of ReLU networks*, Table 3.3: "the binary column
corresponds to the function values when the inputs are in lexicographical order, with the
decimal column corresponding to the decimal representation of the binary value"):

- the inputs ``x = (x_1, ..., x_n) in {0, 1}^n`` are listed in lexicographic order, so row
  ``i`` of :func:`input_points` is the binary expansion of ``i`` with ``x_1`` the most
  significant bit;
- the code of ``f`` is the binary number ``f(x^(0)) f(x^(1)) ... f(x^(2^n - 1))``, read
  with ``f(0...0)`` as its *most* significant bit.

So 4-parity is ``0110 1001 1001 0110`` = 27,030 and function 7,140 is
``0001 1011 1110 0100``.  Reversing the bit string (the other common convention) negates
every input and reordering the variables permutes them, both NPN operations, so the *set*
of codes of an NPN class does not depend on the convention; only which member a code
names does.

An NPN transform negates some inputs, permutes them and optionally negates the output.
The canonical form of a function is the smallest code in its class (the representatives in
Table 3.3, e.g. 27,030 and 7,140, are their classes' smallest codes).  Classes are listed
exhaustively for ``n <= 4``; :func:`count_npn_classes` counts them for any small ``n`` by
Burnside's lemma (OEIS A000370: 2, 4, 14, 222, 616,126, ...).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from fractions import Fraction

import numpy as np

from .._results import FrozenResult
from .._typing import IntArray
from ..exceptions import ReluRegionsError

__all__ = [
    "BooleanInputError",
    "NPNClasses",
    "truth_table",
    "function_code",
    "input_points",
    "parity_code",
    "input_transforms",
    "npn_canonical",
    "npn_classes",
    "count_npn_classes",
    "check_function",
]

#: Largest ``n`` whose NPN classes :func:`npn_classes` lists by exhausting all 2^(2^n) functions.
MAX_LISTED_INPUTS = 4
#: Largest ``n`` accepted anywhere (2^n truth-table rows and 2^n n! transforms stay small).
MAX_INPUTS = 12


class BooleanInputError(ReluRegionsError, ValueError):
    """A Boolean-function argument is invalid (code out of range, too many inputs)."""


def check_inputs(n: int, *, maximum: int = MAX_INPUTS) -> int:
    """Validate the number of inputs ``n`` (``1 <= n <= maximum``)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise BooleanInputError(f"the number of inputs must be an integer, got {n!r}")
    if not 1 <= int(n) <= maximum:
        raise BooleanInputError(f"the number of inputs must lie in 1..{maximum}, got {n}")
    return int(n)


def check_function(code: int, n: int, *, max_inputs: int = MAX_INPUTS) -> tuple[int, int]:
    """Validate a function code for ``n`` inputs; returns ``(code, n)`` as Python ints."""
    n = check_inputs(n, maximum=max_inputs)
    if isinstance(code, bool) or not isinstance(code, (int, np.integer)):
        raise BooleanInputError(f"a function code must be an integer, got {code!r}")
    top = 1 << (1 << n)
    if not 0 <= int(code) < top:
        raise BooleanInputError(
            f"function code {code} is out of range for {n} inputs (0 <= code < 2^{1 << n} = {top})"
        )
    return int(code), n


@functools.cache
def _points(n: int) -> IntArray:
    idx = np.arange(1 << n, dtype=np.int64)
    pts = (idx[:, None] >> np.arange(n - 1, -1, -1)) & 1
    pts.setflags(write=False)
    return pts


def input_points(n: int) -> IntArray:
    """The ``2^n`` inputs in lexicographic order, one per row (``x_1`` most significant).

    Examples
    --------
    >>> input_points(2).tolist()
    [[0, 0], [0, 1], [1, 0], [1, 1]]
    """
    return _points(check_inputs(n))


def truth_table(code: int, n: int) -> IntArray:
    """The values ``f(x^(0)), ..., f(x^(2^n-1))`` (0/1) of the function with this code.

    Examples
    --------
    >>> truth_table(27030, 4).tolist()  # 4-parity
    [0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0]
    >>> truth_table(7140, 4).tolist()
    [0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0]
    """
    code, n = check_function(code, n)
    m = 1 << n
    return np.array([(code >> (m - 1 - i)) & 1 for i in range(m)], dtype=np.int64)


def function_code(table: object) -> int:
    """The integer code of a 0/1 truth table of length ``2^n`` (inverse of :func:`truth_table`).

    Examples
    --------
    >>> function_code([0, 1, 1, 0])  # XOR
    6
    """
    t = np.asarray(table)
    m = t.size
    if t.ndim != 1 or m < 2 or m & (m - 1):
        raise BooleanInputError(f"a truth table needs 2^n >= 2 entries, got shape {t.shape}")
    if not np.all((t == 0) | (t == 1)):
        raise BooleanInputError("a truth table holds only 0 and 1")
    code = 0
    for v in t.tolist():
        code = (code << 1) | int(v)
    return code


def parity_code(n: int) -> int:
    """Code of ``n``-parity, ``f(x) = x_1 xor ... xor x_n``.

    >>> parity_code(4)
    27030
    """
    n = check_inputs(n)
    return function_code(input_points(n).sum(axis=1) % 2)


@functools.lru_cache(maxsize=8)
def _transforms(n: int) -> IntArray:
    pts = _points(n)
    weights = 1 << np.arange(n - 1, -1, -1)
    maps = []
    for perm in itertools.permutations(range(n)):
        permuted = pts[:, list(perm)]
        for signs in itertools.product((0, 1), repeat=n):
            maps.append((permuted ^ np.array(signs)) @ weights)
    out = np.array(maps, dtype=np.int64)
    out.setflags(write=False)
    return out


def input_transforms(n: int) -> IntArray:
    """The ``2^n n!`` input negations-and-permutations as index maps, one per row.

    Row ``m`` maps ``f`` to ``f o T`` with truth table ``table[m]``; row 0 is the identity.

    Examples
    --------
    >>> input_transforms(2).shape
    (8, 4)
    """
    n = check_inputs(n, maximum=7)
    return _transforms(n)


def _codes_of_tables(tables: IntArray) -> IntArray:
    m = tables.shape[-1]
    weights = np.left_shift(np.int64(1), np.arange(m - 1, -1, -1, dtype=np.int64))
    return tables @ weights  # type: ignore[no-any-return]


def npn_canonical(code: int, n: int) -> int:
    """The smallest code in the NPN class of ``code`` (the class's canonical form).

    Examples
    --------
    >>> npn_canonical(0b1001, 2), npn_canonical(27030, 4), npn_canonical(7140, 4)
    (6, 27030, 7140)
    """
    code, n = check_function(code, n, max_inputs=5)
    table = truth_table(code, n)
    codes = _codes_of_tables(table[_transforms(n)])
    full = (1 << (1 << n)) - 1
    return int(min(codes.min(), (full - codes).min()))


@functools.lru_cache(maxsize=4)
def _canonical_all(n: int) -> IntArray:
    """Canonical code of every one of the ``2^(2^n)`` functions (``n <= 4``)."""
    m = 1 << n
    codes = np.arange(1 << m, dtype=np.int64)
    tables = (codes[:, None] >> np.arange(m - 1, -1, -1)) & 1
    best = codes.copy()
    full = (1 << m) - 1
    for tmap in _transforms(n):
        c = _codes_of_tables(tables[:, tmap])
        np.minimum(best, c, out=best)
        np.minimum(best, full - c, out=best)
    best.setflags(write=False)
    return best


@dataclasses.dataclass(frozen=True)
class NPNClasses(FrozenResult):
    """The NPN classes of the Boolean functions of ``n`` inputs.

    ``representatives`` are the canonical (smallest) codes, in increasing order, and
    ``sizes`` the number of functions in each class (listed for ``n <= 4``; empty when
    only ``count`` was computed).  ``count`` is exact either way; ``method`` says how it
    was obtained (``"enumeration"`` of all functions or ``"burnside"``).
    """

    n: int
    count: int
    method: str
    representatives: tuple[int, ...] = ()
    sizes: tuple[int, ...] = ()


def npn_classes(n: int) -> NPNClasses:
    """All NPN classes of ``n``-input functions, by exhausting the ``2^(2^n)`` functions.

    Examples
    --------
    >>> [npn_classes(k).count for k in (1, 2, 3, 4)]
    [2, 4, 14, 222]
    >>> npn_classes(2).representatives
    (0, 1, 3, 6)
    """
    n = check_inputs(n)
    if n > MAX_LISTED_INPUTS:
        raise BooleanInputError(
            f"listing NPN classes exhausts all 2^(2^n) functions and stops at n = "
            f"{MAX_LISTED_INPUTS}; use count_npn_classes({n}) for the number of classes"
        )
    canon = _canonical_all(n)
    reps, sizes = np.unique(canon, return_counts=True)
    return NPNClasses(
        n=n,
        count=int(reps.size),
        method="enumeration",
        representatives=tuple(int(r) for r in reps),
        sizes=tuple(int(s) for s in sizes),
    )


def _cycle_lengths(perm: IntArray) -> list[int]:
    seen = np.zeros(perm.size, dtype=bool)
    out = []
    for start in range(perm.size):
        if seen[start]:
            continue
        length, j = 0, start
        while not seen[j]:
            seen[j] = True
            j = int(perm[j])
            length += 1
        out.append(length)
    return out


def count_npn_classes(n: int) -> int:
    """Number of NPN classes of ``n``-input functions by Burnside's lemma (exact).

    .. math::

        \\#\\text{classes} = \\frac{1}{2 \\cdot 2^n n!} \\sum_{T}
            \\bigl(2^{c(T)} + [\\text{every cycle of } T \\text{ is even}]\\, 2^{c(T)}\\bigr)

    where ``T`` runs over the input negations-permutations acting on the ``2^n`` inputs and
    ``c(T)`` is its number of cycles: ``f o T = f`` fixes ``2^c(T)`` tables, and
    ``f o T = not f`` has ``2^c(T)`` solutions when every cycle has even length, none
    otherwise.  Independent of :func:`npn_classes`, which enumerates.

    Examples
    --------
    >>> [count_npn_classes(k) for k in range(1, 6)]
    [2, 4, 14, 222, 616126]
    """
    n = check_inputs(n, maximum=6)
    total = 0
    for tmap in _transforms(n):
        cycles = _cycle_lengths(tmap)
        fixed = 1 << len(cycles)
        total += fixed
        if all(c % 2 == 0 for c in cycles):
            total += fixed
    group = 2 * len(_transforms(n))
    count = Fraction(total, group)
    if count.denominator != 1:  # pragma: no cover - Burnside always divides evenly
        raise ArithmeticError("Burnside count is not an integer")
    return int(count)
