"""``relu-regions enumerate --stream``: the streamed file holds the regions of the in-memory run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from relu_regions import count_regions, random_network, save_network
from relu_regions.cli import main
from relu_regions.regions import load_regions


@pytest.fixture
def model(tmp_path):
    net = random_network([2, 10, 10, 2], seed=4)
    return net, str(save_network(net, tmp_path / "m.npz"))


def test_stream_equals_in_memory_file(model, tmp_path, capsys):
    net, path = model
    assert main(["enumerate", path, "--domain", "box:-1,1", "-o", str(tmp_path / "mem.npz"), "--json"]) == 0
    capsys.readouterr()
    assert main(["enumerate", path, "--domain", "box:-1,1", "-o", str(tmp_path / "s.npz"), "--stream",
                 "--chunk-size", "7", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    n = count_regions(net, "box:-1,1").regions
    assert out["regions"] == n and out["exact"] and out["streamed"] and out["saved"].endswith("s.npz")
    a, b = load_regions(tmp_path / "mem.npz"), load_regions(tmp_path / "s.npz")
    assert b["summary"]["domain"] == out["domain"] and b["summary"]["streamed"]
    key = {r.tobytes(): i for i, r in enumerate(np.packbits(a["patterns"], axis=1))}
    order = [key[r.tobytes()] for r in np.packbits(b["patterns"], axis=1)]
    assert sorted(order) == list(range(n))
    np.testing.assert_allclose(b["measures"], a["measures"][order], rtol=1e-9)
    np.testing.assert_allclose(b["interior_points"], a["interior_points"][order], rtol=1e-9, atol=1e-12)
    assert b["measures"].sum() == pytest.approx(4.0)


def test_stream_time_limit_exits_3_with_a_partial_file(tmp_path, capsys):
    net = random_network([2, 128, 128, 128, 1], seed=0)
    path = str(save_network(net, tmp_path / "big.npz"))
    code = main(["enumerate", path, "--domain", "box:-1,1", "-o", str(tmp_path / "p.npz"), "--stream",
                 "--time-limit", "0.2", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 3 and out["partial"]
    z = load_regions(tmp_path / "p.npz")
    assert z["summary"]["partial"] and len(z["patterns"]) == out["regions"]


@pytest.mark.parametrize("extra, message", [
    (["-o", "r.json", "--stream"], ".npz"),
    (["-o", "r.npz", "--stream", "--linear"], "--linear"),
    (["-o", "r.npz", "--chunk-size", "5"], "--stream"),
    (["-o", "r.npz", "--stream", "--chunk-size", "0"], "positive"),
    (["-o", "r.npz", "--stream", "--workers", "2"], "--workers"),
])
def test_stream_option_errors(model, tmp_path, capsys, extra, message):
    _, path = model
    extra = [str(tmp_path / e) if e.startswith("r.") else e for e in extra]
    assert main(["enumerate", path, "--domain", "box:-1,1", *extra]) != 0
    assert message in capsys.readouterr().err
