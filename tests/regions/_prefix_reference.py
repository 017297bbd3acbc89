"""An independent, slow reference for activation regions: pattern prefixes checked by LPs.

Neurons are added one at a time; a prefix pattern survives when the set where the
network has that prefix is full-dimensional in the domain (its Chebyshev radius, from
``scipy.optimize.linprog``, exceeds ``rtol`` times the domain's scale).  This is exactly
the definition of an activation region (Cai et al. 2023, Sec. 5) and shares no code with
the engines beyond ``Network.preactivation_maps``.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog


def _radius(G: np.ndarray, h: np.ndarray, cap: float) -> float:
    k = G.shape[1]
    norms = np.linalg.norm(G, axis=1)
    zero = norms < 1e-14
    if np.any(h[zero] < -1e-12):
        return 0.0
    G, h, norms = G[~zero], h[~zero], norms[~zero]
    c = np.zeros(k + 1)
    c[-1] = -1.0
    res = linprog(c, A_ub=np.hstack([G, norms[:, None]]), b_ub=h, bounds=[(None, None)] * k + [(0, cap)],
                  method="highs")
    return float(res.x[-1]) if res.status == 0 else 0.0


def reference_patterns(net_t, G, h, *, rtol: float = 1e-7, scale: float = 1.0) -> set[bytes]:
    """Patterns (as packed bytes) of the full-dimensional regions of ``net_t`` on ``{G t <= h}``."""
    N = net_t.num_neurons
    prefixes: list[list[bool]] = [[]]
    for q in range(N):
        out = []
        for p in prefixes:
            for b in (True, False):
                pat = np.zeros(N, dtype=bool)
                pat[: q + 1] = p + [b]
                maps = net_t.preactivation_maps(net_t.split_pattern(pat))
                A = np.vstack([m[0] for m in maps])[: q + 1]
                c = np.concatenate([m[1] for m in maps])[: q + 1]
                sign = np.where(pat[: q + 1], -1.0, 1.0)
                GG = np.vstack([sign[:, None] * A, G])
                hh = np.concatenate([-sign * c, h])
                # an identically-constant neuron: active needs c > 0, inactive c <= 0
                const = np.linalg.norm(A, axis=1) < 1e-14
                if np.any(const & pat[: q + 1] & (c <= 1e-12)) or np.any(const & ~pat[: q + 1] & (c > 1e-12)):
                    continue
                if _radius(GG, hh, cap=scale) > rtol * scale:
                    out.append(p + [b])
        prefixes = out
    return {np.packbits(np.array(p, dtype=bool)).tobytes() for p in prefixes}
