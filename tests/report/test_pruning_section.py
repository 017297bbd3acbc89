"""The report's pruning section: budgets kept, never below uniform, and it shows in the page."""

from __future__ import annotations

from relu_regions import random_network
from relu_regions.pruning import layer_sizes, uniform_counts
from relu_regions.report import build_report


def test_pruning_section_recommends_densities(tmp_path):
    net = random_network([20, 30, 10, 3], seed=0)
    rep = build_report(net, out=tmp_path, domain="box:0,1", sections=["pruning"], progress=False)
    sec = rep.sections[0]
    assert sec.status == "ok", sec.error
    sizes = layer_sizes([20, 30, 10])
    for row in sec.data["rows"]:
        assert row["parameters_kept"] == sum(row["layer_nonzeros"]) == sum(uniform_counts(sizes, row["density"]))
        assert row["bound_log10"] >= row["uniform_bound_log10"] - 1e-9
    assert "pruning-densities.png" in (tmp_path / "index.html").read_text()
