"""Loading and saving networks, with the format chosen by extension or file content.

Formats live in :data:`FORMATS`, a registry of :class:`ModelFormat` entries whose
loader/saver are named as ``"module:function"`` strings and imported only when used,
so that ``import relu_regions`` never imports torch or onnx.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .._registry import Registry
from ..exceptions import ModelFormatError, UnknownChoiceError
from ._network import Network

__all__ = ["ModelFormat", "FORMATS", "load_network", "save_network", "detect_format"]


@dataclasses.dataclass(frozen=True)
class ModelFormat:
    """A model file format.

    ``loader(path, *, input_shape, trust_pickle) -> Network`` and
    ``saver(net, path) -> None`` are ``"module:function"`` paths relative to this package.
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

    def save(self, net: Network, path: Path) -> None:
        if self.saver is None:
            raise UnknownChoiceError(f"saving to the {self.name} format is not supported")
        self._resolve(self.saver)(net, path)


FORMATS: Registry[ModelFormat] = Registry("model format")


def _npz_load(path: Path, *, input_shape: Any = None, trust_pickle: bool = False) -> Network:
    from ._npz import load_npz

    net = load_npz(path)
    if input_shape is not None:
        net = net.replace_layers(net.weights, net.biases, input_shape=input_shape)
    return net


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
        ".io:_npz_load",
        "._npz:save_npz",
        _is_npz,
        "NumPy archive with W0, b0, W1, b1, ...",
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
        from ._torch import from_torch  # type: ignore[import-not-found,unused-ignore]

        return from_torch(source, input_shape=input_shape)  # type: ignore[no-any-return]
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


def save_network(net: Network, path: str | Path, *, format: str | None = None) -> Path:
    """Save ``net`` in the format named by ``format`` or by the extension of ``path``."""
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
    fmt.save(net, p)
    return p
