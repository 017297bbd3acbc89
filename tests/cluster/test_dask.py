"""Dask as the way past one process: a real LocalCluster gives the serial answers."""

from __future__ import annotations

import json

import pytest

from relu_regions import random_network, save_network
from relu_regions.cli import main
from relu_regions.cluster import dask_executor, parse_dask_spec
from relu_regions.exceptions import OptionError
from relu_regions.experiments import RunStore, RunTask, run_all, use_executor
from relu_regions.regions import count_regions, enumerate_regions

distributed = pytest.importorskip("distributed", reason="Dask is the dask extra (in the dev extras)")


def _square(x: int) -> dict:
    return {"y": x * x}


@pytest.fixture(scope="module")
def executor():
    with dask_executor("local:2") as ex:
        yield ex


def test_counts_on_a_local_cluster_equal_serial(executor):
    net = random_network([3, 8, 8, 1], seed=4)
    serial = enumerate_regions(net, "box:-1,1", method="lp")
    on_dask = enumerate_regions(net, "box:-1,1", method="lp", executor=executor)
    assert on_dask.count.regions == serial.count.regions and on_dask.count.exact
    assert {p.tobytes() for p in on_dask.patterns} == {p.tobytes() for p in serial.patterns}
    assert count_regions(net, "box:-1,1", method="lp", executor=executor).regions == serial.count.regions


def test_experiment_runs_go_to_the_cluster(executor, tmp_path):
    tasks = [RunTask({"x": i}, _square) for i in range(6)]
    with use_executor(executor):
        out = run_all(RunStore(tmp_path), tasks)
    assert [r["y"] for r in out.records] == [i * i for i in range(6)] and out.computed == 6
    again = run_all(RunStore(tmp_path), tasks)  # resumed from disk, nothing recomputed
    assert again.computed == 0 and again.resumed == 6


def test_count_verb_with_dask(tmp_path, capsys):
    path = save_network(random_network([3, 6, 6, 1], seed=1), tmp_path / "m.npz")
    assert main(["count", str(path), "--domain", "box:-1,1", "--method", "lp", "--dask", "local:2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["regions"] == count_regions(random_network([3, 6, 6, 1], seed=1), "box:-1,1").regions


@pytest.mark.parametrize("spec", ["remote", "local:x", "local:0"])
def test_bad_specs(spec):
    with pytest.raises(OptionError):
        parse_dask_spec(spec)
