"""The sattelberg experiment is resumable and labels its comparison (tiny settings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relu_regions.exceptions import ReluRegionsError
from relu_regions.experiments.sattelberg import run_sattelberg, train_sine


def test_sine_runs_resume_and_compare(tmp_path: Path) -> None:
    kw = dict(archs=(), toys=(), sine_widths=(2, 3), sine_depths=(1,), sine_epochs=10,
              sine_extra_epochs=0, sine_max_inits=2, progress=False)
    r1 = run_sattelberg(tmp_path, **kw)  # type: ignore[arg-type]
    assert r1.runs_total == 2 and r1.runs_computed == 2 and not r1.partial
    r2 = run_sattelberg(tmp_path, **kw)  # type: ignore[arg-type]
    assert r2.runs_computed == 0 and r2.runs_resumed == 2
    doc = json.loads(Path(r2.results_file).read_text())
    assert {row["quantity"][:9] for row in doc["comparison"]} >= {"Table 5.1"}
    for rec in doc["summary"]["sine"]:
        assert 1 <= rec["inits"] <= 2 and rec["pieces"] >= 1
    assert all(Path(f).is_file() for f in r2.figures)


def test_sine_record_is_exact() -> None:
    rec = train_sine(3, 1, max_inits=1, epochs=30, extra_epochs=0, seed=0)
    from relu_regions.linearity import piecewise_mse

    assert rec["mse"] == pytest.approx(piecewise_mse(rec["slopes"], rec["intercepts"], rec["intervals"]))
    assert rec["success"] == (rec["mse"] < 0.45)


def test_bad_choices(tmp_path: Path) -> None:
    with pytest.raises(ReluRegionsError):
        run_sattelberg(tmp_path, optimizers=("rmsprop",))
    with pytest.raises(ReluRegionsError):
        run_sattelberg(tmp_path, archs=("resnet",))
