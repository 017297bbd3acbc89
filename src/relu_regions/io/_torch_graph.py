"""Read PyTorch models operation by operation into a :class:`LayerBuilder`.

Three readers share the operations of :mod:`._torch_ops` (the symbolic values and operation
tables they interpret with are in :mod:`._torch_graph_ops`):

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
from collections.abc import Iterator, Sequence
from typing import Any

from ..exceptions import ModelFormatError, UnsupportedLayerError
from ._builder import LayerBuilder
from ._torch_graph_ops import (
    _ATEN,
    _BINARY,
    _FX_METHODS,
    _OPS,
    _SCALAR_ARITH,
    Spec,
    _Batch,
    _bind,
    _Chain,
    _fx_functions,
    _Indices,
    _MaxResult,
    _reshape,
    _ShapeOf,
)
from ._torch_modules import apply_module, is_torch_layer, unsupported

__all__ = ["read_module", "read_script_module"]


@contextlib.contextmanager
def quiet_jit() -> Iterator[None]:
    """Silence torch's deprecation warnings for TorchScript, which the formats rely on."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch\.jit")
        yield


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


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
        if apply_module(self.b, m):  # torch.nn layers and relu-regions' Maxout
            return self.advance()
        if is_torch_layer(m):
            raise unsupported(where, cls)
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
            raise unsupported(where, fname)
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
            raise unsupported(where, kind)
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

    from ._torch_modules import is_maxout_module

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
