from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from relu_regions import random_network, save_network
from relu_regions.cli import main


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "relu_regions", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def model_file(tmp_path):
    net = random_network([3, 4, 2], seed=5)
    return net, str(save_network(net, tmp_path / "m.npz"))


def test_info_json(model_file, capsys):
    net, path = model_file
    assert main(["info", path, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["input_dim"] == 3 and out["hidden_widths"] == [4] and out["output_dim"] == 2
    assert out["num_neurons"] == 4 and out["num_parameters"] == net.num_parameters


def test_local_json_matches_network(model_file, tmp_path, capsys):
    net, path = model_file
    x = np.array([0.3, -0.2, 0.7])
    np.save(tmp_path / "x.npy", x)
    assert main(["local", path, "--point", str(tmp_path / "x.npy"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    J, c = net.local_affine(x)
    np.testing.assert_allclose(out["jacobian"], J)
    np.testing.assert_allclose(out["offset"], c)
    np.testing.assert_allclose(out["output"], net.forward(x))
    assert out["pattern"] == [net.activation_patterns(x)[0].astype(int).tolist()]


@pytest.mark.parametrize(
    "args,message",
    [
        (["info", "MISSING.npz"], "no such file"),
        (["local", "{model}", "--point", "1,2"], "expected 3 values per point"),
        (["local", "{model}", "--point", "a,b,c"], "cannot read points"),
        (["info", "{garbage}"], "not a .npz model file"),
    ],
)
def test_bad_input_one_line_no_traceback(model_file, tmp_path, args, message):
    _, path = model_file
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"\x00\x01not a model")
    args = [a.format(model=path, garbage=garbage) for a in args]
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert proc.stdout == ""


def test_help_lists_verbs():
    proc = run_cli("--help")
    assert proc.returncode == 0
    for verb in ("info", "local"):
        assert verb in proc.stdout
