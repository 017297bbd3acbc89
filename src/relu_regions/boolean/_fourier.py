"""Fourier-Walsh spectrum of a Boolean function: coefficients, degree, influence, entropy.

Following Sattelberg (Sec. 3.2, eqs. 3.5-3.7) with the outputs and inputs moved to
``{-1, 1}`` by ``b -> (-1)^b`` and the coefficients normalised so that Parseval gives
``sum_S f^(S)^2 = 1`` (the dissertation's eq. 3.5 omits the factor ``2^-n``; eqs. 3.6-3.7
and "influence and entropy are at most n" need it):

.. math::

    \\hat f(S) = 2^{-n} \\sum_{x} F(x) \\chi_S(x), \\quad
    I(f) = \\sum_S |S| \\hat f(S)^2, \\quad
    E(f) = \\sum_S \\hat f(S)^2 \\log_2 \\frac{1}{\\hat f(S)^2},

with ``F(x) = (-1)^{f(x)}`` and ``chi_S(x) = (-1)^{sum_{i in S} x_i}``.  The degree is the
largest ``|S|`` with ``f^(S) != 0``.  All three are NPN invariants (App. A.5).
Coefficients are exact rationals ``k / 2^n`` (computed in integers by the fast
Walsh-Hadamard transform); degree and influence are exact, entropy is a float.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np

from .._results import FrozenResult
from .._typing import IntArray
from ._truth import check_function, truth_table

__all__ = ["FourierSpectrum", "fourier_spectrum", "walsh_coefficients"]


def walsh_coefficients(table: object) -> IntArray:
    """Unnormalised Walsh coefficients ``2^n f^(S)`` (integers), indexed like the inputs.

    Entry ``s`` belongs to the subset ``S`` of the variables whose bits are set in ``s``
    (``x_1`` is the most significant bit, as for the inputs).

    Examples
    --------
    >>> walsh_coefficients([0, 1, 1, 0]).tolist()  # XOR = chi_{1,2}
    [0, 0, 0, 4]
    """
    F = 1 - 2 * np.asarray(table, dtype=np.int64)
    a = F.copy()
    h = 1
    while h < a.size:
        a = a.reshape(-1, 2, h)
        a = np.stack([a[:, 0] + a[:, 1], a[:, 0] - a[:, 1]], axis=1).reshape(-1)
        h *= 2
    return a


@dataclasses.dataclass(frozen=True)
class FourierSpectrum(FrozenResult):
    """Fourier-Walsh metrics of one function (Sattelberg eqs. 3.5-3.7), all exact but entropy.

    ``coefficients`` maps each subset with a nonzero coefficient (a tuple of 1-based
    variable indices) to ``f^(S)``; ``influences`` are the per-variable ``I_k(f)``.
    """

    code: int
    n: int
    degree: int
    total_influence: float
    influences: tuple[float, ...]
    entropy: float
    coefficients: dict[str, float]
    total_influence_exact: str


def fourier_spectrum(code: int, n: int) -> FourierSpectrum:
    """Fourier coefficients, degree, total influence and spectral entropy of ``code``.

    Examples
    --------
    >>> s = fourier_spectrum(27030, 4)  # 4-parity
    >>> s.degree, s.total_influence, s.entropy
    (4, 4.0, 0.0)
    >>> fourier_spectrum(1, 2).coefficients  # AND
    {'()': 0.5, '(1,)': 0.5, '(2,)': 0.5, '(1, 2)': -0.5}
    """
    code, n = check_function(code, n, max_inputs=16)
    table = truth_table(code, n)
    w = walsh_coefficients(table)
    m = 1 << n
    sizes = np.array([bin(s).count("1") for s in range(m)], dtype=np.int64)
    nonzero = np.flatnonzero(w)
    degree = int(sizes[nonzero].max()) if nonzero.size else 0
    sq = w.astype(object) ** 2
    influence = Fraction(int(sum(int(sizes[s]) * int(sq[s]) for s in nonzero)), m * m)
    per_var = []
    for k in range(n):
        bit = 1 << (n - 1 - k)
        per_var.append(Fraction(int(sum(int(sq[s]) for s in nonzero if s & bit)), m * m))
    p = (w[nonzero].astype(np.float64) / m) ** 2
    entropy = float(-(p * np.log2(p)).sum()) if p.size else 0.0
    coeffs = {}
    for s in sorted(nonzero.tolist(), key=lambda s: (sizes[s], -s)):
        subset = tuple(k + 1 for k in range(n) if s & (1 << (n - 1 - k)))
        coeffs[str(subset)] = float(Fraction(int(w[s]), m))
    return FourierSpectrum(
        code=code,
        n=n,
        degree=degree,
        total_influence=float(influence),
        influences=tuple(float(v) for v in per_var),
        entropy=abs(entropy),
        coefficients=coeffs,
        total_influence_exact=str(influence),
    )
