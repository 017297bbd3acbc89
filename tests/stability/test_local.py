from __future__ import annotations

import json

import numpy as np
import pytest

from relu_regions import LInfBall, random_network, save_network
from relu_regions.cli import main
from relu_regions.regions import count_regions
from relu_regions.stability import local_stability, stable_neurons


def test_sweep_matches_direct_computations():
    net = random_network([2, 6, 5, 1], seed=2)
    c = np.array([0.3, -0.2])
    radii = [0.01, 0.1, 0.5, 2.0]
    sweep = local_stability(net, c, radii)
    assert [r.radius for r in sweep.rows] == radii
    prev_stable, prev_patterns = np.inf, 0
    for row in sweep.rows:
        ball = LInfBall(c, row.radius)
        st = stable_neurons(net, ball)
        assert (row.active, row.inactive, row.unstable) == tuple(
            st.counts[k] for k in ("active", "inactive", "unstable")
        )
        assert row.stability_exact and row.patterns_exact
        assert row.patterns == count_regions(net, ball).regions
        assert row.patterns <= 2 ** row.unstable
        # nested balls: fewer stable neurons and more patterns as the radius grows
        assert row.active + row.inactive <= prev_stable and row.patterns >= prev_patterns
        prev_stable, prev_patterns = row.active + row.inactive, row.patterns
    assert sweep.rows[0].patterns == 1  # tiny ball inside one region


def test_clip_and_no_count():
    net = random_network([3, 4, 2], seed=0)
    sweep = local_stability(net, [0.0, 0.5, 1.0], [0.2], clip=(0, 1), count=False)
    assert sweep.rows[0].patterns is None and sweep.clip == (0.0, 1.0)


def test_bad_input():
    net = random_network([3, 4, 2], seed=0)
    with pytest.raises(Exception, match="3 inputs"):
        local_stability(net, [0.0, 0.5], [0.1])
    with pytest.raises(Exception, match="positive"):
        local_stability(net, [0.0, 0.5, 0.2], [0.1, -1.0])


def test_cli(tmp_path, capsys):
    net = random_network([2, 5, 1], seed=4)
    path = save_network(net, tmp_path / "m.npz")
    np.save(tmp_path / "x.npy", np.array([0.1, 0.2]))
    args = ["local-stability", str(path), "--point", str(tmp_path / "x.npy"), "--radii", "0.01,0.3"]
    assert main([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["radius"] for r in out["rows"]] == [0.01, 0.3]
    assert out["rows"][0]["patterns"] >= 1 and isinstance(out["rows"][1]["patterns_exact"], bool)
    assert main(args) == 0
    assert "unstable" in capsys.readouterr().out
    # above --max-exact-unstable the patterns are sampled and labelled a lower bound
    assert main([*args, "--max-exact-unstable", "0", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert all(r["patterns_method"] in ("sample", "stability") for r in rows)
    assert all(not r["patterns_exact"] for r in rows if r["unstable"] > 0)
    assert main([*args, "--max-exact-unstable", "-1"]) == 2
    assert "--max-exact-unstable" in capsys.readouterr().err
