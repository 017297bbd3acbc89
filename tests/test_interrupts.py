"""Ctrl-C and time limits reach the solvers: long verbs stop within about a second.

A 8-200-200-1 random net keeps ``stable --domain box:-1,1`` (exact ``auto``: LPs, then MILPs)
busy for over a minute; before the solver callbacks polled the budget, SIGINT was ignored for
over 120 s.  Now the verb prints its labelled partial result and exits with status 3.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from relu_regions import random_network, save_network
from relu_regions.cli import EXIT_PARTIAL
from relu_regions.stability import local_stability


@pytest.fixture(scope="module")
def hard_model(tmp_path_factory):
    return str(save_network(random_network([8, 200, 200, 1], seed=0), tmp_path_factory.mktemp("hard") / "h.npz"))


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("verb", ["stable", "compress"])
def test_sigint_stops_a_long_verb_quickly(hard_model, tmp_path, verb):
    args = [sys.executable, "-m", "relu_regions", verb, hard_model, "--domain", "box:-1,1", "--json"]
    if verb == "compress":
        args += ["-o", str(tmp_path / "c.npz")]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4.0)
    assert proc.poll() is None, "the verb finished before the interrupt: make the model harder"
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    waited = time.perf_counter() - t0
    assert waited < 5.0, f"took {waited:.1f} s to stop"
    assert "Traceback" not in err
    if verb == "stable":
        assert proc.returncode == EXIT_PARTIAL, err
        doc = json.loads(out)
        assert doc["partial"] is True and doc["exact"] is False and doc["stop_reason"] == "interrupted"
    else:
        assert proc.returncode in (0, EXIT_PARTIAL, 130), err


def test_local_stability_total_time_limit_bounds_the_sweep():
    net = random_network([8, 200, 200, 1], seed=0)
    t0 = time.perf_counter()
    res = local_stability(net, np.zeros(8), [0.5, 0.8, 1.0], total_time_limit=2.0)
    assert time.perf_counter() - t0 < 6.0
    assert res.partial and res.stop_reason == "time_limit"
    assert len(res.rows) + len(res.skipped_radii) == 3
