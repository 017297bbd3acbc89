"""The `stability` report section: stable neurons, compression and a local sweep."""

from __future__ import annotations

import json

import numpy as np

from relu_regions import random_network
from relu_regions.report import build_report
from relu_regions.stability import stable_neurons


def test_stability_section_matches_the_api(tmp_path):
    net = random_network([2, 8, 6, 2], seed=3)
    rep = build_report(net, out=tmp_path, data="xor", sections=["stability"], progress=False)
    assert rep.ok
    (sec,) = json.loads(open(rep.json_path).read())["sections"]
    d = sec["data"]
    from relu_regions.data import load_dataset

    ds = load_dataset("xor")
    from relu_regions import Box

    box = Box(ds.X_train.min(0), ds.X_train.max(0))
    ref = stable_neurons(net, box)
    assert d["stability"]["exact"]
    assert [layer["inactive"] for layer in d["stability"]["layers"]] == [len(x.inactive) for x in ref.layers]
    comp = d["compression"]
    assert comp["neurons_after"] <= comp["neurons_before"] and comp["max_abs_difference"] < 1e-9
    rows = d["sweep"]["rows"]
    assert len(rows) >= 1 and all(r["patterns"] >= 1 for r in rows)
    assert np.all(np.diff([r["unstable"] for r in rows]) >= 0)  # nested balls
    assert "Stable neurons" in (tmp_path / "index.html").read_text()
