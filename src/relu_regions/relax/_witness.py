"""Witness points: inputs of the domain that show a neuron taking a positive or negative value.

One point with ``z_i(x) > SIGN_TOL`` and one with ``z_i(x) < -SIGN_TOL`` prove neuron
``i`` unstable, and are checked by a forward pass, so no solver is trusted for them.
Most unstable neurons are settled by uniform samples and random vertices of the domain's
box (SOLVERS.md: 20,000 samples settle most of them in half a second); a short
sign-gradient ascent towards box vertices (as in FGSM/PGD attacks) finds the rest of the
easy ones.
"""

from __future__ import annotations

import numpy as np

from .._typing import FloatArray, Seed
from ..network import Network
from ._setup import SIGN_TOL, Setup

__all__ = ["WitnessPool", "initial_points", "preactivation_gradients"]


class WitnessPool:
    """The most positive and most negative value seen for every neuron, with its point."""

    def __init__(self, net_t: Network, dim: int) -> None:
        self.net_t = net_t
        widths = net_t.pattern_widths
        self.pos_val = [np.full(w, -np.inf) for w in widths]
        self.neg_val = [np.full(w, np.inf) for w in widths]
        self.pos_pt = [np.full((w, dim), np.nan) for w in widths]
        self.neg_pt = [np.full((w, dim), np.nan) for w in widths]
        self.points_seen = 0

    def add(self, T: FloatArray, batch: int = 8192) -> None:
        """Evaluate points ``T`` (chart coordinates, ``(N, k)``) and keep the extremes."""
        T = np.atleast_2d(T)
        for s in range(0, len(T), batch):
            chunk = T[s : s + batch]
            for layer, Z in enumerate(self.net_t.preactivations(chunk)):
                imax = np.argmax(Z, axis=0)
                vmax = Z[imax, np.arange(Z.shape[1])]
                better = vmax > self.pos_val[layer]
                self.pos_val[layer][better] = vmax[better]
                self.pos_pt[layer][better] = chunk[imax[better]]
                imin = np.argmin(Z, axis=0)
                vmin = Z[imin, np.arange(Z.shape[1])]
                better = vmin < self.neg_val[layer]
                self.neg_val[layer][better] = vmin[better]
                self.neg_pt[layer][better] = chunk[imin[better]]
        self.points_seen += len(T)

    def has_pos(self, layer: int) -> np.ndarray:
        return self.pos_val[layer] > SIGN_TOL

    def has_neg(self, layer: int) -> np.ndarray:
        return self.neg_val[layer] < -SIGN_TOL


def initial_points(setup: Setup, *, samples: int, seed: Seed, points: FloatArray | None) -> FloatArray:
    """Uniform samples, random box vertices (box charts), the centre and given data points."""
    rng = np.random.default_rng(seed)
    parts = [setup.sample(samples, seed=rng)] if samples > 0 else []
    centre = 0.5 * (setup.lower + setup.upper)
    if setup.is_box:
        parts.append(centre[None, :])
        nv = max(samples // 4, 1) if samples > 0 else 0
        if nv:
            pick = rng.random((nv, setup.dim)) < 0.5
            parts.append(np.where(pick, setup.upper, setup.lower))
    if points is not None and len(points):
        T = setup.to_chart(points)
        ok = setup.domain.contains(setup.to_ambient(T))
        parts.append(T[ok])
    return np.vstack(parts) if parts else np.zeros((0, setup.dim))


def preactivation_gradients(net_t: Network, layer: int, neurons: np.ndarray, T: FloatArray) -> FloatArray:
    """Gradient of ``z_{layer, neurons[p]}`` at point ``T[p]`` for each pair ``p``, ``(P, k)``.

    Inside a linear region ``z = a^T t + c`` with
    ``a^T = W_l[i] D_{l-1} W_{l-1} \\cdots D_0 W_0`` (``D`` the 0/1 activation diagonals).
    """
    pats = net_t.activation_patterns(T)
    v = net_t.layers[layer].weight[neurons]
    for k in range(layer - 1, -1, -1):
        v = (v * pats[k]) @ net_t.layers[k].weight
    return np.asarray(v)


def attack(
    setup: Setup, pool: WitnessPool, layer: int, neurons: np.ndarray, direction: np.ndarray, *, steps: int = 6
) -> int:
    """Sign-gradient ascent of ``direction * z_{layer, i}`` from each neuron's best point.

    New points go into ``pool`` (they may settle other neurons too).  Returns the number
    of points evaluated.  Box charts jump to the vertex the gradient points to as well;
    points outside a polytope chart are dropped.
    """
    if neurons.size == 0:
        return 0
    net = setup.net_t
    up = direction > 0
    T = np.where(up[:, None], pool.pos_pt[layer][neurons], pool.neg_pt[layer][neurons])
    missing = np.any(np.isnan(T), axis=1)
    T[missing] = 0.5 * (setup.lower + setup.upper)
    width = setup.upper - setup.lower
    evaluated = 0
    for it in range(steps):
        g = preactivation_gradients(net, layer, neurons, T) * direction[:, None]
        cands = [np.clip(T + (0.5**it) * np.sign(g) * width, setup.lower, setup.upper)]
        if setup.is_box:
            cands.append(np.where(g > 0, setup.upper, np.where(g < 0, setup.lower, T)))
        best_T = T
        best_v = direction * net.preactivations(T)[layer][np.arange(len(T)), neurons]
        for C in cands:
            if not setup.is_box:
                ok = np.all(C @ setup.A.T <= setup.b + 1e-12, axis=1)
                C = np.where(ok[:, None], C, T)
            v = direction * net.preactivations(C)[layer][np.arange(len(C)), neurons]
            pool.add(C)
            evaluated += len(C)
            better = v > best_v
            best_T = np.where(better[:, None], C, best_T)
            best_v = np.where(better, v, best_v)
        T = best_T
    return evaluated
