"""The bounds section of the ``analyze`` report."""

import json

from relu_regions import random_network
from relu_regions.bounds import serra2018_bound
from relu_regions.bounds._types import make_bound
from relu_regions.report import build_report, check_report
from relu_regions.report.sections import bounds as section


def test_bounds_section_in_report(tmp_path):
    net = random_network([3, 8, 8, 2], seed=0)
    rep = build_report(net, out=tmp_path, domain="box:-1,1", sections=["bounds"], progress=False)
    assert rep.ok, [s.error for s in rep.sections]
    doc = json.loads(open(rep.json_path).read())
    assert check_report(doc) == []
    (sec,) = doc["sections"]
    data = sec["data"]
    assert data["widths"] == [3, 8, 8] and data["domain_dim"] == 3
    b = data["bounds"]
    assert b["serra2018"]["value"] == serra2018_bound([3, 8, 8]).value
    assert b["network_aware"]["value"] <= b["serra2018"]["value"]
    assert data["ordered"][0] == "network_aware"  # the tightest upper bound
    assert "serra2018_lower" in data["skipped"]  # 8 < 3 * 3
    fam = data["family"]
    assert len(fam["depth"]["x"]) == len(fam["depth"]["log10"]["serra2018"]) >= 6
    assert fam["depth"]["log10"]["serra2018"][1] == serra2018_bound([3, 8, 8]).log10
    # lower bounds appear in the width family where their conditions hold (width >= 3 n0 = 9)
    assert any(v is not None for v in fam["width"]["log10"]["serra2018_lower"])
    assert sec["figures"] == ["bounds-family.png"] and (tmp_path / "bounds-family.png").is_file()
    page = (tmp_path / "index.html").read_text()
    assert "network_aware" in page and "bounds-family.png" in page


def test_huge_exact_integers_are_left_out_of_the_report_json():
    b = make_bound("trivial", 2**20000, kind="upper", reference="2^N")
    d = section._bound_json(b)
    assert d["value"] is None and "6021 digits" in d["value_note"] and d["log10"] > 6020
