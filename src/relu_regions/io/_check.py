"""Run model files in their own runtime, to check conversions independently of our loaders.

:func:`native_forward` evaluates a TorchScript file with ``torch.jit.load``, an ONNX file
with onnxruntime and a pickled ``torch.save`` module with PyTorch (only with
``trust_pickle``); :func:`check_file` compares such a run, and the network read back by
relu-regions, with a :class:`Network`'s own forward pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._deps import available
from .._typing import FloatArray
from ..network import Network

__all__ = ["native_forward", "check_file"]


def _batch(X: FloatArray, input_shape: Sequence[int] | None) -> FloatArray:
    shape = tuple(input_shape) if input_shape else (X.shape[1],)
    return X.reshape(X.shape[0], *shape)


def _torch_run(module: Any, X: FloatArray, input_shape: Sequence[int] | None) -> FloatArray:
    import torch

    params = list(module.parameters())
    dtype = params[0].dtype if params else torch.float32
    with torch.no_grad():
        out = module(torch.tensor(_batch(X, input_shape), dtype=dtype))
    return np.asarray(out.detach().to(torch.float64).numpy().reshape(X.shape[0], -1))


def native_forward(
    path: str | Path,
    X: Any,
    *,
    format: str,
    input_shape: Sequence[int] | None = None,
    trust_pickle: bool = False,
) -> tuple[str, FloatArray] | None:
    """``(runtime, outputs)`` of the file at ``path`` on the flat inputs ``X``, or ``None``.

    ``None`` means the format has no runtime of its own here (``npz``; a state dict; a
    pickled module without ``trust_pickle``; onnxruntime not installed).  Inputs are cast
    to the model's floating-point type and reshaped to ``input_shape``.
    """
    X = np.asarray(X, dtype=np.float64)
    if format == "torchscript":
        import torch

        from ._torch_graph import quiet_jit

        with quiet_jit():
            module = torch.jit.load(str(path), map_location="cpu")
        return "torch.jit", _torch_run(module.eval(), X, input_shape)
    if format == "torch" and trust_pickle:
        import torch

        obj = torch.load(str(path), map_location="cpu", weights_only=False)
        if isinstance(obj, torch.nn.Module):
            return "torch", _torch_run(obj.eval(), X, input_shape)
        return None
    if format == "onnx" and available("onnxruntime"):
        import onnxruntime as ort

        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        inp = sess.get_inputs()[0]
        dtype = np.float64 if inp.type == "tensor(double)" else np.float32
        B = _batch(X, input_shape).astype(dtype)
        fixed = inp.shape[0] if inp.shape and isinstance(inp.shape[0], int) and inp.shape[0] > 0 else None
        if fixed is None:  # a dynamic batch axis: one run
            out = sess.run(None, {inp.name: B})[0]
        else:  # torch.onnx.export fixes the batch at the example's size (1 by default)
            pad = (-len(B)) % fixed
            Bp = np.concatenate([B, np.repeat(B[-1:], pad, axis=0)]) if pad else B
            parts = [sess.run(None, {inp.name: Bp[i : i + fixed]})[0] for i in range(0, len(Bp), fixed)]
            out = np.concatenate(parts)[: len(B)]
        return "onnxruntime", np.asarray(out, dtype=np.float64).reshape(X.shape[0], -1)
    return None


def check_file(
    net: Network, path: str | Path, X: Any, *, format: str, trust_pickle: bool = False
) -> dict[str, Any]:
    """How faithfully the file at ``path`` represents ``net`` on the inputs ``X``.

    Returns the file's size, whether relu-regions reads back bit-identical weights, the
    largest output difference of the network read back and, where the format has its own
    runtime, of that runtime (``runtime``, ``runtime_max_abs_difference``).
    """
    from ._formats import load_network

    X = np.asarray(X, dtype=np.float64)
    expected = net.forward(X)
    back = load_network(path, format=format, trust_pickle=trust_pickle)
    out: dict[str, Any] = {
        "format": format,
        "file": str(path),
        "bytes": Path(path).stat().st_size,
        "same_weights": back.allclose(net, rtol=0.0),
        "reloaded_max_abs_difference": float(np.max(np.abs(back.forward(X) - expected))),
        "runtime": None,
        "runtime_max_abs_difference": None,
    }
    native = native_forward(path, X, format=format, input_shape=net.input_shape, trust_pickle=trust_pickle)
    if native is not None:
        out["runtime"] = native[0]
        out["runtime_max_abs_difference"] = float(np.max(np.abs(native[1] - expected)))
    return out
