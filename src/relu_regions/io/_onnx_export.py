"""ONNX export: :func:`to_onnx` and :func:`save_onnx` (the optional ``onnx`` extra, imported lazily).

Export writes ``Flatten`` (for a multi-dimensional input shape), then ``Gemm`` with
``transB=1`` and ``Relu``/``LeakyRelu`` per layer (a rank-``k`` maxout layer of width
``m``: ``Gemm`` with its ``k m`` stacked pieces, ``Reshape`` to ``(0, k, m)`` and
``ReduceMax`` with ``axes=[1]``, ``keepdims=0``), at opset :data:`OPSET` and IR
version :data:`IR_VERSION` (readable by onnxruntime >= 1.14), in float64 by default
(onnxruntime runs ``Gemm``, ``Relu`` and ``LeakyRelu`` in double) or float32.
``LeakyRelu``'s ``alpha`` is a float32 attribute, so the slope is rounded to float32
(see :mod:`relu_regions.io._onnx` for how import reads it back).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .._deps import require
from .._registry import Registry
from ..network import Network

__all__ = ["to_onnx", "save_onnx", "OPSET", "IR_VERSION", "ONNX_DTYPES"]


#: Operator set and IR version of exported models.
OPSET = 17
IR_VERSION = 8

#: name -> (ONNX element type name, NumPy dtype)
ONNX_DTYPES: Registry[tuple[str, type]] = Registry("dtype")
ONNX_DTYPES.add("float64", ("DOUBLE", np.float64), help="double precision (exact round trips)")
ONNX_DTYPES.add("float32", ("FLOAT", np.float32), help="single precision")



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
