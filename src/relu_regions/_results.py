"""Frozen result objects and their conversion to JSON-compatible dictionaries.

Every algorithm returns a frozen dataclass deriving from :class:`FrozenResult`;
``to_dict()`` gives plain Python types (lists, ints, floats, strings, bools) so the
CLI can ``json.dumps`` it.  Python integers stay exact integers however large.
Non-finite floats become the strings ``"inf"``, ``"-inf"`` and ``"nan"`` because
JSON has no spelling for them.
"""

from __future__ import annotations

import dataclasses
import enum
import fractions
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FrozenResult", "to_jsonable"]


def to_jsonable(obj: Any) -> Any:
    """Recursively convert ``obj`` to JSON-serialisable Python values."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):  # exact, however large
        return int(obj)
    if isinstance(obj, float):
        return _float(obj)
    if isinstance(obj, FrozenResult):
        return obj.to_dict()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, np.ndarray):
        if obj.dtype == np.bool_:
            return obj.astype(int).tolist()
        if np.issubdtype(obj.dtype, np.integer):
            return obj.tolist()
        return [to_jsonable(v) for v in obj.tolist()] if obj.ndim else _float(float(obj))
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return _float(float(obj))
    if isinstance(obj, fractions.Fraction):
        return _float(float(obj))
    if isinstance(obj, enum.Enum):
        return to_jsonable(obj.value)
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in obj]
    raise TypeError(f"cannot convert {type(obj).__name__} to JSON")


def _float(x: float) -> float | str:
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


@dataclasses.dataclass(frozen=True)
class FrozenResult:
    """Base class of result objects: immutable, with a JSON-ready ``to_dict``."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.metadata.get("json", True):
                out[f.name] = to_jsonable(getattr(self, f.name))
        return out
