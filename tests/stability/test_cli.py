from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from relu_regions import Box, load_network, random_network, save_network
from relu_regions.cli import main
from relu_regions.stability import stable_neurons


@pytest.fixture
def model(tmp_path):
    net = random_network([3, 8, 6, 2], seed=1)
    return net, str(save_network(net, tmp_path / "m.npz"))


def test_stable_json_matches_api(model, capsys):
    net, path = model
    assert main(["stable", path, "--domain", "box:0,0.3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ref = stable_neurons(net, Box(np.zeros(3), 0.3 * np.ones(3)))
    assert out["exact"] is True and isinstance(out["seconds"], float)
    for got, want in zip(out["layers"], ref.layers, strict=True):
        assert got["active"] == list(want.active) and got["inactive"] == list(want.inactive)
        assert got["unstable"] == list(want.unstable)


def test_stable_certificates_and_table(model, capsys):
    _, path = model
    assert main(["stable", path, "--domain", "box:-1,1", "--certificates", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    cert = out["certificates"][0][out["layers"][0]["unstable"][0]]
    assert cert["status"] == "unstable" and len(cert["positive_point"]) == 3
    assert main(["stable", path, "--domain", "box:-1,1"]) == 0
    assert "unstable" in capsys.readouterr().out


def test_compress_writes_an_equivalent_model(model, tmp_path, capsys):
    net, path = model
    out_path = tmp_path / "small.npz"
    assert main(["compress", path, "--domain", "box:0,0.3", "-o", str(out_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["neurons_after"] < out["neurons_before"] and out["max_abs_difference"] < 1e-12
    small = load_network(out_path)
    X = Box(np.zeros(3), 0.3 * np.ones(3)).sample(1000, seed=2)
    np.testing.assert_allclose(small.forward(X), net.forward(X), atol=1e-12)


@pytest.mark.parametrize(
    "args,message",
    [
        (["stable", "{model}", "--domain", "box:0,1", "--method", "magic"], "unknown stability method"),
        (["stable", "{model}", "--domain", "box:0,1,2"], "bad shorthand"),
        (["compress", "{model}", "--domain", "box:0,1", "-o", "{tmp}/x.txt"], "cannot save to"),
        (["stable", "{leaky}", "--domain", "box:0,1"], "ReLU networks only"),
    ],
)
def test_bad_input_is_one_line(model, tmp_path, args, message):
    _, path = model
    leaky = save_network(random_network([3, 4, 1], negative_slope=0.1), tmp_path / "leaky.npz")
    args = [a.format(model=path, tmp=tmp_path, leaky=leaky) for a in args]
    proc = subprocess.run([sys.executable, "-m", "relu_regions", *args], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in proc.stderr


def test_approximate_widths_and_build(tmp_path, capsys):
    path = save_network(random_network([784, 5, 5, 5, 10], seed=0), tmp_path / "t1.npz")
    assert main(["approximate", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["theorem2"] == {"n1": 5450, "n2": 10240} and out["built"] is None
    small = random_network([2, 4, 4, 2], seed=1)
    spath = save_network(small, tmp_path / "s.npz")
    target = tmp_path / "shallow.npz"
    assert main(["approximate", str(spath), "--domain", "box:-1,1", "-o", str(target), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["built"] == 3 and out["theorem3"]["exact"] and out["max_abs_difference"] < 1e-9
    shallow = load_network(target)
    assert shallow.hidden_widths == (out["theorem3"]["n1"], out["theorem3"]["n2"])
