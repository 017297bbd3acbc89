"""Results of :func:`~relu_regions.relax.stable_neurons`: per-layer status and certificates.

Status codes :data:`ACTIVE`, :data:`INACTIVE`, :data:`UNSTABLE`, :data:`UNDECIDED`
(Kumar, Serra & Ramalingam, Sec. 3) and the frozen results that carry them; the search
that fills them is in :mod:`relu_regions.relax._stable`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._results import FrozenResult
from .._typing import FloatArray
from ._setup import SIGN_TOL

__all__ = [
    "StableNeurons",
    "LayerStability",
    "LayerCertificates",
    "ACTIVE",
    "INACTIVE",
    "UNSTABLE",
    "UNDECIDED",
]

ACTIVE, INACTIVE, UNSTABLE, UNDECIDED = 1, -1, 0, 2


@dataclasses.dataclass(frozen=True)
class LayerStability(FrozenResult):
    """Neuron indices of one activated layer by stability status."""

    active: tuple[int, ...]
    inactive: tuple[int, ...]
    unstable: tuple[int, ...]
    undecided: tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True, eq=False)
class LayerCertificates:
    """Evidence for one layer, arrays indexed by neuron.

    ``positive``/``negative``: input points (ambient coordinates, ``NaN`` rows where none)
    with the largest/smallest pre-activation found; ``proof``: what proved a stable
    neuron (``"interval"``, ``"crown"``, ``"lp"``, ``"milp"``) or ``"witness"`` for an
    unstable one; ``bound``: the proving upper (inactive) or lower (active) bound.
    """

    positive: FloatArray
    negative: FloatArray
    proof: tuple[str, ...]
    bound: FloatArray


@dataclasses.dataclass(frozen=True)
class StableNeurons(FrozenResult):
    """Stability of every neuron of every activated layer on a domain.

    ``exact`` is true when every neuron is decided (no ``undecided`` ones): the stable
    ones by a proven bound, the unstable ones by two witness points.
    """

    layers: tuple[LayerStability, ...]
    exact: bool
    method: str
    seconds: float
    partial: bool = False
    stop_reason: str | None = None
    reason: str = ""
    details: dict[str, Any] = dataclasses.field(default_factory=dict)
    certificates: tuple[LayerCertificates, ...] = dataclasses.field(
        default=(), metadata={"json": False}, repr=False
    )

    @property
    def counts(self) -> dict[str, int]:
        """Totals over all layers."""
        return {
            k: sum(len(getattr(layer, k)) for layer in self.layers)
            for k in ("active", "inactive", "unstable", "undecided")
        }

    def status(self, layer: int) -> np.ndarray:
        """Codes per neuron of ``layer``: 1 active, -1 inactive, 0 unstable, 2 undecided."""
        ls = self.layers[layer]
        n = sum(len(v) for v in (ls.active, ls.inactive, ls.unstable, ls.undecided))
        out = np.zeros(n, dtype=np.int8)
        out[list(ls.active)] = ACTIVE
        out[list(ls.inactive)] = INACTIVE
        out[list(ls.undecided)] = UNDECIDED
        return out

    def to_dataframe(self) -> Any:
        """One row per neuron: ``layer``, ``neuron``, ``status`` and, with certificates, ``proof``.

        Needs pandas (``pip install 'relu-regions[pandas]'``).
        """
        from .._deps import require

        pd = require("pandas")
        rows = []
        for li in range(len(self.layers)):
            codes = self.status(li)
            for ni, code in enumerate(codes):
                row: dict[str, Any] = {"layer": li, "neuron": ni, "status": _NAMES[int(code)]}
                if self.certificates:
                    row["proof"] = self.certificates[li].proof[ni]
                rows.append(row)
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        c = self.counts
        state = "exact" if self.exact else ("partial" if self.partial else "not exact")
        return (
            f"StableNeurons({c['active']} stably active, {c['inactive']} stably inactive, "
            f"{c['unstable']} unstable, {c['undecided']} undecided; {state}, method={self.method!r}, "
            f"{self.seconds:.3g} s)"
        )

    def certificate(self, layer: int, neuron: int) -> dict[str, Any]:
        """The evidence for one neuron as a JSON-ready dictionary."""
        c = self.certificates[layer]
        code = int(self.status(layer)[neuron])
        out: dict[str, Any] = {"status": _NAMES[code], "proof": c.proof[neuron]}
        if code in (ACTIVE, INACTIVE):
            out["bound"] = float(c.bound[neuron])
        for key, pts in (("positive_point", c.positive), ("negative_point", c.negative)):
            if not np.any(np.isnan(pts[neuron])):
                out[key] = pts[neuron].tolist()
        return out

    def verify(self, net: Any, domain: Any = None, *, tol: float = 1e-7) -> bool:
        """Check every unstable neuron's witnesses by a forward pass (and domain membership)."""
        for layer, (ls, c) in enumerate(zip(self.layers, self.certificates, strict=True)):
            idx = list(ls.unstable)
            if not idx:
                continue
            for pts, sign in ((c.positive, 1.0), (c.negative, -1.0)):
                X = pts[idx]
                if np.any(np.isnan(X)):
                    return False
                if domain is not None and not np.all(domain.contains(X, tol=tol)):
                    return False
                z = net.preactivations(X)[layer][np.arange(len(idx)), idx]
                if not np.all(sign * z > SIGN_TOL):
                    return False
        return True


_NAMES = {ACTIVE: "active", INACTIVE: "inactive", UNSTABLE: "unstable", UNDECIDED: "undecided"}
