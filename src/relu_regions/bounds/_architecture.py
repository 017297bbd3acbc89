r"""Upper bounds from the architecture alone: input dimension :math:`n_0`, widths :math:`n_1..n_L`.

All values are exact Python integers.  With :math:`N = \sum_l n_l` neurons and
:math:`d_l = \min\{n_0, n_1, \dots, n_l\}`, the chain of upper bounds is

.. math::

    \text{serra2018} \le \text{montufar2017} \le \text{raghu2017} \le \text{trivial} = 2^N,

and ``serra2018`` equals Zaslavsky's count (hence is attained) for one hidden layer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..exceptions import DimensionError
from ._numbers import binomial_prefix_sums, zaslavsky
from ._recurrence import architecture_specs, region_recurrence
from ._types import Bound, BoundConditionError, make_bound

__all__ = [
    "check_widths",
    "trivial_bound",
    "raghu2017_bound",
    "montufar2017_bound",
    "serra2018_bound",
    "serra2018_maxout_bound",
    "REFERENCES",
]

REFERENCES = {
    "trivial": "2^N: one region per activation pattern of the N neurons",
    "raghu2017": "Raghu, Poole, Kleinberg, Ganguli, Sohl-Dickstein (2017), On the Expressive Power of "
    "Deep Neural Networks, ICML, Theorem 1 (explicit form from its proof)",
    "montufar2017": "Montufar (2017), Notes on the number of linear regions of deep neural networks, "
    "SampTA; as quoted in Serra et al. (2018), Sec. 3",
    "serra2018": "Serra, Tjandraatmadja, Ramalingam (2018), Bounding and Counting Linear Regions of "
    "Deep Neural Networks, ICML, Theorem 1",
    "serra2018_maxout": "Serra, Tjandraatmadja, Ramalingam (2018), ICML, maxout bound (Theorem 2 "
    "of the poster; Sec. 4 of the paper)",
}


def check_widths(widths: Sequence[int]) -> tuple[int, ...]:
    """Validate ``(n0, n1, ..., nL)``: at least an input and one hidden layer, all positive ints.

    Examples
    --------
    >>> check_widths([2, 3, 3])
    (2, 3, 3)
    >>> check_widths([2, 0])
    Traceback (most recent call last):
    ...
    relu_regions.exceptions.DimensionError: widths must be positive integers; got 0 at position 1 of [2, 0]
    """
    try:
        ws = list(widths)
    except TypeError:
        raise DimensionError(f"widths must be a sequence of integers, got {widths!r}") from None
    if len(ws) < 2:
        raise DimensionError(
            f"widths need the input dimension and at least one hidden width, got {ws}"
        )
    for i, w in enumerate(ws):
        if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1:
            raise DimensionError(
                f"widths must be positive integers; got {w!r} at position {i} of {ws}"
            )
    return tuple(int(w) for w in ws)


def trivial_bound(widths: Sequence[int]) -> Bound:
    r"""The trivial bound :math:`2^N`, :math:`N = n_1 + \dots + n_L`: one region per pattern.

    Examples
    --------
    >>> trivial_bound([2, 3, 4]).value
    128
    """
    ws = check_widths(widths)
    return make_bound("trivial", 2 ** sum(ws[1:]), kind="upper", reference=REFERENCES["trivial"],
                      formula="2^(n_1 + ... + n_L)")


def raghu2017_bound(widths: Sequence[int]) -> Bound:
    r"""Raghu et al. (2017): every layer cuts the input space like an arrangement in :math:`\mathbb{R}^{n_0}`.

    .. math:: \prod_{l=1}^{L} \sum_{j=0}^{n_0} \binom{n_l}{j}

    Raghu et al. state Theorem 1 as :math:`O(n^{n_0 L})` for width ``n``; the product is
    the bound its proof establishes (each layer's hyperplanes, restricted to a region of the
    previous layers, form an arrangement in the :math:`n_0`-dimensional input space).

    Examples
    --------
    >>> raghu2017_bound([2, 3, 3]).value      # 7 * 7
    49
    """
    ws = check_widths(widths)
    n0 = ws[0]
    value = 1
    for n in ws[1:]:
        value *= zaslavsky(n, n0)
    return make_bound("raghu2017", value, kind="upper", reference=REFERENCES["raghu2017"],
                      formula="prod_l sum_{j<=n_0} C(n_l, j)")


def montufar2017_bound(widths: Sequence[int]) -> Bound:
    r"""Montúfar (2017): the image of every region after layer ``l`` has dimension at most :math:`d_l`.

    .. math:: \prod_{l=1}^{L} \sum_{j=0}^{d_l} \binom{n_l}{j}, \qquad d_l = \min\{n_0, n_1, \dots, n_l\}

    Examples
    --------
    >>> montufar2017_bound([2, 1, 3]).value   # d_1 = d_2 = 1: (1 + 1) * (1 + 3)
    8
    """
    ws = check_widths(widths)
    value = 1
    d = ws[0]
    for n in ws[1:]:
        d = min(d, n)
        value *= zaslavsky(n, d)
    return make_bound("montufar2017", value, kind="upper", reference=REFERENCES["montufar2017"],
                      formula="prod_l sum_{j<=d_l} C(n_l, j), d_l = min(n_0..n_l)")


def serra2018_bound(widths: Sequence[int]) -> Bound:
    r"""Serra et al. (2018), Theorem 1; exact (attained) for one hidden layer.

    .. math::

        \sum_{(j_1,\dots,j_L) \in \mathcal{J}} \prod_{l=1}^{L} \binom{n_l}{j_l},\quad
        \mathcal{J} = \{ j \in \mathbb{Z}^L : 0 \le j_l \le \min\{n_0, n_1 - j_1, \dots,
        n_{l-1} - j_{l-1}, n_l\}\ \forall l \}

    evaluated by the equivalent recurrence of Cai et al. (2023), eq. (2) (see
    :mod:`relu_regions.bounds._recurrence`) in ``O(sum_l (n_l + n_0))`` big-integer steps.

    Examples
    --------
    >>> serra2018_bound([2, 3]).value          # Zaslavsky: 1 + 3 + 3
    7
    >>> serra2018_bound([1, 2, 2]).value       # 1-D input: (n_1 + 1)(n_2 + 1)
    9
    """
    ws = check_widths(widths)
    value = region_recurrence(ws[0], architecture_specs(ws))
    return make_bound("serra2018", value, kind="upper", reference=REFERENCES["serra2018"],
                      formula="sum_{j in J} prod_l C(n_l, j_l), "
                      "J: j_l <= min(n_0, n_1 - j_1, ..., n_{l-1} - j_{l-1}, n_l)")


def serra2018_maxout_bound(widths: Sequence[int], rank: int = 2) -> Bound:
    r"""Serra et al. (2018) bound for maxout networks of rank ``k`` (``k`` affine pieces per unit).

    .. math::

        \prod_{l=1}^{L} \sum_{j=0}^{d_l} \binom{\tfrac{k(k-1)}{2} n_l}{j},
        \qquad d_l = \min\{n_0, n_1, \dots, n_l\}

    A rank-``k`` maxout unit is cut by the :math:`k(k-1)/2` hyperplanes where two of its
    pieces are equal.  (The poster's text renders the binomial's upper argument garbled;
    the paper's statement has :math:`k(k-1) n_l / 2`, which for ``k = 2`` reduces to
    ``montufar2017`` -- a ReLU is a rank-2 maxout unit with one piece fixed at zero, so
    ``rank=2`` is a valid bound for the ReLU network of the same widths.)

    Examples
    --------
    >>> serra2018_maxout_bound([2, 3], rank=3).value   # 9 hyperplanes in the plane
    46
    """
    ws = check_widths(widths)
    if isinstance(rank, bool) or not isinstance(rank, (int, np.integer)) or rank < 2:
        raise BoundConditionError(f"the maxout rank must be an integer >= 2, got {rank!r}")
    k = int(rank)
    pairs = k * (k - 1) // 2
    value = 1
    d = ws[0]
    for n in ws[1:]:
        d = min(d, n)
        value *= binomial_prefix_sums(pairs * n, min(d, pairs * n))[-1]
    return make_bound("serra2018_maxout", value, kind="upper",
                      reference=REFERENCES["serra2018_maxout"],
                      formula="prod_l sum_{j<=d_l} C(k(k-1)/2 n_l, j), d_l = min(n_0..n_l)",
                      details={"maxout_rank": k})
