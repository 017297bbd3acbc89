"""The pruning experiment on a tiny configuration: resumable, figures written, honest comparison."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relu_regions.experiments.pruning import run_pruning
from relu_regions.pruning import PruningError

TINY = dict(data="digits", cnn_data="digits", widths=(8,), archs=(), small_width=4, densities=(1.0, 0.05),
            epochs=1, fine_tune_epochs=1, subspaces=1, progress=False)


def test_tiny_experiment_is_resumable_and_writes_everything(tmp_path: Path) -> None:
    res = run_pruning(tmp_path, **TINY)  # type: ignore[arg-type]
    assert not res.partial and res.runs_computed == 2
    names = sorted(Path(f).name for f in res.figures)
    assert names == ["fig1_regions.png", "fig2_bound_log10.png", "fig3_accuracy.png"]
    doc = json.loads(Path(res.results_file).read_text())
    reg = doc["regions"]
    assert reg["exact"] and len(reg["regions"]["5"]) == 2
    # every pruned model has exactly the stated number of non-zero weights
    for rec in (json.loads(p.read_text()) for p in (tmp_path / "runs").glob("*.json")):
        for row in rec["rows"]:
            assert row["nonzeros_after"] == row["layer_nonzeros"]
    acc = doc["accuracy"]["2x8"]
    assert acc["uniform"]["layer_densities"][0] == [1.0, 1.0]
    assert all({"quantity", "paper", "ours", "agrees", "note"} <= set(c) for c in doc["comparison"])
    again = run_pruning(tmp_path, **TINY)  # type: ignore[arg-type]
    assert again.runs_computed == 0 and again.runs_resumed == 2


def test_bad_settings() -> None:
    with pytest.raises(PruningError):
        run_pruning("unused", densities=(0.0,), progress=False)
    with pytest.raises(Exception, match="choose one of"):
        run_pruning("unused", strategies=("uniform", "magic"), progress=False)


@pytest.mark.slow
def test_bigger_experiment_reproduces_the_low_density_gain(tmp_path: Path) -> None:
    """2x100 on mnist-5k at the densities where uniform pruning hurts (about 40 s on one core)."""
    res = run_pruning(tmp_path, data="mnist-5k", widths=(100,), archs=(), densities=(1.0, 0.001, 0.0005),
                      regions=False, progress=False)
    acc = json.loads(Path(res.results_file).read_text())["accuracy"]["2x100"]
    assert acc["two-layer"]["bound_log10"][1] > acc["uniform"]["bound_log10"][1]
    gains = [g - u for g, u in zip(acc["two-layer"]["accuracy"], acc["uniform"]["accuracy"], strict=True)]
    assert sum(gains[1:]) > 0  # measured: +0.137 and +0.091 with seed 0


def test_cnn_fine_tunes_the_fc_tail_on_frozen_features(tmp_path: Path) -> None:
    res = run_pruning(tmp_path, data="digits", cnn_data="digits", widths=(), archs=("lenet",),
                      densities=(1.0, 0.1), epochs=1, fine_tune_epochs=1, regions=False, progress=False)
    doc = json.loads(Path(res.results_file).read_text())
    lenet = doc["accuracy"]["lenet"]
    assert lenet["fc_widths"] == [64, 128, 84, 10]
    assert lenet["two-layer"]["layer_densities"][1] != [0.1, 0.1]  # the paper's procedure moved weights
    for rec in (json.loads(p.read_text()) for p in (tmp_path / "runs").glob("*.json")):
        for row in rec["rows"]:
            assert row["nonzeros_after"] == row["layer_nonzeros"]
    assert "frozen convolutional features" in res.scaled_down
