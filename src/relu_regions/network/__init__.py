"""The network representation: :class:`Network`, :class:`Layer`, :func:`random_network`.

File formats and framework converters live in :mod:`relu_regions.io`.  Their names
(``load_network``, ``save_network``, ``from_torch``, ``to_onnx``, ...) stay importable from
here for compatibility: they are resolved on first access (PEP 562), so this package imports
nothing above it until a loader is asked for.
"""

from __future__ import annotations

from typing import Any

from ._layer import MAX_MAXOUT_RANK, MAXOUT_PATTERN_DTYPE, Layer
from ._network import Network
from ._random import random_network

#: Loader/saver names that moved to :mod:`relu_regions.io` and are still served from here.
MOVED_TO_IO = frozenset({
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
})

__all__ = [
    "Network",
    "Layer",
    "random_network",
    "MAXOUT_PATTERN_DTYPE",
    "MAX_MAXOUT_RANK",
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
    if name in MOVED_TO_IO:
        from .. import io  # compatibility re-export (allowed in tests/test_layering.py)

        return getattr(io, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | MOVED_TO_IO)
