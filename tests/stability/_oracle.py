"""Brute-force oracles for tiny networks: exact pre-activation extremes by enumerating
the activation patterns of the earlier layers and solving LPs per pattern.

Independent of the big-M formulation: on the closed region of a pattern the network is the
pattern's affine map, and the closed regions of all patterns cover the domain, so the
maximum of ``z_i`` over a polytope domain is the largest LP optimum over the patterns.
Patterns are extended layer by layer, keeping only prefixes whose closed region is
non-empty (an empty prefix has no non-empty extension).
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import linprog

from relu_regions.stability import SIGN_TOL


def _region(net, pats, widths, A_dom, b_dom):
    full = list(pats) + [np.zeros(w, bool) for w in widths[len(pats):]]
    maps = net.preactivation_maps(full)
    rows, rhs = [A_dom], [b_dom]
    for (M, c), s in zip(maps[: len(pats)], pats, strict=True):
        sign = np.where(s, -1.0, 1.0)  # active: -(Mx+c) <= 0, inactive: Mx+c <= 0
        rows.append(sign[:, None] * M)
        rhs.append(-sign * c)
    return np.vstack(rows), np.concatenate(rhs), maps


def exact_extremes(net, A_dom, b_dom):
    """``(lower, upper)`` per activated layer over ``{x : A_dom x <= b_dom}``."""
    widths = net.pattern_widths
    n0 = net.input_dim
    lowers, uppers = [], []
    prefixes: list[list[np.ndarray]] = [[]]
    for layer, width in enumerate(widths):
        lo, hi = np.full(width, np.inf), np.full(width, -np.inf)
        for pats in prefixes:
            G, h, maps = _region(net, pats, widths, A_dom, b_dom)
            M, c = maps[layer]
            for i in range(width):
                for sense in (1.0, -1.0):
                    r = linprog(-sense * M[i], A_ub=G, b_ub=h, bounds=(None, None), method="highs")
                    assert r.status == 0
                    v = sense * -r.fun + c[i]
                    if sense > 0:
                        hi[i] = max(hi[i], v)
                    else:
                        lo[i] = min(lo[i], v)
        lowers.append(lo)
        uppers.append(hi)
        if layer + 1 < len(widths):
            nxt = []
            for pats in prefixes:
                for bits in itertools.product([False, True], repeat=width):
                    cand = [*pats, np.array(bits, dtype=bool)]
                    G, h, _ = _region(net, cand, widths, A_dom, b_dom)
                    if linprog(np.zeros(n0), A_ub=G, b_ub=h, bounds=(None, None), method="highs").status == 0:
                        nxt.append(cand)
            prefixes = nxt
    return lowers, uppers


def box_halfspaces(lower, upper):
    n = len(lower)
    return np.vstack([np.eye(n), -np.eye(n)]), np.concatenate([upper, -np.asarray(lower)])


def truth_status(lowers, uppers):
    """Stability codes (1 active, -1 inactive, 0 unstable) from exact extremes."""
    out = []
    for lo, hi in zip(lowers, uppers, strict=True):
        out.append(np.where(hi <= SIGN_TOL, -1, np.where(lo >= -SIGN_TOL, 1, 0)).astype(np.int8))
    return out
