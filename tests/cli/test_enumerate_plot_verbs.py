"""The enumerate and plot verbs: files that round-trip to the engines' own answers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from relu_regions import count_linear_regions, count_regions, random_network, save_network
from relu_regions.cli import main


@pytest.fixture
def model(tmp_path):
    net = random_network([2, 6, 6, 2], seed=9)
    return net, str(save_network(net, tmp_path / "m.npz"))


def test_enumerate_npz_json_agree_with_count(model, tmp_path, capsys):
    net, path = model
    assert main(["enumerate", path, "--domain", "box:-1,1", "--linear", "-o", str(tmp_path / "r.npz"),
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    n = count_regions(net, "box:-1,1").regions
    assert out["regions"] == n and out["exact"]
    assert out["linear_regions"] == count_linear_regions(net, "box:-1,1").regions
    with np.load(tmp_path / "r.npz") as z:
        assert z["patterns"].shape[0] == n and z["linear_region"].max() + 1 == out["linear_regions"]
        assert z["measures"].sum() == pytest.approx(4.0)
        pts = z["interior_points"]
        np.testing.assert_array_equal(np.hstack(net.activation_patterns(pts)), z["patterns"])
    assert main(["enumerate", path, "--domain", "box:-1,1", "-o", str(tmp_path / "r.json")]) == 0
    capsys.readouterr()
    doc = json.loads((tmp_path / "r.json").read_text())
    assert len(doc["regions"]) == n and doc["summary"]["regions"] == n
    row = doc["regions"][0]
    np.testing.assert_allclose(row["output_at_point"], net.forward(np.array([row["interior_point"]]))[0])


def test_enumerate_parquet_or_clear_error(model, tmp_path, capsys):
    _, path = model
    code = main(["enumerate", path, "--domain", "box:-1,1", "-o", str(tmp_path / "r.parquet")])
    err = capsys.readouterr().err
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        assert code == 2 and "pyarrow" in err and not (tmp_path / "r.parquet").exists()
    else:
        import pandas as pd

        assert code == 0 and len(pd.read_parquet(tmp_path / "r.parquet")) > 0


def test_enumerate_bad_extension_is_one_line(model, tmp_path, capsys):
    _, path = model
    assert main(["enumerate", path, "-o", str(tmp_path / "r.csv")]) == 2
    assert "must end in one of" in capsys.readouterr().err


def test_count_without_domain_says_which_it_used(model, capsys):
    _, path = model
    assert main(["count", path, "--json"]) == 0
    cap = capsys.readouterr()
    out = json.loads(cap.out)
    assert out["domain"]["type"] == "box" and "box:-1,1" in out["domain_note"] and "note:" in cap.err


@pytest.mark.parametrize("color", ["pattern", "linear", "output", "class"])
def test_plot_writes_the_figure(model, tmp_path, capsys, color):
    _, path = model
    target = tmp_path / f"p-{color}.svg"
    assert main(["plot", path, "--domain", "box:-1,1", "--color", color, "-o", str(target), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert target.read_text().lstrip().startswith("<?xml") and "exact" in out["title"]


def test_plot_bad_color(model, tmp_path, capsys):
    _, path = model
    assert main(["plot", path, "--color", "neon", "-o", str(tmp_path / "x.png")]) == 2
    assert "choose one of" in capsys.readouterr().err
