"""Format detection, round trips across every format, the CLI `convert` verb and bad files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

from relu_regions import load_network, random_network, save_network  # noqa: E402
from relu_regions.cli import main  # noqa: E402
from relu_regions.network import detect_format, from_torch  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")

FILE_FORMATS = [("npz", "npz"), ("pt", "torchscript"), ("ts", "torchscript"), ("onnx", "onnx")]


@pytest.fixture(scope="module")
def net():
    return random_network([5, 7, 6, 3], seed=11, negative_slope=0.25)


@pytest.mark.parametrize("ext,fmt", FILE_FORMATS)
def test_round_trip_every_file_format(tmp_path, net, ext, fmt):
    path = save_network(net, tmp_path / f"m.{ext}")
    assert detect_format(path).name == fmt
    back = load_network(path)
    assert back.allclose(net, rtol=0)  # float64 everywhere: bit-identical weights
    x = np.random.default_rng(0).normal(size=(100, 5))
    np.testing.assert_array_equal(back.forward(x), net.forward(x))


def test_in_memory_sequential_round_trip(net):
    from relu_regions import to_torch

    assert load_network(to_torch(net)).allclose(net, rtol=0)


@pytest.mark.parametrize("ext,fmt", FILE_FORMATS)
def test_detection_by_content_beats_extension(tmp_path, net, ext, fmt):
    path = save_network(net, tmp_path / f"m.{ext}")
    disguised = tmp_path / "model.bin"
    shutil.copy(path, disguised)
    assert detect_format(disguised).name == fmt
    assert load_network(disguised).allclose(net, rtol=0)


def test_state_dict_is_detected_as_torch_save(tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    torch.save(model.state_dict(), tmp_path / "sd.pt")
    assert detect_format(tmp_path / "sd.pt").name == "torch"


def test_save_options(tmp_path, net):
    p = save_network(net, tmp_path / "m32.onnx", dtype="float32")
    assert load_network(p).allclose(net, rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="float64 only"):
        save_network(net, tmp_path / "m.npz", dtype="float32")
    with pytest.raises(ValueError, match="unknown dtype 'float16'; choose one of: float64, float32"):
        save_network(net, tmp_path / "m.pt", dtype="float16")


@settings(max_examples=10, deadline=None)
@given(
    widths=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    slope=st.sampled_from([0.0, 0.01, 0.5]),
    output_relu=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_random_networks_round_trip_through_every_format(tmp_path_factory, widths, slope, output_relu, seed):
    net = random_network(widths, seed=seed, negative_slope=slope, output_relu=output_relu)
    d = tmp_path_factory.mktemp("rt")
    x = np.random.default_rng(seed).normal(size=(20, widths[0]))
    for ext in ("npz", "pt", "onnx"):
        back = load_network(save_network(net, d / f"m.{ext}"))
        assert back.allclose(net, rtol=0) and back.output_relu == output_relu, ext
        np.testing.assert_array_equal(back.forward(x), net.forward(x))


# --------------------------------------------------------------------------- CLI convert
@pytest.mark.parametrize("src,dst", [("npz", "onnx"), ("onnx", "pt"), ("pt", "npz"), ("npz", "ts")])
def test_cli_convert(tmp_path, net, capsys, src, dst):
    inp = save_network(net, tmp_path / f"in.{src}")
    out = tmp_path / f"out.{dst}"
    assert main(["convert", str(inp), str(out), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["output_format"] == detect_format(out).name
    check = res["check"]
    assert check["output"]["reloaded_max_abs_difference"] == 0.0 and check["output"]["same_weights"] is True
    assert check["source_runtime"] == {"npz": None, "onnx": "onnxruntime", "pt": "torch.jit"}[src]
    assert check["output"]["runtime"] == {"onnx": "onnxruntime", "pt": "torch.jit", "npz": None, "ts": "torch.jit"}[dst]
    # onnxruntime reads LeakyRelu's alpha as float32 (see relu_regions.io._onnx)
    for diff in (check["source_max_abs_difference"], check["output"]["runtime_max_abs_difference"]):
        assert diff is None or diff < 1e-7
    assert res["architecture"]["hidden_widths"] == [7, 6]
    assert load_network(out).allclose(net, rtol=0)


def test_cli_convert_conv_model_with_input_shape(tmp_path, capsys):
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(2, 1)
    ).double()
    scripted = torch.jit.script(model)
    scripted.save(str(tmp_path / "cnn.pt"))
    assert main(["convert", str(tmp_path / "cnn.pt"), str(tmp_path / "cnn.onnx")]) == 2
    assert "needs the shape of the input" in capsys.readouterr().err
    assert main(["convert", str(tmp_path / "cnn.pt"), str(tmp_path / "cnn.onnx"), "--input-shape", "1,4,4",
                 "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["architecture"]["input_shape"] == [1, 4, 4]
    assert res["check"]["source_runtime"] == "torch.jit" and res["check"]["source_max_abs_difference"] < 1e-12
    assert res["check"]["output"]["runtime_max_abs_difference"] < 1e-12
    back = load_network(tmp_path / "cnn.onnx")
    x = torch.randn(20, 1, 4, 4, dtype=torch.float64)
    np.testing.assert_allclose(back.forward(x.reshape(20, 16).numpy()), model(x).detach().numpy(), atol=1e-12)


def test_cli_convert_state_dict_reports_assumption_and_pickle_opt_in(tmp_path, capsys):
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    torch.save(model.state_dict(), tmp_path / "sd.pth")
    torch.save(model, tmp_path / "whole.pth")
    assert main(["convert", str(tmp_path / "sd.pth"), str(tmp_path / "sd.npz"), "--json"]) == 0
    cap = capsys.readouterr()
    assert "assumed the layers 0 (Linear 2->3), 2 (Linear 3->1)" in json.loads(cap.out)["notes"][0]
    assert cap.err.startswith("relu-regions convert: note:")
    assert main(["info", str(tmp_path / "sd.pth")]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("relu-regions info: note:") and "assumed" in err[0]
    assert main(["convert", str(tmp_path / "whole.pth"), str(tmp_path / "w.npz")]) == 2
    assert "--trust-pickle" in capsys.readouterr().err
    assert main(["convert", str(tmp_path / "whole.pth"), str(tmp_path / "w.npz"), "--trust-pickle"]) == 0
    assert from_torch(model).allclose(load_network(tmp_path / "w.npz"), rtol=0)


# --------------------------------------------------------------------------- bad files
def _bad_files(tmp_path, net):
    files = {}
    for ext in ("npz", "pt", "onnx"):
        data = save_network(net, tmp_path / f"good.{ext}").read_bytes()
        files[f"truncated.{ext}"] = data[: len(data) // 2]
    model = torch.nn.Sequential(torch.nn.Linear(2, 3))
    torch.save(model.state_dict(), tmp_path / "sd.pth")
    sd = (tmp_path / "sd.pth").read_bytes()
    files["truncated_state_dict.pth"] = sd[: len(sd) // 2]
    files["garbage.pt"] = b"\x80\x02garbage pickle"
    files["garbage.onnx"] = b"\x08\x07\x12 this is not a model"
    files["text.npz"] = b"hello"
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return sorted(files)


EXPECTED_ERRORS = {
    "garbage.onnx": "not a readable ONNX model",
    "garbage.pt": "corrupt PyTorch file (Unsupported operand",
    "text.npz": "not a .npz model file",
    "truncated.npz": "not a .npz model file",
    "truncated.onnx": "ONNX model",
    "truncated.pt": "corrupt or truncated PyTorch file",
    "truncated_state_dict.pth": "corrupt or truncated PyTorch file",
}


def test_corrupt_files_give_one_line_errors(tmp_path, net, capsys):
    assert _bad_files(tmp_path, net) == sorted(EXPECTED_ERRORS)
    for name, message in EXPECTED_ERRORS.items():
        code = main(["info", str(tmp_path / name)])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2, name
        assert len(err) == 1 and err[0].startswith(f"relu-regions info: error: {tmp_path / name}: "), err
        assert message in err[0], (name, err)


def test_cli_errors_in_a_subprocess_have_no_traceback(tmp_path, net):
    """The real console path: unsupported layer and untrusted pickle."""
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1))
    torch.jit.script(model).save(str(tmp_path / "tanh.pt"))
    torch.save(model, tmp_path / "pickled.pt")
    cases = [
        (["info", str(tmp_path / "tanh.pt")], "unsupported layer aten::tanh"),
        (["convert", str(tmp_path / "pickled.pt"), str(tmp_path / "p.npz")], "(CLI: --trust-pickle)"),
    ]
    for args, message in cases:
        proc = subprocess.run([sys.executable, "-m", "relu_regions", *args], capture_output=True, text=True,
                              timeout=300)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2, proc.stderr
        assert len(lines) == 1 and message in lines[0] and "Traceback" not in proc.stderr, proc.stderr


def test_cli_wrong_shapes_and_outputs_are_one_line_errors(tmp_path, net, capsys):
    cnn = torch.nn.Sequential(torch.nn.Conv2d(1, 1, 2), torch.nn.Flatten(), torch.nn.Linear(9, 1))
    torch.jit.script(cnn).save(str(tmp_path / "cnn.pt"))
    npz = str(save_network(net, tmp_path / "n.npz"))
    cases = [
        (["info", str(tmp_path / "cnn.pt"), "--input-shape", "1,3,3"], "expects 9 input features"),
        (["info", str(tmp_path / "cnn.pt"), "--input-shape", "4,4"], "needs one input of shape (C, H, W)"),
        (["info", npz, "--input-shape", "2,2"], "input_shape (2, 2) has 4 entries"),
        (["convert", npz, str(tmp_path / "x.xyz")], "extension '.xyz'"),
        (["convert", npz, str(tmp_path / "x.onnx"), "--to", "tflite"], "unknown model format 'tflite'"),
    ]
    for args, message in cases:
        assert main(args) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], lines


# --------------------------------------------------------------------------- "Done when"
def _independent_torch_model(weights, biases, slope):
    """The network built directly in torch from the raw arrays (not through relu-regions)."""
    layers = []
    for i, (W, b) in enumerate(zip(weights, biases, strict=True)):
        lin = torch.nn.Linear(W.shape[1], W.shape[0], dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(W))
            lin.bias.copy_(torch.tensor(b))
        layers.append(lin)
        if i < len(weights) - 1:
            layers.append(torch.nn.LeakyReLU(slope))
    return torch.nn.Sequential(*layers)


@pytest.mark.parametrize("slope", [0.0, 0.1])
def test_done_when_same_info_and_exact_local_map_across_formats(tmp_path, capsys, slope):
    net = random_network([4, 8, 6, 3], seed=2026, negative_slope=slope)
    rng = np.random.default_rng(5)
    x = rng.normal(size=4)
    np.save(tmp_path / "x.npy", x)
    model = _independent_torch_model([np.array(w) for w in net.weights], [np.array(b) for b in net.biases], slope)
    xt = torch.tensor(x, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(model, xt).numpy()
    out = model(xt).detach().numpy()
    infos, locals_ = [], []
    for ext in ("npz", "pt", "onnx"):
        path = str(save_network(net, tmp_path / f"m.{ext}"))
        assert main(["info", path, "--json"]) == 0
        infos.append(json.loads(capsys.readouterr().out))
        assert main(["local", path, "--point", str(tmp_path / "x.npy"), "--json"]) == 0
        locals_.append(json.loads(capsys.readouterr().out))
    assert infos[0] == infos[1] == infos[2]
    assert infos[0]["hidden_widths"] == [8, 6] and infos[0]["num_neurons"] == 14
    for res in locals_:
        assert res["pattern"] == locals_[0]["pattern"]
        np.testing.assert_allclose(res["jacobian"], jac, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(res["output"], out, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(res["offset"], out - jac @ x, rtol=1e-10, atol=1e-12)
