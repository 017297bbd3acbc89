r"""Lower bounds on the *maximal* number of regions of a ReLU architecture.

Both are constructive: some choice of weights attains at least this many regions.  They
say nothing about the count of a particular (e.g. trained) network.  Each holds only under
a width condition, checked here; a failed condition raises
:class:`~relu_regions.bounds.BoundConditionError` naming the offending layer.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._architecture import check_widths
from ._numbers import zaslavsky
from ._types import Bound, BoundConditionError, make_bound

__all__ = ["montufar2014_lower_bound", "serra2018_lower_bound", "REFERENCES"]

REFERENCES = {
    "montufar2014_lower": "Montufar, Pascanu, Cho, Bengio (2014), On the Number of Linear Regions of "
    "Deep Neural Networks, NeurIPS, Theorem 4 (lower bound, n_l >= n_0)",
    "serra2018_lower": "Serra, Tjandraatmadja, Ramalingam (2018), Bounding and Counting Linear Regions "
    "of Deep Neural Networks, ICML, lower bound (Sec. 3, n_l >= 3 n_0)",
}


def _check_condition(ws: tuple[int, ...], factor: int, name: str) -> None:
    n0 = ws[0]
    for l, n in enumerate(ws[1:], start=1):
        if n < factor * n0:
            need = f"{factor} * n_0 = {factor * n0}" if factor > 1 else f"n_0 = {n0}"
            raise BoundConditionError(
                f"{name} needs every hidden width n_l >= {need}, but layer {l} has width {n}"
            )


def montufar2014_lower_bound(widths: Sequence[int]) -> Bound:
    r"""Montúfar et al. (2014): regions some network of this architecture attains, if :math:`n_l \ge n_0`.

    .. math::

        \Bigl(\prod_{l=1}^{L-1} \Bigl\lfloor \frac{n_l}{n_0} \Bigr\rfloor^{n_0}\Bigr)
        \sum_{j=0}^{n_0} \binom{n_L}{j}

    Each of the first ``L - 1`` layers folds every input coordinate
    :math:`\lfloor n_l/n_0 \rfloor` times; the last layer adds a generic arrangement of
    :math:`n_L` hyperplanes in :math:`\mathbb{R}^{n_0}`.

    Examples
    --------
    >>> montufar2014_lower_bound([2, 4, 4]).value   # 2^2 * (1 + 4 + 6)
    44
    """
    ws = check_widths(widths)
    _check_condition(ws, 1, "montufar2014_lower")
    n0 = ws[0]
    value = zaslavsky(ws[-1], n0)
    for n in ws[1:-1]:
        value *= (n // n0) ** n0
    return make_bound("montufar2014_lower", value, kind="lower",
                      reference=REFERENCES["montufar2014_lower"],
                      formula="prod_{l<L} floor(n_l/n_0)^n_0 * sum_{j<=n_0} C(n_L, j)")


def serra2018_lower_bound(widths: Sequence[int]) -> Bound:
    r"""Serra et al. (2018): a tighter construction, valid when :math:`n_l \ge 3 n_0` for all ``l``.

    .. math::

        \Bigl(\prod_{l=1}^{L-1} \Bigl(\Bigl\lfloor \frac{n_l}{n_0} \Bigr\rfloor + 1\Bigr)^{n_0}\Bigr)
        \sum_{j=0}^{n_0} \binom{n_L}{j}

    The 1-D building block uses :math:`n` units to make :math:`n + 1` pieces on an interval
    instead of :math:`n` (Montúfar et al.'s folding); for :math:`n_0 = 1` the bound equals
    the upper bound of Theorem 1, :math:`\prod_l (n_l + 1)`: both are exact.

    Examples
    --------
    >>> serra2018_lower_bound([1, 3, 3]).value   # (3 + 1) * (1 + 3)
    16
    """
    ws = check_widths(widths)
    _check_condition(ws, 3, "serra2018_lower")
    n0 = ws[0]
    value = zaslavsky(ws[-1], n0)
    for n in ws[1:-1]:
        value *= (n // n0 + 1) ** n0
    return make_bound("serra2018_lower", value, kind="lower",
                      reference=REFERENCES["serra2018_lower"],
                      formula="prod_{l<L} (floor(n_l/n_0) + 1)^n_0 * sum_{j<=n_0} C(n_L, j)")
