r"""Hanin & Rolnick (2019): expected numbers of activation regions of random ReLU networks.

Hanin & Rolnick, *Deep ReLU Networks Have Surprisingly Few Activation Patterns*, NeurIPS
2019.  With :math:`N` neurons and input dimension :math:`n_{in}`:

* Theorem 5: for weights/biases satisfying its conditions 1-4 there are constants
  :math:`\delta_0, T > 0` (depending on :math:`C_{grad}, C_{bias}`) such that for every cube
  :math:`\mathcal{C}` of side :math:`\delta > \delta_0`

  .. math::

      \frac{\mathbb{E}[\#\text{regions in } \mathcal{C}]}{\mathrm{vol}(\mathcal{C})} \le
      \begin{cases} (T N)^{n_{in}} / n_{in}! & N \ge n_{in} \\ 2^N & N \le n_{in} \end{cases}

  ``T`` is not computable from the architecture, so the user supplies it.
* Remark 1 (a heuristic, confirmed by their experiments): the average number of
  activation regions over all of :math:`\mathbb{R}^{n_{in}}` is at most
  :math:`N^{n_{in}} / n_{in}!` -- the depth-1 value of eq. (4).  We use the same case split
  as Theorem 5 (:math:`2^N` when :math:`N < n_{in}`), where eq. (4) reads :math:`2^N` too.

Both are ``kind="expected"``; values are exact rationals converted to floats (``None``
beyond the float range) with an exact ``log10``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from ._architecture import check_widths
from ._types import Bound, BoundConditionError, make_bound

__all__ = ["hanin_rolnick2019_bound", "hanin_rolnick2019_theorem5_bound", "REFERENCES"]

REFERENCES = {
    "hanin_rolnick2019": "Hanin & Rolnick (2019), Deep ReLU Networks Have Surprisingly Few Activation "
    "Patterns, NeurIPS, Remark 1",
    "hanin_rolnick2019_theorem5": "Hanin & Rolnick (2019), Deep ReLU Networks Have Surprisingly Few "
    "Activation Patterns, NeurIPS, Theorem 5 (user-supplied constant T)",
}


def _density(N: int, n_in: int, T: Fraction) -> Fraction:
    if N >= n_in:
        return (T * N) ** n_in / math.factorial(n_in)
    return Fraction(2**N)


def hanin_rolnick2019_bound(widths: Sequence[int]) -> Bound:
    r"""Remark 1 of Hanin & Rolnick (2019): :math:`N^{n_{in}} / n_{in}!` expected regions.

    Examples
    --------
    >>> b = hanin_rolnick2019_bound([2, 32, 32, 32])   # 96^2 / 2 = 4608 (their Fig. 5)
    >>> b.value, b.kind
    (4608.0, 'expected')
    """
    ws = check_widths(widths)
    N, n_in = sum(ws[1:]), ws[0]
    value = _density(N, n_in, Fraction(1))
    details: dict[str, Any] = {"neurons": N, "input_dim": n_in}
    if value > 2**N:
        details["note"] = (
            "exceeds the trivial bound 2^N: the heuristic approximates sum_i C(N, i) by N^n/n!, "
            "which assumes many more neurons than input dimensions"
        )
    return make_bound("hanin_rolnick2019", value, kind="expected", reference=REFERENCES["hanin_rolnick2019"],
                      formula="N^n_in / n_in!  (2^N if N < n_in)", details=details)


def hanin_rolnick2019_theorem5_bound(
    widths: Sequence[int], constant: float, *, volume: float = 1.0
) -> Bound:
    r"""Theorem 5 of Hanin & Rolnick (2019) for a cube of volume ``volume`` and constant ``T``.

    .. math:: \mathrm{vol}(\mathcal{C}) \cdot (T N)^{n_{in}} / n_{in}!
              \quad (\mathrm{vol}(\mathcal{C}) \cdot 2^N \text{ if } N < n_{in})

    Examples
    --------
    >>> hanin_rolnick2019_theorem5_bound([2, 3, 3], 2.0).value   # (2 * 6)^2 / 2
    72.0
    """
    ws = check_widths(widths)
    for what, v in (("constant T", constant), ("volume", volume)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (0 < v < math.inf):
            raise BoundConditionError(
                f"hanin_rolnick2019_theorem5 needs a positive finite {what}, got {v!r}"
            )
    N, n_in = sum(ws[1:]), ws[0]
    value = Fraction(volume) * _density(N, n_in, Fraction(constant))
    return make_bound("hanin_rolnick2019_theorem5", value, kind="expected",
                      reference=REFERENCES["hanin_rolnick2019_theorem5"],
                      formula="vol * (T N)^n_in / n_in!  (vol * 2^N if N < n_in)",
                      details={"neurons": N, "input_dim": n_in, "T": float(constant),
                               "volume": float(volume)})
