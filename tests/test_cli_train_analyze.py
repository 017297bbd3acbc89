"""End-to-end tests of the `train` and `analyze` verbs (tiny models, fast options)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from relu_regions import load_network
from relu_regions.cli import main
from relu_regions.report import _build as report_build
from relu_regions.report import check_report, discover_sections


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "relu_regions", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def xor_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "xor.npz"
    assert main(["train", "--data", "xor", "--hidden", "6,6", "--epochs", "3", "--samples", "200",
                 "-o", str(path), "--json"]) == 0
    return path


def test_train_json_and_saved_model(xor_model, tmp_path, capsys):
    out = tmp_path / "m.npz"
    assert main(["train", "--data", "circle-annulus", "--hidden", "5", "--epochs", "4", "--samples", "300",
                 "--l1", "1e-3", "--l1-layers", "0", "--optimizer", "sgd", "--seed", "3", "-o", str(out),
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["model"] == str(out) and doc["architecture"] == [2, 5, 2] and doc["epochs_run"] == 4
    assert doc["config"]["l1_layers"] == [0] and doc["config"]["optimizer"] == "sgd"
    assert 0.0 <= doc["metrics"]["test_accuracy"] <= 1.0
    assert load_network(out).widths == (2, 5, 2)


def test_train_table_output(tmp_path, capsys):
    assert main(["train", "--data", "sine", "--hidden", "4", "--epochs", "2", "-o", str(tmp_path / "s.npz")]) == 0
    text = capsys.readouterr().out
    assert "train mse" in text and "architecture" in text


def test_analyze_end_to_end(xor_model, tmp_path, capsys):
    out = tmp_path / "rep"
    code = main(["analyze", str(xor_model), "--data", "xor", "--out", str(out), "--samples", "2000",
                 "--resolution", "40", "--json"])
    captured = capsys.readouterr()
    assert code == 0
    result = json.loads(captured.out)
    assert result["status"] == "ok" and result["html_path"] == str(out / "index.html")
    assert "[1/" in captured.err  # progress on stderr
    doc = json.loads((out / "report.json").read_text())
    assert check_report(doc) == [] and doc["data"]["name"] == "xor"
    assert len(list(out.glob("*.png"))) >= 3


def test_analyze_default_model(tmp_path, capsys):
    """The README's main job, with fewer samples to stay fast."""
    code = main(["analyze", "--out", str(tmp_path), "--samples", "2000", "--resolution", "50", "--quiet"])
    captured = capsys.readouterr()
    assert code == 0 and captured.err == ""
    assert "status: ok" in captured.out
    doc = json.loads((tmp_path / "report.json").read_text())
    assert doc["model"]["summary"]["hidden_widths"] == [32, 32] and doc["data"]["name"] == "digits"


def test_analyze_exits_non_zero_when_a_section_fails(xor_model, tmp_path, monkeypatch, capsys):
    import types

    bad = types.ModuleType("relu_regions.report.sections.bad")
    bad.ORDER, bad.TITLE = 99, "bad"
    bad.build = lambda ctx: 1 / 0
    bad.html = lambda ctx, data, figdir: ""
    monkeypatch.setattr(report_build, "discover_sections", lambda: [*discover_sections(), bad])
    code = main(["analyze", str(xor_model), "--data", "xor", "--out", str(tmp_path), "--sections",
                 "architecture,bad", "--json", "--quiet"])
    assert code == 1
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "failed"
    assert result["sections"][1]["error"] == "ZeroDivisionError: division by zero"


@pytest.mark.parametrize(
    "args,message",
    [
        (["train", "--data", "nope", "-o", "{tmp}/m.npz"], "unknown dataset 'nope'; choose one of:"),
        (["train", "--data", "xor", "--hidden", "a,b", "-o", "{tmp}/m.npz"], "--hidden must be"),
        (["train", "--data", "xor", "--dropout", "1.5", "-o", "{tmp}/m.npz"], "invalid dropout"),
        (["analyze", "{model}", "--data", "digits", "--out", "{tmp}/r"],
         "the model takes 2 inputs but dataset 'digits' has 64 features"),
        (["analyze", "{model}", "--data", "nope", "--out", "{tmp}/r"], "unknown dataset 'nope'"),
        (["analyze", "{model}", "--out", "{tmp}/r", "--sections", "nope"], "unknown report section 'nope'"),
        (["analyze", "{tmp}/missing.npz", "--out", "{tmp}/r"], "no such file"),
    ],
)
def test_bad_input_is_one_line(xor_model, tmp_path, args, message):
    args = [a.format(tmp=tmp_path, model=xor_model) for a in args]
    proc = run_cli(*args)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
