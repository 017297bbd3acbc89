"""The linearity verbs return what the API computes (in-process; the subprocess --json
contract for every verb lives in tests/cli/test_json_contract.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from relu_regions import random_network, save_network
from relu_regions.cli import EXIT_USAGE, main
from relu_regions.linearity import compare_networks, cross_section, local_affine_maps


@pytest.fixture
def model(tmp_path: Path) -> tuple[Path, object]:
    net = random_network([4, 8, 6, 3], seed=5)
    return save_network(net, tmp_path / "m.npz"), net


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_linearize_writes_the_exact_maps(model, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path, net = model
    X = np.random.default_rng(0).normal(size=(30, 4))
    np.save(tmp_path / "X.npy", X)
    doc = run_json(capsys, "linearize", str(path), "--data", str(tmp_path / "X.npy"), "-o", str(tmp_path / "c.npz"))
    assert doc["jacobian_shape"] == [30, 3, 4]
    with np.load(tmp_path / "c.npz") as z:
        ref = local_affine_maps(net, X)
        np.testing.assert_array_equal(z["jacobians"], ref.jacobians)
        np.testing.assert_array_equal(z["offsets"], ref.offsets)


def test_slice_json_keys_and_zoom(model, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path, net = model
    P = np.random.default_rng(1).normal(size=(3, 4))
    for i, name in enumerate("ABC"):
        np.save(tmp_path / f"{name}.npy", P[i])
    pts = ",".join(str(tmp_path / f"{n}.npy") for n in "ABC")
    doc = run_json(capsys, "slice", str(path), "--points", pts, "--grid", "20", "-o", str(tmp_path / "s.png"))
    cs = cross_section(net, *P, grid=20)
    assert doc["regions"] == cs.regions and doc["grid_regions"] == cs.grid_regions
    np.testing.assert_allclose(doc["origin"], P[0])
    E = np.asarray(doc["axes"])
    np.testing.assert_allclose(E @ E.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(E[0], (P[1] - P[0]) / np.linalg.norm(P[1] - P[0]))
    assert (tmp_path / "s.png").stat().st_size > 0
    doc = run_json(capsys, "slice", str(path), "--points", pts, "--window", "A:0.1")
    assert doc["window"] == pytest.approx([-0.1, 0.1, -0.1, 0.1])
    assert main(["slice", str(path), "--points", str(tmp_path / "A.npy"), "--json"]) == EXIT_USAGE
    assert "error" in json.loads(capsys.readouterr().out)


def test_similarity_pair_and_matrix(model, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path, net = model
    other = save_network(random_network([4, 8, 6, 3], seed=6), tmp_path / "o.npz")
    doc = run_json(capsys, "similarity", str(path), str(other), "--data", "box:-1,1", "--samples", "200")
    X = __import__("relu_regions").parse_domain("box:-1,1", input_dim=4).sample(200, seed=0)
    ref = compare_networks(net, __import__("relu_regions").load_network(other), X)
    assert doc["linear_cka"] == pytest.approx(ref.linear_cka)
    assert set(doc) >= {"linear_cka", "scaled_mse", "affine_mapped_accuracy", "cross_entropy"}
    doc = run_json(capsys, "similarity", str(path), str(other), str(path), "--data", "box:-1,1",
                   "--samples", "100", "-o", str(tmp_path / "h"))
    assert np.asarray(doc["matrices"]["linear_cka"]).shape == (3, 3)
    assert (tmp_path / "h_linear_cka.png").is_file()


def test_kmeans_and_sensitivity(model, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path, _ = model
    doc = run_json(capsys, "kmeans", str(path), "--data", "box:-1,1", "--samples", "100", "--k", "1,100")
    assert doc["k"] == [1, 100] and doc["agreement"][-1] == 1.0
    doc = run_json(capsys, "sensitivity", str(path), "--data", "box:-1,1", "-o", str(tmp_path / "s"))
    assert len(doc["explained_first"]) == 3 and all(Path(f).is_file() for f in doc["files"])
