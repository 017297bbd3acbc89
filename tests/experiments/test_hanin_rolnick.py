"""experiment hanin-rolnick: exact counts, Theorem 5's prediction at initialisation, resuming."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")

from relu_regions.experiments.hanin_rolnick import run_hanin_rolnick  # noqa: E402


def test_fig5_small_run_is_exact_near_theorem5_and_resumes(tmp_path) -> None:
    out = tmp_path / "hr"
    res = run_hanin_rolnick(out, figures=["5"], runs=1, epochs=2, points=[300], progress=False)
    assert not res.partial and res.runs_computed == 1
    doc = json.loads((out / "results.json").read_text())
    (run,) = doc["runs"]
    assert doc["summary"]["all_counts_exact"]
    first = run["series"][0]
    plane, window = first["regions"]
    # Theorem 5 / Remark 1 at initialisation: ~ 96^2/2 = 4608 regions on the whole plane
    assert 4608 / 2 <= plane <= 4608 * 2
    assert plane > window >= 1  # the window [-1,1]^2 is a part of the plane
    assert run["series"][-1]["step"] == 2 * 3  # 300 points, batch 128: 3 steps per epoch
    assert (out / "fig5.png").is_file()
    rows = [c for c in res.comparison if c["quantity"].startswith("Fig 5 300 points: initial")]
    assert rows and rows[0]["paper"] == 4608 and rows[0]["ours"] == plane
    again = run_hanin_rolnick(out, figures=["5"], runs=1, epochs=2, points=[300], progress=False)
    assert again.runs_computed == 0 and again.runs_resumed == 1


def test_bad_options() -> None:
    from relu_regions import ReluRegionsError

    with pytest.raises(ReluRegionsError, match="figures"):
        run_hanin_rolnick("unused", figures=["7"])
    with pytest.raises(ReluRegionsError, match="runs"):
        run_hanin_rolnick("unused", runs=0)
