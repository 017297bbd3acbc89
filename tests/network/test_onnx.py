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


# --------------------------------------------------------------------------- CNN operators
def image_model(nodes, inits, in_shape, out_shape, elem=TensorProto.DOUBLE, opset=17):
    graph = helper.make_graph(
        nodes,
        "cnn",
        [helper.make_tensor_value_info("x", elem, ["N", *in_shape])],
        [helper.make_tensor_value_info("y", elem, ["N", *out_shape])],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def _check_against_ort(model, in_shape, n=40, seed=0, tol=1e-12):
    rng = np.random.default_rng(seed)
    net = from_onnx(model)
    x = rng.normal(size=(n, *in_shape))
    expected = run_ort(model, x).reshape(n, -1)
    np.testing.assert_allclose(net.forward(x.reshape(n, -1)), expected, rtol=tol, atol=tol)
    return net


CNN_CASES = {
    "conv-same-upper-strided": (
        [helper.make_node("Conv", ["x", "W", "B"], ["y"], auto_pad="SAME_UPPER", strides=[2, 2])],
        {"W": (3, 2, 3, 2), "B": (3,)}, (2, 5, 6)),
    "conv-same-lower-strided": (
        [helper.make_node("Conv", ["x", "W"], ["y"], auto_pad="SAME_LOWER", strides=[1, 2])],
        {"W": (2, 2, 2, 3)}, (2, 5, 5)),
    "conv-dilated-valid": (
        [helper.make_node("Conv", ["x", "W"], ["y"], auto_pad="VALID", dilations=[2, 1])],
        {"W": (2, 2, 2, 3)}, (2, 5, 5)),
    "conv-asymmetric-pads-groups": (
        [helper.make_node("Conv", ["x", "W", "B"], ["y"], pads=[1, 0, 2, 1], group=2)],
        {"W": (4, 1, 3, 3), "B": (4,)}, (2, 4, 4)),
    "bn-relu-maxpool-ceil": (
        [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["n"], epsilon=1e-3),
         helper.make_node("Relu", ["n"], ["r"]),
         helper.make_node("MaxPool", ["r"], ["y"], kernel_shape=[3, 2], strides=[2, 2], pads=[1, 0, 1, 1],
                          ceil_mode=1)],
        {"s": (2,), "b": (2,), "m": (2,), "v": "var2"}, (2, 5, 6)),
    "maxpool-dilated-default-stride": (
        [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], dilations=[2, 2])],
        {}, (1, 5, 5)),
    "avgpool-count-include-pad": (
        [helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 0, 1],
                          count_include_pad=1)],
        {}, (2, 5, 5)),
    "avgpool-exclude-pad-then-global": (
        [helper.make_node("AveragePool", ["x"], ["a"], kernel_shape=[2, 2], pads=[1, 1, 1, 1]),
         helper.make_node("GlobalAveragePool", ["a"], ["y"])],
        {}, (3, 4, 4)),
    "pad-reflect-edge-constant": (
        [helper.make_node("Pad", ["x", "p1"], ["a"], mode="reflect"),
         helper.make_node("Pad", ["a", "p2"], ["c"], mode="edge"),
         helper.make_node("Pad", ["c", "p3", "v"], ["y"], mode="constant")],
        {"p1": "pads1", "p2": "pads2", "p3": "pads3", "v": "val"}, (1, 3, 3)),
}


def _arrays(spec, rng):
    special = {
        "var2": rng.uniform(0.5, 2.0, size=2),
        "pads1": np.array([0, 0, 1, 2, 0, 0, 2, 1], dtype=np.int64),
        "pads2": np.array([0, 0, 0, 1, 0, 0, 1, 0], dtype=np.int64),
        "pads3": np.array([0, 1, 1, 0, 0, 0, 0, 1], dtype=np.int64),
        "val": np.array(0.5),
    }
    return {k: special[v] if isinstance(v, str) else rng.normal(size=v) for k, v in spec.items()}


@pytest.mark.parametrize("name", sorted(CNN_CASES))
def test_cnn_operators_match_onnxruntime(name):
    nodes, spec, in_shape = CNN_CASES[name]
    rng = np.random.default_rng(7)
    # onnxruntime has no float64 Conv or AveragePool; BatchNormalization's epsilon is a
    # float32 attribute that onnxruntime uses as is and relu-regions reads as the decimal 1e-3
    float32 = "avgpool" in name or "conv" in name
    tol = 1e-5 if float32 else 1e-8 if "bn" in name else 1e-12
    elem = TensorProto.FLOAT if float32 else TensorProto.DOUBLE
    arrays = {k: v.astype(np.float32) if float32 and v.dtype == np.float64 else v
              for k, v in _arrays(spec, rng).items()}
    model = image_model(nodes, arrays, in_shape, ["C", "H", "W"], elem=elem)
    _check_against_ort(model, in_shape, tol=tol)


def test_maxpool_onnx_becomes_relu_layers():
    model = image_model([helper.make_node("Relu", ["x"], ["r"]),
                         helper.make_node("MaxPool", ["r"], ["y"], kernel_shape=[2, 2], strides=[2, 2])],
                        {}, (1, 2, 2), [1, 1, 1])
    net = _check_against_ort(model, (1, 2, 2))
    assert net.hidden_widths == (4, 4, 2)  # the ReLU, then two tournament levels


def test_torch_onnx_export_of_cnn_and_mlp(tmp_path):
    torch = pytest.importorskip("torch")
    nn = torch.nn

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.bn, self.fc2 = nn.Linear(16, 8), nn.BatchNorm1d(8), nn.Linear(8, 2)

        def forward(self, x):
            return self.fc2(torch.relu(self.bn(self.fc1(x.view(x.size(0), -1)))))

    torch.manual_seed(0)
    cnn = nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(3, 2, 2),
        nn.ReLU(), nn.AvgPool2d(2, padding=1), nn.Flatten(), nn.Dropout(), nn.Linear(2, 3),
    )
    for model in (MLP(), cnn):
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
        model = model.double().eval()
        path = tmp_path / "exported.onnx"
        x = torch.randn(2, 1, 4, 4, dtype=torch.float64)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (x,), str(path), dynamo=False, input_names=["x"],
                              dynamic_axes={"x": {0: "N"}})
        net = load_network(path)
        assert net.input_shape == (1, 4, 4)
        xs = torch.randn(30, 1, 4, 4, dtype=torch.float64)
        with torch.no_grad():
            expected = model(xs).numpy()
        np.testing.assert_allclose(net.forward(xs.reshape(30, 16).numpy()), expected, rtol=1e-9, atol=1e-11)


def test_shape_arithmetic_that_moves_the_batch_is_refused():
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Reshape", ["x", "s2"], ["y"]),
        helper.make_node("Concat", ["k", "s"], ["s2"], axis=0),
    ]
    model = make_model(nodes[:1] + [nodes[2], nodes[1]], {"k": np.array([1], dtype=np.int64)}, [3], 3)
    with pytest.raises(UnsupportedLayerError, match="moves or combines the batch"):
        from_onnx(model)
