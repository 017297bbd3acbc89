"""`pip install relu-regions` without extras: every verb that needs no extra works, and one that
does names the extra to install, in one line.

The optional packages are blocked in a fresh interpreter by a meta-path finder, which is what a
core-only environment looks like to the package (their import fails).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from relu_regions import random_network, save_network

OPTIONAL = ["onnx", "onnxruntime", "pyscipopt", "gurobipy", "dask", "distributed", "mlxtend",
            "torchvision", "pandas", "pyarrow", "lightning", "pytorch_lightning"]

RUNNER = """
import sys, importlib.abc, importlib.machinery
BLOCKED = set(sys.argv[1].split(","))
class Missing(importlib.abc.Loader):
    def create_module(self, spec):
        raise ModuleNotFoundError(f"No module named {spec.name!r} (blocked: core install)", name=spec.name)
    def exec_module(self, module):
        raise ModuleNotFoundError(module.__name__)
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            return importlib.machinery.ModuleSpec(name, Missing())
        return None
sys.meta_path.insert(0, Block())
from relu_regions.cli import main
sys.exit(main(sys.argv[2:]))
"""


def run_core(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", RUNNER, ",".join(OPTIONAL), *args],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("core")
    np.save(d / "x.npy", np.array([0.1, 0.2, 0.3]))
    return {"d": str(d), "m": str(save_network(random_network([3, 5, 5, 2], seed=1), d / "m.npz")),
            "m2": str(save_network(random_network([2, 5, 5, 2], seed=1), d / "m2.npz")), "x": str(d / "x.npy")}


CORE_RUNS = [
    ["info", "{m}"],
    ["local", "{m}", "--point", "{x}"],
    ["bound", "{m}", "--domain", "box:-1,1", "--stability", "auto"],
    ["count", "{m}", "--domain", "box:-1,1", "--method", "lp"],
    ["count", "{m}", "--domain", "box:-1,1", "--method", "milp"],
    ["stable", "{m}", "--domain", "box:-1,1"],
    ["compress", "{m}", "--domain", "box:0,1", "-o", "{d}/c.npz"],
    ["enumerate", "{m2}", "-o", "{d}/r.json"],
    ["plot", "{m2}", "--color", "class", "-o", "{d}/p.png"],
    ["convert", "{m}", "{d}/m.pt"],
    ["train", "--data", "xor", "--hidden", "4", "--epochs", "1", "--samples", "50", "-o", "{d}/t.npz"],
]


@pytest.mark.parametrize("args", CORE_RUNS, ids=lambda a: a[0] + ("-" + a[4] if len(a) > 4 else ""))
def test_verbs_work_without_extras(files, args):
    proc = run_core(*[a.format(**files) for a in args], "--json")
    assert proc.returncode == 0, proc.stderr
    json.loads(proc.stdout)


@pytest.mark.parametrize(
    "args,extra",
    [
        (["convert", "{m}", "{d}/m.onnx"], "relu-regions[onnx]"),
        (["count", "{m}", "--domain", "box:-1,1", "--method", "milp", "--solver", "scip"], "relu-regions[scip]"),
        (["enumerate", "{m2}", "--domain", "box:-1,1", "-o", "{d}/r.parquet"], "relu-regions[pandas]"),
    ],
)
def test_verbs_needing_an_extra_name_it(files, args, extra):
    proc = run_core(*[a.format(**files) for a in args])
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and extra in lines[0] and "Traceback" not in proc.stderr
    assert not Path(files["d"], "r.parquet").exists() and not Path(files["d"], "m.onnx").exists()
