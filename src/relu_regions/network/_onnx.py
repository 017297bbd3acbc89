"""ONNX models in and out (the optional ``onnx`` extra, imported lazily).

Import reads a chain of operators on one running tensor with constant initializers:
``Gemm`` (``alpha``, ``beta``, ``transB``; ``transA`` on the running tensor would mix the
batch and is refused), ``MatMul`` by a constant matrix, ``Add``/``Sub``/``Mul``/``Div`` by
constants (so ``MatMul`` + ``Add`` is a dense layer), ``Relu``, ``LeakyRelu``,
``Flatten`` (axis 1), ``Reshape`` (keeping the batch dimension), ``Identity``,
``Dropout`` (inference: the identity) and ``Constant``.  Any other operator raises
:class:`~relu_regions.exceptions.UnsupportedLayerError` naming it.  A ``Gemm`` computes

.. math::

    Y = \\alpha\\, A\\, \\mathrm{op}(B) + \\beta C, \\qquad
    W = \\alpha\\, \\mathrm{op}(B)^\\top,\\ b = \\beta C .

``LeakyRelu``'s ``alpha`` is a float32 attribute in ONNX: export rounds the slope to
float32 (onnxruntime uses that value even in double precision) and import reads it back
as the shortest decimal with the same float32 (:func:`float32_attribute`), so slopes
such as 0.01 or 0.2 round-trip exactly.

Export writes ``Flatten`` (for a multi-dimensional input shape), then ``Gemm`` with
``transB=1`` and ``Relu``/``LeakyRelu`` per layer, at opset :data:`OPSET` and IR
version :data:`IR_VERSION` (readable by onnxruntime >= 1.14), in float64 by default
(onnxruntime runs ``Gemm``, ``Relu`` and ``LeakyRelu`` in double) or float32.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._deps import require
from .._registry import Registry
from ..exceptions import DimensionError, ModelFormatError, UnsupportedLayerError
from ._builder import LayerBuilder
from ._network import Network

__all__ = ["from_onnx", "to_onnx", "load_onnx", "save_onnx", "OPSET", "IR_VERSION"]

#: Operator set and IR version of exported models.
OPSET = 17
IR_VERSION = 8

#: name -> (ONNX element type name, NumPy dtype)
ONNX_DTYPES: Registry[tuple[str, type]] = Registry("dtype")
ONNX_DTYPES.add("float64", ("DOUBLE", np.float64), help="double precision (exact round trips)")
ONNX_DTYPES.add("float32", ("FLOAT", np.float32), help="single precision")

SUPPORTED_OPS = (
    "Gemm, MatMul, Add, Sub, Mul, Div, Relu, LeakyRelu, Flatten, Reshape, Identity, Dropout, Constant"
)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def load_onnx(
    path: str | Path, *, input_shape: Sequence[int] | None = None, trust_pickle: bool = False
) -> Network:
    """Load an ``.onnx`` file (checked with ``onnx.checker`` first)."""
    onnx = require("onnx")
    try:
        model = onnx.load(str(path))
    except Exception as exc:  # noqa: BLE001 - protobuf raises its own DecodeError types
        raise ModelFormatError(f"{path}: not a readable ONNX model ({_first_line(exc)})") from None
    return from_onnx(model, input_shape=input_shape, source=str(path))


def from_onnx(
    model: Any, *, input_shape: Sequence[int] | None = None, source: str = "ONNX model"
) -> Network:
    """Convert an ``onnx.ModelProto`` into a :class:`Network`.

    ``input_shape`` (one sample, without the batch dimension) overrides the shape the
    graph declares for its input.
    """
    onnx = require("onnx")
    try:
        onnx.checker.check_model(model)
    except Exception as exc:  # noqa: BLE001 - ValidationError and protobuf errors
        raise ModelFormatError(f"{source}: invalid ONNX model ({_first_line(exc)})") from None
    return _GraphReader(model, source).read(input_shape)


class _GraphReader:
    def __init__(self, model: Any, source: str) -> None:
        from onnx import numpy_helper

        self.model = model
        self.graph = model.graph
        self.source = source
        self.to_array = numpy_helper.to_array
        self.consts: dict[str, np.ndarray] = {
            t.name: np.asarray(self.to_array(t)) for t in self.graph.initializer
        }

    def read(self, input_shape: Sequence[int] | None) -> Network:
        inputs = [i for i in self.graph.input if i.name not in self.consts]
        if len(inputs) != 1:
            raise ModelFormatError(
                f"{self.source}: the graph has {len(inputs)} non-constant inputs, expected one"
            )
        declared = self._declared_shape(inputs[0])
        if input_shape is not None:
            b = LayerBuilder(input_shape)
        elif declared is not None and len(declared) == 1:
            b = LayerBuilder(None, flat_size=declared[0])
        else:
            b = LayerBuilder(declared)
        current = inputs[0].name
        for pos, node in enumerate(self.graph.node, start=1):
            b.where = f"position {pos} ({node.op_type} '{node.name or node.output[0]}')"
            if node.op_type == "Constant":
                self.consts[node.output[0]] = self._constant(node)
                continue
            self._check_inputs(node, current, b.where)
            handler = _HANDLERS.get(node.op_type)
            if handler is None:
                raise UnsupportedLayerError(
                    f"unsupported ONNX operator {node.op_type} at {b.where}; supported: {SUPPORTED_OPS}"
                )
            handler(self, node, b, current)
            current = node.output[0]
        outputs = list(self.graph.output)
        if len(outputs) != 1 or outputs[0].name != current:
            raise UnsupportedLayerError(
                f"{self.source}: the graph must return the result of its last node as its only output"
            )
        meta = {p.key: p.value for p in self.model.metadata_props}
        return b.finish(name=meta.get("name", ""))

    def _declared_shape(self, value_info: Any) -> tuple[int, ...] | None:
        dims = value_info.type.tensor_type.shape.dim
        per_sample = [d.dim_value if d.HasField("dim_value") else 0 for d in list(dims)[1:]]
        if not per_sample or min(per_sample) < 1:
            return None
        return tuple(int(d) for d in per_sample)

    def _constant(self, node: Any) -> np.ndarray:
        from onnx import helper

        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if "value" in attrs:
            return np.asarray(self.to_array(attrs["value"]))
        for key in ("value_float", "value_floats", "value_int", "value_ints"):
            if key in attrs:
                return np.asarray(attrs[key])
        raise UnsupportedLayerError(f"{self.source}: Constant node '{node.name}' of an unsupported kind")

    def _check_inputs(self, node: Any, current: str, where: str) -> None:
        for name in node.input:
            if name and name != current and name not in self.consts:
                raise UnsupportedLayerError(
                    f"{where} reads '{name}', which is neither the previous node's output nor a "
                    "constant (a branch or skip connection); only chains can be converted"
                )
        if current not in node.input:
            raise UnsupportedLayerError(f"{where} does not use the previous node's output")

    def attrs(self, node: Any) -> dict[str, Any]:
        from onnx import helper

        return {a.name: helper.get_attribute_value(a) for a in node.attribute}

    def const(self, name: str, where: str) -> np.ndarray:
        if name not in self.consts:
            raise UnsupportedLayerError(f"{where}: expected a constant for '{name}'")
        return np.asarray(self.consts[name], dtype=np.float64)


# --------------------------------------------------------------------------- operators
def _gemm(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    a = r.attrs(node)
    if node.input[0] != current:
        raise UnsupportedLayerError(f"{b.where}: Gemm must take the running value as its first input A")
    if a.get("transA", 0):
        raise UnsupportedLayerError(f"{b.where}: Gemm with transA=1 on the running value mixes the batch")
    B = r.const(node.input[1], b.where)
    if B.ndim != 2:
        raise ModelFormatError(f"{b.where}: Gemm B must be a matrix, got shape {B.shape}")
    opB = B.T if a.get("transB", 0) else B  # (K, M)
    W = float(a.get("alpha", 1.0)) * opB.T
    bias = np.zeros(W.shape[0])
    if len(node.input) > 2 and node.input[2]:
        C = r.const(node.input[2], b.where)
        try:
            bias = float(a.get("beta", 1.0)) * np.broadcast_to(C, (1, W.shape[0])).reshape(-1)
        except ValueError:
            raise ModelFormatError(
                f"{b.where}: Gemm C of shape {C.shape} does not broadcast to ({W.shape[0]},)"
            ) from None
    if b.shape is not None and len(b.shape) != 1:
        raise DimensionError(f"{b.where}: Gemm needs a 2-D input (batch, features), got {b.shape} per sample")
    b.linear(W, bias)


def _matmul(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    if node.input[0] != current:
        raise UnsupportedLayerError(f"{b.where}: MatMul must multiply the running value from the left")
    M = r.const(node.input[1], b.where)
    if M.ndim != 2:
        raise UnsupportedLayerError(f"{b.where}: MatMul by a constant of shape {M.shape} (need a matrix)")
    b.linear(M.T, None)


def _arith(kind: str) -> Any:
    def handle(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
        first = node.input[0] == current
        other = node.input[1] if first else node.input[0]
        c = r.const(other, b.where)
        rank = len(b.shape) + 1 if b.shape is not None else 2
        if c.ndim >= rank:  # the constant spells out the batch dimension: it must be 1
            if c.ndim > rank or c.shape[0] != 1:
                raise DimensionError(
                    f"{b.where}: a constant of shape {c.shape} does not broadcast over the batch"
                )
            c = c[0]
        if kind == "Add":
            b.elementwise(1.0, c)
        elif kind == "Sub":
            b.elementwise(*((1.0, -c) if first else (-1.0, c)))
        elif kind == "Mul":
            b.elementwise(c, 0.0)
        elif first:  # Div
            b.elementwise(1.0 / c, 0.0)
        else:
            raise UnsupportedLayerError(f"{b.where}: division by the running value is not affine")

    return handle


def _relu(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    b.activation(0.0)


def float32_attribute(value: float) -> float:
    """The shortest decimal that rounds to the same float32 as ``value``.

    ONNX stores ``LeakyRelu``'s ``alpha`` as a float32, so ``0.1`` arrives as
    ``0.10000000149011612``; the shortest decimal of that float32 (``0.1``) is the value
    the model's author wrote and rounds to the same attribute.

    >>> float32_attribute(0.10000000149011612)
    0.1
    """
    return float(np.format_float_positional(np.float32(value), unique=True, trim="-"))


def _leaky(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    b.activation(float32_attribute(float(r.attrs(node).get("alpha", 0.01))))


def _identity(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    """Identity; Dropout at inference (its optional mask output must stay unused)."""


def _flatten(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    axis = int(r.attrs(node).get("axis", 1))
    rank = len(b.shape) + 1 if b.shape is not None else None
    if axis < 0 and rank is not None:
        axis += rank
    if axis != 1:
        raise UnsupportedLayerError(f"{b.where}: Flatten with axis={axis} mixes the batch (use axis=1)")
    b.flatten(1, -1)


def _reshape(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    target = [int(v) for v in r.const(node.input[1], b.where).reshape(-1)]
    allowzero = int(r.attrs(node).get("allowzero", 0))
    if not target or not (target[0] == 0 and not allowzero or target[0] == -1 and -1 not in target[1:]):
        raise UnsupportedLayerError(
            f"{b.where}: Reshape to {target} does not keep the batch dimension first (use 0 or -1 there)"
        )
    rest = target[1:]
    if any(v == 0 for v in rest):
        if allowzero:
            raise DimensionError(f"{b.where}: Reshape to a zero-sized dimension")
        cur = b._shape()
        rest = [cur[i] if v == 0 else v for i, v in enumerate(rest)]
    if not rest:
        raise UnsupportedLayerError(f"{b.where}: Reshape makes each sample a scalar")
    b.reshape(rest)


_HANDLERS = {
    "Gemm": _gemm,
    "MatMul": _matmul,
    "Add": _arith("Add"),
    "Sub": _arith("Sub"),
    "Mul": _arith("Mul"),
    "Div": _arith("Div"),
    "Relu": _relu,
    "LeakyRelu": _leaky,
    "Identity": _identity,
    "Dropout": _identity,
    "Flatten": _flatten,
    "Reshape": _reshape,
}


# --------------------------------------------------------------------------- export
def to_onnx(net: Network, *, dtype: str = "float64") -> Any:
    """The network as an ``onnx.ModelProto`` (``Gemm`` + ``Relu``/``LeakyRelu`` layers).

    Examples
    --------
    >>> from relu_regions.network import random_network
    >>> model = to_onnx(random_network([2, 3, 1], seed=0))
    >>> [n.op_type for n in model.graph.node]
    ['Gemm', 'Relu', 'Gemm']
    """
    onnx = require("onnx")
    from onnx import TensorProto, helper, numpy_helper

    elem_name, np_dtype = ONNX_DTYPES[dtype]
    elem = getattr(TensorProto, elem_name)
    shape = list(net.input_shape) if net.input_shape else [net.input_dim]
    nodes = []
    inits = []
    x = "input"
    if len(shape) > 1:
        nodes.append(helper.make_node("Flatten", [x], ["flat"], axis=1, name="flatten"))
        x = "flat"
    last = len(net.layers) - 1
    for i, layer in enumerate(net.layers):
        inits.append(numpy_helper.from_array(np.asarray(layer.weight, dtype=np_dtype), f"W{i}"))
        inits.append(numpy_helper.from_array(np.asarray(layer.bias, dtype=np_dtype), f"b{i}"))
        z = "output" if i == last and layer.slope is None else f"z{i}"
        nodes.append(helper.make_node("Gemm", [x, f"W{i}", f"b{i}"], [z], transB=1, name=f"gemm{i}"))
        x = z
        if layer.slope is not None:
            h = "output" if i == last else f"h{i}"
            if layer.slope == 0.0:
                nodes.append(helper.make_node("Relu", [z], [h], name=f"relu{i}"))
            else:
                alpha = float(layer.slope)
                nodes.append(helper.make_node("LeakyRelu", [z], [h], alpha=alpha, name=f"leaky{i}"))
            x = h
    graph = helper.make_graph(
        nodes,
        net.name or "relu_regions_network",
        [helper.make_tensor_value_info("input", elem, ["batch", *shape])],
        [helper.make_tensor_value_info("output", elem, ["batch", net.output_dim])],
        inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="relu-regions"
    )
    model.ir_version = IR_VERSION
    if net.name:
        helper.set_model_props(model, {"name": net.name})
    onnx.checker.check_model(model)
    return model


def save_onnx(net: Network, path: str | Path, *, dtype: str = "float64") -> None:
    """Write :func:`to_onnx` to ``path``."""
    onnx = require("onnx")
    model = to_onnx(net, dtype=dtype)
    if sum(w.size for w in net.weights) * np.dtype(ONNX_DTYPES[dtype][1]).itemsize > 2**31 - 2**24:
        # pragma: no cover - protobuf files are limited to 2 GiB
        onnx.save(model, str(path), save_as_external_data=True)
    else:
        onnx.save(model, str(path))
