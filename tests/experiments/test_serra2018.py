"""experiment serra2018: exact counts on the PCA slice, below the bounds; resuming."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")

from relu_regions import load_dataset  # noqa: E402
from relu_regions.bounds import bound_regions  # noqa: E402
from relu_regions.experiments.serra2018 import pca_slice, run_serra2018  # noqa: E402


def test_pca_slice_holds_the_projected_data() -> None:
    X = np.asarray(load_dataset("mnist-5k", seed=0).X_train)[:500]
    dom = pca_slice(X, 3)
    ch = dom.chart()
    assert ch.dim == 3 and ch.bounded
    Z = (X - X.mean(0)) @ ch.basis  # orthonormal directions: coefficients are projections
    assert np.allclose(ch.basis.T @ ch.basis, np.eye(3), atol=1e-10)
    assert np.all(Z.min(0) >= dom.coefficient_lower - 1e-9) and np.all(Z.max(0) <= dom.coefficient_upper + 1e-9)


def test_small_run_exact_below_bounds_and_resumes(tmp_path) -> None:
    out = tmp_path / "s"
    res = run_serra2018(out, splits=[3, 19], runs=1, epochs=1, pca_dim=2, progress=False)
    doc = json.loads((out / "results.json").read_text())
    assert not res.partial and len(doc["runs"]) == 2 and doc["summary"]["all_counts_exact"]
    for r in doc["runs"]:
        # a net restricted to a 2-D slice is a 2-input net: Theorem 1 with n0 = 2 bounds its count
        bound = bound_regions([2, r["n1"], r["n2"]], methods="serra2018").ordered()[0].value
        assert 1 <= r["regions"] <= bound
    assert (out / "serra2018.png").is_file()
    assert next(c for c in res.comparison if c["quantity"].startswith("every count"))["agrees"]
    again = run_serra2018(out, splits=[3, 19], runs=1, epochs=1, pca_dim=2, progress=False)
    assert again.runs_computed == 0 and again.runs_resumed == 2


def test_bad_splits() -> None:
    from relu_regions import ReluRegionsError

    with pytest.raises(ReluRegionsError, match="splits"):
        run_serra2018("unused", splits=[0])
