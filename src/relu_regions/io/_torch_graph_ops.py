"""The values and operation tables behind :mod:`relu_regions.io._torch_graph`'s readers.

Symbolic values of a traced or scripted chain (the running tensor, ``torch.max``'s pair,
the batch size, ``x.shape``), the operations they map to on a
:class:`~relu_regions.io._builder.LayerBuilder` (:data:`_OPS`, built on
:mod:`relu_regions.io._torch_ops`), and the tables that name each ``torch.fx`` function,
tensor method and TorchScript ``aten::`` operator with its parameters in positional order.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from typing import Any

from ..exceptions import UnsupportedLayerError
from . import _torch_ops as ops
from ._builder import LayerBuilder

__all__ = ["BATCH", "Spec"]


class _Chain:
    """The running tensor; ``version`` tells stale copies (branches) from the current one.

    ``shape`` is its per-sample shape when it was made (``None``: flat, size unknown), so
    that ``x.shape`` of an earlier value (``h.view(x.size(0), ...)``) is answered correctly.
    """

    __slots__ = ("version", "shape")

    def __init__(self, version: int, shape: tuple[int, ...] | None = None) -> None:
        self.version = version
        self.shape = shape


class _MaxResult:
    """``torch.max(x, dim)``'s ``(values, indices)`` pair: only ``values`` is usable."""

    __slots__ = ("values",)

    def __init__(self, values: _Chain) -> None:
        self.values = values


class _Indices:
    """The arg-max indices of ``torch.max(x, dim)``: not a piecewise-linear value."""


class _Batch:
    """The batch size, a symbolic integer (``x.size(0)``)."""

    def __repr__(self) -> str:
        return "<batch>"


BATCH = _Batch()


class _ShapeOf:
    """``x.shape`` / ``x.size()`` of a chain value: ``(batch, *shape)``.

    ``shape`` is the value's per-sample shape, or ``None`` for the running value (whose
    shape the builder knows, or asks the user for).
    """

    def __init__(self, b: LayerBuilder, shape: tuple[int, ...] | None = None) -> None:
        self.b = b
        self.shape = shape

    def _per_sample(self) -> tuple[int, ...]:
        return self.shape if self.shape is not None else self.b._shape()

    def __getitem__(self, i: Any) -> Any:
        full = (BATCH, *self._per_sample()) if i != 0 else (BATCH,)
        return full[i]

    def __iter__(self) -> Any:
        return iter((BATCH, *self._per_sample()))

    def __len__(self) -> int:
        return 1 + len(self._per_sample())



# --------------------------------------------------------------------------- operations
def _binary(b: LayerBuilder, kind: str, x: Any, y: Any, alpha: Any = 1) -> None:
    """``x (op) alpha*y`` where one of ``x``, ``y`` is the running tensor, the other constant."""
    a = float(alpha)
    scale: Any
    shift: Any
    if isinstance(x, _Chain) and isinstance(y, _Chain):
        raise UnsupportedLayerError(f"{b.where}: combines the running value with itself (a branch)")
    chain_first = isinstance(x, _Chain)
    c = ops.to_numpy(y if chain_first else x)
    if kind == "add":
        scale, shift = (1.0, a * c) if chain_first else (a, c)
    elif kind == "sub":
        scale, shift = (1.0, -a * c) if chain_first else (-a, c)
    elif kind == "rsub":  # other - alpha * self
        scale, shift = (-a, c) if chain_first else (1.0, -a * c)
    elif kind == "mul":
        scale, shift = c, 0.0
    elif kind == "div":
        if not chain_first:
            raise UnsupportedLayerError(f"{b.where}: division by the running value is not affine")
        scale, shift = 1.0 / c, 0.0
    else:  # pragma: no cover - the tables only name the kinds above
        raise AssertionError(kind)
    b.elementwise(scale, shift)


def _binary_op(kind: str, b: LayerBuilder, p: dict[str, Any]) -> None:
    _binary(b, kind, p["input"], p["other"], p.get("alpha", 1))


def _reshape(b: LayerBuilder, shape: Sequence[Any]) -> None:
    """A reshape whose target includes the batch dimension (``view(x.size(0), -1)``)."""
    target = list(shape)
    if len(target) == 1 and isinstance(target[0], (list, tuple)):
        target = list(target[0])
    if not target:
        raise UnsupportedLayerError(f"{b.where}: reshapes the batch away")
    head, rest = target[0], target[1:]
    if any(isinstance(v, _Batch) for v in rest):
        raise UnsupportedLayerError(f"{b.where}: moves the batch dimension")
    if isinstance(head, _Batch) or (head == -1 and -1 not in rest) or (
        isinstance(head, int) and head > 0 and -1 not in rest
    ):
        if not rest:
            raise UnsupportedLayerError(
                f"{b.where}: reshape to {tuple(target)} merges the batch dimension; use x.flatten(1)"
            )
        b.reshape([int(v) for v in rest])
        return
    raise UnsupportedLayerError(
        f"{b.where}: reshape to {tuple(target)} does not keep the batch dimension first; "
        "use x.view(x.size(0), ...) or x.flatten(1)"
    )


def _avg_pool(nd: int, b: LayerBuilder, p: dict[str, Any]) -> None:
    ops.op_avg_pool(
        b,
        p["kernel_size"],
        p.get("stride"),
        p.get("padding", 0),
        p.get("ceil_mode", False),
        p.get("count_include_pad", True),
        p.get("divisor_override"),
        nd=nd,
    )


def _max_pool(nd: int, b: LayerBuilder, p: dict[str, Any]) -> None:
    ops.op_max_pool(
        b,
        p["kernel_size"],
        p.get("stride"),
        p.get("padding", 0),
        p.get("dilation", 1),
        p.get("ceil_mode", False),
        p.get("return_indices", False),
        nd=nd,
    )


def _conv(b: LayerBuilder, p: dict[str, Any]) -> None:
    if p.get("transposed", False):
        raise UnsupportedLayerError(f"{b.where}: transposed convolutions are not supported")
    ops.op_conv(
        b, p["weight"], p.get("bias"), p.get("stride", 1), p.get("padding", 0), p.get("dilation", 1),
        p.get("groups", 1),
    )


def _max(b: LayerBuilder, p: dict[str, Any]) -> None:
    dim = p.get("dim")
    if dim is not None and not isinstance(dim, (int, list, tuple)):
        raise UnsupportedLayerError(
            f"{b.where}: an elementwise max of two tensors is not supported (only a max over a "
            "feature axis, which is a maxout layer)"
        )
    ops.op_max_reduce(b, dim, p.get("keepdim", False))


def _addmm(b: LayerBuilder, p: dict[str, Any]) -> None:
    alpha, beta = float(p.get("alpha", 1)), float(p.get("beta", 1))
    ops.op_linear(b, alpha * ops.to_numpy(p["mat2"]).T, beta * ops.to_numpy(p["bias"]))


#: operation name -> what it does, given its bound parameters (running tensor removed,
#: except for the binary operations, which need to know on which side it is)
_OPS: dict[str, Callable[[LayerBuilder, dict[str, Any]], None]] = {
    "relu": lambda b, p: ops.op_relu(b),
    "leaky_relu": lambda b, p: ops.op_leaky_relu(b, p.get("negative_slope", 0.01)),
    "prelu": lambda b, p: ops.op_prelu(b, p["weight"]),
    "identity": lambda b, p: ops.op_identity(b),
    "linear": lambda b, p: ops.op_linear(b, p["weight"], p.get("bias")),
    "matmul": lambda b, p: ops.op_linear(b, ops.to_numpy(p["other"]).T, None),
    "addmm": _addmm,
    "flatten": lambda b, p: ops.op_flatten(b, p.get("start_dim", 0), p.get("end_dim", -1)),
    "unflatten": lambda b, p: ops.op_unflatten(b, p["dim"], p["sizes"]),
    "reshape": lambda b, p: _reshape(b, p["shape"]),
    "batch_norm": lambda b, p: ops.op_batch_norm(
        b, p.get("running_mean"), p.get("running_var"), p.get("weight"), p.get("bias"), p.get("eps", 1e-5)
    ),
    "conv": _conv,
    "avg_pool1d": functools.partial(_avg_pool, 1),
    "avg_pool2d": functools.partial(_avg_pool, 2),
    "max_pool1d": functools.partial(_max_pool, 1),
    "max_pool2d": functools.partial(_max_pool, 2),
    "adaptive_avg_pool1d": lambda b, p: ops.op_adaptive_avg_pool(b, p["output_size"], nd=1),
    "adaptive_avg_pool2d": lambda b, p: ops.op_adaptive_avg_pool(b, p["output_size"], nd=2),
    "pad": lambda b, p: ops.op_pad(b, p["pad"], p.get("mode") or "constant", p.get("value")),
    "neg": lambda b, p: b.elementwise(-1.0, 0.0),
    "max": _max,
    "squeeze": lambda b, p: ops.op_squeeze(b, p.get("dim")),
    "unsqueeze": lambda b, p: ops.op_unsqueeze(b, p["dim"]),
    "amax": lambda b, p: ops.op_max_reduce(b, p.get("dim", ()), p.get("keepdim", False), what="amax"),
    **{kind: functools.partial(_binary_op, kind) for kind in ("add", "sub", "rsub", "mul", "div")},
}


_BINARY = {"add", "sub", "rsub", "mul", "div"}


# name -> (operation, parameter names in positional order, defaults)
Spec = tuple[str, Sequence[str], dict[str, Any]]


def _fx_functions() -> dict[Any, Spec]:
    import torch
    import torch.nn.functional as F

    t: dict[Any, Spec] = {}

    def add(fns: Sequence[Any], op: str, names: Sequence[str], **defaults: Any) -> None:
        for fn in fns:
            t[fn] = (op, names, defaults)

    add([F.relu, torch.relu, torch.relu_, F.relu_], "relu", ["input", "inplace"])
    add([F.leaky_relu], "leaky_relu", ["input", "negative_slope", "inplace"])
    add([F.prelu], "prelu", ["input", "weight"])
    add([F.linear], "linear", ["input", "weight", "bias"])
    add([torch.flatten], "flatten", ["input", "start_dim", "end_dim"])
    add([torch.reshape], "reshape", ["input", "shape"])
    add([F.dropout, F.dropout1d, F.dropout2d, F.alpha_dropout, torch.dropout], "identity",
        ["input", "p", "training", "inplace"])
    add([F.batch_norm], "batch_norm",
        ["input", "running_mean", "running_var", "weight", "bias", "training", "momentum", "eps"])
    add([F.conv1d, F.conv2d], "conv", ["input", "weight", "bias", "stride", "padding", "dilation", "groups"])
    avg = ["input", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"]
    add([F.avg_pool1d], "avg_pool1d", avg)
    add([F.avg_pool2d], "avg_pool2d", [*avg, "divisor_override"])
    for nd, fn in ((1, F.max_pool1d), (2, F.max_pool2d)):
        add([fn], f"max_pool{nd}d", ["input", "kernel_size", "stride", "padding", "dilation", "ceil_mode",
                                     "return_indices"])
    add([F.adaptive_avg_pool1d], "adaptive_avg_pool1d", ["input", "output_size"])
    add([F.adaptive_avg_pool2d], "adaptive_avg_pool2d", ["input", "output_size"])
    add([F.pad], "pad", ["input", "pad", "mode", "value"])
    add([operator.add, torch.add], "add", ["input", "other", "alpha"])
    add([operator.sub, torch.sub], "sub", ["input", "other", "alpha"])
    add([operator.mul, torch.mul], "mul", ["input", "other"])
    add([operator.truediv, torch.div], "div", ["input", "other"])
    add([operator.neg, torch.neg], "neg", ["input"])
    add([torch.matmul], "matmul", ["input", "other"])
    add([torch.max], "max", ["input", "dim", "keepdim"])
    add([torch.amax], "amax", ["input", "dim", "keepdim"])
    add([torch.squeeze], "squeeze", ["input", "dim"])
    add([torch.unsqueeze], "unsqueeze", ["input", "dim"])
    return t


_FX_METHODS: dict[str, Spec] = {
    "relu": ("relu", ["input"], {}),
    "relu_": ("relu", ["input"], {}),
    "flatten": ("flatten", ["input", "start_dim", "end_dim"], {}),
    "unflatten": ("unflatten", ["input", "dim", "sizes"], {}),
    "add": ("add", ["input", "other", "alpha"], {}),
    "sub": ("sub", ["input", "other", "alpha"], {}),
    "mul": ("mul", ["input", "other"], {}),
    "div": ("div", ["input", "other"], {}),
    "neg": ("neg", ["input"], {}),
    "matmul": ("matmul", ["input", "other"], {}),
    "max": ("max", ["input", "dim", "keepdim"], {}),
    "amax": ("amax", ["input", "dim", "keepdim"], {}),
    "squeeze": ("squeeze", ["input", "dim"], {}),
    "unsqueeze": ("unsqueeze", ["input", "dim"], {}),
    **{
        m: ("identity", ["input"], {})
        for m in ("contiguous", "clone", "detach", "float", "double", "to", "cpu")
    },
}

_ATEN_MAX = ["input", "kernel_size", "stride", "padding", "dilation", "ceil_mode"]

_ATEN: dict[str, Spec] = {
    "aten::relu": ("relu", ["input"], {}),
    "aten::relu_": ("relu", ["input"], {}),
    "aten::leaky_relu": ("leaky_relu", ["input", "negative_slope"], {}),
    "aten::leaky_relu_": ("leaky_relu", ["input", "negative_slope"], {}),
    "aten::prelu": ("prelu", ["input", "weight"], {}),
    "aten::linear": ("linear", ["input", "weight", "bias"], {}),
    "aten::matmul": ("matmul", ["input", "other"], {}),
    "aten::mm": ("matmul", ["input", "other"], {}),
    "aten::addmm": ("addmm", ["bias", "input", "mat2", "beta", "alpha"], {}),
    "aten::flatten": ("flatten", ["input", "start_dim", "end_dim"], {}),
    "aten::unflatten": ("unflatten", ["input", "dim", "sizes"], {}),
    "aten::view": ("reshape", ["input", "shape"], {}),
    "aten::reshape": ("reshape", ["input", "shape"], {}),
    "aten::batch_norm": ("batch_norm", ["input", "weight", "bias", "running_mean", "running_var", "training",
                                        "momentum", "eps", "cudnn_enabled"], {}),
    "aten::conv1d": ("conv", ["input", "weight", "bias", "stride", "padding", "dilation", "groups"], {}),
    "aten::conv2d": ("conv", ["input", "weight", "bias", "stride", "padding", "dilation", "groups"], {}),
    "aten::_convolution": ("conv", ["input", "weight", "bias", "stride", "padding", "dilation", "transposed",
                                    "output_padding", "groups", "benchmark", "deterministic", "cudnn_enabled",
                                    "allow_tf32"], {}),
    "aten::avg_pool1d": ("avg_pool1d", ["input", "kernel_size", "stride", "padding", "ceil_mode",
                                        "count_include_pad"], {}),
    "aten::avg_pool2d": ("avg_pool2d", ["input", "kernel_size", "stride", "padding", "ceil_mode",
                                        "count_include_pad", "divisor_override"], {}),
    "aten::max_pool1d": ("max_pool1d", _ATEN_MAX, {}),
    "aten::max_pool2d": ("max_pool2d", _ATEN_MAX, {}),
    "aten::adaptive_avg_pool1d": ("adaptive_avg_pool1d", ["input", "output_size"], {}),
    "aten::adaptive_avg_pool2d": ("adaptive_avg_pool2d", ["input", "output_size"], {}),
    "aten::pad": ("pad", ["input", "pad", "mode", "value"], {}),
    "aten::constant_pad_nd": ("pad", ["input", "pad", "value"], {}),
    "aten::add": ("add", ["input", "other", "alpha"], {}),
    "aten::add_": ("add", ["input", "other", "alpha"], {}),
    "aten::sub": ("sub", ["input", "other", "alpha"], {}),
    "aten::rsub": ("rsub", ["input", "other", "alpha"], {}),
    "aten::mul": ("mul", ["input", "other"], {}),
    "aten::div": ("div", ["input", "other"], {}),
    "aten::neg": ("neg", ["input"], {}),
    "aten::max": ("max", ["input", "dim", "keepdim"], {}),
    "aten::amax": ("amax", ["input", "dim", "keepdim"], {}),
    "aten::squeeze": ("squeeze", ["input", "dim"], {}),
    "aten::unsqueeze": ("unsqueeze", ["input", "dim"], {}),
    **{
        k: ("identity", ["input"], {})
        for k in (
            "aten::dropout", "aten::dropout_", "aten::feature_dropout", "aten::feature_dropout_",
            "aten::alpha_dropout", "aten::feature_alpha_dropout", "aten::contiguous", "aten::clone",
            "aten::detach", "aten::to",
        )
    },
}


#: integer/float arithmetic of TorchScript graphs on plain numbers (sizes), evaluated directly
_SCALAR_ARITH: dict[str, Callable[..., Any]] = {
    "aten::add": operator.add,
    "aten::sub": operator.sub,
    "aten::mul": operator.mul,
    "aten::floordiv": operator.floordiv,
    "aten::neg": operator.neg,
}


def _bind(spec: Spec, args: Sequence[Any], kwargs: dict[str, Any], where: str) -> dict[str, Any]:
    op, names, defaults = spec
    if op == "identity":  # dropout, contiguous, to(...): the other arguments do not matter
        args = args[:1]
    if len(args) > len(names):
        raise UnsupportedLayerError(f"{where}: {op} called with {len(args)} arguments")
    p = dict(defaults)
    p.update(zip(names, args, strict=False))
    p.update(kwargs)
    return p
