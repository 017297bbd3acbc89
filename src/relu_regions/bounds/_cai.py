r"""Cai et al. (2023), Theorem 1: the expected upper bound for randomly pruned networks.

Cai, Nguyen, Shrestha, Good, Tu, Yu, Zhe, Serra, *Getting Away with More Network Pruning:
From Sparsity to Geometry and Linear Regions*, CPAIOR 2023, Theorem 1.  With layer
densities :math:`p_l` and :math:`P(k \mid R, C, S)` the rank distribution of a pruned
``R x C`` matrix (:mod:`relu_regions.bounds._rank`), the expected maximum number of
regions from layer ``l`` on, given input dimension ``d``, is at most

.. math::

    R(L, d) &= \sum_{k=0}^{n_L} P(k \mid n_L, n_{L-1}, p_L) \sum_{j=0}^{\min\{k, d\}} \binom{n_L}{j} \\
    R(l, d) &= \sum_{k=0}^{n_l} P(k \mid n_l, n_{l-1}, p_l) \sum_{j=0}^{\min\{k, d\}}
               \binom{n_l}{j}\, R(l + 1, \min\{n_l - j, d, k\})

and the bound is :math:`R(1, n_0)`.  With all densities 1 the rank is :math:`\min\{n_l,
n_{l-1}\}` (sampled) or :math:`n_l` (binomial) almost surely, and since ``d <= n_{l-1}``
the bound reduces to the refined recurrence, eq. (2) -- Serra et al.'s Theorem 1.

Evaluation
----------
Write :math:`e = \min\{k, d\}`; then the inner sum depends on ``k`` and ``d`` only through
``e``: :math:`U(e) = \sum_{j=0}^{e} \binom{n_l}{j} R(l+1, \min\{n_l - j, e\})`, and
:math:`R(l, d) = \sum_k P(k)\, U(\min\{k, d\}) = \sum_{k<d} P(k) U(k) + P(k \ge d)\, U(d)`.
Splitting ``U`` at ``j = n_l - e``,

.. math::

    U(e) = R(l+1, e) \sum_{j=0}^{\min\{e, n_l - e\}} \binom{n_l}{j}
         + \sum_{j=n_l-e+1}^{e} \binom{n_l}{j} R(l+1, n_l - j),

where the last range grows by its two end points as ``e`` grows, so it is a cumulative
sum.  Everything is a sum of non-negative terms, evaluated in natural-log space with
``logaddexp`` (never a subtraction), in ``O(n_l + n_{l-1})`` vectorised operations per
layer: the AlexNet-sized case (1024-4096-4096) takes milliseconds, where the paper
reports 20 minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._budget import Budget
from .._typing import FloatArray, Seed
from ..exceptions import DimensionError
from ._architecture import check_widths
from ._numbers import LN10, log_binomial_row
from ._rank import RankDistribution, check_density, rank_distribution
from ._types import Bound, make_bound

__all__ = ["cai2023_bound", "layer_densities", "REFERENCE", "log_expected_regions"]

REFERENCE = (
    "Cai, Nguyen, Shrestha, Good, Tu, Yu, Zhe, Serra (2023), Getting Away with More Network "
    "Pruning: From Sparsity to Geometry and Linear Regions, CPAIOR, Theorem 1"
)


def layer_densities(density: float | Sequence[float], n_layers: int) -> tuple[float, ...]:
    """One density for every layer, or one per layer (validated to lie in ``(0, 1]``)."""
    if isinstance(density, (int, float, np.floating)) and not isinstance(density, bool):
        return (check_density(density),) * n_layers
    try:
        ps = list(density)  # type: ignore[arg-type]
    except TypeError:
        raise DimensionError(f"density must be a number or a list of numbers, got {density!r}") from None
    if len(ps) != n_layers:
        raise DimensionError(
            f"got {len(ps)} densities for {n_layers} hidden layers; give one density or one per layer"
        )
    return tuple(check_density(p, f"density of layer {i + 1}") for i, p in enumerate(ps))


def _log_U(n: int, K: int, logR_next: FloatArray) -> FloatArray:
    """``log U(e)`` for ``e = 0..K`` (``K <= n``); ``logR_next`` covers arguments ``0..K``."""
    logC = log_binomial_row(n, K)
    e = np.arange(K + 1)
    # head: R(l+1, e) * B[min(e, n - e)]
    logB = np.logaddexp.accumulate(logC)
    head = logR_next[e] + logB[np.minimum(e, n - e)]
    # tail: sum over j in [n - e + 1, e] of C(n, j) R(l+1, n - j); the range gains its two
    # end points a = n - e + 1 and b = e at step e (one of them when a == b).
    a, b = n - e + 1, e
    valid = a <= b
    ja = np.clip(a, 0, K)
    jb = np.clip(b, 0, K)
    ta = np.where(valid, logC[ja] + logR_next[np.clip(n - ja, 0, K)], -np.inf)
    tb = np.where(valid & (a != b), logC[jb] + logR_next[np.clip(n - jb, 0, K)], -np.inf)
    tail = np.logaddexp.accumulate(np.logaddexp(ta, tb))
    return np.logaddexp(head, tail)


def log_expected_regions(widths: Sequence[int], distributions: Sequence[RankDistribution]) -> float:
    """Natural log of the bound of Theorem 1 for given per-layer rank distributions."""
    ws = check_widths(widths)
    L = len(ws) - 1
    if len(distributions) != L:
        raise DimensionError(f"need {L} rank distributions, got {len(distributions)}")
    for l, (dist, rows, cols) in enumerate(zip(distributions, ws[1:], ws[:-1], strict=True), 1):
        if (dist.rows, dist.cols) != (rows, cols):
            raise DimensionError(
                f"rank distribution {l} is for {dist.rows}x{dist.cols} matrices, layer {l} is {rows}x{cols}"
            )
    dims = [ws[0]]
    for n in ws[1:-1]:
        dims.append(min(dims[-1], n))
    logR = np.zeros(min(dims[-1], ws[-1]) + 1)  # R(L + 1, .) = 1
    for n, D, dist in zip(reversed(ws[1:]), reversed(dims), reversed(distributions), strict=True):
        K = min(n, D)
        logU = _log_U(n, K, logR[: K + 1])
        logP = dist.log_pmf
        d = np.arange(D + 1)
        # prefix[d] = log sum_{k<d} P(k) U(k)   (k <= K because k < d <= D and k <= n)
        terms = logP[: K + 1] + logU
        pre = np.concatenate([[-np.inf], np.logaddexp.accumulate(terms)])
        prefix = pre[np.minimum(d, K + 1)]
        # tail[d] = log P(k >= d), zero probability when d > n
        tails = np.logaddexp.accumulate(logP[::-1])[::-1]
        tail = np.where(d <= n, tails[np.minimum(d, n)], -np.inf)
        logR = np.logaddexp(prefix, tail + logU[np.minimum(d, K)])
    return float(logR[ws[0]])


def cai2023_bound(
    widths: Sequence[int],
    density: float | Sequence[float] = 1.0,
    *,
    rank_estimator: str = "binomial",
    seed: Seed = 0,
    rank_method: str = "structural",
    budget: Budget | None = None,
    distributions: Sequence[RankDistribution] | None = None,
) -> Bound:
    r"""Expected upper bound of Cai et al. (2023), Theorem 1, for layer densities :math:`p_l`.

    Parameters
    ----------
    widths:
        ``(n0, n1, ..., nL)``.
    density:
        One density for all layers or one per hidden layer, each in ``(0, 1]``.
    rank_estimator:
        ``"binomial"`` (the paper's analytical approximation) or ``"sampled"`` (the paper's
        sampling procedure, with ``seed``); see :func:`rank_distribution`.
    distributions:
        Precomputed rank distributions (one per layer), overriding the estimator.

    Examples
    --------
    >>> b = cai2023_bound([2, 3, 3], 1.0)
    >>> round(b.value, 9), b.kind                 # equals serra2018 at density 1
    (40.0, 'expected')
    >>> cai2023_bound([2, 3, 3], 0.5).value < 40
    True
    """
    ws = check_widths(widths)
    L = len(ws) - 1
    if distributions is None:
        ps = layer_densities(density, L)
        distributions = [
            rank_distribution(rows, cols, p, estimator=rank_estimator, seed=seed,
                              rank_method=rank_method, budget=budget)
            for rows, cols, p in zip(ws[1:], ws[:-1], ps, strict=True)
        ]
    else:
        ps = tuple(d.density for d in distributions)
    log_value = log_expected_regions(ws, distributions)
    log10 = log_value / LN10
    value = float(np.exp(log_value)) if log_value < 709.0 else float("inf")
    details: dict[str, Any] = {
        "densities": list(ps),
        "rank_estimator": distributions[0].estimator if distributions else rank_estimator,
        "rank_distributions": [
            {"rows": d.rows, "cols": d.cols, "mean_rank": d.mean, "support": list(d.support),
             "samples": d.samples, "complete": d.complete}
            for d in distributions
        ],
    }
    if not all(d.complete for d in distributions):
        details["partial"] = "rank sampling was stopped early; fewer matrices than the paper's rule"
    return make_bound("cai2023", value, kind="expected", reference=REFERENCE, log10=log10,
                      formula="sum_k P(k|n_l, n_{l-1}, p_l) sum_{j<=min(k,d)} C(n_l, j) "
                      "R(l+1, min(n_l - j, d, k))",
                      details=details)
