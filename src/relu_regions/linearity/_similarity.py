"""Similarity of two networks through their local affine maps (Sattelberg 2023, Sec. 7.3).

For a network ``v`` and samples ``x_1..x_p`` the matrices ``C_j`` (eq. 7.3; one per output
``j``, rows ``[grad_x v_j(x_i), y_{i,j}]``) collect the local affine maps the network uses.
Four metrics compare two networks on the same samples:

- **affine-mapped representation accuracy** (Sec. 7.3.1, eq. 7.4): least-squares matrices
  ``M_j`` (``(d+1) x (d+1)``) minimising ``||C_{j,1} M_j - C_{j,2}||`` on the training
  samples; on the test samples the mapped rows ``C~_{j,1} M_j`` are used as affine maps
  (``x -> g . x + y``) and the test inputs are classified by the largest mapped output.
  Reported: the accuracy against the labels (or, without labels, agreement with the
  target network's predictions).  Asymmetric (from network 1 to network 2).
- **scaled mean squared Euclidean distance** (Sec. 7.3.2, eq. 7.5-7.6): each network's
  ``C~`` divided by its largest entry ``a`` (eq. 7.5), then
  ``1 / (o p (d+1)) sum_j ||C~_{j,1}/a_1 - C~_{j,2}/a_2||_F^2``.  0 for identical
  (or positively rescaled) networks.
- **linear CKA** (Sec. 7.3.3, eq. 7.7; Kornblith et al. 2019):
  ``CKA(X, Y) = ||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F)`` on column-centred ``C~_j``,
  averaged over the outputs.  1 for identical nets; invariant to orthogonal maps and
  uniform scaling.  Undefined (NaN) for an affine network: its ``C~_j`` has equal rows, so
  the centred matrix is zero and eq. (7.7) is 0/0.
- **softmax cross-entropy** (Sec. 7.3.4, eq. 7.8-7.9), the control:
  ``H(p, q) = -sum_i p_i log q_i`` with ``p = softmax(v_1(x))``, ``q = softmax(v_2(x))``,
  averaged over the samples.  Its minimum over ``q`` is the entropy of ``p``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .._registry import Registry
from .._results import FrozenResult
from .._typing import FloatArray, IntArray
from ..exceptions import DimensionError, ReluRegionsError
from ..network import Network
from ._maps import LocalMaps, local_affine_maps

__all__ = [
    "linear_cka",
    "scaled_mse",
    "softmax_cross_entropy",
    "fit_affine_maps",
    "affine_mapped_outputs",
    "MapSamples",
    "map_samples",
    "compare_networks",
    "NetworkSimilarity",
    "similarity_matrices",
    "SimilarityMatrices",
    "SIMILARITY_METRICS",
]


#: A matrix whose column-centred form has Frobenius norm below ``CONSTANT_RTOL`` times its own
#: counts as constant (rows equal up to the rounding of the mean), for which CKA is 0/0.
CONSTANT_RTOL = 1e-12


def linear_cka(X: Any, Y: Any) -> float:
    """Linear centred kernel alignment of two sample matrices (Sattelberg eq. 7.7).

    .. math:: \\mathrm{CKA}(X, Y) = \\frac{\\|Y^T X\\|_F^2}{\\|X^T X\\|_F\\,\\|Y^T Y\\|_F}

    on column-centred ``X`` and ``Y`` (rows are samples; the column counts may differ).

    Examples
    --------
    >>> linear_cka([[1.0], [2.0], [3.0]], [[1.0], [3.0], [2.0]])  # squared correlation 0.5**2
    0.25
    """
    Xa = np.asarray(X, dtype=np.float64)
    Ya = np.asarray(Y, dtype=np.float64)
    if Xa.ndim != 2 or Ya.ndim != 2 or Xa.shape[0] != Ya.shape[0]:
        raise DimensionError(f"CKA needs two matrices with equally many rows, got {Xa.shape} and {Ya.shape}")
    Xc = Xa - Xa.mean(axis=0)
    Yc = Ya - Ya.mean(axis=0)
    for M, Mc in ((Xa, Xc), (Ya, Yc)):
        if np.linalg.norm(Mc) <= CONSTANT_RTOL * np.linalg.norm(M):
            raise ReluRegionsError(
                "CKA is undefined for a constant matrix (all rows equal, e.g. the coefficients of an "
                "affine network, which has one local map): its centred form is zero"
            )
    den = np.linalg.norm(Xc.T @ Xc) * np.linalg.norm(Yc.T @ Yc)
    return float(np.linalg.norm(Yc.T @ Xc) ** 2 / den)


def _scale(C: FloatArray) -> float:
    a = float(C.max())
    if not a > 0:
        raise ReluRegionsError(
            "scaled MSE divides by the largest coefficient (eq. 7.5), which is not positive here"
        )
    return a


def scaled_mse(C1: Any, C2: Any) -> float:
    """Scaled mean squared Euclidean distance of two stacks of ``C~_j`` (eq. 7.5-7.6).

    .. math::

        a = \\max_{j,i,k} (\\tilde C_j)_{ik}, \\qquad
        \\frac{1}{o\\,p\\,(d+1)} \\sum_{j=1}^{o}
        \\Bigl\\| \\frac{\\tilde C_{j,1}}{a_1} - \\frac{\\tilde C_{j,2}}{a_2} \\Bigr\\|_F^2

    Parameters
    ----------
    C1, C2:
        ``(o, p, d + 1)`` coefficient stacks (:func:`coefficient_matrices`) of two networks
        on the same ``p`` samples.

    Examples
    --------
    >>> C = np.arange(12.0).reshape(1, 4, 3)
    >>> scaled_mse(C, 2 * C)
    0.0
    """
    A = np.asarray(C1, dtype=np.float64)
    B = np.asarray(C2, dtype=np.float64)
    if A.shape != B.shape or A.ndim != 3:
        raise DimensionError(
            f"scaled MSE needs two (o, p, d+1) stacks of one shape, got {A.shape} and {B.shape}"
        )
    return float(np.mean((A / _scale(A) - B / _scale(B)) ** 2))


def _log_softmax(Z: FloatArray) -> FloatArray:
    Z = Z - Z.max(axis=1, keepdims=True)
    return Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))


def softmax_cross_entropy(outputs1: Any, outputs2: Any) -> float:
    """Mean cross-entropy ``H(softmax(o1), softmax(o2))`` over samples (eq. 7.8-7.9), in nats.

    Examples
    --------
    >>> round(softmax_cross_entropy([[0.0, np.log(3)]], [[0.0, np.log(3)]]), 6)  # entropy of (1/4, 3/4)
    0.562335
    """
    A = np.atleast_2d(np.asarray(outputs1, dtype=np.float64))
    B = np.atleast_2d(np.asarray(outputs2, dtype=np.float64))
    if A.shape != B.shape:
        raise DimensionError(f"outputs of shapes {A.shape} and {B.shape} cannot be compared")
    P = np.exp(_log_softmax(A))
    return float(-(P * _log_softmax(B)).sum(axis=1).mean())


def fit_affine_maps(C1: Any, C2: Any) -> FloatArray:
    """Least-squares ``M_j`` with ``C_{j,1} M_j ~ C_{j,2}`` for every output (eq. 7.4).

    Returns ``(o, d1 + 1, d2 + 1)`` (minimum-norm solutions where ``C_{j,1}`` is rank
    deficient).
    """
    A = np.asarray(C1, dtype=np.float64)
    B = np.asarray(C2, dtype=np.float64)
    if A.ndim != 3 or B.ndim != 3 or A.shape[:2] != B.shape[:2]:
        raise DimensionError(f"C stacks must be (o, p, d+1) with equal o and p, got {A.shape} and {B.shape}")
    return np.stack([np.linalg.lstsq(A[j], B[j], rcond=None)[0] for j in range(A.shape[0])])


def affine_mapped_outputs(M: Any, C1_test: Any, X_test: Any) -> FloatArray:
    """Outputs of the mapped affine maps: ``(C~_{j,1} M_j)_i . [x_i, 1]`` -> ``(p, o)``."""
    mapped = np.einsum("jpk,jkl->jpl", np.asarray(C1_test, dtype=np.float64), np.asarray(M, dtype=np.float64))
    Xh = np.hstack([np.asarray(X_test, dtype=np.float64), np.ones((len(X_test), 1))])
    return np.einsum("jpl,pl->pj", mapped, Xh)


@dataclasses.dataclass(frozen=True, eq=False)
class MapSamples:
    """One network's local maps on the training (fit) and test (evaluation) samples."""

    train: LocalMaps
    test: LocalMaps
    X_test: FloatArray
    y_test: IntArray | None

    @property
    def C_train(self) -> FloatArray:
        return self.train.coefficient_matrices()

    @property
    def C_test(self) -> FloatArray:
        return self.test.coefficient_matrices()

    @property
    def predictions(self) -> IntArray:
        return np.argmax(self.test.outputs, axis=1)

    def accuracy(self) -> float:
        """Test accuracy against the labels, or 1.0 (agreement with itself) without labels."""
        if self.y_test is None:
            return 1.0
        return float(np.mean(self.predictions == self.y_test))


def _split(data: Any, seed: int) -> tuple[FloatArray, FloatArray, FloatArray, IntArray | None]:
    from ..data import Dataset, load_dataset

    if isinstance(data, (str, Dataset)):
        ds = load_dataset(data, seed=seed)
        y = np.asarray(ds.y_test) if ds.task == "classification" else None
        return ds.X_train, ds.X_test, np.asarray(ds.X_test), y
    if isinstance(data, tuple) and len(data) in (2, 3):
        Xtr = np.asarray(data[0], dtype=np.float64)
        Xte = np.asarray(data[1], dtype=np.float64)
        y = np.asarray(data[2], dtype=np.int64) if len(data) == 3 and data[2] is not None else None
        return Xtr, Xte, Xte, y
    X = np.asarray(data, dtype=np.float64)
    return X, X, X, None


def map_samples(net: Network, data: Any, *, seed: int = 0, max_samples: int | None = None) -> MapSamples:
    """Local maps of ``net`` on a dataset's train and test samples.

    ``data``: a :class:`~relu_regions.data.Dataset` or its name (train split fits, test split
    evaluates), a tuple ``(X_train, X_test[, y_test])``, or one array ``X`` used for both.
    ``max_samples`` keeps the first rows of each split.
    """
    Xtr, Xte, _, y = _split(data, seed)
    if max_samples is not None:
        Xtr, Xte = Xtr[:max_samples], Xte[:max_samples]
        y = None if y is None else y[:max_samples]
    return MapSamples(local_affine_maps(net, Xtr), local_affine_maps(net, Xte), Xte, y)


# --------------------------------------------------------------------------- metric registry
def _m_affine(a: MapSamples, b: MapSamples) -> float:
    M = fit_affine_maps(a.C_train, b.C_train)
    pred = np.argmax(affine_mapped_outputs(M, a.C_test, a.X_test), axis=1)
    target = b.y_test if b.y_test is not None else b.predictions
    return float(np.mean(pred == target))


def _m_cka(a: MapSamples, b: MapSamples) -> float:
    """Mean CKA over the outputs; NaN where it is undefined (a constant ``C~_j``)."""
    Ca, Cb = a.C_test, b.C_test
    vals = []
    for j in range(Ca.shape[0]):
        try:
            vals.append(linear_cka(Ca[j], Cb[j]))
        except ReluRegionsError:
            vals.append(math.nan)
    finite = [v for v in vals if not math.isnan(v)]
    return float(np.mean(finite)) if finite else math.nan


def _m_mse(a: MapSamples, b: MapSamples) -> float:
    return scaled_mse(a.C_test, b.C_test)


def _m_ce(a: MapSamples, b: MapSamples) -> float:
    return softmax_cross_entropy(a.test.outputs, b.test.outputs)


@dataclasses.dataclass(frozen=True)
class _Metric:
    fn: Callable[[MapSamples, MapSamples], float]
    symmetric: bool
    higher_is_similar: bool
    equation: str


#: metric name -> how to compute it from two :class:`MapSamples` (same samples).
SIMILARITY_METRICS: Registry[_Metric] = Registry("similarity metric")
SIMILARITY_METRICS.add(
    "linear_cka", _Metric(_m_cka, True, True, "7.7"), help="linear CKA of C~_j, mean over outputs"
)
SIMILARITY_METRICS.add(
    "scaled_mse", _Metric(_m_mse, True, False, "7.5-7.6"), help="scaled mean squared distance"
)
SIMILARITY_METRICS.add(
    "affine_mapped_accuracy", _Metric(_m_affine, False, True, "7.4"),
    help="test accuracy of network 1's maps sent through least-squares M_j to network 2's",
)
SIMILARITY_METRICS.add(
    "cross_entropy", _Metric(_m_ce, False, False, "7.8-7.9"), help="softmax cross-entropy H(p1, p2)"
)


@dataclasses.dataclass(frozen=True)
class NetworkSimilarity(FrozenResult):
    """The four metrics of Sec. 7.3 for one ordered pair of networks."""

    linear_cka: float
    scaled_mse: float
    affine_mapped_accuracy: float
    cross_entropy: float
    accuracy_1: float
    accuracy_2: float
    n_fit: int
    n_eval: int
    labelled: bool


def compare_networks(net1: Network, net2: Network, data: Any, *, seed: int = 0,
                     max_samples: int | None = None) -> NetworkSimilarity:
    """All four similarity metrics of Sec. 7.3 from ``net1`` to ``net2`` on ``data``.

    ``data`` as in :func:`map_samples`.  Without labels the affine-mapped "accuracy" is the
    agreement with ``net2``'s own predictions and the accuracies are 1.0.

    Examples
    --------
    >>> from relu_regions import random_network
    >>> net = random_network([2, 8, 3], seed=0)
    >>> X = np.random.default_rng(0).normal(size=(50, 2))
    >>> s = compare_networks(net, net, X)
    >>> round(s.linear_cka, 12), s.scaled_mse, s.affine_mapped_accuracy
    (1.0, 0.0, 1.0)
    """
    a = map_samples(net1, data, seed=seed, max_samples=max_samples)
    b = map_samples(net2, data, seed=seed, max_samples=max_samples)
    vals = {name: SIMILARITY_METRICS[name].fn(a, b) for name in SIMILARITY_METRICS}
    return NetworkSimilarity(
        **vals, accuracy_1=a.accuracy(), accuracy_2=b.accuracy(),
        n_fit=a.train.n_samples, n_eval=a.test.n_samples, labelled=a.y_test is not None,
    )


@dataclasses.dataclass(frozen=True)
class SimilarityMatrices(FrozenResult):
    """Pairwise metrics over several networks: ``matrices[metric][i][k]`` from ``i`` to ``k``.

    The diagonal of ``affine_mapped_accuracy`` is each network's own accuracy, as in the
    dissertation's Figures 7.8-7.9.
    """

    names: tuple[str, ...]
    matrices: Mapping[str, list[list[float]]]
    accuracies: tuple[float, ...]
    n_fit: int
    n_eval: int
    labelled: bool


def similarity_matrices(nets: Mapping[str, Network] | Sequence[Network], data: Any, *,
                        metrics: Sequence[str] | None = None, seed: int = 0,
                        max_samples: int | None = None) -> SimilarityMatrices:
    """Pairwise similarity matrices over several networks (Figures 7.8-7.17).

    Each network's local maps are computed once; symmetric metrics are computed once per
    unordered pair.
    """
    named = dict(nets) if isinstance(nets, Mapping) else {f"net{i}": n for i, n in enumerate(nets)}
    if len(named) < 2:
        raise ReluRegionsError("similarity needs at least two networks")
    names = tuple(named)
    dims = {(n.input_dim, n.output_dim) for n in named.values()}
    if len(dims) != 1:
        raise DimensionError(f"networks differ in input/output dimensions: {sorted(dims)}")
    chosen = list(SIMILARITY_METRICS) if metrics is None else list(metrics)
    for m in chosen:
        SIMILARITY_METRICS[m]
    samples = [map_samples(named[n], data, seed=seed, max_samples=max_samples) for n in names]
    k = len(names)
    out: dict[str, list[list[float]]] = {}
    for m in chosen:
        info = SIMILARITY_METRICS[m]
        mat = np.zeros((k, k))
        for i in range(k):
            for l in range(k):
                if info.symmetric and l < i:
                    mat[i, l] = mat[l, i]
                elif m == "affine_mapped_accuracy" and i == l:
                    mat[i, l] = samples[i].accuracy()
                else:
                    mat[i, l] = info.fn(samples[i], samples[l])
        out[m] = mat.tolist()
    return SimilarityMatrices(
        names=names, matrices=out, accuracies=tuple(s.accuracy() for s in samples),
        n_fit=samples[0].train.n_samples, n_eval=samples[0].test.n_samples,
        labelled=samples[0].y_test is not None,
    )
