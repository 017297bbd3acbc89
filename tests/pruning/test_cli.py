"""``relu-regions prune``: the keys the issue lists, exact counts in the written file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from relu_regions import load_network, random_network, save_network
from relu_regions.cli import EXIT_PARTIAL, EXIT_USAGE, main


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    rc = main([*args, "--json"])
    return rc, json.loads(capsys.readouterr().out)


def test_prune_cli_keys_and_written_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = save_network(random_network([64, 24, 16, 10], seed=4), tmp_path / "m.npz")
    for strategy in ("uniform", "bound", "global", "random"):
        out = tmp_path / f"{strategy}.npz"
        rc, d = run_json(capsys, "prune", str(model), "--density", "0.1", "--strategy", strategy, "-o", str(out))
        assert rc == 0
        for key in ("layer_densities", "density", "parameters_kept", "bound_log10", "uniform_bound_log10"):
            assert key in d
        assert d["parameters_kept"] == 154 + 38  # round(153.6) + round(38.4)
        net = load_network(out)
        nnz = [int(np.count_nonzero(W)) for W in net.weights]
        assert nnz[:2] == d["layer_nonzeros"] == d["nonzeros_written"] and nnz[2] == 160
        assert d["bound_log10"] >= d["uniform_bound_log10"] or strategy in ("global", "random")


def test_prune_cli_fine_tune_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = save_network(random_network([64, 16, 16, 10], seed=4), tmp_path / "m.npz")
    rc, d = run_json(capsys, "prune", str(model), "--density", "0.2", "--fine-tune", "digits", "--epochs", "2",
                     "--lr", "0.1", "-o", str(tmp_path / "f.npz"))
    assert rc == 0 and d["fine_tune"]["epochs_run"] == 2
    net = load_network(tmp_path / "f.npz")
    assert [int(np.count_nonzero(W)) for W in net.weights[:2]] == d["layer_nonzeros"]
    for bad in (["--density", "0"], ["--density", "0.5", "--strategy", "nope"],
                ["--density", "0.5", "--fine-tune", "xor"]):
        rc = main(["prune", str(model), *bad, "-o", str(tmp_path / "x.npz"), "--json"])
        assert rc == EXIT_USAGE
        assert "error" in json.loads(capsys.readouterr().out)


def test_prune_cli_time_limit_is_partial(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = save_network(random_network([64, 24, 16, 10], seed=4), tmp_path / "m.npz")
    rc, d = run_json(capsys, "prune", str(model), "--density", "0.01", "--rank-estimator", "sampled",
                     "--time-limit", "0.001", "-o", str(tmp_path / "p.npz"))
    assert rc == EXIT_PARTIAL and d["partial"]
    assert d["bound_log10"] >= d["uniform_bound_log10"] and sum(d["layer_nonzeros"]) == d["parameters_kept"]
