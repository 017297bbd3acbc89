"""Maxout models at the command line: the installed console script, ``--json`` parsed from stdout.

Evidence comes from outside the verb under test: the stable pieces are checked by our own
forward pass on dense samples, the compressed model by forward passes of both files, the
exact count against the bound verb's upper bounds, and the architecture bound against the
formula evaluated here.
"""

from __future__ import annotations

import json
from math import comb
from pathlib import Path

import numpy as np
import pytest

from relu_regions import load_network, random_network, save_network
from relu_regions.cli import EXIT_USAGE

from .test_json_contract import run


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> str:
    d = tmp_path_factory.mktemp("maxout_cli")
    net = random_network([2, 5, 4, 2], seed=3, maxout_rank=[3, 2])
    return str(save_network(net, d / "mx.npz"))


def cli_json(*args: str, status: int = 0) -> dict:
    r = run(*args, "--json")
    assert r.returncode == status, r.stderr[-2000:]
    return json.loads(r.stdout)


def test_bound(model):
    out = cli_json("bound", model, "--domain", "box:-0.5,0.5", "--stability", "auto")
    b = out["bounds"]
    # serra2018_maxout with the model's ranks 3 and 2, evaluated here: d_1 = d_2 = 2
    want = sum(comb(3 * 5, j) for j in range(3)) * sum(comb(1 * 4, j) for j in range(3))
    assert b["serra2018_maxout"]["value"] == want
    assert b["network_aware"]["value"] <= want
    assert b["tseran_montufar2021"]["kind"] == "expected"
    assert "maxout layers" in out["skipped"]["serra2018"]


def test_count_is_below_the_bounds(model):
    count = cli_json("count", model, "--domain", "box:-0.5,0.5")
    bound = cli_json("bound", model, "--domain", "box:-0.5,0.5", "--method", "network_aware",
                     "--stability", "auto")
    assert count["exact"] and 1 <= count["regions"] <= bound["bounds"]["network_aware"]["value"]


def test_stable_pieces_hold_on_samples(model):
    out = cli_json("stable", model, "--domain", "box:-0.5,0.5", "--certificates")
    assert out["exact"] and out["layers"][0]["kind"] == "maxout"
    net = load_network(model)
    X = np.random.default_rng(0).uniform(-0.5, 0.5, size=(20_000, 2))
    h = X
    for li, layer in enumerate(net.layers[:-1]):
        Z = np.einsum("kji,ni->nkj", layer.weight, h) + layer.bias[None]
        for u, p in out["layers"][li]["stable"]:
            assert np.all(Z[:, p, u] >= Z[:, :, u].max(axis=1) - 1e-7)
        h = Z.max(axis=1)
    assert len(out["certificates"]) == 2


def test_compress_preserves_the_model(model, tmp_path: Path):
    small = tmp_path / "small.npz"
    out = cli_json("compress", model, "--domain", "box:-0.5,0.5", "-o", str(small))
    assert out["max_abs_difference"] < 1e-9 and out["pieces_after"] <= out["pieces_before"]
    a, b = load_network(model), load_network(str(small))
    X = np.random.default_rng(1).uniform(-0.5, 0.5, size=(10_000, 2))
    np.testing.assert_allclose(b.forward(X), a.forward(X), rtol=0, atol=1e-9)


def test_analyze_works_and_says_what_it_skips(model, tmp_path: Path):
    out = cli_json("analyze", model, "-o", str(tmp_path / "rep"), "--samples", "2000", "--resolution", "60",
                   "--quiet", "--sections", "architecture,sampled_regions,bounds,pruning,stability")
    status = {s["name"]: s["status"] for s in out["sections"]}
    assert out["status"] == "ok", out["sections"]
    assert status["architecture"] == status["bounds"] == status["stability"] == "ok"
    pruning = next(s for s in out["sections"] if s["name"] == "pruning")
    assert pruning["status"] == "skipped" and "maxout" in pruning["error"]
    report = json.loads((tmp_path / "rep" / "report.json").read_text())
    stab = next(s for s in report["sections"] if s["name"] == "stability")["data"]
    assert "maxout" in stab["sweep"]["skipped"]


@pytest.mark.parametrize("verb,extra", [
    ("kmeans", ["--data", "box:-1,1", "--samples", "200"]),
    ("prune", ["--density", "0.5", "-o", "pruned.npz"]),
    ("local-stability", ["--point", "0.1,0.2", "--radii", "0.1"]),
])
def test_unsupported_verbs_refuse_in_one_line(model, verb, extra, tmp_path: Path):
    r = run(verb, model, *[e if e != "pruned.npz" else str(tmp_path / e) for e in extra], "--json")
    assert r.returncode == EXIT_USAGE
    err = json.loads(r.stdout)["error"]
    assert err["type"] == "UnsupportedNetworkError" and "maxout" in err["message"]
    assert "\n" not in err["message"] and "Traceback" not in r.stderr


def test_analyze_a_one_input_maxout_model(tmp_path: Path):
    m = save_network(random_network([1, 5, 4, 1], seed=0, maxout_rank=[3, 2]), tmp_path / "m1.npz")
    out = cli_json("analyze", str(m), "-o", str(tmp_path / "rep"), "--quiet",
                   "--sections", "function_1d,exact_regions,sampled_regions")
    assert out["status"] == "ok" and all(s["status"] == "ok" for s in out["sections"]), out["sections"]
    report = json.loads((tmp_path / "rep" / "report.json").read_text())
    f1 = next(s for s in report["sections"] if s["name"] == "function_1d")["data"]
    exact = next(s for s in report["sections"] if s["name"] == "exact_regions")["data"]["rows"][0]
    assert exact["case"] == "domain"
    # the grid sees a lower bound of the exact count on the same interval
    assert exact["exact"] and f1["exact"] is False
    assert 1 <= f1["regions_along_the_interval"] <= exact["activation_regions"] <= exact["upper_bound"]
    assert exact["upper_bound_method"] in ("network_aware", "serra2018_maxout")
