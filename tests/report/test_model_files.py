"""The `model_files` report section: the analysed network as .npz, TorchScript and ONNX."""

from __future__ import annotations

import json

import numpy as np
import pytest

from relu_regions import load_network, random_network
from relu_regions.report import build_report

pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")


def test_model_files_are_written_and_checked_in_their_runtimes(tmp_path):
    net = random_network([3, 5, 4, 2], seed=9, negative_slope=0.25)
    rep = build_report(net, out=tmp_path, domain="box:-1,1", sections=["model_files"], progress=False)
    assert rep.ok
    doc = json.loads(open(rep.json_path).read())
    (sec,) = doc["sections"]
    files = {f["format"]: f for f in sec["data"]["files"]}
    assert set(files) == {"npz", "torchscript", "onnx"}
    for fmt, f in files.items():
        assert load_network(tmp_path / f["file"]).allclose(net, rtol=0), fmt
        assert f["same_weights"] and f["reloaded_max_abs_difference"] == 0.0
    assert files["npz"]["runtime"] is None
    assert files["torchscript"]["runtime"] == "torch.jit"
    assert files["torchscript"]["runtime_max_abs_difference"] < 1e-13
    # onnxruntime keeps LeakyRelu's alpha as a float32 attribute: 0.25 is exact in float32
    assert files["onnx"]["runtime"] == "onnxruntime" and files["onnx"]["runtime_max_abs_difference"] < 1e-13
    assert sec["data"]["points"] == 512 and "uniform samples" in sec["data"]["points_from"]
    page = (tmp_path / "index.html").read_text()
    assert '<a href="model.onnx">model.onnx</a>' in page
    assert np.isfinite(sec["seconds"])


def test_large_networks_are_not_written(tmp_path, monkeypatch):
    from relu_regions.report.sections import model_files

    monkeypatch.setattr(model_files, "MAX_BYTES", 100)
    rep = build_report(random_network([3, 5, 2], seed=1), out=tmp_path, domain="box:-1,1",
                       sections=["model_files"], progress=False)
    (sec,) = json.loads(open(rep.json_path).read())["sections"]
    assert sec["data"]["files"] == [] and "MiB of float64 parameters" in sec["data"]["skipped"][0]
    assert not (tmp_path / "model.npz").exists()
