"""The `subspace_regions` report section: exact counts on a subspace through data (lp engine)."""

from __future__ import annotations

import json

from relu_regions import AffineSubspace, random_network
from relu_regions.regions import count_regions
from relu_regions.report import build_report


def test_subspace_section_counts_exactly_with_bounds_beside(tmp_path):
    net = random_network([2, 8, 6, 2], seed=3)
    rep = build_report(net, out=tmp_path, data="xor", sections=["subspace_regions"], progress=False,
                       options={"subspace_dim": 2})
    assert rep.ok
    (sec,) = json.loads(open(rep.json_path).read())["sections"]
    d = sec["data"]
    assert d["exact"] and d["subspace_dim"] == 2
    assert d["sample_lower_bound"] <= d["regions"] <= d["upper_bound"].get("value", d["regions"])
    # an independent exact count of the same subspace (2-D: the geometric engine)
    from relu_regions.data import load_dataset

    X = load_dataset("xor").X_train[d["anchor_indices"]]
    dom = AffineSubspace(X, coefficient_bounds=(0.0, 1.0))
    assert count_regions(net, dom, method="geometric").regions == d["regions"]
    assert "activation regions" in (tmp_path / "index.html").read_text()
