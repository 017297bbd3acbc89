"""ONNX models in and out (the optional ``onnx`` extra, imported lazily).

Import reads a chain of operators on one running tensor with constant initializers:
``Gemm`` (``alpha``, ``beta``, ``transB``; ``transA`` on the running tensor would mix the
batch and is refused), ``MatMul`` by a constant matrix, ``Add``/``Sub``/``Mul``/``Div`` by
constants (so ``MatMul`` + ``Add`` is a dense layer), ``Relu``, ``LeakyRelu``,
``Flatten`` (axis 1), ``Reshape`` (keeping the batch dimension), ``Identity``,
``Dropout`` (inference: the identity) and ``Constant``; also what ``torch.onnx.export``
writes for common PyTorch layers: ``BatchNormalization`` (inference), ``Conv``,
``AveragePool``, ``GlobalAveragePool``, ``Pad`` (dense matrices, like the PyTorch
importer), ``MaxPool`` (ReLU layers, see :mod:`._maxpool`), ``Squeeze``/``Unsqueeze`` of
per-sample axes, and shape arithmetic such as ``Shape -> Gather -> Concat -> Reshape``
(also on the shape of an earlier value, as ``torch.onnx.export`` writes for
``h.view(x.size(0), ...)``), which is evaluated on constants with onnx's reference
evaluator (the batch size stands in as :data:`BATCH`).

Maxout: ``ReduceMax`` over feature axes (``axes`` as an attribute, or from opset 18 as a
constant second input; ``keepdims`` either way) is a maxout layer, so ``Gemm`` (or
``MatMul`` + ``Add``) + ``Reshape`` to ``(batch, m, k)`` or ``(batch, k, m)`` +
``ReduceMax`` over the pieces axis reads as a rank-``k`` maxout layer whose piece ``p`` of
unit ``j`` is the ``Gemm`` row the ``Reshape`` puts at that position.  A ``ReduceMax`` over
the batch axis, or over all axes, is refused.  Any other operator
raises :class:`~relu_regions.exceptions.UnsupportedLayerError` naming it.  A ``Gemm`` computes

.. math::

    Y = \\alpha\\, A\\, \\mathrm{op}(B) + \\beta C, \\qquad
    W = \\alpha\\, \\mathrm{op}(B)^\\top,\\ b = \\beta C .

``LeakyRelu``'s ``alpha`` is a float32 attribute in ONNX: export rounds the slope to
float32 (onnxruntime uses that value even in double precision) and import reads it back
as the shortest decimal with the same float32 (:func:`float32_attribute`), so slopes
such as 0.01 or 0.2 round-trip exactly.

Export writes ``Flatten`` (for a multi-dimensional input shape), then ``Gemm`` with
``transB=1`` and ``Relu``/``LeakyRelu`` per layer (a rank-``k`` maxout layer of width
``m``: ``Gemm`` with its ``k m`` stacked pieces, ``Reshape`` to ``(0, k, m)`` and
``ReduceMax`` with ``axes=[1]``, ``keepdims=0``), at opset :data:`OPSET` and IR
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
from ..network import Network
from ._builder import LayerBuilder

__all__ = ["from_onnx", "to_onnx", "load_onnx", "save_onnx", "OPSET", "IR_VERSION"]

#: Operator set and IR version of exported models.
OPSET = 17
IR_VERSION = 8

#: name -> (ONNX element type name, NumPy dtype)
ONNX_DTYPES: Registry[tuple[str, type]] = Registry("dtype")
ONNX_DTYPES.add("float64", ("DOUBLE", np.float64), help="double precision (exact round trips)")
ONNX_DTYPES.add("float32", ("FLOAT", np.float32), help="single precision")

SUPPORTED_OPS = (
    "Gemm, MatMul, Add, Sub, Mul, Div, Relu, LeakyRelu, Flatten, Reshape, Squeeze, Unsqueeze, "
    "Identity, Dropout, BatchNormalization, Conv, AveragePool, GlobalAveragePool, MaxPool, "
    "ReduceMax (maxout), Pad, Constant (and shape arithmetic on constants)"
)

#: The batch size inside constant-folded shape computations (``Shape`` of the running value).
BATCH = -(2**40) + 7


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
        #: per-sample shapes of the chain's values, for ``Shape`` of an earlier one
        self.shapes: dict[str, tuple[int, ...] | None] = {current: b.shape}
        for pos, node in enumerate(self.graph.node, start=1):
            b.where = f"position {pos} ({node.op_type} '{node.name or node.output[0]}')"
            if node.op_type == "Constant":
                self.consts[node.output[0]] = self._constant(node)
                continue
            if current not in node.input and all(not n or n in self.consts for n in node.input):
                self._fold(node, b.where)  # e.g. Identity of an initializer, shape arithmetic
                continue
            if node.op_type == "Shape" and len(node.input) == 1 and node.input[0] in self.shapes:
                self.consts[node.output[0]] = self._shape_of(node, b, self.shapes[node.input[0]])
                continue
            self._check_inputs(node, current, b.where)
            handler = _HANDLERS.get(node.op_type)
            if handler is None:
                raise UnsupportedLayerError(
                    f"unsupported ONNX operator {node.op_type} at {b.where}; supported: {SUPPORTED_OPS}"
                )
            handler(self, node, b, current)
            current = node.output[0]
            self.shapes[current] = b.shape
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

    def _fold(self, node: Any, where: str) -> None:
        """Evaluate a node whose inputs are all constants with onnx's reference evaluator."""
        from onnx import helper
        from onnx.reference import ReferenceEvaluator

        if node.domain not in ("", "ai.onnx"):
            raise UnsupportedLayerError(f"{where}: operator {node.domain}.{node.op_type} is not supported")
        feeds = {n: self.consts[n] for n in node.input if n}
        graph = helper.make_graph(
            [node],
            "fold",
            [helper.make_empty_tensor_value_info(n) for n in feeds],
            [helper.make_empty_tensor_value_info(n) for n in node.output if n],
        )
        try:
            outs = ReferenceEvaluator(graph, opsets={"": self.opset}).run(None, feeds)
        except Exception as exc:  # noqa: BLE001 - any evaluation failure
            raise UnsupportedLayerError(
                f"{where}: cannot evaluate {node.op_type} on constants ({_first_line(exc)})"
            ) from None
        for name, value in zip([n for n in node.output if n], outs, strict=True):
            self.consts[name] = np.asarray(value)

    def _shape_of(self, node: Any, b: LayerBuilder, shape: tuple[int, ...] | None) -> np.ndarray:
        """``Shape`` of a chain value (per-sample ``shape``), the batch size written as :data:`BATCH`."""
        full = np.array([BATCH, *(shape if shape is not None else b._shape())], dtype=np.int64)
        a = self.attrs(node)
        return full[int(a.get("start", 0)) : a.get("end", None)]

    @property
    def opset(self) -> int:
        return max(
            (int(o.version) for o in self.model.opset_import if o.domain in ("", "ai.onnx")), default=OPSET
        )

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
    if any(v == BATCH or v < -1 for v in target[1:]):
        raise UnsupportedLayerError(f"{b.where}: Reshape moves or combines the batch dimension")
    head_ok = target and (
        target[0] == BATCH or (target[0] == 0 and not allowzero) or (target[0] == -1 and -1 not in target[1:])
    )
    if not head_ok:
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


def _axes(r: _GraphReader, node: Any, b: LayerBuilder) -> list[int]:
    """A reduction's or (un)squeeze's ``axes``: the attribute, or the constant second input."""
    if len(node.input) > 1 and node.input[1]:
        return [int(v) for v in r.const(node.input[1], b.where).reshape(-1)]
    return [int(v) for v in r.attrs(node).get("axes", [])]


def _reduce_max(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    """``ReduceMax`` over feature axes: a maxout layer (see :meth:`LayerBuilder.max_reduce`)."""
    from ._torch_ops import batch_axes

    a = r.attrs(node)
    axes = _axes(r, node, b)
    if not axes:
        if a.get("noop_with_empty_axes", 0):
            return
        raise UnsupportedLayerError(
            f"{b.where}: ReduceMax without axes reduces the batch dimension too; give the pieces axis"
        )
    b.max_reduce(batch_axes(b, axes, "ReduceMax"), keepdim=bool(a.get("keepdims", 1)))


def _squeeze(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    from ._torch_ops import batch_axes

    axes = _axes(r, node, b)
    if not axes:
        raise UnsupportedLayerError(
            f"{b.where}: Squeeze without axes would also drop a batch of one; give the axes"
        )
    shape = b._shape()
    drop = set(batch_axes(b, axes, "Squeeze"))
    if any(shape[i] != 1 for i in drop):
        raise DimensionError(f"{b.where}: Squeeze of axes {axes} that are not 1 in the shape {shape}")
    rest = [d for i, d in enumerate(shape) if i not in drop]
    if not rest:
        raise UnsupportedLayerError(f"{b.where}: Squeeze makes each sample a scalar")
    b.reshape(rest)


def _unsqueeze(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    axes = _axes(r, node, b)
    shape = list(b._shape())
    rank = len(shape) + 1 + len(axes)
    pos = sorted(v + rank if v < 0 else v for v in axes)
    if not axes or len(set(pos)) != len(pos) or pos[0] < 0 or pos[-1] >= rank:
        raise DimensionError(
            f"{b.where}: Unsqueeze axes {axes} do not fit a value of rank {rank - len(axes)}"
        )
    if pos[0] == 0:
        raise UnsupportedLayerError(f"{b.where}: Unsqueeze in front of the batch dimension moves the batch")
    for p in pos:
        shape.insert(p - 1, 1)
    b.reshape(shape)


def _float_attr(a: dict[str, Any], key: str, default: float) -> float:
    return float32_attribute(float(a[key])) if key in a else default


def _pads(a: dict[str, Any], spatial: Sequence[int], k: Sequence[int], s: Sequence[int],
          d: Sequence[int], where: str) -> tuple[list[int], list[int]]:
    """Begin and end padding per spatial axis, resolving ``auto_pad``."""
    nd = len(spatial)
    auto = a.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else str(auto)
    if auto == "NOTSET":
        pads = [int(v) for v in a.get("pads", [0] * (2 * nd))]
        return pads[:nd], pads[nd:]
    if auto == "VALID":
        return [0] * nd, [0] * nd
    if auto not in ("SAME_UPPER", "SAME_LOWER"):
        raise UnsupportedLayerError(f"{where}: auto_pad={auto} is not supported")
    begin, end = [], []
    for n, kk, ss, dd in zip(spatial, k, s, d, strict=True):
        total = max((-(-n // ss) - 1) * ss + dd * (kk - 1) + 1 - n, 0)
        small, big = total // 2, total - total // 2
        begin.append(small if auto == "SAME_UPPER" else big)
        end.append(big if auto == "SAME_UPPER" else small)
    return begin, end


def _torch_pad_order(begin: Sequence[int], end: Sequence[int]) -> list[int]:
    out: list[int] = []
    for lo, hi in zip(reversed(begin), reversed(end), strict=True):
        out += [lo, hi]
    return out


def _window_params(
    r: _GraphReader, node: Any, b: LayerBuilder, kernel: Sequence[int] | None = None
) -> Any:
    from ._torch_ops import _spatial_rank

    a = r.attrs(node)
    k = [int(v) for v in (kernel if kernel is not None else a["kernel_shape"])]
    nd = len(k)
    shape = _spatial_rank(b, nd, node.op_type)
    s = [int(v) for v in a.get("strides", [1] * nd)]
    d = [int(v) for v in a.get("dilations", [1] * nd)]
    begin, end = _pads(a, shape[1:], k, s, d, b.where)
    return a, shape, k, s, d, begin, end


def _pool_out(n: int, k: int, s: int, d: int, lo: int, hi: int, ceil: bool) -> int:
    span = n + lo + hi - d * (k - 1) - 1
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= n + lo:  # the last window may not start in the end padding
        out -= 1
    return out


def _pool_outs(shape: Sequence[int], *params: Any) -> list[int]:
    k, s, d, begin, end, ceil = params
    return [
        _pool_out(n, kk, ss, dd, lo, hi, ceil)
        for n, kk, ss, dd, lo, hi in zip(shape[1:], k, s, d, begin, end, strict=True)
    ]


def _batchnorm(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    from ._torch_ops import op_batch_norm

    a = r.attrs(node)
    if a.get("training_mode", 0):
        raise UnsupportedLayerError(f"{b.where}: BatchNormalization in training mode uses batch statistics")
    scale, bias, mean, var = (r.const(n, b.where) for n in node.input[1:5])
    op_batch_norm(b, mean, var, scale, bias, _float_attr(a, "epsilon", 1e-5))


def _conv(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    from ._torch_ops import op_conv, op_pad

    W = r.const(node.input[1], b.where)
    bias = r.const(node.input[2], b.where) if len(node.input) > 2 and node.input[2] else None
    kernel = r.attrs(node).get("kernel_shape", W.shape[2:])
    a, _, k, s, d, begin, end = _window_params(r, node, b, kernel=kernel)
    if begin != end:
        op_pad(b, _torch_pad_order(begin, end), "constant", 0.0)
        begin = [0] * len(k)
    op_conv(b, W, bias, s, begin, d, int(a.get("group", 1)))


def _maxpool(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    from ._maxpool import pool_windows

    a, shape, k, s, d, begin, end = _window_params(r, node, b)
    ceil = bool(a.get("ceil_mode", 0))
    out = _pool_outs(shape, k, s, d, begin, end, ceil)
    b.max_pool(pool_windows(shape, out, k, s, begin, d), (shape[0], *out))


def _avgpool(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    from ._torch_ops import op_avg_pool, op_pad

    a, shape, k, s, d, begin, end = _window_params(r, node, b)
    floor = _pool_outs(shape, k, s, d, begin, end, False)
    ceil = _pool_outs(shape, k, s, d, begin, end, True)
    if any(v != 1 for v in d) or (a.get("ceil_mode", 0) and floor != ceil):
        raise UnsupportedLayerError(f"{b.where}: AveragePool with dilations or a ceil_mode that matters")
    if a.get("count_include_pad", 0):
        if any(begin) or any(end):
            op_pad(b, _torch_pad_order(begin, end), "constant", 0.0)
        op_avg_pool(b, k, s, 0, nd=len(k))
    elif begin == end and all(2 * p <= kk for p, kk in zip(begin, k, strict=True)):
        op_avg_pool(b, k, s, begin, False, False, nd=len(k))
    else:
        raise UnsupportedLayerError(f"{b.where}: AveragePool with asymmetric padding excluded from the mean")


def _global_avgpool(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    from ._torch_ops import op_adaptive_avg_pool

    nd = len(b._shape()) - 1
    op_adaptive_avg_pool(b, 1, nd=nd)


def _pad(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    from ._torch_ops import op_pad

    a = r.attrs(node)
    mode = a.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else str(mode)
    if len(node.input) > 1 and node.input[1]:
        pads = [int(v) for v in r.const(node.input[1], b.where).reshape(-1)]
        has_value = len(node.input) > 2 and bool(node.input[2])
        value = float(r.const(node.input[2], b.where).reshape(-1)[0]) if has_value else 0.0
    else:  # opset < 11: attributes
        pads, value = [int(v) for v in a["pads"]], float(a.get("value", 0.0))
    if len(node.input) > 3 and node.input[3]:
        raise UnsupportedLayerError(f"{b.where}: Pad with explicit axes is not supported")
    rank = len(pads) // 2
    begin, end = pads[:rank], pads[rank:]
    if begin[0] or end[0] or min(pads) < 0:
        raise UnsupportedLayerError(f"{b.where}: Pad of the batch dimension or negative padding")
    modes = {"constant": "constant", "reflect": "reflect", "edge": "replicate", "wrap": "circular"}
    if mode not in modes:
        raise UnsupportedLayerError(f"{b.where}: Pad mode {mode} is not supported")
    amounts = _torch_pad_order(begin[1:], end[1:])
    while len(amounts) > 2 and amounts[-2:] == [0, 0]:  # unpadded outer axes
        amounts = amounts[:-2]
    op_pad(b, amounts, modes[mode], value)


_HANDLERS = {
    "BatchNormalization": _batchnorm,
    "Conv": _conv,
    "MaxPool": _maxpool,
    "AveragePool": _avgpool,
    "GlobalAveragePool": _global_avgpool,
    "Pad": _pad,
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
    "Squeeze": _squeeze,
    "Unsqueeze": _unsqueeze,
    "ReduceMax": _reduce_max,
}


# --------------------------------------------------------------------------- export
def to_onnx(net: Network, *, dtype: str = "float64") -> Any:
    """The network as an ``onnx.ModelProto`` (``Gemm`` + ``Relu``/``LeakyRelu`` layers).

    A rank-``k`` maxout layer of width ``m`` is written as ``Gemm`` (the ``k m`` pieces
    stacked, piece ``p`` of unit ``j`` in row ``p m + j``), ``Reshape`` to ``(0, k, m)``
    and ``ReduceMax`` over axis 1 (``keepdims=0``), which reads back as the same layer.

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
        if layer.is_maxout:
            W, c = layer.stacked()
            inits.append(numpy_helper.from_array(np.asarray(W, dtype=np_dtype), f"W{i}"))
            inits.append(numpy_helper.from_array(np.asarray(c, dtype=np_dtype), f"b{i}"))
            inits.append(numpy_helper.from_array(np.array([0, layer.rank, layer.width], dtype=np.int64),
                                                 f"pieces{i}"))
            nodes.append(
                helper.make_node("Gemm", [x, f"W{i}", f"b{i}"], [f"z{i}"], transB=1, name=f"gemm{i}")
            )
            nodes.append(helper.make_node("Reshape", [f"z{i}", f"pieces{i}"], [f"p{i}"], name=f"pieces{i}"))
            nodes.append(helper.make_node("ReduceMax", [f"p{i}"], [f"h{i}"], axes=[1], keepdims=0,
                                          name=f"maxout{i}"))
            x = f"h{i}"
            continue
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
