"""Dask as the way past one process: a real LocalCluster gives the serial answers."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import numpy as np
import pytest

from relu_regions import Box, load_network, random_network, save_network
from relu_regions.cli import main
from relu_regions.cluster import dask_executor, parse_dask_spec
from relu_regions.exceptions import OptionError
from relu_regions.experiments import RunStore, RunTask, run_all, use_executor
from relu_regions.regions import count_regions, enumerate_regions
from relu_regions.stability import compress, stable_neurons

distributed = pytest.importorskip("distributed", reason="Dask is the dask extra (in the dev extras)")


def _square(x: int) -> dict:
    return {"y": x * x}


def _die_once(marker: str) -> int:
    """Kill this worker process the first time (no cleanup, like a lost node), then answer."""
    path = Path(marker)
    if not path.exists():
        path.write_text("died")
        os._exit(1)
    return os.getpid()


#: 4-16-16-16-2, seed 3 on [0, 1]^4: 10 neurons left for sign LPs/MILPs after the
#: prefilters (5 settled by LP + cuts, 5 by MILP), about 2 s serially
STABLE_NET = ([4, 16, 16, 16, 2], 3)
#: 6-30-30-30-2, seed 7 on [0, 1]^6: its sign MILPs take more than 30 s
SLOW_NET = ([6, 30, 30, 30, 2], 7)


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


def test_stability_on_a_local_cluster_equals_serial(executor):
    net = random_network(STABLE_NET[0], seed=STABLE_NET[1])
    box = Box(np.zeros(4), np.ones(4))
    serial = stable_neurons(net, box)
    on_dask = stable_neurons(net, box, executor=executor)
    assert serial.exact and on_dask.exact and serial.details["milp_solves"] > 0
    assert on_dask.details["milp_tasks"] > 1  # the MILP neurons really went to the workers
    for layer in range(len(serial.layers)):
        np.testing.assert_array_equal(on_dask.status(layer), serial.status(layer))
    assert on_dask.layers == serial.layers and on_dask.verify(net, box)


def test_compress_on_a_local_cluster_equals_serial(executor):
    net = random_network(STABLE_NET[0], seed=STABLE_NET[1])
    box = Box(np.zeros(4), np.ones(4))
    small, report = compress(net, box)
    small_d, report_d = compress(net, box, executor=executor)
    assert report_d.exact_stability and report_d.neurons_after == report.neurons_after < report.neurons_before
    assert small_d.widths == small.widths
    for a, b in zip(small.weights + small.biases, small_d.weights + small_d.biases, strict=True):
        np.testing.assert_array_equal(a, b)


def test_stable_verb_with_dask(tmp_path, capsys):
    net = random_network(STABLE_NET[0], seed=STABLE_NET[1])
    path = str(save_network(net, tmp_path / "m.npz"))
    assert main(["stable", path, "--domain", "box:0,1", "--dask", "local:2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ref = stable_neurons(net, "box:0,1")
    assert out["exact"] and out["counts"] == ref.counts
    assert [l["unstable"] for l in out["layers"]] == [list(l.unstable) for l in ref.layers]
    small = str(tmp_path / "small.npz")
    assert main(["compress", path, "--domain", "box:0,1", "-o", small, "--method", "lp", "--dask", "local:2"]) != 0
    assert "auto only" in capsys.readouterr().err


@pytest.mark.slow
def test_compress_verb_with_dask(tmp_path, capsys):
    net = random_network(STABLE_NET[0], seed=STABLE_NET[1])
    path = str(save_network(net, tmp_path / "m.npz"))
    small = tmp_path / "small.npz"
    assert main(["compress", path, "--domain", "box:0,1", "-o", str(small), "--dask", "local:2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["neurons_after"] == compress(net, "box:0,1")[1].neurons_after
    assert load_network(small).widths == tuple(out["widths_after"])


def test_time_limit_on_dask_gives_labelled_partial(executor):
    net = random_network(SLOW_NET[0], seed=SLOW_NET[1])
    res = stable_neurons(net, "box:0,1", time_limit=2.0, executor=executor)
    assert res.partial and not res.exact and res.stop_reason == "time_limit"
    assert res.counts["undecided"] > 0 and res.seconds < 10
    assert res.verify(net, Box(np.zeros(6), np.ones(6)))


def test_a_dead_worker_costs_only_its_task(executor, tmp_path):
    """Dask reschedules the task of a worker that died (the nanny restarts the worker)."""
    marker = tmp_path / "died"
    futures = [executor.submit(_die_once, str(marker))] + [executor.submit(_square, i) for i in range(4)]
    assert isinstance(futures[0].result(timeout=60), int) and marker.exists()
    assert [f.result(timeout=60) for f in futures[1:]] == [{"y": i * i} for i in range(4)]


def test_executor_only_with_auto():
    with pytest.raises(OptionError, match="auto"):
        stable_neurons(random_network([2, 3, 1]), "box:0,1", method="milp", executor=object())


@pytest.mark.parametrize("spec", ["remote", "local:x", "local:0"])
def test_bad_specs(spec):
    with pytest.raises(OptionError):
        parse_dask_spec(spec)


def test_ctrl_c_on_dask_gives_labelled_partial(executor):
    """Last in the file: the chunks already running finish on the workers (within their time limit)."""
    net = random_network(SLOW_NET[0], seed=SLOW_NET[1])
    timer = threading.Timer(3.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        res = stable_neurons(net, "box:0,1", time_limit=60, executor=executor)
    finally:
        timer.cancel()
    assert res.partial and res.stop_reason == "interrupted" and res.counts["undecided"] > 0
