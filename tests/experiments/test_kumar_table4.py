"""experiment kumar-table4: the paper's table as data, labelled lower bounds, exact small cells."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")

from relu_regions import Box  # noqa: E402
from relu_regions.experiments.kumar_table4 import (  # noqa: E402
    ARCHITECTURES,
    PAPER,
    REGULARIZERS,
    _compare,
    run_kumar_table4,
)


def test_paper_table_is_complete() -> None:
    assert len(PAPER) == len(ARCHITECTURES) * len(REGULARIZERS) == 63
    assert PAPER[((8, 8, 8, 8, 8), "do")] == ("700000+", 2, 91.70)
    assert PAPER[((5, 5, 5, 5), "adv_l1")] is None  # DNC
    assert sum(1 for c in PAPER.values() if c and c[0].endswith("+")) == 7


def test_compare_labels_lower_bounds_and_filled_cells() -> None:
    rec = {"arch": [8, 8, 8, 8], "reg": "vanilla", "patterns": 120000, "exact": True, "count_seconds": 5.0,
           "stably_inactive": 0, "validation_accuracy": 0.9}
    row = _compare(rec)
    assert row["paper"] == "108000+" and row["ours"] == "120000" and "fills it exactly" in row["note"]
    row = _compare({**rec, "arch": [5, 5, 5, 5], "exact": False, "patterns": 100})
    assert row["ours"] == "100+" and row["agrees"] is None and "lower bound after 5 s" in row["note"]


def test_small_cell_counts_match_an_independent_count(tmp_path) -> None:
    out = tmp_path / "k"
    res = run_kumar_table4(out, architectures=[[2, 2]], regularizers=["l1"], epochs=1,
                           cell_time_limit=None, progress=False)
    doc = json.loads((out / "results.json").read_text())
    (rec,) = doc["runs"]
    assert rec["exact"] and res.summary["cells_exact"] == 1
    assert 1 <= rec["patterns"] <= 16  # 4 hidden neurons: at most 2^4 patterns
    assert 0 <= rec["stably_inactive"] <= 4 and 0.0 <= rec["validation_accuracy"] <= 1.0
    assert (out / "table4.png").is_file()
    again = run_kumar_table4(out, architectures=[[2, 2]], regularizers=["l1"], epochs=1,
                             cell_time_limit=None, progress=False)
    assert again.runs_computed == 0 and again.runs_resumed == 1


def test_trained_cell_count_equals_brute_force_and_bounds_sampling() -> None:
    # independent oracles on a trained 784-3-3-10 net: every one of the 2^6 patterns tried by LP
    # feasibility (tests/regions/_reference.py), and distinct patterns of random pixels below
    from relu_regions.experiments.kumar_table4 import train_table4_network
    from relu_regions.regions import count_regions
    from tests.regions._reference import brute_force_patterns

    net = train_table4_network([3, 3], "do_l2", epochs=1, seed=1)
    box = Box(np.zeros(784), np.ones(784))
    exact = count_regions(net, box, method="lp")
    G, h = box.chart().halfspaces()
    assert exact.exact and exact.regions == len(brute_force_patterns(net, G, h))
    sampled = count_regions(net, box, method="sample", samples=5_000).regions
    assert sampled <= exact.regions <= 2**6


def test_bad_regularizer() -> None:
    from relu_regions import ReluRegionsError

    with pytest.raises(ReluRegionsError, match="unknown regularizer"):
        run_kumar_table4("unused", regularizers=["adv"])
