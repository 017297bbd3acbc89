r"""Rank distributions of randomly pruned weight matrices, :math:`P(k \mid R, C, S)`.

Cai et al. (2023), *Getting Away with More Network Pruning: From Sparsity to Geometry and
Linear Regions*, CPAIOR, Sec. 6 "Upper Bound Calculation", give two estimators of the
probability that an ``R x C`` matrix whose entries survive pruning independently with
probability ``S`` (the density) has rank ``k``:

``sampled``
    Their sampling procedure: draw matrices with i.i.d. :math:`\mathcal{N}(0, 1)` entries,
    prune each entry with probability ``1 - S``, and record the ranks; start with 50
    matrices, then keep drawing until at least :math:`(\max_r - \min_r + 1) \cdot 50` have
    been drawn (:math:`\min_r, \max_r` the smallest and largest rank seen so far); the
    probabilities are the observed frequencies.  Deterministic for a given ``seed``.

    ``rank_method="structural"`` (default) computes each rank as the *structural rank* of
    the sparsity pattern (a maximum bipartite matching, Hopcroft-Karp): for i.i.d.
    continuous non-zero entries the rank equals the structural rank with probability one
    (the determinant of a matched square submatrix is a non-zero polynomial in the
    entries), so this samples the same distribution without floating-point rank
    decisions, about 80x faster than an SVD for ``400 x 784``.  ``rank_method="numerical"``
    draws the Gaussian values and uses batched SVD ranks (``numpy.linalg.matrix_rank``),
    literally as in the paper.  At density 1 both are the point mass at
    :math:`\min\{R, C\}` (a Gaussian matrix has full rank almost surely), returned without
    sampling.

``binomial``
    Their analytical approximation: over-estimate the rank by the number of non-zero rows,
    :math:`k \sim \mathrm{Binomial}(R, 1 - (1 - S)^C)`, evaluated in log-space
    (:math:`\log(1 - q) = C \log(1 - S)`) so no probability underflows.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from typing import Any

import numpy as np
from scipy.special import gammaln

from .._budget import Budget
from .._registry import Registry
from .._results import FrozenResult
from .._typing import FloatArray, Seed
from ..exceptions import DimensionError, UnknownChoiceError
from ._types import BoundConditionError

__all__ = ["RankDistribution", "rank_distribution", "RANK_ESTIMATORS", "check_density"]

#: Matrices drawn first, and per distinct rank in the observed range (Cai et al. 2023, Sec. 6).
INITIAL_SAMPLES = 50
SAMPLES_PER_RANK = 50
_BATCH_BYTES = 1 << 26
_SPARSE_DENSITY = 0.1  # below this, masks are drawn as sparse position lists


def check_density(p: Any, what: str = "density") -> float:
    """A density must be a number in ``(0, 1]``."""
    try:
        f = float(p)
    except (TypeError, ValueError):
        raise BoundConditionError(f"{what} must be a number in (0, 1], got {p!r}") from None
    if isinstance(p, bool) or not 0.0 < f <= 1.0:
        raise BoundConditionError(f"{what} must lie in (0, 1], got {p!r}")
    return f


@dataclasses.dataclass(frozen=True, eq=False)
class RankDistribution(FrozenResult):
    """:math:`P(k \\mid R, C, S)` for ``k = 0..rows``, stored as natural-log probabilities.

    ``samples`` is the number of matrices drawn (0 for ``binomial`` or a point mass);
    ``complete`` is False when a time limit stopped the sampling early (then fewer matrices
    than the paper's rule asks for were drawn).
    """

    rows: int
    cols: int
    density: float
    estimator: str
    log_pmf: FloatArray = dataclasses.field(metadata={"json": False}, repr=False)
    samples: int = 0
    complete: bool = True
    seconds: float = 0.0
    rank_method: str = ""

    @property
    def pmf(self) -> FloatArray:
        return np.exp(self.log_pmf)

    @property
    def support(self) -> tuple[int, int]:
        """Smallest and largest rank with probability above 1e-300 (in linear space)."""
        k = np.flatnonzero(self.log_pmf > -690.0)
        return int(k[0]), int(k[-1])

    @property
    def mean(self) -> float:
        return float(np.sum(self.pmf * np.arange(self.rows + 1)))

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        lo, hi = self.support
        d["mean_rank"] = self.mean
        d["support"] = [lo, hi]
        d["probabilities"] = {str(k): float(np.exp(self.log_pmf[k])) for k in range(lo, hi + 1)
                              if self.log_pmf[k] > -690.0} if hi - lo <= 64 else None
        return d


def _point_mass(rows: int, k: int) -> FloatArray:
    out = np.full(rows + 1, -np.inf)
    out[k] = 0.0
    return out


def _binomial(rows: int, cols: int, density: float, **_: Any) -> tuple[FloatArray, int, bool, str]:
    log1mq = cols * np.log1p(-density) if density < 1.0 else -np.inf  # log (1-p)^C
    logq = np.log(-np.expm1(log1mq)) if density < 1.0 else 0.0
    k = np.arange(rows + 1, dtype=np.float64)
    logc = gammaln(rows + 1.0) - gammaln(k + 1.0) - gammaln(rows - k + 1.0)
    with np.errstate(invalid="ignore"):
        fail = np.where(k == rows, 0.0, (rows - k) * log1mq)
        succ = np.where(k == 0, 0.0, k * logq)
    return logc + succ + fail, 0, True, ""


def _matrix_ranks(masks: np.ndarray, values: np.ndarray | None, method: str) -> np.ndarray:
    """Ranks of a batch of masked matrices ``(B, R, C)``."""
    if method == "numerical":
        if values is None:
            raise ValueError("numerical ranks need the matrix values")
        return np.asarray(np.linalg.matrix_rank(values * masks), dtype=np.int64).reshape(-1)
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import structural_rank

    return np.array([structural_rank(csr_matrix(m)) for m in masks], dtype=np.int64)


def _structural_ranks(rows: int, cols: int, density: float, b: int, rng: np.random.Generator) -> list[int]:
    """Structural ranks of ``b`` random masks with i.i.d. Bernoulli(``density``) entries.

    Sparse masks are drawn as ``nnz ~ Binomial(rows * cols, density)`` positions chosen
    uniformly without replacement (the same distribution, without a dense array).
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import structural_rank

    out = []
    for _ in range(b):
        if density <= _SPARSE_DENSITY:
            nnz = int(rng.binomial(rows * cols, density))
            idx = rng.choice(rows * cols, size=nnz, replace=False)
            m = csr_matrix((np.ones(nnz, dtype=np.int8), (idx // cols, idx % cols)), shape=(rows, cols))
        else:
            m = csr_matrix(rng.random((rows, cols)) < density)
        out.append(int(structural_rank(m)))
    return out


def _sampled(
    rows: int,
    cols: int,
    density: float,
    *,
    seed: Seed = 0,
    budget: Budget | None = None,
    rank_method: str = "structural",
    **_: Any,
) -> tuple[FloatArray, int, bool, str]:
    if rank_method not in ("structural", "numerical"):
        raise UnknownChoiceError(
            f"unknown rank method {rank_method!r}; choose one of: structural, numerical"
        )
    if density == 1.0:
        return _point_mass(rows, min(rows, cols)), 0, True, rank_method
    rng = np.random.default_rng(seed)
    cap = max(1, _BATCH_BYTES // (rows * cols * 9)) if rank_method == "numerical" else 64
    counts: Counter[int] = Counter()
    drawn, target = 0, INITIAL_SAMPLES
    complete = True
    while drawn < target:
        if budget is not None and budget.stop and drawn > 0:
            complete = False
            break
        b = min(cap, target - drawn)
        if rank_method == "numerical":
            masks = rng.random((b, rows, cols)) < density
            values = rng.standard_normal((b, rows, cols))
            counts.update(int(r) for r in _matrix_ranks(masks, values, rank_method))
        else:
            counts.update(_structural_ranks(rows, cols, density, b, rng))
        drawn += b
        lo, hi = min(counts), max(counts)
        target = max(INITIAL_SAMPLES, (hi - lo + 1) * SAMPLES_PER_RANK)
    log_pmf = np.full(rows + 1, -np.inf)
    for k, c in counts.items():
        log_pmf[k] = np.log(c / drawn)
    return log_pmf, drawn, complete, rank_method


#: name -> estimator ``f(rows, cols, density, *, seed, budget, rank_method)``.
RANK_ESTIMATORS: Registry[Any] = Registry("rank estimator")
RANK_ESTIMATORS.add("sampled", _sampled, help="the paper's sampling procedure (fixed seed)")
RANK_ESTIMATORS.add("binomial", _binomial, help="Binomial(rows, 1 - (1 - p)^cols) approximation")


def rank_distribution(
    rows: int,
    cols: int,
    density: float,
    *,
    estimator: str = "binomial",
    seed: Seed = 0,
    rank_method: str = "structural",
    time_limit: float | None = None,
    budget: Budget | None = None,
) -> RankDistribution:
    """The distribution of the rank of a randomly pruned ``rows x cols`` Gaussian matrix.

    Parameters
    ----------
    rows, cols:
        Shape of the weight matrix (``n_l x n_{l-1}``).
    density:
        Probability that an entry survives pruning, in ``(0, 1]``.
    estimator:
        ``"sampled"`` or ``"binomial"`` (see the module docstring).
    seed:
        Seed of the sampling estimator.
    rank_method:
        ``"structural"`` or ``"numerical"`` ranks for the sampling estimator.
    time_limit, budget:
        Stop sampling early (the result is then marked ``complete=False``).

    Examples
    --------
    >>> d = rank_distribution(4, 4, 1.0, estimator="binomial")
    >>> d.support, round(d.mean, 6)
    ((4, 4), 4.0)
    >>> d = rank_distribution(20, 20, 0.1, estimator="sampled", seed=0)
    >>> d.samples >= 50 and bool(abs(d.pmf.sum() - 1) < 1e-12)
    True
    """
    for what, v in (("rows", rows), ("cols", cols)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise DimensionError(f"{what} must be a positive integer, got {v!r}")
    p = check_density(density)
    fn = RANK_ESTIMATORS[estimator]
    t0 = time.perf_counter()
    bud = budget if budget is not None else (Budget(time_limit) if time_limit else None)
    log_pmf, n, complete, method = fn(int(rows), int(cols), p, seed=seed, budget=bud,
                                      rank_method=rank_method)
    log_pmf.setflags(write=False)
    return RankDistribution(
        rows=int(rows),
        cols=int(cols),
        density=p,
        estimator=estimator,
        log_pmf=log_pmf,
        samples=n,
        complete=complete,
        seconds=time.perf_counter() - t0,
        rank_method=method,
    )
