"""The geometric engine on an unbounded 1-D/2-D domain: the projective closure.

An unbounded domain is counted on the faces of a cube in ``k + 1`` dimensions (module
docstring of :mod:`relu_regions.regions._geometric`): the pieces of every face whose
vertices are not all at infinity (``HORIZON``), merged by pattern.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._budget import Budget
from .._typing import BoolArray, FloatArray
from ..network import Network
from ._geometric_window import (
    HORIZON,
    _box_corners,
    _clip_window,
    _Lifted,
    _measure,
    _partition,
    _Run,
)
from ._partition import WINDOW_LABEL, Partition

__all__: list[str] = []


# --------------------------------------------------------------------------- projective closure
def _faces(k: int) -> list[tuple[FloatArray, FloatArray, FloatArray, FloatArray]]:
    """``(origin, basis, lower, upper)`` of the top and side faces of ``[-1, 1]^{k+1}``."""
    if k == 1:
        return [
            (np.array([0.0, 1.0]), np.array([[1.0], [0.0]]), np.array([-1.0]), np.array([1.0])),
            (np.array([1.0, 0.0]), np.array([[0.0], [1.0]]), np.array([0.0]), np.array([1.0])),
            (np.array([-1.0, 0.0]), np.array([[0.0], [1.0]]), np.array([0.0]), np.array([1.0])),
        ]
    e = np.eye(3)
    faces = [(e[2].copy(), e[:, :2].copy(), np.array([-1.0, -1.0]), np.array([1.0, 1.0]))]
    for axis in (0, 1):
        other = 1 - axis
        for sign in (1.0, -1.0):
            basis = np.zeros((3, 2))
            basis[other, 0] = 1.0
            basis[2, 1] = 1.0
            faces.append((sign * e[axis], basis, np.array([-1.0, 0.0]), np.array([1.0, 1.0])))
    return faces


def _projective_scale(net: Network) -> float:
    """Half-width ``s`` of the top face: twice the farthest first-layer hyperplane."""
    W0, b0 = net.layers[0].weight, net.layers[0].bias
    norms = np.linalg.norm(W0, axis=1)
    ok = norms > 1e-12 * max(float(norms.max()), 1e-300)
    dist = np.abs(b0[ok]) / norms[ok] if np.any(ok) else np.zeros(1)
    return float(max(1.0, 2.0 * float(dist.max(initial=0.0))))


def _genuine_vertices(part: Partition) -> FloatArray:
    """Vertices of the pieces where two non-window edges meet ``(V, k)``."""
    P = part.P
    if part.k == 1:
        keep = part.E[:P] != WINDOW_LABEL
        return part.vertices()[keep]
    M = part.width
    E = part.E[:P, :M]
    n = part.n[:P]
    idx = np.arange(M)[None, :]
    prev = np.where(idx == 0, n[:, None] - 1, idx - 1)
    E_in = np.take_along_axis(E, prev, axis=1)
    keep = (idx < n[:, None]) & (E != WINDOW_LABEL) & (E_in != WINDOW_LABEL)
    return part.vertices()[keep]


def _projective(
    net: Network, G: FloatArray, h: FloatArray, *, budget: Budget, progress: Any,
    extra: tuple[FloatArray, FloatArray] | None = None,
) -> tuple[dict[str, Any], bool]:
    """Count on the projective faces; returns the patterns, points and face statistics."""
    k = net.input_dim
    s = _projective_scale(net)
    Gh = np.hstack([s * G, -h[:, None]])
    pats: list[BoolArray] = []
    pts: list[FloatArray] = []
    depth: list[FloatArray] = []
    verts: list[FloatArray] = []
    faces_info = []
    complete = True
    for origin, basis, lo, hi in _faces(k):
        clipped = _clip_window(_box_corners(lo, hi), Gh @ basis, -(Gh @ origin))
        if clipped is None:
            faces_info.append({"pieces": 0, "measure_sum": 0.0, "face_measure": 0.0})
            continue
        V0, E0 = clipped
        lifted = _Lifted(net, origin, basis, s, extra)
        part, done = _partition(lifted, V0, E0, budget=budget, progress=progress)
        complete &= done
        run = _Run(part, done)
        x = origin + run.centroids @ basis.T
        pats.append(run.bits)
        pts.append(s * x[:, :k] / x[:, k:])
        depth.append(x[:, k])
        gv = _genuine_vertices(part)
        xv = origin + gv @ basis.T
        xv = xv[xv[:, k] > HORIZON]
        verts.append(s * xv[:, :k] / xv[:, k:])
        faces_info.append(
            {"pieces": part.P, "measure_sum": float(run.measure.sum()), "face_measure": _measure(V0)}
        )
        if not done:
            break
    V = np.concatenate(verts) if verts else np.zeros((0, k))
    if len(V):  # the same vertex seen from several faces
        tol = 1e-9 * (1.0 + float(np.abs(V).max()))
        V = V[np.unique(np.round(V / tol), axis=0, return_index=True)[1]]
    P = np.concatenate(pats) if pats else np.zeros((0, 0), bool)
    T = np.concatenate(pts) if pts else np.zeros((0, k))
    D = np.concatenate(depth) if depth else np.zeros(0)
    # one interior point per distinct pattern: the one nearest to the top face
    order = np.argsort(-D, kind="stable")
    _, first = np.unique(np.packbits(P[order], axis=1), axis=0, return_index=True)
    keep = np.sort(order[first])
    return {
        "patterns": P[keep],
        "points": T[keep],
        "vertices": V,
        "faces": faces_info,
        "scale": s,
    }, complete
