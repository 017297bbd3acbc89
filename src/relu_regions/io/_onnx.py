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

Export (:func:`to_onnx`, :func:`save_onnx`) is in :mod:`relu_regions.io._onnx_export`; the
operator handlers are in :mod:`relu_regions.io._onnx_ops`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._deps import require
from ..exceptions import ModelFormatError, UnsupportedLayerError
from ..network import Network
from ._builder import LayerBuilder
from ._onnx_export import OPSET
from ._onnx_ops import _HANDLERS, BATCH, SUPPORTED_OPS

__all__ = ["from_onnx", "load_onnx"]


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
