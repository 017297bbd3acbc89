"""ONNX import/export, checked against onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from relu_regions import (  # noqa: E402
    DimensionError,
    ModelFormatError,
    UnsupportedLayerError,
    from_onnx,
    load_network,
    random_network,
    save_network,
    to_onnx,
)


def run_ort(model, x):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    dtype = np.float64 if inp.type == "tensor(double)" else np.float32
    return sess.run(None, {inp.name: x.astype(dtype)})[0]


def make_model(nodes, inits, in_shape, out_dim, elem=TensorProto.DOUBLE, opset=17):
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", elem, ["N", *in_shape])],
        [helper.make_tensor_value_info("y", elem, ["N", out_dim])],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("slope,output_relu", [(0.0, False), (0.2, True)])
def test_export_matches_onnxruntime_and_round_trips(dtype, slope, output_relu):
    net = random_network([4, 6, 5, 3], seed=4, negative_slope=slope, output_relu=output_relu)
    model = to_onnx(net, dtype=dtype)
    x = np.random.default_rng(0).normal(size=(50, 4))
    # onnxruntime evaluates LeakyRelu with alpha as a float32 attribute
    tol = 1e-12 if dtype == "float64" and slope == 0 else 1e-6
    np.testing.assert_allclose(run_ort(model, x), net.forward(x), rtol=tol, atol=tol)
    back = from_onnx(model)
    if dtype == "float64":
        assert back.allclose(net, rtol=0)
    else:
        assert back.allclose(net, rtol=1e-6, atol=1e-7) and back.negative_slopes == net.negative_slopes


def test_input_shape_and_name_round_trip(tmp_path):
    net = random_network([6, 3, 2], seed=1)
    net = net.replace_layers(net.weights, net.biases, input_shape=(1, 2, 3), name="shaped")
    path = save_network(net, tmp_path / "m.onnx")
    back = load_network(path)
    assert back.input_shape == (1, 2, 3) and back.name == "shaped" and back.allclose(net, rtol=0)
    model = onnx.load(str(path))
    x = np.random.default_rng(1).normal(size=(7, 1, 2, 3))
    np.testing.assert_allclose(run_ort(model, x), net.forward(x.reshape(7, 6)), rtol=1e-12)


def test_gemm_attributes_matmul_add_and_shape_ops():
    rng = np.random.default_rng(2)
    B1 = rng.normal(size=(5, 6))  # transB=1: (out, in) with in = 6 = 2 * 3
    C1 = rng.normal(size=(1, 5))
    B2 = rng.normal(size=(5, 4))  # MatMul by (in, out)
    c2 = rng.normal(size=4)
    B3 = rng.normal(size=(4, 2))  # Gemm without transB, no C
    nodes = [
        helper.make_node("Reshape", ["x", "shape"], ["r"]),
        helper.make_node("Identity", ["r"], ["i"]),
        helper.make_node("Flatten", ["i"], ["f"], axis=1),
        helper.make_node("Gemm", ["f", "B1", "C1"], ["g1"], alpha=0.5, beta=2.0, transB=1),
        helper.make_node("Relu", ["g1"], ["h1"]),
        helper.make_node("Dropout", ["h1"], ["d1"]),
        helper.make_node("MatMul", ["d1", "B2"], ["m2"]),
        helper.make_node("Add", ["m2", "c2"], ["a2"]),
        helper.make_node("LeakyRelu", ["a2"], ["h2"], alpha=0.1),
        helper.make_node("Constant", [], ["k"], value=numpy_helper.from_array(np.array(3.0), "k")),
        helper.make_node("Mul", ["h2", "k"], ["s2"]),
        helper.make_node("Gemm", ["s2", "B3"], ["y"]),
    ]
    inits = {"shape": np.array([0, 3, 2], dtype=np.int64), "B1": B1, "C1": C1, "B2": B2, "c2": c2, "B3": B3}
    model = make_model(nodes, inits, [6], 2)
    net = from_onnx(model)
    assert net.widths == (6, 5, 4, 2) and net.negative_slopes == (0.0, 0.1)
    x = rng.normal(size=(40, 6))
    np.testing.assert_allclose(net.forward(x), run_ort(model, x), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(net.weights[0], 0.5 * B1)
    np.testing.assert_allclose(net.biases[0], 2.0 * C1[0])


@pytest.mark.parametrize(
    "nodes,inits,message",
    [
        ([helper.make_node("Sigmoid", ["x"], ["y"])], {}, r"unsupported ONNX operator Sigmoid at position 1"),
        ([helper.make_node("Gemm", ["x", "W"], ["y"], transA=1)], {"W": np.ones((3, 3))}, "transA=1"),
        ([helper.make_node("Gemm", ["W", "x"], ["y"])], {"W": np.ones((3, 3))}, "first input A"),
        ([helper.make_node("Relu", ["x"], ["h"]), helper.make_node("Add", ["h", "x"], ["y"])], {},
         "neither the previous node's output nor a constant"),
        ([helper.make_node("Flatten", ["x"], ["y"], axis=0)], {}, "axis=0"),
        ([helper.make_node("Reshape", ["x", "s"], ["y"])], {"s": np.array([3, -1], dtype=np.int64)},
         "does not keep the batch dimension"),
        ([helper.make_node("Div", ["W", "x"], ["y"])], {"W": np.ones(3)}, "not affine"),
    ],
)
def test_unsupported_graphs(nodes, inits, message):
    model = make_model(nodes, inits, [3], 3)
    with pytest.raises(UnsupportedLayerError, match=message) as info:
        from_onnx(model)
    assert "\n" not in str(info.value)


def test_wrong_shapes_in_graph():
    model = make_model([helper.make_node("Gemm", ["x", "W"], ["y"], transB=1)], {"W": np.ones((2, 4))}, [3], 2)
    with pytest.raises((ModelFormatError, DimensionError), match="expects 4 input features|Incompatible|invalid"):
        from_onnx(model)
    model = make_model([helper.make_node("Gemm", ["x", "W"], ["y"], transB=1)], {"W": np.ones((2, 3))}, [3], 2)
    with pytest.raises(DimensionError, match="expects 3 input features"):
        from_onnx(model, input_shape=(5,))


def test_corrupt_onnx(tmp_path):
    path = save_network(random_network([3, 4, 1], seed=0), tmp_path / "m.onnx")
    data = path.read_bytes()
    (tmp_path / "trunc.onnx").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFormatError, match="ONNX model"):
        load_network(tmp_path / "trunc.onnx")
    (tmp_path / "junk.onnx").write_bytes(b"\xff\xfe not protobuf at all")
    with pytest.raises(ModelFormatError, match="not a readable ONNX model|invalid ONNX model"):
        load_network(tmp_path / "junk.onnx")
