"""The exact_regions report section: exact counts on planes and lines, bounds beside them."""

from __future__ import annotations

import json

import numpy as np

from relu_regions import Network, random_network
from relu_regions.data import load_dataset
from relu_regions.regions import count_regions
from relu_regions.report import build_report, check_report


def _section(rep) -> dict:
    doc = json.loads(open(rep.json_path).read())
    assert check_report(doc) == []
    (sec,) = [s for s in doc["sections"] if s["name"] == "exact_regions"]
    assert sec["status"] == "ok", sec
    return sec


def test_quadrants_exactly_on_the_box_and_the_plane(identity_net, tmp_path):
    rep = build_report(identity_net, out=tmp_path, domain="box:-1,1", sections=["exact_regions"], progress=False)
    rows = {r["case"]: r for r in _section(rep)["data"]["rows"]}
    assert rows["plane_window"]["activation_regions"] == rows["plane"]["activation_regions"] == 4
    assert all(r["exact"] for r in rows.values())
    assert rows["plane_window"]["linear_regions"] == 4  # relu(x) + relu(y): four different maps
    assert (tmp_path / "exact-regions.png").is_file()
    assert "exact" in (tmp_path / "index.html").read_text()


def test_counts_match_the_api_and_stay_below_the_bounds(tmp_path):
    data = load_dataset("digits", seed=0)
    net = random_network([64, 12, 12, 10], seed=1)
    rep = build_report(net, data, out=tmp_path, sections=["exact_regions"], progress=False)
    sec = _section(rep)
    P = np.asarray(sec["data"]["anchor_points"])
    rows = {r["case"]: r for r in sec["data"]["rows"]}
    assert {"plane_window", "plane", "plane_origin", "segment", "line", "line_origin"} <= set(rows)
    from relu_regions import AffineSubspace

    assert rows["plane"]["activation_regions"] == count_regions(net, AffineSubspace(P), progress=False).regions
    for r in rows.values():
        assert r["exact"] and r["upper_bound"] is not None
        assert r["linear_regions"] <= r["activation_regions"] <= r["upper_bound"]
    assert rows["segment"]["activation_regions"] <= rows["line"]["activation_regions"]


def test_one_input_network_counts_lines_only(tmp_path):
    net = Network([[[1.0], [-1.0], [2.0]], [[1.0, 1.0, 1.0]]], [[0.0, 0.5, -1.0], [0.0]])
    rep = build_report(net, out=tmp_path, domain="box:-2,2", sections=["exact_regions"], progress=False)
    rows = {r["case"]: r for r in _section(rep)["data"]["rows"]}
    # kinks at x = 0, 0.5 and again 0.5 (two neurons share it): three pieces
    assert rows["domain"]["activation_regions"] == rows["line"]["activation_regions"] == 3
