"""The boolean and annulus experiments, tiny: files, comparison rows, resuming."""

from __future__ import annotations

import json
from pathlib import Path

from relu_regions.experiments.annulus import run_annulus
from relu_regions.experiments.boolean import run_boolean


def test_boolean_tiny_run_and_resume(tmp_path: Path) -> None:
    kw = dict(seeds=1, epochs=3, architectures=[((3,), 0.1), ((3,), 0.0)], parity_inputs=4,
              parity_widths=(2,), parity_depths=(1, 2), parity_epochs=3, prune_inputs=(2,),
              prune_epochs=3, progress=False)
    res = run_boolean(tmp_path, **kw)  # type: ignore[arg-type]
    assert not res.partial and res.runs_computed == res.runs_total == 5
    doc = json.loads(Path(res.results_file).read_text())
    assert len(doc["classes"]) == 222
    assert {"swaps", "degree", "influence", "entropy", "success"} <= set(doc["classes"][0])
    rows = {r["quantity"]: r for r in doc["comparison"]}
    assert rows["max swaps n=1..4 (Table 3.1, exact)"]["agrees"]
    assert rows["classes with swaps 5 (Fig. 3.2)"]["ours"] == [1785, 7140]
    assert all(Path(f).is_file() for f in res.figures) and len(res.figures) == 2
    again = run_boolean(tmp_path, **kw)  # type: ignore[arg-type]
    assert again.runs_computed == 0 and again.runs_resumed == 5


def test_annulus_tiny_run(tmp_path: Path) -> None:
    res = run_annulus(tmp_path, trials=2, epochs=2, losses=("bce", "mse"), leaks=(0.1,),
                      batches=(1000,), normalize=(True,), progress=False)
    doc = json.loads(Path(res.results_file).read_text())
    assert len(doc["table_4_2"]) == 2
    assert set(doc["table_4_3"]["loss"]) == {"bce", "mse"}
    eq412 = [r for r in res.comparison if "eq. 4.12" in r["quantity"]]
    assert len(eq412) == 7 and all(r["agrees"] for r in eq412)
    assert Path(res.figures[0]).is_file()
    assert res.summary["drawn"]["boundary_segments"] >= 1
