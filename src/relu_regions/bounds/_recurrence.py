r"""The exact recurrence behind Serra et al. (2018), Theorem 1, and its network-aware form.

Serra, Tjandraatmadja & Ramalingam, *Bounding and Counting Linear Regions of Deep Neural
Networks*, ICML 2018, Theorem 1, bound the regions of a ReLU network with input
dimension :math:`n_0` and hidden widths :math:`n_1, \dots, n_L` by

.. math::

    \sum_{(j_1,\dots,j_L) \in \mathcal{J}} \prod_{l=1}^{L} \binom{n_l}{j_l},\qquad
    \mathcal{J} = \{ j : 0 \le j_l \le \min\{n_0, n_1 - j_1, \dots,
    n_{l-1} - j_{l-1}, n_l\} \}.

Writing :math:`d_l = \min\{n_0, n_1 - j_1, \dots, n_{l-1} - j_{l-1}\}` for the dimension
available to layer :math:`l`, the sum factorises into the recurrence of Cai et al. (2023),
eq. (2):

.. math::

    R(L + 1, d) = 1,\qquad
    R(l, d) = \sum_{j=0}^{\min\{n_l, d\}} \binom{n_l}{j}\, R(l + 1, \min\{n_l - j, d\}),

and the bound is :math:`R(1, n_0)`.

Network-aware form
------------------
For a given network on a domain of dimension :math:`d_0` we generalise each layer to
``LayerSpec(u, s, r, k, leaky)``: ``u`` unstable neurons (the only ones whose hyperplanes
can cut a region), ``s`` stably active neurons, ``r`` an upper bound on the rank of the
unstable neurons' weight rows, ``k`` an upper bound on the rank of the rows that can be
non-zero (stably active and unstable).  Then

.. math::

    R(l, d) = \sum_{j=0}^{\min\{u_l, d, r_l\}} \binom{u_l}{j}\,
              R(l + 1, \min\{s_l + u_l - j, d, k_l\})

(for a leaky ReLU every neuron passes its input, so the argument is :math:`\min\{d, k_l\}`).
Why this stays an upper bound, step by step, follows the proof of Theorem 1:

1. Within one region of layers ``1..l-1`` the input to layer ``l`` is an affine image of
   dimension at most ``d``; the neurons of layer ``l`` cut it along hyperplanes whose
   normals lie in the row space of the unstable rows times that affine map, of dimension
   at most ``min(r, d)``.  Stable neurons do not change sign on the domain, so they cut
   nothing.  Zaslavsky gives at most :math:`\sum_{j \le \min\{u, d, r\}} \binom{u}{j}` pieces.
2. A piece where ``a`` unstable neurons are active maps to an image of dimension at most
   ``min(s + a, d, k)`` (inactive ReLUs output zero; only rows of active neurons remain).
3. At most :math:`\binom{u}{a}` pieces have exactly ``a`` active unstable neurons, and
   ``R(l + 1, .)`` is non-decreasing, so the sum over pieces is largest when the pieces
   take the largest ``a`` first: :math:`\binom{u}{0}` pieces with ``a = u``,
   :math:`\binom{u}{1}` with ``a = u - 1``, ... -- exactly the sum above.

With ``u = n_l, s = 0, r = k = n_l`` this is Theorem 1.  Each replacement (``u <= n``,
``s + u <= n``, ``r, k <= n``, ``d_0 <= n_0``) can only shrink every term, so the
network-aware bound never exceeds the architecture's.

Evaluation in ``O(n_l + d)`` big-integer operations per layer
-------------------------------------------------------------
For fixed ``d`` let ``J = min(u, r, d)``, ``N = s + u`` and ``e = min(d, k)`` (``e <= N``).
Terms with ``j <= N - e`` all read ``R(l + 1, e)``; the others read ``R(l + 1, N - j)``:

.. math::

    R(l, d) = R(l+1, e)\, B_u[\min\{J, N - e\}]
            + \sum_{j = N - e + 1}^{J} \binom{u}{j} R(l + 1, N - j),

where :math:`B_u[t] = \sum_{j \le t} \binom{u}{j}`; the last sum is a difference of prefix
sums, exact in integer arithmetic.  The test-suite checks this against a brute-force sum
over :math:`\mathcal{J}`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ._numbers import binomial_row

__all__ = ["LayerSpec", "region_recurrence", "architecture_specs"]


@dataclasses.dataclass(frozen=True)
class LayerSpec:
    """What one layer contributes to the recurrence (see the module docstring).

    ``u`` unstable neurons, ``s`` stably active ones, ``r`` bound on the rank of the unstable
    rows, ``k`` bound on the rank of the rows that can be non-zero, ``leaky`` for a leaky
    ReLU (inactive neurons still pass ``alpha * z``).
    """

    u: int
    s: int = 0
    r: int | None = None
    k: int | None = None
    leaky: bool = False

    @property
    def rank_cut(self) -> int:
        return self.u if self.r is None else min(self.u, self.r)

    @property
    def rank_image(self) -> int:
        return self.s + self.u if self.k is None else self.k


def architecture_specs(widths: Sequence[int]) -> list[LayerSpec]:
    """Specs of a plain ReLU architecture ``(n0, n1, ..., nL)``: ``u = r = k = n_l``."""
    return [LayerSpec(u=n, s=0, r=n, k=n) for n in widths[1:]]


def region_recurrence(d0: int, layers: Sequence[LayerSpec]) -> int:
    """``R(1, d0)`` of the (network-aware) Serra recurrence, an exact integer.

    Examples
    --------
    >>> region_recurrence(2, architecture_specs([2, 3]))        # 3 lines in the plane
    7
    >>> region_recurrence(1, architecture_specs([1, 2, 2]))     # 1-D: (2 + 1)(2 + 1)
    9
    """
    if not layers:
        return 1
    # Dimension available at each layer: D[0] = d0, D[l+1] = min(D[l], largest next argument).
    dims = [int(d0)]
    for spec in layers[:-1]:
        top = dims[-1] if spec.leaky else min(dims[-1], spec.s + spec.u)
        dims.append(min(top, spec.rank_image))
    nxt: list[int] = [1] * (dims[-1] + 1)  # R(L + 1, .) = 1
    for spec, D in zip(reversed(layers), reversed(dims), strict=True):
        nxt = _layer(spec, D, nxt)
    return nxt[dims[0]] if len(nxt) > dims[0] else nxt[-1]


def _layer(spec: LayerSpec, D: int, nxt: list[int]) -> list[int]:
    """``R(l, d)`` for ``d = 0..D`` from ``nxt = R(l + 1, 0..D')``."""
    u, s, m = spec.u, spec.s, spec.rank_cut
    jmax = min(m, D)
    C = binomial_row(u, jmax)
    B = []
    acc = 0
    for c in C:
        acc += c
        B.append(acc)
    top = len(nxt) - 1

    def R(x: int) -> int:
        return nxt[min(x, top)]

    out = []
    if spec.leaky:
        for d in range(D + 1):
            out.append(B[min(jmax, d)] * R(min(d, spec.rank_image)))
        return out
    N = s + u
    k = spec.rank_image
    # prefix sums A[t] = sum_{j < t} C(u, j) R(N - j), for j where N - j is a valid argument
    A = [0]
    for j in range(jmax + 1):
        A.append(A[-1] + (C[j] * R(N - j) if N - j >= 0 else 0))
    for d in range(D + 1):
        J = min(jmax, d)
        e = min(d, k, N)
        head = min(J, N - e)
        val = R(e) * B[head] if head >= 0 else 0
        if J > N - e:
            val += A[J + 1] - A[N - e + 1]
        out.append(val)
    return out
