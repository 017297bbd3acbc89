"""Independent references for exact counting tests.

``brute_force_count`` tries every one of the ``2^N`` activation patterns: a pattern is a
region when the polytope of its H-representation (built here from the foundation's
``Network.preactivation_maps``, not from the engines' helpers) contains a ball of radius
``> tol`` (one ``scipy.optimize.linprog`` per pattern).  A neuron whose pre-activation is
constant on the polytope must have the pattern's sign (strictly positive when active).
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import linprog

from relu_regions import Network


def _ball_radius(G: np.ndarray, h: np.ndarray) -> float:
    norms = np.linalg.norm(G, axis=1)
    live = norms > 1e-12
    if np.any(~live & (h < -1e-12)):
        return -np.inf
    G, h, norms = G[live], h[live], norms[live]
    k = G.shape[1]
    res = linprog(
        np.r_[np.zeros(k), -1.0],
        A_ub=np.hstack([G, norms[:, None]]),
        b_ub=h,
        bounds=[(None, None)] * k + [(0, 10.0)],
        method="highs",
    )
    return float(-res.fun) if res.status == 0 else -np.inf


def brute_force_patterns(net: Network, G: np.ndarray, h: np.ndarray, tol: float = 1e-7) -> set[bytes]:
    """Patterns (as ``bytes`` of the flat bool vector) of all regions of ``net`` on ``{G t <= h}``."""
    widths = net.pattern_widths
    found = set()
    for flat in itertools.product([False, True], repeat=net.num_neurons):
        pat = np.array(flat, dtype=bool)
        layer_pats = np.split(pat, np.cumsum(widths)[:-1])
        rows, rhs = [], []
        ok = True
        for (A, c), s in zip(net.preactivation_maps(layer_pats), layer_pats, strict=True):
            for a, ci, si in zip(A, c, s, strict=True):
                if np.linalg.norm(a) <= 1e-12:  # constant neuron: its sign is fixed
                    if (ci > 1e-12) != bool(si):
                        ok = False
                    continue
                sign = -1.0 if si else 1.0
                rows.append(sign * a)
                rhs.append(-sign * ci)
        if not ok:
            continue
        GG = np.vstack([np.array(rows).reshape(-1, G.shape[1]), G])
        hh = np.r_[np.array(rhs), h]
        if _ball_radius(GG, hh) > tol:
            found.add(pat.tobytes())
    return found


def chart_problem(net: Network, domain) -> tuple[Network, np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    ch = domain.chart()
    G, h = ch.halfspaces()
    return net.with_input_map(ch.origin, ch.basis), G, h


def pattern_set(patterns: np.ndarray) -> set[bytes]:
    return {np.asarray(p, dtype=bool).tobytes() for p in patterns}


def leaky_and_output_relu_nets() -> tuple[Network, Network]:
    """Two small 2-D nets off the plain-ReLU path: LeakyReLU(0.1), and a ReLU on the output."""
    leaky = Network(
        [[[1, 0], [0, 1], [1, -1]], [[1, -1, 1], [0.5, 1, -1]], [[1, 1]]],
        [[0, 0, 0.2], [0.1, -0.3], [0]],
        negative_slope=0.1,
    )
    out = Network([[[1, 0], [0, 1]], [[1, -1]]], [[0, 0], [0.3]], output_relu=True)
    return leaky, out
