""":func:`random_network`: random (leaky-)ReLU and maxout networks with He or PyTorch-default weights."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._typing import Seed
from ..exceptions import DimensionError, UnknownChoiceError
from ._network import Network

__all__ = ["random_network"]


def random_network(
    widths: Sequence[int],
    *,
    seed: Seed = 0,
    init: str = "he",
    bias_std: float | None = None,
    negative_slope: float = 0.0,
    output_relu: bool = False,
    maxout_rank: int | Sequence[int] = 1,
) -> Network:
    """A random network with layer widths ``(n0, n1, ..., nL, n_out)``.

    ``init="he"`` draws weights from ``N(0, 2/fan_in)`` (He et al. 2015); biases from
    ``N(0, bias_std^2)`` with ``bias_std`` defaulting to ``sqrt(2/fan_in)`` as well, so
    that hyperplanes do not all pass through the origin.  ``init="uniform"`` uses
    PyTorch's default ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` for both.

    ``maxout_rank``: ``k`` for every hidden layer or one per hidden layer; a hidden layer
    with ``k >= 2`` is a rank-``k`` maxout layer whose ``k`` pieces are drawn independently
    from the same distribution, ``k = 1`` keeps the (leaky-)ReLU layer (and, when every
    rank is 1, the very same random draws as without the option).

    Examples
    --------
    >>> random_network([2, 4, 3, 1], maxout_rank=[3, 1]).maxout_ranks
    (3, 1)
    """
    widths = [int(w) for w in widths]
    if len(widths) < 2 or min(widths) < 1:
        raise DimensionError(f"widths must be at least two positive integers, got {widths}")
    n_hidden = len(widths) - 2
    if isinstance(maxout_rank, (int, np.integer)):
        ranks = [int(maxout_rank)] * n_hidden
    else:
        ranks = [int(k) for k in maxout_rank]
        if len(ranks) != n_hidden:
            raise DimensionError(f"got {len(ranks)} maxout ranks for {n_hidden} hidden layers")
    if any(k < 1 for k in ranks):
        raise DimensionError(f"maxout ranks must be positive integers, got {ranks}")
    ranks.append(1)  # the output layer
    rng = np.random.default_rng(seed)
    Ws, bs = [], []
    for fan_in, fan_out, k in zip(widths[:-1], widths[1:], ranks, strict=True):
        wshape: tuple[int, ...] = (fan_out, fan_in) if k == 1 else (k, fan_out, fan_in)
        bshape: tuple[int, ...] = (fan_out,) if k == 1 else (k, fan_out)
        if init == "he":
            std = np.sqrt(2.0 / fan_in)
            Ws.append(rng.normal(0.0, std, size=wshape))
            bs.append(rng.normal(0.0, std if bias_std is None else bias_std, size=bshape))
        elif init == "uniform":
            u = 1.0 / np.sqrt(fan_in)
            Ws.append(rng.uniform(-u, u, size=wshape))
            bs.append(rng.uniform(-u, u, size=bshape))
        else:
            raise UnknownChoiceError(f"unknown init {init!r}; choose one of: he, uniform")
    return Network(Ws, bs, negative_slope=negative_slope, output_relu=output_relu)
