"""Compression of a network's local affine maps by k-means (Sattelberg 2023, Sec. 7.2).

Steps 1-5 of Sec. 7.2:

1. compute ``C_j`` (training samples) and ``C~_j`` (test samples), eq. (7.3);
2. fit one k-means model (scikit-learn's :class:`~sklearn.cluster.KMeans`) on the rows of
   every ``C_j``;
3. for every row of ``C~_j`` find the nearest cluster centre;
4. use that centre ``[g, y]`` as the affine map ``x -> g . x + y`` for output ``j``;
5. classify by the largest of the recomputed outputs.

``k = 1`` is a single linear classifier; accuracy near the original for small ``k`` means
the network behaves like few affine maps on the data.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._budget import Budget, progress_bar
from .._results import FrozenResult
from ..exceptions import MissingDependencyError, ReluRegionsError
from ..network import Network
from ._similarity import map_samples

__all__ = ["KMeansCompression", "kmeans_compression"]


@dataclasses.dataclass(frozen=True)
class KMeansCompression(FrozenResult):
    """Accuracy of the k-means-compressed local maps against ``k`` (Figures 7.3-7.4).

    ``accuracy[i]`` belongs to ``k[i]``; ``agreement[i]`` is the share of test samples
    classified like the original network.  Without labels ``accuracy`` equals ``agreement``.
    ``distinct_patterns``: distinct activation patterns (regions) among the training samples.
    """

    k: tuple[int, ...]
    accuracy: tuple[float, ...]
    agreement: tuple[float, ...]
    original_accuracy: float
    n_fit: int
    n_eval: int
    distinct_patterns: int
    labelled: bool
    partial: bool
    stop_reason: str | None
    seconds: float


def kmeans_compression(
    net: Network,
    data: Any,
    *,
    k: Sequence[int] = (1, 2, 5, 10, 50),
    seed: int = 0,
    n_init: int = 3,
    max_samples: int | None = None,
    time_limit: float | None = None,
    progress: bool | None = None,
) -> KMeansCompression:
    """Cluster the local maps of every output and classify with the nearest centres (Sec. 7.2).

    Parameters
    ----------
    net:
        A classifier (``argmax`` of its outputs).
    data:
        A :class:`~relu_regions.data.Dataset` or its name (fit on the training split,
        evaluate on the test split), ``(X_train, X_test[, y_test])`` or one array.
    k:
        Numbers of clusters per output (each at most the number of training samples).
    seed, n_init:
        ``random_state`` and ``n_init`` of :class:`sklearn.cluster.KMeans`.
    max_samples:
        Keep the first rows of each split.
    time_limit, progress:
        Stop between values of ``k`` (partial result); a progress bar on stderr.

    Examples
    --------
    >>> from relu_regions import random_network
    >>> net = random_network([2, 16, 3], seed=0)
    >>> X = np.random.default_rng(0).normal(size=(200, 2))
    >>> r = kmeans_compression(net, (X, X), k=[1, 200])
    >>> r.agreement[-1]  # one cluster per sample: every map is its own centre
    1.0
    """
    try:
        from sklearn.cluster import KMeans
    except ImportError:  # pragma: no cover
        raise MissingDependencyError("k-means compression needs scikit-learn") from None
    ks = [int(v) for v in k]
    if not ks or min(ks) < 1:
        raise ReluRegionsError(f"k must be positive integers, got {list(k)}")
    t0 = time.perf_counter()
    budget = Budget(time_limit)
    s = map_samples(net, data, seed=seed, max_samples=max_samples)
    if max(ks) > s.train.n_samples:
        raise ReluRegionsError(f"k = {max(ks)} exceeds the {s.train.n_samples} training samples")
    C, Ct = s.C_train, s.C_test
    Xh = np.hstack([s.X_test, np.ones((len(s.X_test), 1))])
    original = s.predictions
    target = s.y_test if s.y_test is not None else original
    if net.num_neurons:
        pats = net.pattern_vector(map_samples_inputs(data, seed, max_samples))
        distinct = int(np.unique(pats, axis=0).shape[0])
    else:  # an affine network is one region
        distinct = 1
    acc: list[float] = []
    agree: list[float] = []
    bar = progress_bar(total=len(ks) * C.shape[0], desc="k-means", enabled=progress)
    try:
        with budget.catch_interrupt():
            for kk in ks:
                if budget.stop:
                    break
                out = np.empty((len(Xh), C.shape[0]))
                for j in range(C.shape[0]):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # fewer distinct rows than k
                        km = KMeans(n_clusters=kk, n_init=n_init, random_state=seed).fit(C[j])
                    centres = km.cluster_centers_[km.predict(Ct[j])]
                    out[:, j] = np.einsum("pk,pk->p", centres, Xh)
                    bar.update(1)
                pred = np.argmax(out, axis=1)
                acc.append(float(np.mean(pred == target)))
                agree.append(float(np.mean(pred == original)))
    finally:
        bar.close()
    done = len(acc)
    return KMeansCompression(
        k=tuple(ks[:done]), accuracy=tuple(acc), agreement=tuple(agree),
        original_accuracy=s.accuracy() if s.y_test is not None else 1.0,
        n_fit=s.train.n_samples, n_eval=s.test.n_samples,
        distinct_patterns=distinct,
        labelled=s.y_test is not None, partial=done < len(ks), stop_reason=budget.reason,
        seconds=time.perf_counter() - t0,
    )


def map_samples_inputs(data: Any, seed: int, max_samples: int | None) -> np.ndarray:
    """The training inputs :func:`map_samples` uses for ``data``."""
    from ._similarity import _split

    X = _split(data, seed)[0]
    return X if max_samples is None else X[:max_samples]
