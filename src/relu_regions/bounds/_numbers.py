"""Exact integer and log-space arithmetic shared by the bounds.

Integer bounds are exact Python integers however large; ``log10_int`` reads their
order of magnitude from the bit length (no decimal conversion, which Python limits to
4300 digits by default).  Expected bounds are computed with natural logarithms of
non-negative quantities, combined only by ``logaddexp`` (never by subtraction), so no
cancellation can occur.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from scipy.special import gammaln

from .._typing import FloatArray
from ..exceptions import DimensionError

__all__ = [
    "zaslavsky",
    "log10_int",
    "log10_number",
    "binomial_row",
    "binomial_prefix_sums",
    "log_binomial_row",
    "LN10",
    "format_magnitude",
]

LN10 = math.log(10.0)
_LOG10_2 = math.log10(2.0)


def zaslavsky(n: int, d: int) -> int:
    r"""Maximal number of regions of ``n`` hyperplanes in ``R^d`` (Zaslavsky 1975).

    .. math:: r(n, d) = \sum_{i=0}^{d} \binom{n}{i}

    attained exactly by hyperplanes in general position; ``2^n`` when ``n <= d``.
    Zaslavsky, *Facing up to arrangements*, Mem. AMS 154 (1975); quoted as the base of
    every bound in Serra et al. (2018) and Hanin & Rolnick (2019), eq. (4).

    Examples
    --------
    >>> zaslavsky(3, 2)     # three lines in general position cut the plane into 7
    7
    >>> zaslavsky(4, 10) == 2**4
    True
    """
    n, d = _nonneg(n, "n"), _nonneg(d, "d")
    return binomial_prefix_sums(n, min(n, d))[-1]


def _nonneg(v: int, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
        raise DimensionError(f"{what} must be a non-negative integer, got {v!r}")
    return int(v)


def binomial_row(n: int, jmax: int) -> list[int]:
    """``[C(n, 0), ..., C(n, jmax)]`` exactly (zeros beyond ``n``), by the ratio recurrence."""
    row = [1]
    c = 1
    for j in range(jmax):
        c = c * (n - j) // (j + 1)
        row.append(c)
    return row


def binomial_prefix_sums(n: int, jmax: int) -> list[int]:
    """``B[t] = sum_{j<=t} C(n, j)`` for ``t = 0..jmax``, exact integers."""
    out = []
    s = 0
    for c in binomial_row(n, jmax):
        s += c
        out.append(s)
    return out


def log_binomial_row(n: int, jmax: int) -> FloatArray:
    """Natural logs of ``C(n, j)`` for ``j = 0..jmax`` (``-inf`` for ``j > n``)."""
    j = np.arange(jmax + 1, dtype=np.float64)
    out = np.full(jmax + 1, -np.inf)
    ok = j <= n
    out[ok] = gammaln(n + 1.0) - gammaln(j[ok] + 1.0) - gammaln(n - j[ok] + 1.0)
    out[0] = 0.0
    if jmax >= n:
        out[n] = 0.0
    return out


def log10_int(v: int) -> float:
    """``log10(v)`` of a positive Python integer of any size, to double precision.

    Examples
    --------
    >>> log10_int(10**5000)
    5000.0
    """
    if v <= 0:
        raise ValueError("log10_int needs a positive integer")
    shift = max(v.bit_length() - 64, 0)
    return math.log10(v >> shift) + shift * _LOG10_2


def log10_number(v: int | Fraction | float) -> float:
    """``log10`` of a positive int, Fraction or float (``-inf`` for zero)."""
    if v == 0:
        return -math.inf
    if isinstance(v, Fraction):
        return log10_int(v.numerator) - log10_int(v.denominator)
    if isinstance(v, int):
        return log10_int(v)
    return math.log10(v)


def as_float(v: int | Fraction | float) -> float | None:
    """``float(v)`` or ``None`` when it is outside the float range."""
    try:
        f = float(v)
    except OverflowError:
        return None
    return f if math.isfinite(f) else None


def format_magnitude(value: int | float | None, log10: float) -> str:
    """Exact integers up to 24 digits, small floats as is, otherwise ``m.mmmme+EEE`` from ``log10``.

    Examples
    --------
    >>> format_magnitude(40, math.log10(40)), format_magnitude(None, 345.51930)
    ('40', '3.3060e+345')
    """
    if isinstance(value, int) and log10 < 24:
        return str(value)
    if isinstance(value, float) and value < 1e12:
        return f"{value:.6g}"
    if not math.isfinite(log10):
        return str(value)
    e = math.floor(log10)
    return f"{10 ** (log10 - e):.4f}e+{e}"
