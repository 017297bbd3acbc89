"""Domains from their JSON form, a JSON string or file, or a shorthand (``box:LO,HI``, ``space``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .._registry import Registry
from .._typing import DomainLike
from ..exceptions import DimensionError, DomainError
from ._base import Domain
from ._shapes import AffineSubspace, Box, LInfBall, Polytope, Space

__all__ = ["DOMAIN_TYPES", "parse_domain"]

DOMAIN_TYPES: Registry[type] = Registry("domain type")
DOMAIN_TYPES.add("box", Box, help="axis-aligned box")
DOMAIN_TYPES.add("ball", LInfBall, help="L-infinity ball around a point")
DOMAIN_TYPES.add("subspace", AffineSubspace, help="affine hull of sample points, bounded")
DOMAIN_TYPES.add("polytope", Polytope, help="{x : A x <= b}")
DOMAIN_TYPES.add("space", Space, help="the whole input space R^n (dim taken from the network when left out)")


def parse_domain(spec: DomainLike | os.PathLike[str], *, input_dim: int | None = None) -> Domain:
    """Build a :class:`Domain` from a dict, a JSON string, a JSON file path or a shorthand.

    The shorthands ``box:LO,HI`` (every coordinate in ``[LO, HI]``) and ``space`` (all of
    ``R^n``) need ``input_dim``.

    Examples
    --------
    >>> parse_domain("box:-1,1", input_dim=3).upper.tolist()
    [1.0, 1.0, 1.0]
    >>> parse_domain({"type": "ball", "center": [0, 0], "radius": 0.5}).lower.tolist()
    [-0.5, -0.5]
    """
    if isinstance(spec, Domain):
        dom = spec
    elif isinstance(spec, dict):
        t = spec.get("type")
        if not isinstance(t, str):
            raise DomainError(
                f"domain needs a 'type' key, one of: {', '.join(DOMAIN_TYPES)}"
            )
        try:
            cls = DOMAIN_TYPES[t]
        except Exception as exc:
            raise DomainError(str(exc)) from None
        if cls is Space and "dim" not in spec:
            if input_dim is None:
                raise DomainError('a space domain needs "dim" (or the network\'s input dimension)')
            spec = {**spec, "dim": input_dim}
        dom = cls.from_dict(spec)  # type: ignore[attr-defined]
    elif isinstance(spec, (str, Path)):
        s = str(spec).strip()
        if s.startswith("box:"):
            if input_dim is None:
                raise DomainError("the shorthand box:LO,HI needs the network's input dimension")
            parts = s[4:].split(",")
            try:
                lo, hi = (float(p) for p in parts)
            except ValueError:
                raise DomainError(f"bad shorthand {s!r}; expected box:LO,HI such as box:-1,1") from None
            dom = Box(np.full(input_dim, lo), np.full(input_dim, hi))
        elif s == "space":
            if input_dim is None:
                raise DomainError("the shorthand 'space' needs the network's input dimension")
            dom = Space(input_dim)
        elif s.startswith("{"):
            try:
                dom = parse_domain(json.loads(s), input_dim=input_dim)
            except json.JSONDecodeError as exc:
                raise DomainError(f"domain is not valid JSON: {exc.msg} at position {exc.pos}") from None
        else:
            p = Path(s)
            if not p.is_file():
                raise DomainError(
                    f"domain {s!r} is neither a JSON file, a JSON object nor a shorthand like box:-1,1"
                )
            try:
                data = json.loads(p.read_text())
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise DomainError(f"{p}: not valid JSON ({exc})") from None
            dom = parse_domain(data, input_dim=input_dim)
    else:
        raise DomainError(f"cannot make a domain from {type(spec).__name__}")
    if input_dim is not None and dom.ambient_dim != input_dim:
        raise DimensionError(
            f"the domain lives in {dom.ambient_dim} dimensions but the network takes {input_dim} inputs"
        )
    return dom
