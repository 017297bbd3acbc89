"""``relu-regions boolean``: the installed console script, its JSON keys and its errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from relu_regions import load_network
from relu_regions.boolean import input_points, truth_table


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "relu_regions", "boolean", *args],
                          capture_output=True, text=True, timeout=120)


def test_swaps_function_and_max() -> None:
    p = cli("swaps", "--function", "7,140", "--inputs", "4", "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["swaps"] == 5
    p = cli("swaps", "--inputs", "3", "--max", "--json")
    doc = json.loads(p.stdout)
    assert doc["max_swaps"] == 3 and "swaps" not in doc


def test_npn_list_and_count() -> None:
    doc = json.loads(cli("npn", "--inputs", "3", "--json").stdout)
    assert len(doc["classes"]) == 14 == doc["count"]
    assert sum(c["size"] for c in doc["classes"]) == 256
    doc = json.loads(cli("npn", "--inputs", "5", "--count", "--json").stdout)
    assert doc["classes"] == 616126


def test_fourier() -> None:
    doc = json.loads(cli("fourier", "--function", "0x6996", "--inputs", "4", "--json").stdout)
    assert (doc["degree"], doc["total_influence"], doc["entropy"]) == (4, 4.0, 0.0)


def test_construct_saves_a_network_that_classifies(tmp_path: Path) -> None:
    out = tmp_path / "f.npz"
    p = cli("construct", "--function", "1785", "--inputs", "4", "--encoding", "pm1",
            "-o", str(out), "--json")
    doc = json.loads(p.stdout)
    assert doc["verified"] and doc["width"] == 5
    assert json.loads(cli("construct", "--function", "1785", "--inputs", "4", "--minimal",
                          "--json").stdout)["width"] == 4
    net = load_network(out)
    pred = net.forward(2.0 * input_points(4) - 1).ravel() > 0
    assert (pred == (truth_table(1785, 4) == 1)).all()


@pytest.mark.parametrize("args", [
    ["swaps", "--inputs", "4"],
    ["swaps", "--function", "70000", "--inputs", "4"],
    ["npn", "--inputs", "5"],
    ["swaps", "--function", "1", "--inputs", "2", "--method", "magic"],
])
def test_errors_are_one_json_document(args: list[str]) -> None:
    p = cli(*args, "--json")
    assert p.returncode == 2
    assert "error" in json.loads(p.stdout)
    assert "Traceback" not in p.stderr
