"""PyTorch models in and out: ``nn.Module``, TorchScript and ``torch.save`` files.

Import (:func:`from_torch`) folds every layer that is affine in evaluation mode into the
affine layers of a :class:`Network` and keeps ReLU/LeakyReLU as the activations:

* ``Linear``, ``Flatten``/``Unflatten``/reshapes/``squeeze``/``unsqueeze``, ``Dropout``
  (identity), ``Identity``, ``BatchNorm1d/2d`` (running statistics), constant padding,
  scalar shifts and scales;
* given the input shape, ``Conv1d/2d`` (any padding, padding mode, stride, dilation and
  groups), ``AvgPool1d/2d`` and ``AdaptiveAvgPool1d/2d`` as exact dense matrices;
* ``MaxPool1d/2d`` is **converted exactly** into ReLU layers with
  :math:`\\max(a, b) = b + \\mathrm{relu}(a - b)` (see :mod:`._maxpool`): the function is
  the same, and the extra neurons mark where the pooled maximum switches (plus the
  hyperplanes ``v = 0`` of carried values when the pooled values may be negative);
* ``PReLU`` with a single slope is a LeakyReLU;
* maxout: a maximum over a feature axis -- ``Linear(n, m*k)`` followed by
  ``view``/``reshape``/``unflatten`` to ``(..., m, k)`` or ``(..., k, m)`` and
  ``max(dim)``/``amax`` over the pieces axis -- and relu-regions' own
  :class:`~relu_regions.network.Maxout` module become **maxout layers** (weight
  ``(k, m, n)``, piece ``p`` of unit ``j`` taken from the ``Linear`` row that the reshape
  puts at that position), never ReLU neurons.  A (leaky) ReLU right before or after such a
  maximum folds into the maxout pieces exactly (see
  :meth:`~relu_regions.io._builder.LayerBuilder.max_reduce`).

Export (:func:`to_torch`) writes ``Linear`` + ``ReLU``/``LeakyReLU`` layers and
:class:`~relu_regions.network.Maxout` modules for maxout layers, whose forward pass is
``linear`` + ``unflatten`` + ``amax``; TorchScript archives therefore run without
relu-regions installed.

Anything else raises :class:`~relu_regions.exceptions.UnsupportedLayerError` naming the
layer and its position.  ``torch.save`` files are only read with
``torch.load(weights_only=True)`` unless the caller passes ``trust_pickle=True``.
"""

from __future__ import annotations

import json
import pickle
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .._deps import require
from .._registry import Registry
from ..exceptions import ModelFormatError, UntrustedPickleError
from ..network import Network
from ._builder import LayerBuilder

__all__ = [
    "from_torch",
    "from_state_dict",
    "to_torch",
    "to_torchscript",
    "load_torchscript",
    "save_torchscript",
    "load_torch_file",
]

#: Name of the JSON file with relu-regions metadata inside TorchScript archives.
META_FILE = "relu_regions.json"

DTYPES: Registry[str] = Registry("dtype")
DTYPES.add("float64", "float64", help="double precision (exact round trips)")
DTYPES.add("float32", "float32", help="single precision (PyTorch's default)")


def _torch_dtype(dtype: Any) -> Any:
    torch = require("torch")
    if isinstance(dtype, torch.dtype):
        dtype = str(dtype).removeprefix("torch.")
    return getattr(torch, DTYPES[str(dtype)])


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _short(exc: BaseException) -> str:
    """torch's first sentence only (its zip errors go on about checkpoints at length)."""
    return _first_line(exc).split(". ")[0].rstrip(".")


def from_torch(
    module: Any, *, input_shape: Sequence[int] | None = None, name: str = ""
) -> Network:
    """Convert a PyTorch model (evaluation-mode semantics) into a :class:`Network`.

    Parameters
    ----------
    module:
        An ``nn.Sequential`` (nested ones too), any ``nn.Module`` whose forward is a
        chain of supported layers (read with ``torch.fx``), or a TorchScript module.
    input_shape:
        Shape of one input without the batch dimension, e.g. ``(1, 28, 28)``; needed
        for convolutions and pooling.  Without it the input is a flat vector whose size
        the first ``Linear`` layer gives.
    name:
        Name recorded in the network.

    Raises
    ------
    UnsupportedLayerError
        For a layer that is neither affine in evaluation mode nor a (leaky) ReLU or max
        pooling, for branching models and for convolutions without an input shape.

    Examples
    --------
    >>> import torch.nn as nn
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Dropout(),
    ...                       nn.Linear(4, 2))
    >>> from_torch(model.eval())
    Network(3-4-2, ReLU)
    """
    torch = require("torch")
    from ._torch_graph import read_module, read_script_module

    if not isinstance(module, torch.nn.Module):
        raise ModelFormatError(f"expected a torch.nn.Module, got {type(module).__name__}")
    training = [
        n or type(m).__name__
        for n, m in module.named_modules()
        if m.training and isinstance(m, (torch.nn.modules.batchnorm._BatchNorm, torch.nn.Dropout))
    ]
    if training:
        warnings.warn(
            f"{', '.join(training[:3])}{' ...' if len(training) > 3 else ''} in training mode: converted "
            "as in evaluation mode (running statistics, no dropout); call model.eval() to silence this",
            UserWarning,
            stacklevel=2,
        )
    b = LayerBuilder(input_shape)
    if isinstance(module, torch.jit.ScriptModule):
        read_script_module(module, b)
    else:
        read_module(module, b)
    return b.finish(name=name)


def to_torch(net: Network, *, dtype: Any = "float64") -> Any:
    """The network as an ``nn.Sequential`` of ``Linear`` and ``ReLU``/``LeakyReLU`` layers.

    A maxout layer becomes a :class:`~relu_regions.network.Maxout` module with the same
    ``(k, out, in)`` weight and ``(k, out)`` bias.

    A multi-dimensional ``net.input_shape`` adds a leading ``nn.Flatten()``, so the module
    accepts inputs of that shape as well as flat ones.  The default float64 computes
    exactly what :meth:`Network.forward` computes.

    Examples
    --------
    >>> import torch
    >>> from relu_regions.network import random_network
    >>> net = random_network([2, 3, 1], seed=0)
    >>> model = to_torch(net)
    >>> x = torch.tensor([[0.5, -1.0]], dtype=torch.float64)
    >>> bool(abs(model(x).item() - net.forward([0.5, -1.0])[0]) < 1e-12)
    True
    """
    torch = require("torch")
    nn = torch.nn
    dt = _torch_dtype(dtype)
    modules: list[Any] = []
    if net.input_shape is not None and len(net.input_shape) > 1:
        modules.append(nn.Flatten())
    for layer in net.layers:
        if layer.is_maxout:
            from ._torch_maxout import Maxout

            k, out_f, in_f = layer.weight.shape
            mx = Maxout(in_f, out_f, k, dtype=dt)
            with torch.no_grad():
                mx.weight.copy_(torch.from_numpy(layer.weight.copy()))
                mx.bias.copy_(torch.from_numpy(layer.bias.copy()))
            modules.append(mx)
            continue
        out_f, in_f = layer.weight.shape
        lin = nn.Linear(in_f, out_f, dtype=dt)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(layer.weight.copy()))
            lin.bias.copy_(torch.from_numpy(layer.bias.copy()))
        modules.append(lin)
        if layer.slope is not None:
            modules.append(nn.ReLU() if layer.slope == 0.0 else nn.LeakyReLU(layer.slope))
    return nn.Sequential(*modules).eval()


def to_torchscript(net: Network, *, dtype: Any = "float64") -> Any:
    """The network as a scripted (TorchScript) module; see :func:`to_torch`."""
    torch = require("torch")
    from ._torch_graph import quiet_jit

    with quiet_jit():
        return torch.jit.script(to_torch(net, dtype=dtype))


def save_torchscript(net: Network, path: str | Path, *, dtype: Any = "float64") -> None:
    """Save a TorchScript archive; the input shape and name travel in an extra file."""
    torch = require("torch")
    meta = {"input_shape": list(net.input_shape) if net.input_shape else None, "name": net.name}
    from ._torch_graph import quiet_jit

    module = to_torchscript(net, dtype=dtype)
    with quiet_jit():
        torch.jit.save(module, str(path), _extra_files={META_FILE: json.dumps(meta)})


def load_torchscript(
    path: str | Path, *, input_shape: Sequence[int] | None = None, trust_pickle: bool = False
) -> Network:
    """Load a TorchScript archive (``torch.jit.save``); runs no pickled Python code."""
    torch = require("torch")
    extra = {META_FILE: ""}
    from ._torch_graph import quiet_jit

    try:
        with quiet_jit():
            module = torch.jit.load(str(path), map_location="cpu", _extra_files=extra)
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelFormatError(f"{path}: corrupt or truncated PyTorch file ({_short(exc)})") from None
    meta: dict[str, Any] = {}
    if extra[META_FILE]:
        try:
            meta = json.loads(extra[META_FILE])
        except json.JSONDecodeError:
            meta = {}
    shape = input_shape if input_shape is not None else meta.get("input_shape")
    return from_torch(module, input_shape=shape, name=str(meta.get("name") or ""))


def pickle_globals(data: bytes, limit: int = 20) -> list[str]:
    """The ``module.name`` globals a pickle stream references, read without unpickling it."""
    import pickletools

    names: list[str] = []
    strings: list[str] = []
    try:
        for op, arg, _ in pickletools.genops(data):
            if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8"):
                strings.append(str(arg))
            elif op.name == "GLOBAL":
                names.append(str(arg).replace(" ", "."))
            elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                names.append(f"{strings[-2]}.{strings[-1]}")
            if len(names) >= limit:
                break
    except Exception:  # noqa: BLE001 - a damaged stream: report what was read
        pass
    return list(dict.fromkeys(names))


def _refuse_plain_pickle(path: str | Path) -> None:
    """A bare ``pickle.dump`` file is not a PyTorch file: say what it would run, never load it.

    ``torch.save`` writes a zip archive (or, in its legacy format, a pickled magic number
    first); a stream that starts with a pickle of anything else is a plain Python pickle, and
    unpickling it runs whatever it references (``os.system``, ...), even with ``trust_pickle``.
    """
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    if head[:4] == b"PK\x03\x04" or not head[:1] == b"\x80":
        return
    refs = pickle_globals(head)
    if not refs:
        return  # legacy torch.save: its first pickle is a plain magic number
    shown = ", ".join(refs[:5]) + (", ..." if len(refs) > 5 else "")
    raise UntrustedPickleError(
        f"{path}: a plain Python pickle, not a torch.save file; it references {shown} and "
        "unpickling it would run that code: refusing to load it (save a state dict, TorchScript, "
        "ONNX or .npz instead)"
    )


def load_torch_file(
    path: str | Path, *, input_shape: Sequence[int] | None = None, trust_pickle: bool = False
) -> Network:
    """Load a ``torch.save`` file: a state dict, or a pickled module with ``trust_pickle``.

    The file is read with ``torch.load(weights_only=True)``, which only rebuilds tensors
    and containers.  A pickled ``nn.Module`` needs ``weights_only=False``, which runs code
    stored in the file; that happens only with ``trust_pickle=True``.  For state dicts see
    :func:`from_state_dict`.
    """
    torch = require("torch")
    _refuse_plain_pickle(path)
    try:
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(exc))
        if found is None:
            detail = re.search(r"WeightsUnpickler error:\s*(.+)", str(exc))
            reason = detail.group(1).strip() if detail else _first_line(exc)
            raise ModelFormatError(f"{path}: corrupt PyTorch file ({reason})") from None
        if not trust_pickle:
            raise UntrustedPickleError(
                f"{path}: the file holds pickled Python objects ({found.group(1)}), and loading "
                "them runs code from the file; pass trust_pickle=True (CLI: --trust-pickle) "
                "only if you trust its source, or save a state dict or TorchScript instead"
            ) from None
        try:
            obj = torch.load(str(path), map_location="cpu", weights_only=False)
        except Exception as exc2:  # noqa: BLE001 - arbitrary unpickling failures
            raise ModelFormatError(f"{path}: cannot unpickle ({_first_line(exc2)})") from None
    except (RuntimeError, EOFError, ValueError, OSError, KeyError) as exc:
        raise ModelFormatError(f"{path}: corrupt or truncated PyTorch file ({_short(exc)})") from None
    if isinstance(obj, torch.nn.Module):
        return from_torch(obj, input_shape=input_shape, name=Path(path).stem)
    if isinstance(obj, Mapping):
        return from_state_dict(obj, input_shape=input_shape, source=str(path))
    raise ModelFormatError(
        f"{path}: holds a {type(obj).__name__}; expected a state dict or an nn.Module"
    )


_CHECKPOINT_KEYS = ("state_dict", "model_state_dict", "model", "net", "network")


def from_state_dict(
    state: Mapping[str, Any],
    *,
    input_shape: Sequence[int] | None = None,
    negative_slope: float = 0.0,
    source: str = "state dict",
) -> Network:
    """A network from the state dict of a plain MLP, assuming its architecture.

    A state dict holds tensors, not the architecture.  Parameters are grouped by module
    prefix (``fc1.weight`` -> ``fc1``) in the order they appear, which is the order the
    modules were registered in.  A group with a 2-D ``weight`` is a ``Linear`` layer, one
    with a 3-D ``weight`` ``(k, out, in)`` and a 2-D ``bias`` ``(k, out)`` a
    :class:`~relu_regions.network.Maxout` layer, one with ``running_mean``/``running_var``
    a ``BatchNorm1d``; a ReLU (or ``LeakyReLU(negative_slope)``) is assumed in front of
    every ``Linear`` layer that follows another ``Linear`` layer (a maxout layer is its own
    activation), i.e. after each hidden layer and its batch norm, and the output is affine.
    The assumption is reported with a :class:`UserWarning`.  A checkpoint dictionary
    with the state dict under ``state_dict``/``model_state_dict``/``model`` is unwrapped.

    Examples
    --------
    >>> import torch.nn as nn, warnings
    >>> sd = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)).state_dict()
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     from_state_dict(sd)
    Network(2-3-1, ReLU)
    """
    torch = require("torch")
    from ._torch_ops import op_batch_norm, op_linear, op_maxout

    tensors = _unwrap_checkpoint(state, torch, source)
    groups: dict[str, dict[str, Any]] = {}
    for key, value in tensors.items():
        prefix, _, leaf = key.rpartition(".")
        groups.setdefault(prefix, {})[leaf] = value
    b = LayerBuilder(input_shape)
    names: list[str] = []
    seen_linear = False
    last_linear = False  # whether the last weight layer was a Linear (then a ReLU follows)
    for prefix, params in groups.items():
        label = prefix or "(top level)"
        b.where = f"state-dict entry '{label}'"
        w = params.get("weight")
        if "running_mean" in params and "running_var" in params:
            op_batch_norm(b, params["running_mean"], params["running_var"], w, params.get("bias"),
                          1e-5)
            names.append(f"{label} (BatchNorm1d)")
        elif w is not None and w.ndim == 2 and set(params) <= {"weight", "bias"}:
            if last_linear:
                b.activation(negative_slope)
            op_linear(b, w, params.get("bias"))
            seen_linear = last_linear = True
            names.append(f"{label} (Linear {w.shape[1]}->{w.shape[0]})")
        elif w is not None and w.ndim == 3 and set(params) == {"weight", "bias"}:
            op_maxout(b, w, params["bias"])
            seen_linear, last_linear = True, False
            names.append(f"{label} (Maxout {w.shape[2]}->{w.shape[1]}, k={w.shape[0]})")
        else:
            shapes = ", ".join(f"{label}.{k} {tuple(v.shape)}" for k, v in params.items())
            raise ModelFormatError(
                f"{source}: cannot infer a layer from the state-dict entries {shapes}; only "
                "plain MLPs (Linear/Maxout/BatchNorm1d) can be read from a state dict: build the "
                "module in Python and pass it to from_torch, or save it as TorchScript"
            )
    if not seen_linear:
        raise ModelFormatError(f"{source}: the state dict has no Linear layer weights")
    act = "ReLU" if negative_slope == 0 else f"LeakyReLU({negative_slope})"
    maxout = " (a Maxout layer is its own activation)" if any("(Maxout" in n for n in names) else ""
    warnings.warn(
        f"{source}: a state dict stores no architecture; assumed the layers "
        f"{', '.join(names)} in file order with a {act} between consecutive Linear layers"
        f"{maxout} and an affine output",
        UserWarning,
        stacklevel=2,
    )
    return b.finish(name=Path(source).stem if source != "state dict" else "")


def _unwrap_checkpoint(state: Mapping[str, Any], torch: Any, source: str) -> dict[str, Any]:
    if all(isinstance(v, torch.Tensor) for v in state.values()) and state:
        return {
            str(k): v
            for k, v in state.items()
            if not str(k).endswith("num_batches_tracked")
        }
    for key in _CHECKPOINT_KEYS:
        inner = state.get(key)
        if isinstance(inner, Mapping) and inner:
            return _unwrap_checkpoint(inner, torch, source)
    raise ModelFormatError(
        f"{source}: a dictionary without model weights (keys: {', '.join(map(str, list(state)[:8]))}); "
        "expected a state dict of tensors"
    )
