"""The ``count`` verb: JSON output, saving, linear regions, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from relu_regions import Box, random_network, save_network
from relu_regions.cli import EXIT_PARTIAL, main
from relu_regions.regions import count_regions, enumerate_regions


@pytest.fixture
def model2d(tmp_path):
    net = random_network([2, 8, 8, 1], seed=1)
    return net, str(save_network(net, tmp_path / "m.npz"))


def run_json(capsys, *args: str) -> dict:
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_count_json_matches_api(model2d, capsys):
    net, path = model2d
    out = run_json(capsys, "count", path, "--domain", "box:-1,1")
    ref = count_regions(net, Box([-1, -1], [1, 1]), progress=False)
    assert out["regions"] == ref.regions and out["exact"] is True and out["method"] == "geometric"
    assert out["partial"] is False and isinstance(out["seconds"], float)


def test_count_sample_and_points(model2d, tmp_path, capsys):
    _, path = model2d
    out = run_json(capsys, "count", path, "--domain", "box:-1,1", "--method", "sample", "--samples", "500")
    assert out["method"] == "sample" and out["exact"] is False
    np.save(tmp_path / "x.npy", np.array([[0.1, 0.2], [0.5, -0.5]]))
    plane = '{"type": "subspace", "points": [[0, 0], [1, 0], [0, 1]]}'
    out = run_json(capsys, "count", path, "--domain", plane, "--method", "sample", "--points", str(tmp_path / "x.npy"))
    assert 1 <= out["regions"] <= 2 and out["details"]["given_points"] is True


def test_count_save_and_linear(model2d, tmp_path, capsys):
    net, path = model2d
    target = tmp_path / "regions.npz"
    out = run_json(capsys, "count", path, "--domain", "box:-1,1", "--linear", "--save", str(target))
    assert out["kind"] == "linear" and out["saved"] == str(target)
    with np.load(target) as data:
        rs = enumerate_regions(net, Box([-1, -1], [1, 1]), progress=False)
        assert data["patterns"].shape == rs.patterns.shape
        assert data["vertex_offsets"][-1] == len(data["vertices"])
        np.testing.assert_array_equal(net.pattern_vector(data["interior_points"]), data["patterns"])
        assert data["linear_region"].max() + 1 == out["regions"]
        assert json.loads(str(data["summary"]))["regions"] == out["regions"]


def test_count_table_and_time_limit(tmp_path, capsys):
    path = str(save_network(random_network([2, 48, 48, 1], seed=0), tmp_path / "big.npz"))
    assert main(["count", path, "--domain", "box:-1,1", "--time-limit", "0.000001"]) == EXIT_PARTIAL
    text = capsys.readouterr().out
    assert "partial" in text and "lower bound" in text


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--method", "magic"], "unknown counting method 'magic'"),
        (["--solver", "nope"], "unknown solver 'nope'"),
        (["--samples", "0", "--method", "sample"], "--samples must be positive"),
    ],
)
def test_count_errors_are_one_line(model2d, capsys, extra, message):
    _, path = model2d
    assert main(["count", path, "--domain", "box:-1,1", *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_count_rejects_points_off_the_domain(model2d, tmp_path, capsys):
    _, path = model2d
    np.save(tmp_path / "x.npy", np.array([[3.0, 0.0]]))
    assert main(["count", path, "--domain", "box:-1,1", "--method", "sample", "--points", str(tmp_path / "x.npy")]) == 2
    assert "not in the domain" in capsys.readouterr().err
