"""Read PyTorch models operation by operation into a :class:`LayerBuilder`.

Three readers share the operations of :mod:`._torch_ops`:

* ``nn.Sequential`` trees are walked child by child (nested containers too);
* any other ``nn.Module`` is traced with ``torch.fx.symbolic_trace`` (falling back to
  ``torch.jit.script``), and its graph of module calls, functions and tensor methods is
  interpreted;
* TorchScript modules are frozen (``torch.jit.freeze``, which inlines submodules and
  turns parameters into constants) and their ``aten::`` graph is interpreted.

The model must be a *chain*: every operation consumes the result of the previous one
(plus constants).  Branches such as skip connections are refused with a clear error.

A maximum over feature axes (``torch.amax``, the values of ``torch.max(x, dim)``, in any
of the three forms) is a maxout layer; relu-regions' own ``Maxout`` module is a leaf of
the ``torch.fx`` trace and read from its parameters.  The arg-max *indices* of
``torch.max`` are not a piecewise-linear value: a model that uses them is refused.
"""

from __future__ import annotations

import contextlib
import functools
import operator
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..exceptions import ModelFormatError, UnsupportedLayerError
from . import _torch_ops as ops
from ._builder import LayerBuilder

__all__ = ["read_module", "read_script_module"]


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


@contextlib.contextmanager
def quiet_jit() -> Iterator[None]:
    """Silence torch's deprecation warnings for TorchScript, which the formats rely on."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch\.jit")
        yield


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


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


class _Interpreter:
    """Shared state of the readers: the builder, the running tensor and positions."""

    def __init__(self, b: LayerBuilder) -> None:
        self.b = b
        self.version = 0
        self.position = 0

    def start(self) -> _Chain:
        return _Chain(self.version, self.b.shape)

    def label(self, what: str) -> str:
        self.position += 1
        self.b.where = f"position {self.position} ({what})"
        return self.b.where

    def apply(self, spec: Spec, args: Sequence[Any], kwargs: dict[str, Any]) -> _Chain:
        p = _bind(spec, args, kwargs, self.b.where)
        op = spec[0]
        if any(isinstance(v, (_Indices, _MaxResult)) for v in p.values()):
            raise UnsupportedLayerError(
                f"{self.b.where} uses the result of torch.max(x, dim) as a whole or its arg-max "
                "indices, which are not piecewise linear in the input; use .values or [0]"
            )
        chains = [v for v in p.values() if isinstance(v, _Chain)]
        if len(chains) != 1:
            raise UnsupportedLayerError(
                f"{self.b.where} combines the running value with another tensor value (a branch "
                "or skip connection); only chains of layers can be converted"
            )
        self.check(chains[0])
        if op not in _BINARY:
            p = {k: v for k, v in p.items() if not isinstance(v, _Chain)}
        _OPS[op](self.b, p)
        return self.advance()

    def check(self, value: _Chain) -> None:
        if value.version != self.version:
            raise UnsupportedLayerError(
                f"{self.b.where} uses the value of an earlier layer again (a branch or skip "
                "connection); only chains of layers can be converted"
            )

    def advance(self) -> _Chain:
        self.version += 1
        return _Chain(self.version, self.b.shape)

    def shape_of(self, value: _Chain) -> _ShapeOf:
        """``value.shape``: the running value's, or the recorded shape of an earlier one."""
        shape = value.shape
        if shape is None and value.version == 0 and self.b._n_in is not None:
            shape = self.b.input_shape or (self.b._n_in,)  # the model's input, size revealed since
        if value.version == self.version or shape is None:
            return _ShapeOf(self.b)
        return _ShapeOf(self.b, shape)

    def module(self, m: Any, name: str, x: _Chain) -> _Chain:
        """Apply module ``m`` (qualified ``name``) to the running tensor ``x``."""
        import torch

        self.check(x)
        if isinstance(m, torch.nn.Sequential) and type(m).forward is torch.nn.Sequential.forward:
            for child, sub in m.named_children():
                x = self.module(sub, f"{name}.{child}" if name else child, x)
            return x
        cls = type(m).__name__
        where = self.label(f"{cls} '{name}'" if name else cls)
        if ops.apply_module(self.b, m):  # torch.nn layers and relu-regions' Maxout
            return self.advance()
        if ops.is_torch_layer(m):
            raise ops.unsupported(where, cls)
        if isinstance(m, torch.jit.ScriptModule):
            return self.script(m, name, x)
        return self.traced(m, name, x)

    # ------------------------------------------------------------------ torch.fx
    def traced(self, m: Any, name: str, x: _Chain) -> _Chain:
        import torch

        try:
            gm = torch.fx.GraphModule(m, _tracer_class()().trace(m))
        except Exception as fx_exc:  # noqa: BLE001 - any tracing failure: try TorchScript
            what = f"{type(m).__name__}" + (f" '{name}'" if name else "")
            failed = f"cannot read {what}: torch.fx tracing failed ({_first_line(fx_exc)})"
            try:
                with quiet_jit():
                    scripted = torch.jit.script(m)
            except Exception:  # noqa: BLE001
                raise UnsupportedLayerError(
                    f"{failed} and so did torch.jit.script; write the model as nn.Sequential or "
                    "pass a traced TorchScript module"
                ) from None
            try:
                return self.script(scripted, name, x)
            except UnsupportedLayerError as exc:
                raise UnsupportedLayerError(f"{failed}; its TorchScript form: {exc}") from None
        env: dict[Any, Any] = {}
        fx_functions = _fx_functions()
        placeholders = 0

        def val(a: Any) -> Any:
            return torch.fx.node.map_arg(a, lambda n: env[n])

        for node in gm.graph.nodes:
            if node.op == "placeholder":
                placeholders += 1
                if placeholders > 1:
                    raise UnsupportedLayerError(
                        f"{type(m).__name__} '{name or 'model'}' takes more than one input"
                    )
                env[node] = x
            elif node.op == "get_attr":
                obj: Any = gm
                for part in str(node.target).split("."):
                    obj = getattr(obj, part)
                env[node] = obj
            elif node.op == "call_module":
                sub = gm.get_submodule(str(node.target))
                (arg,) = val(node.args)
                qual = f"{name}.{node.target}" if name else str(node.target)
                if not isinstance(arg, _Chain):
                    raise UnsupportedLayerError(f"{qual} is applied to a constant")
                env[node] = self.module(sub, qual, arg)
            elif node.op in ("call_function", "call_method"):
                env[node] = self.fx_call(node, val(node.args), val(node.kwargs), name, fx_functions)
            elif node.op == "output":
                out = val(node.args[0])
                if not isinstance(out, _Chain):
                    raise UnsupportedLayerError(
                        f"{type(m).__name__} '{name or 'model'}' must return one tensor"
                    )
                self.check(out)
                return out
        raise ModelFormatError(f"the traced graph of '{name or 'model'}' has no output")  # pragma: no cover

    def fx_call(
        self, node: Any, args: tuple[Any, ...], kwargs: dict[str, Any], name: str, table: dict[Any, Spec]
    ) -> Any:
        target = node.target
        symbolic = any(
            isinstance(v, (_Chain, _Batch, _ShapeOf, _MaxResult, _Indices)) for v in (*args, *kwargs.values())
        )
        if node.op == "call_function" and not symbolic:
            return target(*args, **kwargs)  # constants only: evaluate (e.g. self.w * 2)
        if node.op == "call_method" and not symbolic:
            return getattr(args[0], target)(*args[1:], **kwargs)  # e.g. self.weight.reshape(...)
        if node.op == "call_function" and target is getattr and isinstance(args[0], _Chain):
            if args[1] == "shape":
                return self.shape_of(args[0])
            if args[1] == "ndim":
                return len(self.shape_of(args[0]))
        if node.op == "call_function" and isinstance(args[0], _MaxResult):
            return self.max_part(args[0], args[1], target)
        if node.op == "call_function" and target is operator.getitem and isinstance(args[0], _ShapeOf):
            return args[0][args[1]]
        if node.op == "call_method" and target in ("size", "dim") and isinstance(args[0], _Chain):
            if target == "dim":
                return len(self.shape_of(args[0]))
            dim = args[1] if len(args) > 1 else kwargs.get("dim")
            return self.shape_of(args[0]) if dim is None else self.shape_of(args[0])[int(dim)]
        if node.op == "call_method" and target in ("view", "reshape"):
            what = f"{target} in '{name}'" if name else str(target)
            self.label(what)
            self.check(args[0])
            _reshape(self.b, list(args[1:]) or list(kwargs.values()))
            return self.advance()
        spec = table.get(target) if node.op == "call_function" else _FX_METHODS.get(target)
        fname = getattr(target, "__name__", str(target))
        where = self.label(f"{fname} in '{name}'" if name else fname)
        if spec is None:
            raise ops.unsupported(where, fname)
        out = self.apply(spec, args, kwargs)
        if spec[0] == "max":  # torch.max(x, dim) returns (values, indices)
            return _MaxResult(out)
        return out

    def max_part(self, res: _MaxResult, key: Any, target: Any) -> Any:
        """``res[0]``/``res.values`` (the maxout layer's output) or the refused indices."""
        if (target is operator.getitem and key == 0) or (target is getattr and key == "values"):
            return res.values
        if (target is operator.getitem and key in (1, -1)) or (target is getattr and key == "indices"):
            return _Indices()
        raise UnsupportedLayerError(f"{self.b.where}: unsupported use of torch.max's result ({key!r})")

    # ------------------------------------------------------------------ TorchScript
    def script(self, m: Any, name: str, x: _Chain) -> _Chain:
        import torch

        was_training = m.training
        try:
            m.eval()
            with quiet_jit():
                frozen = torch.jit.freeze(m, optimize_numerics=False)
        except Exception as exc:  # noqa: BLE001
            raise UnsupportedLayerError(
                f"cannot freeze the TorchScript module '{name or 'model'}': {_first_line(exc)}"
            ) from None
        finally:
            m.train(was_training)
        graph = frozen.graph
        inputs = [v for v in graph.inputs() if v.type().kind() != "ClassType"]
        if len(inputs) != 1:
            raise UnsupportedLayerError(
                f"the TorchScript module '{name or 'model'}' takes {len(inputs)} inputs, expected one"
            )
        env: dict[int, Any] = {inputs[0].unique(): x}
        for node in graph.nodes():
            env.update(zip((o.unique() for o in node.outputs()), self.aten(node, env, name), strict=True))
        outs = list(graph.outputs())
        out = env.get(outs[0].unique()) if len(outs) == 1 else None
        if not isinstance(out, _Chain):
            raise UnsupportedLayerError(
                f"the TorchScript module '{name or 'model'}' must return exactly one tensor"
            )
        self.check(out)
        return out

    def aten(self, node: Any, env: dict[int, Any], name: str) -> list[Any]:
        kind = node.kind()
        args: list[Any] = [env.get(v.unique()) for v in node.inputs()]
        n_out = len(list(node.outputs()))
        if kind == "prim::Constant":
            return [node.output().toIValue()]
        if kind in ("prim::ListConstruct", "prim::TupleConstruct"):
            return [list(args)]
        if kind in ("prim::ListUnpack", "prim::TupleUnpack"):
            return list(args[0])
        if kind in ("aten::Int", "prim::NumToTensor", "aten::ScalarImplicit", "aten::Float"):
            return [args[0]]
        if kind == "aten::size" and isinstance(args[0], _Chain):
            shape = self.shape_of(args[0])
            return [shape if len(args) == 1 else shape[int(args[1])]]
        if kind == "aten::dim" and isinstance(args[0], _Chain):
            return [len(self.shape_of(args[0]))]
        if kind in ("aten::__getitem__", "aten::select") and not isinstance(args[0], _Chain):
            return [args[0][int(args[1])]]
        if kind in _SCALAR_ARITH and args and all(
            isinstance(a, (int, float)) and not isinstance(a, bool) for a in args
        ):
            return [_SCALAR_ARITH[kind](*args)]  # size arithmetic, e.g. x.size(1) + 1
        scope = node.scopeName() or ""
        short = kind.split("::")[-1]
        what = f"{short} in '{name or scope}'" if (name or scope) else short
        where = self.label(what)
        spec = _ATEN.get(kind)
        if spec is None:
            if kind.startswith("prim::If") or kind.startswith("prim::Loop"):
                raise UnsupportedLayerError(
                    f"{where}: data-dependent control flow ({kind}) cannot be converted"
                )
            raise ops.unsupported(where, kind)
        if any(isinstance(a, _Indices) for a in args):
            raise UnsupportedLayerError(
                f"{where} uses the arg-max indices of a max, which are not piecewise linear in the input"
            )
        if not any(isinstance(a, _Chain) for a in args):
            raise UnsupportedLayerError(f"{where}: {kind} on constants only was not folded")
        if kind == "aten::max" and n_out == 2:  # max.dim: (values, indices)
            return [self.apply(spec, args, {}), _Indices()]
        if n_out != 1:
            raise UnsupportedLayerError(f"{where}: {kind} with {n_out} outputs is not supported")
        if kind == "aten::max":
            raise UnsupportedLayerError(
                f"{where}: max without a dimension, or of two tensors, is not supported (only a max "
                "over a feature axis, which is a maxout layer)"
            )
        return [self.apply(spec, args, {})]


@functools.cache
def _tracer_class() -> Any:
    import torch

    from ._torch_ops import is_maxout_module

    class Tracer(torch.fx.Tracer):  # type: ignore[misc]
        """``torch.fx``'s tracer, with relu-regions' ``Maxout`` kept as one module call."""

        def is_leaf_module(self, m: Any, qualname: str) -> bool:
            return is_maxout_module(m) or bool(super().is_leaf_module(m, qualname))

    return Tracer


def read_module(module: Any, b: LayerBuilder) -> None:
    """Feed an ``nn.Module`` (Sequential, custom or TorchScript) into ``b``."""
    it = _Interpreter(b)
    x = it.start()
    out = it.module(module, "", x)
    it.check(out)


def read_script_module(module: Any, b: LayerBuilder) -> None:
    """Feed a TorchScript module into ``b``."""
    it = _Interpreter(b)
    out = it.script(module, "", it.start())
    it.check(out)
