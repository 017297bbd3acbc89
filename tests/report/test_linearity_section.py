"""The report's local-linearity section: active-subspace shares and the k-means curve."""

from __future__ import annotations

from relu_regions.data import load_dataset
from relu_regions.data.default_model import load_default_model
from relu_regions.report import build_report


def test_linearity_section_on_the_default_model(tmp_path):
    data = load_dataset("digits", seed=0)
    rep = build_report(load_default_model(), data, out=tmp_path, sections=["linearity"], progress=False)
    sec = rep.sections[0]
    assert sec.status == "ok", sec.error
    a, km = sec.data["active_subspace"], sec.data["kmeans"]
    assert 0 < a["explained_top1_mean"] <= a["explained_top5_mean"] <= 1 + 1e-12
    assert km["k"] == [1, 2, 5, 10, 50] and all(0 <= x <= 1 for x in km["accuracy"])
    assert km["accuracy"][-1] >= km["accuracy"][0]  # more affine pieces classify at least as well here
    assert "linearity.png" in (tmp_path / "index.html").read_text()


def test_linearity_section_skips_without_data(tmp_path):
    rep = build_report(load_default_model(), out=tmp_path, sections=["linearity"], progress=False)
    assert rep.sections[0].status == "skipped"
