"""Independent, deliberately naive implementations of the papers' formulas (test oracles).

Nothing here shares code with ``relu_regions.bounds``: sums are written out over the
index sets of the theorems, with ``math.comb`` and exact ``Fraction`` arithmetic.
"""

from __future__ import annotations

import functools
import itertools
import math
from fractions import Fraction


def serra_theorem1_bruteforce(widths):
    """Serra et al. (2018), Theorem 1, summed over the index set J literally."""
    n0, ns = widths[0], widths[1:]
    total = 0
    for js in itertools.product(*(range(n + 1) for n in ns)):
        ok = True
        for l, j in enumerate(js):
            cap = min([n0, ns[l]] + [ns[i] - js[i] for i in range(l)])
            if j > cap:
                ok = False
                break
        if ok:
            total += math.prod(math.comb(n, j) for n, j in zip(ns, js, strict=True))
    return total


def refined_recurrence(widths):
    """Cai et al. (2023), eq. (2), as a memoised recursion."""
    ns = widths[1:]
    L = len(ns)

    @functools.cache
    def R(l, d):
        n = ns[l]
        if l == L - 1:
            return sum(math.comb(n, j) for j in range(min(n, d) + 1))
        return sum(math.comb(n, j) * R(l + 1, min(n - j, d)) for j in range(min(n, d) + 1))

    return R(0, widths[0])


def network_aware_bruteforce(d0, specs):
    """Network-aware recurrence summed over all (j_1..j_L) with the per-layer caps.

    ``specs``: list of (u, s, r, k, leaky).
    """
    total = 0

    def rec(l, d, weight):
        nonlocal total
        if l == len(specs):
            total += weight
            return
        u, s, r, k, leaky = specs[l]
        for j in range(min(u, d, r) + 1):
            nd = min(d, k) if leaky else min(s + u - j, d, k)
            rec(l + 1, nd, weight * math.comb(u, j))

    rec(0, d0, 1)
    return total


def cai_theorem1_fraction(widths, pmfs):
    """Cai et al. (2023), Theorem 1, transcribed with exact rationals.

    ``pmfs[l]`` maps rank k -> Fraction probability for hidden layer l + 1.
    """
    ns = widths[1:]
    L = len(ns)

    @functools.cache
    def R(l, d):
        n = ns[l]
        total = Fraction(0)
        for k, p in pmfs[l].items():
            inner = Fraction(0)
            for j in range(min(k, d) + 1):
                rest = 1 if l == L - 1 else R(l + 1, min(n - j, d, k))
                inner += math.comb(n, j) * rest
            total += p * inner
        return total

    return R(0, widths[0])


def montufar2017_formula(widths):
    out, d = 1, widths[0]
    for n in widths[1:]:
        d = min(d, n)
        out *= sum(math.comb(n, j) for j in range(d + 1))
    return out


def log10_fraction(x: Fraction) -> float:
    return math.log10(x.numerator) - math.log10(x.denominator)
