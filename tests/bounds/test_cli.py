"""The ``bound`` verb: JSON shape, exact integers, human table, one-line errors."""

import json
import subprocess
import sys

import pytest

from relu_regions import random_network, save_network
from relu_regions.bounds import serra2018_bound
from relu_regions.cli import main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "relu_regions", *args], capture_output=True, text=True,
                          timeout=300)


def test_widths_json_exact_integer(capsys):
    assert main(["bound", "--widths", "784,400,400", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    b = out["bounds"]["serra2018"]
    assert b["value"] == serra2018_bound([784, 400, 400]).value  # exact, 241 digits
    assert b["kind"] == "upper" and "Theorem 1" in b["reference"]
    assert out["bounds"]["cai2023"]["kind"] == "expected"
    assert "serra2018_lower" in out["skipped"]


def test_more_than_4300_digits_in_json(capsys):
    assert main(["bound", "--widths", "4,4096,4096,4096,4096", "--method", "trivial", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["bounds"]["trivial"]["value"] == 2 ** (4 * 4096)


def test_method_list_density_and_estimator(capsys):
    args = ["bound", "--widths", "20,30,30", "--method", "cai2023,serra2018", "--density", "0.2,0.5",
            "--rank-estimator", "sampled", "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["bounds"]) == {"cai2023", "serra2018"}
    cai = out["bounds"]["cai2023"]
    assert cai["details"]["densities"] == [0.2, 0.5] and cai["details"]["rank_estimator"] == "sampled"
    assert cai["log10"] <= out["bounds"]["serra2018"]["log10"]


def test_model_with_domain_and_table(tmp_path, capsys):
    path = save_network(random_network([2, 6, 6, 1], seed=1), tmp_path / "m.npz")
    assert main(["bound", str(path), "--domain", "box:-1,1", "--maxout-rank", "3"]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert "2-6-6" in lines[0] and "network-aware on a domain of dimension 2" in lines[0]
    names = [ln.split()[0] for ln in lines[3:] if ln and not ln.startswith("skipped")]
    assert names[0] == "network_aware"  # the tightest upper bound comes first
    assert "serra2018_lower" in text and "skipped" in text


@pytest.mark.parametrize(
    "args,message",
    [
        (["bound"], "give either a MODEL or --widths"),
        (["bound", "--widths", "2,0,3"], "positive integers; got 0 at position 1"),
        (["bound", "--widths", "2,x"], "--widths must be comma-separated integers"),
        (["bound", "--widths", "2,3", "--density", "1.5"], "density must lie in (0, 1]"),
        (["bound", "--widths", "2,3", "--density", "0"], "density must lie in (0, 1]"),
        (["bound", "--widths", "2,3", "--method", "serra2018_lower"], "n_l >= 3 * n_0 = 6"),
        (["bound", "--widths", "2,3", "--method", "nope"], "unknown bound method 'nope'; choose one of"),
        (["bound", "--widths", "2,3", "--method", "network_aware"], "needs a model's weights"),
        (["bound", "--widths", "2,3", "--domain", "box:0,1"], "--domain needs a MODEL"),
        (["bound", "--widths", "2,3,3", "--density", "0.1,0.1,0.1"], "3 densities for 2 hidden layers"),
    ],
)
def test_bad_input_one_line_no_traceback(args, message):
    proc = run_cli(*args)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
