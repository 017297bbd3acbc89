"""Active subspaces of a network's outputs over a dataset (Sattelberg 2023, Sec. 6.4).

For output ``j`` with input gradients ``g_i = grad_x v_j(x_i)`` (exact, from the local maps)
the gradient covariance (Constantine's active-subspace matrix)

.. math:: \\hat C_j = \\frac{1}{N} \\sum_{i=1}^N g_i g_i^T = W \\Lambda W^T

has eigenvectors ``w_k`` (directions along which the output varies most, shown as images
for image data; Fig. 6.14/6.17) and eigenvalues ``lambda_k = s_k^2 / N`` from the singular
values ``s_k`` of the stacked gradients (Fig. 6.16/6.18).  ``explained[k] = lambda_k /
sum(lambda)`` is the share of the mean squared gradient along ``w_k``; ``output_r2`` is the
coefficient of determination of the best affine fit of ``v_j(x)`` on ``w_1 . x`` over the
data (how well the leading direction explains the outputs; Fig. 6.15).  The rank of
``\\hat C_j`` is at most the number of distinct local maps, and for a one-hidden-layer
network of width ``n`` at most ``n`` (the dissertation's "128 nonzero singular values").
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._results import FrozenResult
from .._typing import FloatArray
from ..exceptions import DimensionError
from ..network import Network
from ._maps import local_affine_maps

__all__ = ["ActiveSubspace", "active_subspace"]


@dataclasses.dataclass(frozen=True, eq=False)
class ActiveSubspace(FrozenResult):
    """Per-output eigen-decomposition of the gradient covariance.

    ``eigenvalues`` ``(out, r)`` descending, ``directions`` ``(out, r, in)`` unit vectors
    (sign fixed so the largest entry is positive), ``explained`` ``(out, r)`` shares,
    ``output_r2`` ``(out,)``, ``rank`` numerical rank per output.
    """

    eigenvalues: FloatArray
    explained: FloatArray
    directions: FloatArray = dataclasses.field(metadata={"json": False})
    output_r2: FloatArray = dataclasses.field(default_factory=lambda: np.zeros(0))
    rank: tuple[int, ...] = ()
    n_samples: int = 0
    input_shape: tuple[int, ...] | None = None


def active_subspace(net: Network, X: Any, *, outputs: Any = None, top: int | None = None,
                    rank_tol: float = 1e-10) -> ActiveSubspace:
    """Active subspace of every output of ``net`` over the samples ``X`` (Sec. 6.4).

    Parameters
    ----------
    net:
        The network.
    X:
        ``(N, in)`` samples (e.g. a test set).
    outputs:
        Output indices to analyse (default: all).
    top:
        Keep this many leading eigenpairs (default: all ``min(N, in)``).
    rank_tol:
        Singular values below ``rank_tol * s_max`` count as zero in ``rank``.

    Examples
    --------
    >>> from relu_regions import Network
    >>> net = Network([[[3.0, 4.0]]], [[0.0]])  # f = 3 x1 + 4 x2: one direction, (0.6, 0.8)
    >>> a = active_subspace(net, np.random.default_rng(0).normal(size=(10, 2)))
    >>> a.explained[0].round(12).tolist(), a.directions[0, 0].round(12).tolist(), a.rank
    ([1.0, 0.0], [0.6, 0.8], (1,))
    """
    Xa = np.asarray(X, dtype=np.float64)
    maps = local_affine_maps(net, Xa)
    outs = list(range(net.output_dim)) if outputs is None else [int(o) for o in np.atleast_1d(outputs)]
    if any(not 0 <= o < net.output_dim for o in outs):
        raise DimensionError(f"outputs {outs} out of range for {net.output_dim} outputs")
    N = maps.n_samples
    r = min(N, net.input_dim) if top is None else min(int(top), N, net.input_dim)
    vals, shares, dirs, r2s, ranks = [], [], [], [], []
    for o in outs:
        G = maps.jacobians[:, o, :]
        _, s, Vt = np.linalg.svd(G / np.sqrt(N), full_matrices=False)
        lam = s**2
        total = lam.sum()
        V = Vt[:r]
        flip = np.sign(V[np.arange(len(V)), np.argmax(np.abs(V), axis=1)])
        V = V * np.where(flip == 0, 1.0, flip)[:, None]
        vals.append(lam[:r])
        shares.append(lam[:r] / total if total > 0 else np.zeros(r))
        dirs.append(V)
        ranks.append(int(np.sum(s > rank_tol * s[0])) if s.size and s[0] > 0 else 0)
        y = maps.outputs[:, o]
        t = Xa @ V[0]
        A = np.stack([t, np.ones_like(t)], axis=1)
        resid = y - A @ np.linalg.lstsq(A, y, rcond=None)[0]
        ss = float(np.sum((y - y.mean()) ** 2))
        r2s.append(1.0 - float(resid @ resid) / ss if ss > 0 else 1.0)
    return ActiveSubspace(
        eigenvalues=np.array(vals), explained=np.array(shares), directions=np.array(dirs),
        output_r2=np.array(r2s), rank=tuple(ranks), n_samples=N, input_shape=net.input_shape,
    )
