from __future__ import annotations

import json
import types

import numpy as np
import pytest

from relu_regions import Network, UnknownChoiceError
from relu_regions.data import load_dataset
from relu_regions.plot import new_figure, pattern_ids, plot_regions_2d, save_figure
from relu_regions.report import _build, build_report, check_report, discover_sections

SMALL = {"samples": 3000, "resolution": 40}


def _load(report):
    doc = json.loads(open(report.json_path).read())
    assert check_report(doc) == []
    return doc


def test_sections_are_discovered_in_order():
    names = [m.__name__.rsplit(".", 1)[-1] for m in discover_sections()]
    assert names[:3] == ["architecture", "sampled_regions", "plane_regions"] and "function_1d" in names
    for mod in discover_sections():
        assert isinstance(mod.ORDER, int) and mod.TITLE and callable(mod.build) and callable(mod.html)


def test_report_on_hand_built_net_counts_the_quadrants(identity_net, tmp_path):
    rep = build_report(identity_net, out=tmp_path, domain="box:-1,1", options=SMALL, progress=False)
    assert rep.ok and rep.status == "ok"
    doc = _load(rep)
    secs = {s["name"]: s for s in doc["sections"]}
    assert secs["sampled_regions"]["data"]["regions_lower_bound"] == 4  # the four quadrants
    assert secs["sampled_regions"]["data"]["exact"] is False
    assert secs["plane_regions"]["data"]["regions"] == 4 and secs["plane_regions"]["data"]["exact"]
    assert "_polygons" not in secs["plane_regions"]["data"]  # private keys stay out of the JSON
    assert doc["data"] is None and doc["domain"]["note"] == "given by the user"
    assert secs["architecture"]["data"]["summary"]["num_neurons"] == 2
    for s in doc["sections"]:
        for f in s["figures"]:
            assert (tmp_path / f).is_file() and f.endswith(".png")
    page = (tmp_path / "index.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "lower bound" in page
    again = build_report(identity_net, out=tmp_path, domain="box:-1,1", options=SMALL, progress=False)
    assert [s.figures for s in again.sections] == [s["figures"] for s in doc["sections"]]  # re-run, same dir
    assert all(f'src="{f}"' in page for s in doc["sections"] for f in s["figures"])


def test_plane_picture_has_exact_regions_and_grid_ids_skip_boundaries(abs_net, tmp_path):
    # 2-D |x1| + |x2|-like net: four exact regions; grid points exactly on the kinks, where
    # the pattern (0, 0) belongs to no region, get no region id.
    net = Network([[[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]], [[1.0, 1.0, 1.0, 1.0]]],
                  [[0.0] * 4, [0.0]])
    rep = build_report(net, out=tmp_path, domain="box:-1,1", sections=["plane_regions"],
                       options={"resolution": 41}, progress=False)
    data = rep.sections[0].data
    assert data["regions"] == 4 and data["exact"]
    ids = pattern_ids(np.array([[1, 0], [0, 0], [1, 0]], dtype=bool), valid=[True, False, True])
    assert ids.tolist() == [0, -1, 0]


def test_report_with_data_is_deterministic_and_consistent(tmp_path):
    data = load_dataset("digits", seed=0)
    from relu_regions.data.default_model import load_default_model

    net = load_default_model()
    a = _load(build_report(net, data, out=tmp_path / "a", options=SMALL, progress=False))
    b = _load(build_report(net, data, out=tmp_path / "b", options=SMALL, progress=False))
    strip = [{k: v for k, v in s.items() if k != "seconds"} for s in a["sections"]]
    assert strip == [{k: v for k, v in s.items() if k != "seconds"} for s in b["sections"]]
    secs = {s["name"]: s["data"] for s in a["sections"]}
    occ = secs["sampled_regions"]["data_regions"]
    assert occ["train_points"] == data.n_train and 1 <= occ["train_regions"] <= data.n_train
    curve = secs["sampled_regions"]["saturation"]
    assert [c[0] for c in curve] == sorted(c[0] for c in curve) and curve[-1][0] == 3000
    assert all(k1 <= k2 for (_, k1), (_, k2) in zip(curve, curve[1:], strict=False))  # nested samples
    assert curve[-1][1] == secs["sampled_regions"]["regions_lower_bound"]  # two code paths agree
    plane = secs["plane_regions"]["plane"]
    idx = plane["anchor_indices"]
    assert len(set(plane["labels"])) == 3  # three different classes
    assert [int(data.y_test[i]) for i in idx] == plane["labels"]
    from relu_regions.domain import parse_domain

    dom = parse_domain(plane["domain"])
    np.testing.assert_allclose(dom.chart().to_ambient(np.array(plane["points"])), data.X_test[idx])
    assert a["data"]["name"] == "digits" and "bounding box" in a["domain"]["note"]
    assert secs["architecture"]["metrics"]["test_accuracy"] > 0.95


def _failing_module(name="boom", order=15):
    mod = types.ModuleType(f"relu_regions.report.sections.{name}")
    mod.ORDER, mod.TITLE = order, "A section that fails"

    def build(ctx):
        raise ValueError("something broke\nsecond line")

    mod.build = build
    mod.html = lambda ctx, data, figdir: ""
    return mod


def test_failing_section_is_recorded_and_the_rest_still_runs(identity_net, tmp_path, monkeypatch):
    real = discover_sections()
    monkeypatch.setattr(_build, "discover_sections", lambda: sorted([*real, _failing_module()],
                                                                    key=lambda m: m.ORDER))
    rep = build_report(identity_net, out=tmp_path, domain="box:-1,1", options=SMALL, progress=False)
    assert rep.status == "failed" and not rep.ok and [s.name for s in rep.failed] == ["boom"]
    doc = _load(rep)
    boom = next(s for s in doc["sections"] if s["name"] == "boom")
    assert boom["error"] == "ValueError: something broke" and "Traceback" in boom["traceback"]
    assert boom["data"] is None
    assert sum(s["status"] in ("ok", "skipped") for s in doc["sections"]) == len(real)
    page = (tmp_path / "index.html").read_text()
    assert "This section failed" in page and "something broke" in page


def test_skips_unknown_names_and_time_limits(tmp_path, abs_net, identity_net):
    rep = build_report(abs_net, out=tmp_path / "a", domain="box:-1,1", options=SMALL, progress=False)
    plane = next(s for s in rep.sections if s.name == "plane_regions")
    assert plane.status == "skipped" and "1-D input" in plane.error
    page = (tmp_path / "a" / "index.html").read_text()
    assert "[skipped: the network has a 1-D input" in page and 'id="plane_regions"' not in page
    line = next(s for s in rep.sections if s.name == "function_1d").data
    assert line["regions_along_the_interval"] == line["regions_on_grid"] == 2  # |x| on [-1, 1]
    assert abs(line["breakpoints"][0]) < 1e-3
    assert [p["slope"] for p in line["pieces"]] == [[-1.0], [1.0]]
    assert rep.status == "ok"
    only = build_report(identity_net, out=tmp_path / "b", domain="box:-1,1", sections=["architecture"],
                        progress=False)
    assert [s.name for s in only.sections] == ["architecture"]
    with pytest.raises(UnknownChoiceError, match="unknown report section 'nope'"):
        build_report(identity_net, out=tmp_path / "c", domain="box:-1,1", sections=["nope"])
    late = build_report(identity_net, out=tmp_path / "d", domain="box:-1,1", time_limit=1e-9, progress=False)
    assert late.status == "partial" and all(s.status == "skipped" for s in late.sections)
    _load(late)


def test_check_report_catches_problems():
    assert check_report([]) == ["report: not a JSON object"]
    good = {
        "schema": "relu-regions/report", "schema_version": 1, "tool": {}, "status": "ok", "seconds": 1.0,
        "seed": 0, "options": {}, "model": {"source": "", "summary": {}}, "data": None,
        "domain": {"spec": {}, "note": ""},
        "sections": [{"name": "a", "title": "A", "order": 1, "status": "failed", "seconds": 0.0,
                      "data": None, "figures": [], "error": "x", "traceback": None}],
    }
    assert "report.status: 'ok' although a section failed" in check_report(good)
    good["status"] = "failed"
    assert check_report(good) == []
    good["sections"][0]["status"] = "ok"
    assert any("no data" in p for p in check_report(good))


def test_plot_regions_accepts_grid_or_polygons(tmp_path):
    ids = pattern_ids(np.array([[1, 0], [1, 0], [0, 1], [1, 1]], dtype=bool))
    assert ids.tolist()[0] == ids.tolist()[1] and len(set(ids.tolist())) == 3
    fig = new_figure()
    ax1, ax2 = fig.subplots(1, 2)
    plot_regions_2d(ax1, grid=np.array([[0, 1], [2, 2]]), extent=(0, 1, 0, 1), xlabel="x", ylabel="y")
    squares = [np.array([[0, 0], [1, 0], [1, 1], [0, 1]]), np.array([[1, 0], [2, 0], [2, 1], [1, 1]])]
    art = plot_regions_2d(ax2, polygons=squares, extent=(0, 2, 0, 1))
    assert len(art.get_paths()) == 2
    with pytest.raises(ValueError, match="exactly one"):
        plot_regions_2d(ax1)
    assert save_figure(fig, tmp_path / "f.png").stat().st_size > 1000


def test_data_model_dimension_mismatch(tmp_path, identity_net):
    from relu_regions import DimensionError

    with pytest.raises(DimensionError, match="takes 2 inputs but dataset 'digits' has 64 features"):
        build_report(identity_net, "digits", out=tmp_path)


def test_network_with_leaky_relu_and_regression_data(tmp_path):
    net = Network([[[1.0], [-1.0], [2.0]], [[1.0, 1.0, -1.0]]], [[0.0, 0.5, -1.0], [0.0]], negative_slope=0.1)
    rep = build_report(net, "sine", out=tmp_path, options=SMALL, progress=False)
    doc = _load(rep)
    secs = {s["name"]: s for s in doc["sections"]}
    assert "test_mse" in secs["architecture"]["data"]["metrics"]
    assert secs["sampled_regions"]["data"]["regions_lower_bound"] == 3  # kinks at 0 and 0.5 (two neurons)
