"""Loaders and savers: model files and framework objects to and from :class:`~relu_regions.Network`.

The network representation lives in :mod:`relu_regions.network`; this package reads and
writes it (Sec. "Layout" of the README):

- :func:`load_network` / :func:`save_network` / :func:`detect_format`: files, with the format
  chosen by content or extension from the :data:`FORMATS` registry (``npz``, ``torchscript``,
  ``torch``, ``onnx``).
- :func:`from_torch`, :func:`from_state_dict`, :func:`to_torch`, :func:`to_torchscript`:
  PyTorch modules (``nn.Sequential``, traced/scripted graphs; imported lazily).
- :func:`from_onnx`, :func:`to_onnx`: ONNX graphs (imported lazily).
- :func:`native_forward`, :func:`check_file`: run a model file in its own runtime to check a
  conversion independently of our loaders.

``relu_regions.network`` still exports the loader names (``from relu_regions.network import
load_network`` keeps working).
"""

from typing import Any

from ._check import check_file, native_forward
from ._formats import FORMATS, ModelFormat, detect_format, load_network, save_network
from ._onnx import from_onnx
from ._onnx_export import to_onnx
from ._torch import from_state_dict, from_torch, to_torch, to_torchscript

__all__ = [
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
    "native_forward",
    "check_file",
    "Maxout",
]


def __getattr__(name: str) -> Any:
    """``Maxout`` (a ``torch.nn.Module``) is imported on first use, so torch stays optional."""
    if name == "Maxout":
        from ._torch_maxout import Maxout

        return Maxout
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
