r"""Lossless compression of a network with maxout layers on a domain.

Algorithm 1 of Kumar, Serra & Ramalingam (StabilityCompression) generalised to maxout
units, using the live/dead pieces of :func:`~relu_regions.stability.stable_units`.
Layer by layer, with the current layer's units :math:`y_u = \max_{p \in K_u} W[p, u] h + b[p, u]`
over the kept (live) pieces :math:`K_u`:

* dead pieces are dropped: a piece that is never strictly the maximum on the domain (by
  more than ``SIGN_TOL``) does not change the unit there.  This lowers the unit's rank;
  the layer's rank becomes the largest rank left (units with fewer pieces repeat one of
  them, which does not change a maximum);
* a stably inactive ReLU neuron (only its zero piece left) outputs 0: removed;
* a unit whose kept pieces all have zero weights is the constant :math:`\max_p b[p, u]`:
  folded into the next layer's bias and removed;
* a unit with zero outgoing weights influences nothing: removed;
* a *stable* unit (one piece left; a stably active ReLU neuron) is the affine map
  :math:`w^\top h + c`.  When :math:`w = \sum_k \alpha_k w_k` over the affine units kept so
  far it is folded into the next layer exactly as in Algorithm 1 (Theorem 1):
  :math:`W^+_{:, k} \mathrel{+}= \alpha_k W^+_{:, u}`,
  :math:`b^+ \mathrel{+}= W^+_{:, u} (c - \sum_k \alpha_k c_k)` -- for every piece of a
  maxout next layer;
* when every unit left is affine, the layer is affine and is merged into the next one.

Every step leaves the function unchanged on the domain (up to ``SIGN_TOL`` per dropped
piece), whatever the next layer is, because it only rewrites how the next layer's
pre-activations are computed from the same values.  :func:`compress_maxout` measures the
largest difference on sampled points and the stability witnesses.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np

from .._typing import FloatArray, Seed
from ..exceptions import OptionError
from ..io import load_network
from ..network import Network
from ..polytope import sample_chart as _sample_chart
from ..relax import StableUnits, UnitLayerStability, pl_layers, prepare_units, stable_units
from ._compress import CompressionReport, LayerCompression, _combination

__all__ = ["compress_maxout", "MaxoutCompressionReport", "MaxoutLayerCompression"]


@dataclasses.dataclass(frozen=True)
class MaxoutLayerCompression(LayerCompression):
    """One hidden layer: the ReLU actions plus what happened to maxout pieces."""

    kind: str = "relu"
    rank_before: int = 1
    rank_after: int = 1
    dropped_pieces: int = 0
    affine_units: tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True)
class MaxoutCompressionReport(CompressionReport):
    """:class:`CompressionReport` plus piece counts of the hidden layers.

    ``pieces_before``/``pieces_after`` count stored pieces (rank times width; a ReLU neuron
    counts 1); ``distinct_pieces_after`` counts each unit's distinct pieces (a layer's rank
    is its largest unit's, so units with fewer live pieces repeat one).
    """

    pieces_before: int = 0
    pieces_after: int = 0
    distinct_pieces_after: int = 0


def _as3(W: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    return (W.copy(), b.copy()) if W.ndim == 3 else (W[None].copy(), b[None].copy())


def compress_maxout(
    net: Any,
    domain: Any,
    *,
    stability: StableUnits | None = None,
    method: str = "auto",
    time_limit: float | None = None,
    check_points: int = 10_000,
    seed: Seed = 0,
) -> tuple[Network, MaxoutCompressionReport]:
    """A smaller network equal to ``net`` on ``domain``: dead pieces dropped, stable units folded.

    Parameters
    ----------
    net, domain:
        A network with maxout and/or ReLU layers and a bounded domain.
    stability:
        A :class:`StableUnits` for this network and domain; computed with ``method`` and
        ``time_limit`` when omitted.  Pieces it leaves undecided are kept, so the result is
        equal on the domain even when the analysis was cut short (only possibly larger).
    check_points:
        Uniform samples of the domain (plus the witnesses) on which both networks are compared.

    Examples
    --------
    >>> import numpy as np
    >>> from relu_regions import Box, Network
    >>> W = np.array([[[1.0, 0.0]], [[-1.0, 0.0]], [[0.0, 0.0]]])   # max(x, -x, 0) = |x|
    >>> net = Network([W, [[1.0]]], [np.array([[0.0], [0.0], [-5.0]]), [0.0]])
    >>> small, rep = compress_maxout(net, Box([-1, -1], [1, 1]))
    >>> rep.pieces_before, rep.pieces_after, rep.max_abs_difference
    (3, 2, 0.0)
    """
    if isinstance(check_points, bool) or int(check_points) != check_points or check_points < 1:
        raise OptionError(f"check_points must be a positive integer, got {check_points}")
    t0 = time.perf_counter()
    net = load_network(net)
    setup = prepare_units(net, domain)
    if stability is None:
        stability = stable_units(net, setup.domain, method=method, time_limit=time_limit, seed=seed)
    layers0 = pl_layers(net)
    hidden = len(net.layers) - 1
    if len(stability.layers) < hidden or not all(
        isinstance(ls, UnitLayerStability) and ls.width == net.layers[i].width
        for i, ls in enumerate(stability.layers[:hidden])
    ):
        raise ValueError("stability result does not belong to this network")
    W_in, b_in = _as3(net.layers[0].weight, net.layers[0].bias)
    out_W: list[FloatArray] = []
    out_b: list[FloatArray] = []
    reports: list[MaxoutLayerCompression] = []
    constant = False
    for layer in range(hidden):
        ls = stability.layers[layer]
        assert isinstance(ls, UnitLayerStability)
        W_next, b_next = _as3(net.layers[layer + 1].weight, net.layers[layer + 1].bias)
        rep, emit, collapsed, empty = _layer(layer, ls, layers0[layer].kind, W_in, b_in, W_next, b_next)
        reports.append(rep)
        if empty:
            constant = True
            break
        keep = emit[2]
        if collapsed:  # every unit left is affine: h = A h' + c, merged into the next layer
            A, c = emit[0][0], emit[1][0]
            W_in = np.einsum("kou,ui->koi", W_next[:, :, keep], A)
            b_in = b_next + np.einsum("kou,u->ko", W_next[:, :, keep], c)
        else:
            out_W.append(emit[0] if layers0[layer].kind == "maxout" else emit[0][0])
            out_b.append(emit[1] if layers0[layer].kind == "maxout" else emit[1][0])
            W_in, b_in = W_next[:, :, keep], b_next
    if constant:
        x0 = setup.to_ambient(_sample_chart(setup.chart, 1, np.random.default_rng(seed)))[0]
        out = Network(
            [np.zeros((net.output_dim, net.input_dim))],
            [net.forward(x0)],
            output_relu=net.output_relu,
            input_shape=net.input_shape,
            name=net.name,
        )
    else:
        out_W.append(W_in[0])
        out_b.append(b_in[0])
        out = Network(out_W, out_b, output_relu=net.output_relu, input_shape=net.input_shape, name=net.name)
    diff, n = _check(setup, stability, net, out, check_points, seed)

    def pieces(nw: Network) -> int:
        return int(sum(layer.rank * layer.width for layer in nw.layers[:-1]))

    return out, MaxoutCompressionReport(
        neurons_before=net.num_neurons,
        neurons_after=out.num_neurons,
        hidden_layers_before=hidden,
        hidden_layers_after=out.num_hidden_layers,
        parameters_before=net.num_parameters,
        parameters_after=out.num_parameters,
        max_abs_difference=diff,
        checked_points=n,
        constant=constant,
        exact_stability=stability.exact,
        layers=tuple(reports),
        seconds=time.perf_counter() - t0,
        stability_seconds=stability.seconds,
        reason=(
            "every piece is proven live or dead: equal on the domain (up to SIGN_TOL per dropped piece)"
            if stability.exact
            else "some pieces are undecided and were kept: still equal on the domain, possibly larger"
        ),
        pieces_before=pieces(net),
        pieces_after=pieces(out),
        distinct_pieces_after=_distinct_pieces(out),
    )


def _layer(
    layer: int,
    ls: UnitLayerStability,
    kind: str,
    W: FloatArray,
    b: FloatArray,
    W_next: FloatArray,
    b_next: FloatArray,
) -> tuple[MaxoutLayerCompression, tuple[FloatArray, FloatArray, list[int]], bool, bool]:
    """Process one hidden layer, rewriting ``W_next``/``b_next`` in place."""
    if kind == "relu":  # piece 0 is the pre-activation, piece 1 the zero of max(z, 0)
        W = np.concatenate([W[:1], np.zeros_like(W[:1])])
        b = np.concatenate([b[:1], np.zeros_like(b[:1])])
    n = W.shape[1]
    inactive, constant, unused, dependent, kept, affine = [], [], [], [], [], []
    aff_kept: list[int] = []
    dropped = 0
    for u in range(n):
        pieces = list(ls.live_pieces[u])
        dropped += len(ls.dead_pieces[u]) if kind == "maxout" else 0
        if kind == "relu" and pieces == [1]:
            inactive.append(u)
            continue
        if not np.any(W[pieces, u]):  # constant max_p b[p, u] (ReLU: max(b, 0))
            value = max(float(b[p, u]) for p in pieces)
            if kind == "relu":
                value = max(value, 0.0)
            b_next += W_next[:, :, u] * value
            constant.append(u)
            continue
        if not np.any(W_next[:, :, u]):
            unused.append(u)
            continue
        if len(pieces) == 1:  # stable: the affine map of its one piece
            p = pieces[0]
            w = W[p, u]
            alpha = (
                _combination(np.stack([W[ls.live_pieces[k][0], k] for k in aff_kept]), w)
                if aff_kept
                else None
            )
            if alpha is None:
                aff_kept.append(u)
                kept.append(u)
                affine.append(u)
            else:
                cb = np.array([b[ls.live_pieces[k][0], k] for k in aff_kept])
                W_next[:, :, aff_kept] += W_next[:, :, u][:, :, None] * alpha[None, None, :]
                b_next += W_next[:, :, u] * (float(b[p, u]) - float(alpha @ cb))
                dependent.append(u)
            continue
        kept.append(u)
    empty = not kept
    collapsed = bool(kept) and len(kept) == len(aff_kept)
    if empty:
        emit = (np.zeros((1, 0, W.shape[2])), np.zeros((1, 0)), kept)
        rank_after = 0
    elif collapsed:
        A = np.stack([W[ls.live_pieces[u][0], u] for u in kept])
        c = np.array([b[ls.live_pieces[u][0], u] for u in kept])
        emit = (A[None], c[None], kept)
        rank_after = 1
    elif kind == "maxout":
        r = max(len(ls.live_pieces[u]) for u in kept)
        idx = [list(ls.live_pieces[u]) + [ls.live_pieces[u][-1]] * (r - len(ls.live_pieces[u])) for u in kept]
        Wk = np.stack([np.stack([W[idx[j][p], u] for j, u in enumerate(kept)]) for p in range(r)])
        bk = np.stack([np.array([b[idx[j][p], u] for j, u in enumerate(kept)]) for p in range(r)])
        emit = (Wk, bk, kept)
        rank_after = r
    else:  # ReLU layer: piece 0 is the neuron's own pre-activation
        emit = (W[:1, kept], b[:1, kept], kept)
        rank_after = 1
    note = (
        "no unit left: the network is constant on the domain"
        if empty
        else "every unit left is affine: layer merged into the next"
        if collapsed
        else ""
    )
    rep = MaxoutLayerCompression(
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
        kind=kind,
        rank_before=int(W.shape[0]) if kind == "maxout" else 1,
        rank_after=rank_after if kind == "maxout" else 1,
        dropped_pieces=dropped,
        affine_units=tuple(affine),
    )
    return rep, emit, collapsed, empty


def _distinct_pieces(net: Network) -> int:
    total = 0
    for layer in net.layers[:-1]:
        if not layer.is_maxout:
            total += layer.width
            continue
        for u in range(layer.width):
            rows = np.concatenate([layer.weight[:, u], layer.bias[:, u, None]], axis=1)
            total += len(np.unique(rows, axis=0))
    return total


def _check(
    setup: Any, stability: StableUnits, net: Network, out: Network, n: int, seed: Seed
) -> tuple[float, int]:
    X = [setup.to_ambient(_sample_chart(setup.chart, n, np.random.default_rng(seed)))]
    for w in stability.witnesses:
        for pts in w.values():
            ok = ~np.any(np.isnan(pts), axis=1)
            X.append(pts[ok])
    P = np.vstack(X)
    if not len(P):
        return 0.0, 0
    return float(np.abs(net.forward(P) - out.forward(P)).max()), int(len(P))
