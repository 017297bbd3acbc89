"""The ``--json`` contract where users meet it: the installed console script in a subprocess.

pytest's ``capsys`` cannot see what a C library (HiGHS, SCIP) writes to file descriptor 1,
so every verb is run here as a real process, with solver-using options, and the *whole* of
its stdout must parse as one JSON document.  A new verb without a case here fails
:func:`test_every_verb_has_a_case`.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from relu_regions import random_network, save_network
from relu_regions.cli import EXIT_PARTIAL, EXIT_USAGE, build_parser, main
from relu_regions.cli.verbs.experiment import experiment_modules


def console_script() -> list[str]:
    """The installed ``relu-regions`` next to this interpreter (``-m`` when not installed)."""
    exe = shutil.which("relu-regions", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "relu_regions"]


def run(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RELU_REGIONS_DEBUG"}
    return subprocess.run(
        [*console_script(), *args], capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("contract")
    net = random_network([3, 6, 6, 2], seed=11)
    np.save(d / "x.npy", np.array([0.2, 0.4, 0.6]))
    np.save(d / "x2.npy", np.array([-0.5, 0.1, 0.3]))
    np.save(d / "x3.npy", np.array([0.3, -0.6, 0.2]))
    return {"dir": str(d), "model": str(save_network(net, d / "m.npz")), "x": str(d / "x.npy"),
            "x2": str(d / "x2.npy"), "x3": str(d / "x3.npy")}


# verb -> list of argument lists; {model}, {x} and {dir} are filled in from the fixture.
CASES: dict[str, list[list[str]]] = {
    "info": [["{model}"]],
    "local": [["{model}", "--point", "{x}"]],
    "bound": [["{model}", "--domain", "box:-1,1", "--stability", "auto"]],
    "count": [
        ["{model}", "--domain", "box:-1,1", "--method", "lp"],
        ["{model}", "--domain", "box:-1,1", "--method", "milp", "--time-limit", "60"],
        ["{model}", "--domain", "box:-1,1", "--method", "sample", "--samples", "2000"],
    ],
    "enumerate": [
        ["{model}", "--domain", "box:-1,1", "-o", "{dir}/regions.json"],
        ["{model}", "--domain", "box:-1,1", "--method", "lp", "--linear", "-o", "{dir}/regions.npz"],
    ],
    "plot": [["{model}", "--points", "{x},{x2},{x3}", "--color", "class", "-o", "{dir}/plane.png"]],
    "stable": [["{model}", "--domain", "box:-1,1", "--method", "milp"]],
    "compress": [["{model}", "--domain", "box:0,1", "--method", "milp", "-o", "{dir}/small.npz"]],
    "local-stability": [["{model}", "--point", "{x}", "--radii", "0.01,0.3", "--method", "milp"]],
    "approximate": [["{model}", "--domain", "box:-1,1", "--widths-only"]],
    "convert": [["{model}", "{dir}/m.onnx"]],
    "train": [["--data", "xor", "--hidden", "4", "--epochs", "1", "--samples", "100", "-o", "{dir}/t.npz"]],
    "analyze": [["--out", "{dir}/report", "--sections", "architecture", "--quiet"]],
    "boolean": [
        ["swaps", "--function", "7140", "--inputs", "4"],
        ["npn", "--inputs", "3"],
        ["fourier", "--function", "27030", "--inputs", "4"],
    ],
    "prune": [["{model}", "--density", "0.3", "--strategy", "bound", "-o", "{dir}/pruned.npz"]],
    "slice": [["{model}", "--points", "0.2,0.4,0.6;1,0,0;0,1,0", "--grid", "16", "-o", "{dir}/slice.png"]],
    "linearize": [["{model}", "--data", "box:-1,1", "--samples", "50", "-o", "{dir}/maps.npz"]],
    "sensitivity": [["{model}", "--data", "box:-1,1", "--samples", "100", "-o", "{dir}/sens"]],
    "similarity": [["{model}", "{model}", "--data", "box:-1,1", "--samples", "100"]],
    "kmeans": [["{model}", "--data", "box:-1,1", "--samples", "100", "--k", "1,3"]],
    # every experiment declares a seconds-long invocation of itself
    "experiment": [
        [mod.NAME, "-o", "{dir}/exp-" + mod.NAME, *mod.JSON_CONTRACT_ARGS] for mod in experiment_modules()
    ],
}


def verbs() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, __import__("argparse")._SubParsersAction))
    return set(sub.choices)


def test_every_verb_has_a_case() -> None:
    missing = verbs() - set(CASES)
    assert not missing, f"add --json contract cases for: {sorted(missing)}"
    for mod in experiment_modules():
        assert isinstance(mod.JSON_CONTRACT_ARGS, list), mod.__name__


@pytest.mark.parametrize(
    "verb,args", [(v, a) for v, cases in CASES.items() for a in cases], ids=lambda x: str(x)[:40]
)
def test_whole_stdout_is_one_json_document(files: dict[str, str], verb: str, args: list[str]) -> None:
    filled = [a.format(**files) for a in args]
    proc = run(verb, *filled, "--json")
    assert proc.returncode in (0, EXIT_PARTIAL), proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)  # the whole of stdout, not a line of it
    assert isinstance(doc, dict) and "error" not in doc
    assert proc.stdout.count("\n") == 1, "one JSON document on one line"


def test_solver_banner_goes_nowhere_near_stdout_from_the_api(tmp_path: Path) -> None:
    """The Python API: a MILP count in a fresh interpreter prints nothing on stdout."""
    code = (
        "from relu_regions import random_network\n"
        "from relu_regions.regions import count_regions\n"
        "from relu_regions.stability import stable_neurons\n"
        "net = random_network([2, 5, 5, 1], seed=3)\n"
        "count_regions(net, 'box:-1,1', method='milp')\n"
        "stable_neurons(net, 'box:-1,1', method='milp')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize(
    "args,kind",
    [
        (["info", "MISSING.npz"], "ModelLoadError"),
        (["count", "{model}", "--domain", "box:2,1"], None),
        (["count", "--no-such-flag"], "UsageError"),
    ],
)
def test_errors_are_one_json_document(files: dict[str, str], args: list[str], kind: str | None) -> None:
    proc = run(*[a.format(**files) for a in args], "--json")
    assert proc.returncode == EXIT_USAGE
    doc = json.loads(proc.stdout)
    assert set(doc) == {"error"} and set(doc["error"]) == {"type", "message"}
    if kind is not None and kind != "ModelLoadError":
        assert doc["error"]["type"] == kind
    assert doc["error"]["message"]
    assert "Traceback" not in proc.stderr


def test_partial_result_has_its_own_exit_status(files: dict[str, str]) -> None:
    net = random_network([4, 12, 12, 1], seed=2)
    path = save_network(net, Path(files["dir"]) / "big.npz")
    proc = run("count", str(path), "--domain", "box:-1,1", "--method", "milp", "--time-limit", "0.5", "--json")
    assert proc.returncode == EXIT_PARTIAL, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["partial"] is True and doc["exact"] is False


def test_closed_pipe_is_a_normal_end(tmp_path: Path) -> None:
    """``relu-regions ... | head -c 10``: output far larger than a pipe buffer, reader gone."""
    net = random_network([20_000, 2, 1], seed=0)  # the Jacobian alone is ~0.5 MB of JSON
    path = save_network(net, tmp_path / "wide.npz")
    np.save(tmp_path / "x.npy", np.full(20_000, 0.5))
    proc = subprocess.Popen(
        [*console_script(), "local", str(path), "--point", str(tmp_path / "x.npy"), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,  # read exactly 10 bytes: the rest overflows the pipe
    )
    assert proc.stdout is not None and proc.stderr is not None
    head = proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    rc = proc.wait(timeout=120)
    assert head.startswith(b"{")
    assert rc == 0, err
    assert "Traceback" not in err and "Broken pipe" not in err and "Exception ignored" not in err


class _ClosedPipe(io.StringIO):
    """A stdout whose reader has gone: every write raises ``BrokenPipeError``."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_broken_pipe_handler_is_reached(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Deterministic twin of the test above (some sandboxes never report EPIPE on a pipe).

    ``BrokenPipeError`` is an ``OSError``: it must be handled as a normal end, not as an error.
    """
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert main(["bound", "--widths", "4,8,8", "--method", "trivial", "--json"]) == 0
    assert capsys.readouterr().err == ""
