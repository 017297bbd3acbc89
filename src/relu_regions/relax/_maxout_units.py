"""Results of :func:`~relu_regions.relax.stable_units` and the uniform layer form they use.

:class:`PLLayer` / :func:`pl_layers` write every layer as ``max_p W[p] h + b[p]`` (a ReLU
neuron is the rank-2 unit ``max(z, 0)``); :class:`UnitLayerStability` and
:class:`StableUnits` carry the live/dead pieces and witnesses found by
:mod:`relu_regions.relax._maxout` (Kumar, Serra & Ramalingam, Sec. 3, generalised to maxout).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._typing import FloatArray
from ..exceptions import UnsupportedLayerError
from ..io import load_network
from ..network import Network
from ._setup import SIGN_TOL
from ._stable_results import LayerStability, StableNeurons

__all__ = ["PLLayer", "pl_layers", "UnitLayerStability", "StableUnits", "STABLE_PIECE"]


#: ``status()`` code of a stable maxout unit (beside 1 active, -1 inactive, 0 unstable, 2 undecided).
STABLE_PIECE = 3



@dataclasses.dataclass(frozen=True, eq=False)
class PLLayer:
    """One layer in the uniform piecewise-linear form used here.

    ``W`` has shape ``(k, out, in)`` and ``b`` shape ``(k, out)``; ``kind`` is ``"maxout"``
    (``y = max_p W[p] h + b[p]``), ``"relu"`` (``k = 2``, piece 1 identically zero) or
    ``"affine"`` (``k = 1``, no activation: the output layer).
    """

    W: FloatArray
    b: FloatArray
    kind: str

    @property
    def rank(self) -> int:
        return int(self.W.shape[0])

    @property
    def width(self) -> int:
        return int(self.W.shape[1])

    def pieces(self, h: FloatArray) -> FloatArray:
        """Pre-activations of every piece, ``(N, k, out)``, for inputs ``h`` ``(N, in)``."""
        return np.einsum("kji,ni->nkj", self.W, h) + self.b[None]

    def forward(self, h: FloatArray) -> FloatArray:
        Z = self.pieces(h)
        return Z[:, 0] if self.kind == "affine" else Z.max(axis=1)


def pl_layers(net: Network) -> list[PLLayer]:
    """The layers of ``net`` in the uniform form; ReLU neurons become ``max(z, 0)``."""
    out = []
    for i, layer in enumerate(net.layers):
        W, b = np.asarray(layer.weight, float), np.asarray(layer.bias, float)
        if getattr(layer, "is_maxout", False):
            out.append(PLLayer(W, b, "maxout"))
        elif layer.slope is None:
            out.append(PLLayer(W[None], b[None], "affine"))
        elif float(layer.slope) == 0.0:
            out.append(PLLayer(np.stack([W, np.zeros_like(W)]), np.stack([b, np.zeros_like(b)]), "relu"))
        else:
            raise UnsupportedLayerError(
                f"maxout stability supports ReLU and maxout layers; layer {i} is a LeakyReLU "
                f"(slope {layer.slope})"
            )
    return out


@dataclasses.dataclass(frozen=True)
class UnitLayerStability(LayerStability):
    """One activated layer: ReLU neurons by sign, maxout units by their stable piece.

    ``stable`` lists ``(unit, piece)`` of the stable maxout units (empty for ReLU layers,
    whose stable neurons are ``active``/``inactive``); ``live_pieces``/``dead_pieces`` give
    per unit the pieces that can be the maximum and those proven never to be (for ReLU
    layers piece 0 is ``z``, piece 1 the zero); ``proof`` per unit says what decided it.
    """

    kind: str = "relu"
    rank: int = 2
    stable: tuple[tuple[int, int], ...] = ()
    live_pieces: tuple[tuple[int, ...], ...] = ()
    dead_pieces: tuple[tuple[int, ...], ...] = ()
    proof: tuple[str, ...] = ()

    @property
    def width(self) -> int:
        return len(self.live_pieces)


@dataclasses.dataclass(frozen=True)
class StableUnits(StableNeurons):
    """Stability of every unit of a network with maxout layers (see :func:`stable_units`).

    ``layers`` holds one :class:`UnitLayerStability` per activated layer.  ``exact`` is
    true when every unit is decided and every piece is proven live or dead.
    """

    witnesses: tuple[dict[int, FloatArray], ...] = dataclasses.field(
        default=(), metadata={"json": False}, repr=False
    )

    @property
    def counts(self) -> dict[str, int]:
        c = super().counts
        c["stable"] = sum(len(ls.stable) for ls in self._unit_layers())  # stable maxout units
        c["dead_pieces"] = sum(sum(map(len, ls.dead_pieces)) for ls in self._unit_layers())
        return c

    def _unit_layers(self) -> list[UnitLayerStability]:
        return [ls for ls in self.layers if isinstance(ls, UnitLayerStability)]

    def status(self, layer: int) -> np.ndarray:
        """Codes per unit: 1 active, -1 inactive, 0 unstable, 2 undecided, 3 stable maxout unit."""
        ls = self.layers[layer]
        n = ls.width if isinstance(ls, UnitLayerStability) else 0
        out = np.zeros(n, dtype=np.int8)
        out[list(ls.active)] = 1
        out[list(ls.inactive)] = -1
        out[list(ls.undecided)] = 2
        if isinstance(ls, UnitLayerStability):
            out[[u for u, _ in ls.stable]] = STABLE_PIECE
        return out

    def to_dataframe(self) -> Any:
        """One row per unit: ``layer``, ``unit``, ``kind``, ``status``, ``piece`` (stable ones),
        ``live_pieces``, ``dead_pieces`` and ``proof``.  Needs pandas."""
        from .._deps import require

        pd = require("pandas")
        names = {1: "active", -1: "inactive", 0: "unstable", 2: "undecided", STABLE_PIECE: "stable"}
        rows = []
        for li, ls in enumerate(self.layers):
            assert isinstance(ls, UnitLayerStability)
            for u, code in enumerate(self.status(li)):
                rows.append({"layer": li, "unit": u, "kind": ls.kind, "status": names[int(code)],
                             "piece": self.stable_piece(li, u), "live_pieces": ls.live_pieces[u],
                             "dead_pieces": ls.dead_pieces[u], "proof": ls.proof[u]})
        return pd.DataFrame(rows)

    def stable_piece(self, layer: int, unit: int) -> int | None:
        """The piece a stable unit always takes (ReLU: 0 active, 1 inactive), else None."""
        ls = self.layers[layer]
        live = ls.live_pieces[unit] if isinstance(ls, UnitLayerStability) else ()
        return live[0] if len(live) == 1 and unit not in ls.undecided else None

    def certificate(self, layer: int, neuron: int) -> dict[str, Any]:
        ls = self.layers[layer]
        assert isinstance(ls, UnitLayerStability)
        code = int(self.status(layer)[neuron])
        names = {1: "active", -1: "inactive", 0: "unstable", 2: "undecided", STABLE_PIECE: "stable"}
        out: dict[str, Any] = {
            "status": names[code],
            "proof": ls.proof[neuron],
            "live_pieces": list(ls.live_pieces[neuron]),
            "dead_pieces": list(ls.dead_pieces[neuron]),
        }
        pts = self.witnesses[layer].get(neuron) if self.witnesses else None
        if pts is not None:
            out["witnesses"] = {
                int(p): pts[p].tolist() for p in range(len(pts)) if not np.any(np.isnan(pts[p]))
            }
        return out

    def verify(self, net: Any, domain: Any = None, *, tol: float = 1e-7) -> bool:
        """Re-check by forward passes that every unstable unit has two pieces strictly on top."""
        layers = pl_layers(load_network(net))
        act = [pl for pl in layers if pl.kind != "affine"]
        for li, ls in enumerate(self.layers):
            for u in ls.unstable:
                pts = self.witnesses[li].get(u)
                if pts is None:
                    return False
                seen = 0
                for p in range(len(pts)):
                    if np.any(np.isnan(pts[p])):
                        continue
                    if domain is not None and not bool(domain.contains(pts[p][None], tol=tol)[0]):
                        return False
                    Z = _layer_pieces(layers, act[li], pts[p][None])[0][:, u]
                    if Z[p] - np.max(np.delete(Z, p)) > SIGN_TOL:
                        seen += 1
                if seen < 2:
                    return False
        return True


def _layer_pieces(layers: list[PLLayer], target: PLLayer, X: FloatArray) -> FloatArray:
    h = X
    for pl in layers:
        if pl is target:
            return pl.pieces(h)
        h = pl.forward(h)
    raise ValueError("layer not in network")
