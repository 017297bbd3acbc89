"""Loading and saving networks, with the format chosen by file content or extension.

Formats live in :data:`FORMATS`, a registry of :class:`ModelFormat` entries whose
loader/saver are named as ``"module:function"`` strings and imported only when used,
so that ``import relu_regions`` never imports torch or onnx.

=============  ===========================  =======================================
format         recognised by content        extensions (load / save)
=============  ===========================  =======================================
``npz``        zip with ``W0.npy``          ``.npz`` / ``.npz``
``torchscript``  zip with ``code/``         ``.pt .pth .ts`` / ``.pt .pth .ts``
``torch``      ``torch.save`` zip or pickle  ``.pt .pth .bin`` / (not saved)
``onnx``       ONNX protobuf header         ``.onnx`` / ``.onnx``
=============  ===========================  =======================================

Loading detects the format from the file's content first (the three zip-based formats
are told apart by their entries) and falls back to the extension.  Saving picks the
format from the extension: ``.pt``, ``.pth`` and ``.ts`` write TorchScript, which keeps
the architecture and runs no pickled code on loading (a ``torch.save`` state dict would
lose the activations).  ``torch`` files are read with ``torch.load(weights_only=True)``;
pickled modules need ``trust_pickle=True``.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .._registry import Registry
from ..exceptions import ModelFormatError, UnknownChoiceError
from ..network import Network

__all__ = ["ModelFormat", "FORMATS", "load_network", "save_network", "detect_format"]


@dataclasses.dataclass(frozen=True)
class ModelFormat:
    """A model file format.

    ``loader(path, *, input_shape, trust_pickle) -> Network`` and
    ``saver(net, path, **options) -> None`` are ``"module:function"`` paths relative to
    this package.
    ``sniff(head)`` gets the file's first 4 KiB and the path, and says whether it is this
    format.
    """

    name: str
    extensions: tuple[str, ...]
    loader: str
    saver: str | None
    sniff: Callable[[bytes, Path], bool] | None = None
    description: str = ""

    def _resolve(self, spec: str) -> Callable[..., Any]:
        module, func = spec.split(":")
        return getattr(importlib.import_module(module, __package__), func)  # type: ignore[no-any-return]

    def load(self, path: Path, **options: Any) -> Network:
        return self._resolve(self.loader)(path, **options)  # type: ignore[no-any-return]

    def save(self, net: Network, path: Path, **options: Any) -> None:
        if self.saver is None:
            raise UnknownChoiceError(f"saving to the {self.name} format is not supported")
        self._resolve(self.saver)(net, path, **options)


FORMATS: Registry[ModelFormat] = Registry("model format")


def _npz_load(path: Path, *, input_shape: Any = None, trust_pickle: bool = False) -> Network:
    from ._npz import load_npz

    net = load_npz(path)
    if input_shape is not None:
        net = net.replace_layers(net.weights, net.biases, input_shape=input_shape)
    return net


def _npz_save(net: Network, path: Path, *, dtype: str = "float64") -> None:
    from ._npz import save_npz

    if dtype != "float64":
        raise UnknownChoiceError(f"the npz format stores float64 only, not {dtype!r}")
    save_npz(net, path)


def _is_npz(head: bytes, path: Path) -> bool:
    import zipfile

    if not head.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    return any(n in ("W0.npy", "b0.npy") for n in names)


FORMATS.add(
    "npz",
    ModelFormat(
        "npz",
        (".npz",),
        "._formats:_npz_load",
        "._formats:_npz_save",
        _is_npz,
        "NumPy archive with W0, b0, W1, b1, ...",
    ),
)


def _zip_names(head: bytes, path: Path) -> list[str] | None:
    import zipfile

    if not head.startswith(b"PK"):
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            return zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return None


def _is_torchscript(head: bytes, path: Path) -> bool:
    names = _zip_names(head, path)
    return names is not None and any("/code/" in n or n.endswith("constants.pkl") for n in names)


def _is_torch_save(head: bytes, path: Path) -> bool:
    if head[:1] == b"\x80":  # a (legacy) pickle stream
        return True
    names = _zip_names(head, path)
    return names is not None and any(n.endswith("data.pkl") for n in names) and not _is_torchscript(
        head, path
    )


#: tags of the length-delimited or varint fields that follow ``ir_version`` in a ModelProto
_ONNX_NEXT_TAGS = {0x12, 0x1A, 0x22, 0x28, 0x32, 0x3A, 0x42, 0x72}


def _is_onnx(head: bytes, path: Path) -> bool:
    """An ONNX ModelProto starts with ``ir_version`` (field 1, a small varint)."""
    return len(head) >= 3 and head[0] == 0x08 and 0 < head[1] < 0x40 and head[2] in _ONNX_NEXT_TAGS


FORMATS.add(
    "torchscript",
    ModelFormat(
        "torchscript",
        (".pt", ".pth", ".ts"),
        "._torch:load_torchscript",
        "._torch:save_torchscript",
        _is_torchscript,
        "TorchScript archive (torch.jit.save); saved by default for .pt/.pth/.ts",
    ),
)
FORMATS.add(
    "torch",
    ModelFormat(
        "torch",
        (".pt", ".pth", ".bin"),
        "._torch:load_torch_file",
        None,
        _is_torch_save,
        "torch.save file: a state dict (weights_only) or, with trust_pickle, a pickled module",
    ),
)
FORMATS.add(
    "onnx",
    ModelFormat(
        "onnx",
        (".onnx",),
        "._onnx:load_onnx",
        "._onnx_export:save_onnx",
        _is_onnx,
        "ONNX model (Gemm/MatMul+Add/Relu/LeakyRelu/Flatten/Reshape/...)",
    ),
)


def detect_format(path: str | Path) -> ModelFormat:
    """The format of ``path``: by content where it is recognisable, else by extension."""
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            head = fh.read(4096)
    except FileNotFoundError:
        raise ModelFormatError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise ModelFormatError(f"{p}: is a directory, expected a model file") from None
    except OSError as exc:
        raise ModelFormatError(f"{p}: cannot read ({exc.strerror})") from None
    if not head:
        raise ModelFormatError(f"{p}: the file is empty")
    for name in FORMATS:
        fmt = FORMATS[name]
        if fmt.sniff is not None and fmt.sniff(head, p):
            return fmt
    suffix = p.suffix.lower()
    for name in FORMATS:
        if suffix in FORMATS[name].extensions:
            return FORMATS[name]
    raise ModelFormatError(
        f"{p}: unrecognised model format; supported: "
        + ", ".join(f"{n} ({'/'.join(FORMATS[n].extensions)})" for n in FORMATS)
    )


def load_network(
    source: Any,
    *,
    format: str | None = None,
    input_shape: Sequence[int] | None = None,
    trust_pickle: bool = False,
) -> Network:
    """Load a :class:`Network` from a file path, a PyTorch module or a Network.

    Parameters
    ----------
    source:
        A path (``.npz``, TorchScript, ``.pt`` state dict/module, ``.onnx``), a
        ``torch.nn.Module``, or a :class:`Network` (returned unchanged).
    format:
        Force a format by name instead of detecting it.
    input_shape:
        Shape of one input, needed to unroll convolutions and pooling into dense maps.
    trust_pickle:
        Allow ``torch.load(weights_only=False)``, which executes code stored in the file.
        Only for files you trust.
    """
    if isinstance(source, Network):
        return source
    if hasattr(source, "state_dict") and hasattr(source, "modules"):
        from ._torch import from_torch

        return from_torch(source, input_shape=input_shape)
    if not isinstance(source, (str, Path)):
        raise ModelFormatError(
            f"cannot load a network from {type(source).__name__}; "
            "pass a file path, a torch.nn.Module or a Network"
        )
    path = Path(source)
    fmt = FORMATS[format] if format is not None else detect_format(path)
    if not path.is_file():
        raise ModelFormatError(f"{path}: no such file")
    return fmt.load(path, input_shape=input_shape, trust_pickle=trust_pickle)


def save_network(
    net: Network, path: str | Path, *, format: str | None = None, **options: Any
) -> Path:
    """Save ``net`` in the format named by ``format`` or by the extension of ``path``.

    ``.npz`` writes the NumPy archive, ``.onnx`` ONNX and ``.pt``/``.pth``/``.ts``
    TorchScript.  ``options`` go to the saver, e.g. ``dtype="float32"`` for ONNX and
    TorchScript (the default ``"float64"`` keeps the weights exact).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from relu_regions.network import random_network
    >>> net = random_network([2, 3, 1], seed=0)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = save_network(net, pathlib.Path(d) / "m.npz")
    ...     load_network(p).allclose(net)
    True
    """
    p = Path(path)
    if format is not None:
        fmt = FORMATS[format]
    else:
        matches = [FORMATS[n] for n in FORMATS if p.suffix.lower() in FORMATS[n].extensions]
        if not matches:
            raise UnknownChoiceError(
                f"{p}: cannot tell the format from the extension {p.suffix!r}; use one of: "
                + ", ".join(e for n in FORMATS for e in FORMATS[n].extensions)
            )
        fmt = next((m for m in matches if m.saver is not None), matches[0])
    # atomic: write a temporary file next to the target (same extension), then rename it
    tmp = p.with_name(f".{p.stem}.tmp{os.getpid()}{p.suffix}")
    try:
        fmt.save(net, tmp, **options)
        os.replace(tmp, p)
    finally:
        tmp.unlink(missing_ok=True)
    return p
