"""Shared type aliases for arrays and array-like inputs."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, Union

import numpy as np
import numpy.typing as npt

FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
IntArray: TypeAlias = npt.NDArray[np.int64]
ArrayLike: TypeAlias = npt.ArrayLike
Seed: TypeAlias = int | np.random.Generator | None
JSONDict: TypeAlias = dict[str, Any]

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from .domain import Domain
    from .network import Network

#: What the algorithms accept as a network: a :class:`~relu_regions.Network`, a model file
#: (``.npz``, TorchScript/``.pt``, ``.onnx``) or an ``nn.Module`` (converted by ``from_torch``).
NetworkLike: TypeAlias = Union["Network", str, "os.PathLike[str]", "torch.nn.Module"]
#: What the algorithms accept as a domain: a :class:`~relu_regions.Domain`, its JSON form
#: (a dict, a JSON string or file) or the shorthand ``"box:LO,HI"``.
DomainLike: TypeAlias = Union["Domain", str, Mapping[str, Any]]

__all__ = [
    "FloatArray",
    "BoolArray",
    "IntArray",
    "ArrayLike",
    "Seed",
    "JSONDict",
    "Sequence",
    "NetworkLike",
    "DomainLike",
]
