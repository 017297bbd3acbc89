"""The network representation and its loaders/savers."""

from typing import Any

from ._network import Layer, Network, random_network
from ._onnx import from_onnx, to_onnx
from ._torch import from_state_dict, from_torch, to_torch, to_torchscript
from .io import FORMATS, ModelFormat, detect_format, load_network, save_network

__all__ = [
    "Network",
    "Layer",
    "random_network",
    "load_network",
    "save_network",
    "detect_format",
    "ModelFormat",
    "FORMATS",
    "from_torch",
    "from_state_dict",
    "to_torch",
    "to_torchscript",
    "from_onnx",
    "to_onnx",
    "Maxout",
]


def __getattr__(name: str) -> Any:
    """``Maxout`` (a ``torch.nn.Module``) is imported on first use, so torch stays optional."""
    if name == "Maxout":
        from ._torch_maxout import Maxout

        return Maxout
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
