"""The ``.npz`` model format: arrays ``W0, b0, W1, b1, ...``.

``Wi`` has shape ``(out, in)``; every layer but the last is followed by a ReLU and the
last is affine.  A hidden layer whose ``Wi`` is 3-D, of shape ``(k, out, in)`` with a 2-D
``bi`` of shape ``(k, out)``, is a rank-``k`` maxout layer (unit ``j`` outputs
``max_p Wi[p, j] @ h + bi[p, j]``); 2-D arrays stay (leaky-)ReLU layers.  Shape errors
(a 1-D bias for a 3-D weight, ``k`` differing between ``Wi`` and ``bi``, ``k < 2``, a
maxout output layer) are one-line
:class:`~relu_regions.exceptions.ModelFormatError` messages that name the file and the
array.  Optional entries written by relu-regions (and read back if present):
``negative_slopes`` (one per hidden layer), ``output_relu`` (0-d bool) and
``input_shape`` (int vector).  Files are read with ``allow_pickle=False``.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np

from ..exceptions import ModelFormatError
from ..network import Network

__all__ = ["load_npz", "save_npz"]

_KEY = re.compile(r"^([Wb])(\d+)$")
_META = {"negative_slopes", "output_relu", "input_shape", "name"}


def load_npz(path: str | Path) -> Network:
    if not zipfile.is_zipfile(path):
        raise ModelFormatError(f"{path}: not a .npz model file (not a zip archive)")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelFormatError(f"{path}: not a readable .npz model file ({exc})") from None
    layers: dict[int, dict[str, np.ndarray]] = {}
    for key, arr in arrays.items():
        m = _KEY.match(key)
        if m:
            layers.setdefault(int(m.group(2)), {})[m.group(1)] = arr
        elif key not in _META:
            raise ModelFormatError(
                f"{path}: unexpected array {key!r}; expected W0, b0, W1, b1, ..."
            )
    if not layers:
        raise ModelFormatError(f"{path}: no arrays named W0, b0, ... found")
    n = max(layers) + 1
    missing = [f"{k}{i}" for i in range(n) for k in "Wb" if k not in layers.get(i, {})]
    if missing:
        raise ModelFormatError(f"{path}: missing arrays {', '.join(missing)}")
    kwargs: dict = {}
    if "negative_slopes" in arrays:
        kwargs["negative_slope"] = [float(s) for s in np.atleast_1d(arrays["negative_slopes"])]
    if "output_relu" in arrays:
        kwargs["output_relu"] = bool(arrays["output_relu"])
    if "input_shape" in arrays and np.size(arrays["input_shape"]) > 0:
        kwargs["input_shape"] = [int(d) for d in np.atleast_1d(arrays["input_shape"])]
    if "name" in arrays:
        kwargs["name"] = str(arrays["name"])
    try:
        return Network(
            [layers[i]["W"] for i in range(n)], [layers[i]["b"] for i in range(n)], **kwargs
        )
    except ModelFormatError as exc:
        raise ModelFormatError(f"{path}: {exc}") from None


def save_npz(net: Network, path: str | Path) -> None:
    arrays: dict[str, np.ndarray] = {}
    for i, layer in enumerate(net.layers):
        arrays[f"W{i}"] = np.asarray(layer.weight)
        arrays[f"b{i}"] = np.asarray(layer.bias)
    if any(s != 0.0 for s in net.negative_slopes):  # maxout layers store 0.0 (unused)
        arrays["negative_slopes"] = np.array(
            [layer.slope for layer in net.layers[:-1]], dtype=np.float64
        )
    if net.output_relu:
        arrays["output_relu"] = np.array(True)
    if net.input_shape:
        arrays["input_shape"] = np.array(net.input_shape, dtype=np.int64)
    if net.name:
        arrays["name"] = np.array(net.name)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)  # type: ignore[arg-type]
