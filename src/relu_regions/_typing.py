"""Shared type aliases for arrays and array-like inputs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
IntArray: TypeAlias = npt.NDArray[np.int64]
ArrayLike: TypeAlias = npt.ArrayLike
Seed: TypeAlias = int | np.random.Generator | None
JSONDict: TypeAlias = dict[str, Any]

__all__ = ["FloatArray", "BoolArray", "IntArray", "ArrayLike", "Seed", "JSONDict", "Sequence"]
