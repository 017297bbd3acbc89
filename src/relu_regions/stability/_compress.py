"""Lossless compression of a ReLU network on a domain: Algorithm 1 (StabilityCompression).

Kumar, Serra & Ramalingam, "Equivalent and approximate transformations of deep neural
networks", Algorithm 1 and Theorem 1 (Appendix D).  Layer by layer, with ``h = W h' + b``
the neurons of the current layer:

* a stably inactive neuron always outputs 0: remove it;
* a neuron with zero incoming weights is the constant ``relu(b_i)``: fold
  ``relu(b_i) W^{+}_{:, i}`` into the next layer's bias and remove it;
* a neuron with zero outgoing weights influences nothing: remove it;
* a stably active neuron outputs ``w_i^T h' + b_i``; when ``w_i = sum_k alpha_k w_k`` over
  the stably active neurons ``k`` kept so far, then
  ``h_i = sum_k alpha_k (h_k - b_k) + b_i`` and it is folded into the next layer:

  .. math::

      W^{+}_{:, k} \\mathrel{+}= \\alpha_k W^{+}_{:, i}, \\qquad
      b^{+} \\mathrel{+}= W^{+}_{:, i} \\Big(b_i - \\sum_k \\alpha_k b_k\\Big)

  (Algorithm 1's line 20 prints ``+`` before the sum; the proof in Appendix D has the
  correct ``-``);
* when every neuron left in the layer is stably active, the layer is affine and is
  collapsed into the next one: ``W^{+} <- W^{+}_{:, A} W_A``, ``b^{+} <- b^{+} + W^{+}_{:, A} b_A``;
* when no neuron is left (all inactive, constant or unused), the network is constant on
  the domain and is replaced by its value there.

The result equals the original network on the domain (Theorem 1); :func:`compress` checks
that on sampled points and reports the largest difference.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np

from .._results import FrozenResult
from .._typing import DomainLike, FloatArray, NetworkLike, Seed
from ..network import Network
from ..relax import ACTIVE, INACTIVE, Setup, StableNeurons, prepare, stable_neurons

__all__ = ["compress", "CompressionReport", "LayerCompression", "RANK_TOL"]

#: A stably active neuron is folded when the least-squares residual of its weight row
#: against the kept active rows is at most ``RANK_TOL * (1 + |w_i|)``.
RANK_TOL = 1e-10


@dataclasses.dataclass(frozen=True)
class LayerCompression(FrozenResult):
    """What happened to one hidden layer (neuron indices are those of the original layer)."""

    layer: int
    width_before: int
    width_after: int
    removed_inactive: tuple[int, ...] = ()
    folded_constant: tuple[int, ...] = ()
    removed_unused: tuple[int, ...] = ()
    folded_dependent: tuple[int, ...] = ()
    kept: tuple[int, ...] = ()
    collapsed: bool = False
    note: str = ""


@dataclasses.dataclass(frozen=True)
class CompressionReport(FrozenResult):
    """Sizes before/after, per-layer actions and the measured equivalence on the domain."""

    neurons_before: int
    neurons_after: int
    hidden_layers_before: int
    hidden_layers_after: int
    parameters_before: int
    parameters_after: int
    max_abs_difference: float
    checked_points: int
    constant: bool
    exact_stability: bool
    layers: tuple[LayerCompression, ...]
    seconds: float
    stability_seconds: float
    reason: str = ""


def compress(
    net: NetworkLike,
    domain: DomainLike,
    *,
    stability: StableNeurons | None = None,
    method: str = "auto",
    time_limit: float | None = None,
    check_points: int = 10_000,
    seed: Seed = 0,
    executor: Any = None,
) -> tuple[Network, CompressionReport]:
    """A smaller network equal to ``net`` on ``domain`` (Algorithm 1 of Kumar, Serra & Ramalingam).

    Parameters
    ----------
    net, domain:
        A ReLU network (or model path) and a bounded domain (or its spec).
    stability:
        A :class:`StableNeurons` for this network and domain; computed with ``method``
        and ``time_limit`` when omitted.  Undecided neurons are kept like unstable ones,
        so the result is equivalent even when the stability analysis was cut short.
    check_points:
        Points of the domain (uniform samples plus the stability witnesses) on which the
        two networks are compared; the report's ``max_abs_difference``.
    executor:
        Passed to :func:`stable_neurons` when it is computed here: a
        ``concurrent.futures.Executor`` (e.g. Dask's) for ``auto``'s sign MILPs; the
        compressed network is the serial one.

    Returns
    -------
    (Network, CompressionReport)

    Examples
    --------
    >>> from relu_regions import Network, Box
    >>> net = Network([[[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]], [[1.0, 2.0, 3.0]]],
    ...               [[0.5, 0.0, -3.0], [0.25]])
    >>> small, report = compress(net, Box([0, -1], [1, 1]))
    >>> small.hidden_widths, report.neurons_before, report.neurons_after
    ((2,), 3, 2)
    >>> report.max_abs_difference < 1e-12
    True
    """
    if isinstance(check_points, bool) or int(check_points) != check_points or check_points < 1:
        from ..exceptions import OptionError

        raise OptionError(f"check_points must be a positive integer, got {check_points}")
    from ..io import load_network

    net = load_network(net)
    if net.has_maxout:  # dead pieces dropped, stable units folded: see stability/_maxout_compress.py
        from ..relax import StableUnits
        from ._maxout_compress import compress_maxout

        if stability is not None and not isinstance(stability, StableUnits):
            raise ValueError("stability result does not belong to this network")
        return compress_maxout(net, domain, stability=stability, method=method, time_limit=time_limit,
                               check_points=check_points, seed=seed)
    t0 = time.perf_counter()
    setup = prepare(net, domain)
    if stability is None:
        stability = stable_neurons(
            setup.net, setup.domain, method=method, time_limit=time_limit, seed=seed, executor=executor
        )
    if len(stability.layers) != len(setup.net.activated_layers):
        raise ValueError("stability result does not belong to this network")
    weights = [np.array(w) for w in setup.net.weights]
    biases = [np.array(b) for b in setup.net.biases]
    L = setup.net.num_hidden_layers
    out_weights: list[FloatArray] = []
    out_biases: list[FloatArray] = []
    reports: list[LayerCompression] = []
    constant = False
    W_in, b_in = weights[0], biases[0]  # the current layer, already adjusted by earlier steps
    for layer in range(L):
        W_next, b_next = weights[layer + 1].copy(), biases[layer + 1].copy()
        status = stability.status(layer)
        rep, keep, collapsed, empty = _compress_layer(layer, status, W_in, b_in, W_next, b_next)
        reports.append(rep)
        if empty:
            constant = True
            break
        if collapsed:  # h_l = W_A h' + b_A is affine: merge it into the next layer
            W_in, b_in = W_next[:, keep] @ W_in[keep], b_next + W_next[:, keep] @ b_in[keep]
        else:
            out_weights.append(W_in[keep])
            out_biases.append(b_in[keep])
            W_in, b_in = W_next[:, keep], b_next
    net0 = setup.net
    if constant:
        x0 = setup.to_ambient(setup.sample(1, seed=seed))[0]
        value = net0.forward(x0)
        out = Network(
            [np.zeros((net0.output_dim, net0.input_dim))], [value], output_relu=net0.output_relu,
            input_shape=net0.input_shape, name=net0.name,
        )
    else:
        out_weights.append(W_in)
        out_biases.append(b_in)
        out = Network(
            out_weights,
            out_biases,
            output_relu=net0.output_relu,
            input_shape=net0.input_shape,
            name=net0.name,
        )
    diff, n = _check(setup, stability, out, check_points, seed)
    after = out.num_hidden_layers
    return out, CompressionReport(
        neurons_before=net0.num_neurons,
        neurons_after=out.num_neurons,
        hidden_layers_before=L,
        hidden_layers_after=after,
        parameters_before=net0.num_parameters,
        parameters_after=out.num_parameters,
        max_abs_difference=diff,
        checked_points=n,
        constant=constant,
        exact_stability=stability.exact,
        layers=tuple(reports),
        seconds=time.perf_counter() - t0,
        stability_seconds=stability.seconds,
        reason=(
            "every neuron's stability is proven (Theorem 1: equal on the domain)"
            if stability.exact
            else "some neurons are undecided and were kept: still equal on the domain, possibly larger"
        ),
    )


def _compress_layer(
    layer: int, status: np.ndarray, W: FloatArray, b: FloatArray, W_next: FloatArray, b_next: FloatArray
) -> tuple[LayerCompression, list[int], bool, bool]:
    """Process one hidden layer in place on ``W_next``/``b_next`` (Algorithm 1, lines 3-47)."""
    n = W.shape[0]
    inactive, constant, unused, dependent, kept = [], [], [], [], []
    active_kept: list[int] = []
    for i in range(n):
        if status[i] == INACTIVE:
            inactive.append(i)
        elif not np.any(W[i]):  # constant relu(b_i): fold into the next bias
            b_next += max(float(b[i]), 0.0) * W_next[:, i]
            constant.append(i)
        elif not np.any(W_next[:, i]):
            unused.append(i)
        elif status[i] == ACTIVE:
            alpha = _combination(W[active_kept], W[i]) if active_kept else None
            if alpha is None:
                active_kept.append(i)
                kept.append(i)
            else:  # h_i = sum_k alpha_k (h_k - b_k) + b_i
                W_next[:, active_kept] += np.outer(W_next[:, i], alpha)
                b_next += W_next[:, i] * (b[i] - alpha @ b[active_kept])
                dependent.append(i)
        else:  # unstable or undecided
            kept.append(i)
    empty = not kept
    collapsed = bool(kept) and len(kept) == len(active_kept)
    note = (
        "no neuron left: the network is constant on the domain"
        if empty
        else "every neuron left is stably active: layer merged into the next"
        if collapsed
        else ""
    )
    rep = LayerCompression(
        layer=layer,
        width_before=n,
        width_after=0 if (empty or collapsed) else len(kept),
        removed_inactive=tuple(inactive),
        folded_constant=tuple(constant),
        removed_unused=tuple(unused),
        folded_dependent=tuple(dependent),
        kept=() if (empty or collapsed) else tuple(kept),
        collapsed=collapsed,
        note=note,
    )
    return rep, kept, collapsed, empty


def _combination(rows: FloatArray, w: FloatArray) -> FloatArray | None:
    """``alpha`` with ``rows.T @ alpha == w`` when ``w`` is in the span of ``rows``, else None."""
    alpha, *_ = np.linalg.lstsq(rows.T, w, rcond=None)
    residual = np.linalg.norm(rows.T @ alpha - w)
    ok = residual <= RANK_TOL * (1.0 + np.linalg.norm(w))
    return np.asarray(alpha, dtype=np.float64) if ok else None


def _check(setup: Setup, stability: StableNeurons, out: Network, n: int, seed: Seed) -> tuple[float, int]:
    X = [setup.to_ambient(setup.sample(n, seed=seed))] if n > 0 else []
    for c in stability.certificates:  # witnesses sit close to the regions' extremes
        for pts in (c.positive, c.negative):
            ok = ~np.any(np.isnan(pts), axis=1)
            X.append(pts[ok])
    pts = np.vstack(X) if X else np.zeros((0, setup.net.input_dim))
    if not len(pts):
        return 0.0, 0
    diff = np.abs(setup.net.forward(pts) - out.forward(pts))
    return float(diff.max()), int(len(pts))
