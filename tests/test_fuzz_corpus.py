"""A corpus of malformed inputs: each gets a clear one-line error (exit 2), never a traceback.

Add every new bad input found in the wild here, so the count of clean refusals only goes up.
"""

from __future__ import annotations

import json
import os
import pickle

import numpy as np
import pytest

from relu_regions import random_network, save_network
from relu_regions.cli import EXIT_USAGE, main


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo PWNED",))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    good = save_network(random_network([3, 4, 2], seed=0), d / "good.npz")
    (d / "empty.npz").write_bytes(b"")
    (d / "garbage.npz").write_bytes(b"\x00\x01not a model")
    (d / "text.onnx").write_text("hello")
    (d / "trunc.onnx").write_bytes(b"\x08\x07\x12\x04abc")
    np.savez(d / "nob.npz", W0=np.ones((4, 3)), W1=np.ones((2, 4)), b1=np.zeros(2))
    np.savez(d / "nan.npz", W0=np.full((4, 3), np.nan), b0=np.zeros(4))
    np.savez(d / "cplx.npz", W0=np.ones((4, 3)) * 1j, b0=np.zeros(4), W1=np.ones((2, 4)), b1=np.zeros(2))
    np.savez(d / "negshape.npz", W0=np.ones((4, 3)), b0=np.zeros(4), input_shape=np.array([-1, -3]))
    np.savez(d / "mismatch.npz", W0=np.ones((4, 3)), b0=np.zeros(4), W1=np.ones((2, 5)), b1=np.zeros(2))
    np.savez(d / "vector.npz", W0=np.ones(3), b0=np.zeros(1))
    with open(d / "evil.pt", "wb") as fh:
        pickle.dump(_Evil(), fh)
    (d / "trunc.pt").write_bytes(b"PK\x03\x04truncated")
    (d / "bad.json").write_text("{")
    (d / "dom3.json").write_text(json.dumps({"type": "box", "lower": [0, 0], "upper": [1, 1]}))
    np.save(d / "x2.npy", np.zeros(2))
    np.save(d / "x2rows.npy", np.zeros((5, 2)))
    np.save(d / "three.npy", np.random.default_rng(0).normal(size=(3, 3)))
    import torch

    sig = torch.jit.script(torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Sigmoid(), torch.nn.Linear(4, 2)))
    torch.jit.save(sig, str(d / "sigmoid.pt"))
    np.save(d / "xnan.npy", np.array([np.nan, 0, 0]))
    return {"d": str(d), "good": str(good)}


CASES = [
    # model files
    ["info", "{d}/empty.npz"],
    ["info", "{d}/garbage.npz"],
    ["info", "{d}/text.onnx"],
    ["info", "{d}/trunc.onnx"],
    ["info", "{d}/nob.npz"],
    ["info", "{d}/nan.npz"],
    ["info", "{d}/cplx.npz"],
    ["info", "{d}/negshape.npz"],
    ["info", "{d}/mismatch.npz"],
    ["info", "{d}/vector.npz"],
    ["info", "{d}/evil.pt"],
    ["info", "{d}/evil.pt", "--trust-pickle"],
    ["info", "{d}/trunc.pt"],
    ["info", "{d}/missing.npz"],
    ["info", "{good}", "--format", "nope"],
    # domains
    ["count", "{good}", "--domain", "box:2,1"],
    ["count", "{good}", "--domain", "box:a,b"],
    ["count", "{good}", "--domain", "{d}/bad.json"],
    ["count", "{good}", "--domain", "{d}/dom3.json"],
    ["count", "{good}", "--domain", '{"type": "ball", "center": [0, 0, 0], "radius": -1}'],
    ["count", "{good}", "--domain", '{"type": "nonsense"}'],
    ["count", "{good}", "--domain", '{"type": "subspace", "points": [[0, 0, 0], [0, 0, 0]]}'],
    ["stable", "{good}", "--domain", "box:0,0"],
    # options
    ["bound", "{good}", "--domain", "box:0,1", "--time-limit", "-1"],
    ["approximate", "{good}", "--domain", "box:0,1", "--time-limit", "-1"],
    ["count", "{good}", "--domain", "box:0,1", "--time-limit", "0"],
    ["count", "{good}", "--domain", "box:0,1", "--workers", "0"],
    ["count", "{good}", "--domain", "box:0,1", "--method", "sample", "--samples", "0"],
    ["count", "{good}", "--domain", "box:0,1", "--method", "magic"],
    ["stable", "{good}", "--domain", "box:0,1", "--solver", "nope"],
    ["compress", "{good}", "--domain", "box:0,1", "-o", "{d}/c.npz", "--check-points", "0"],
    ["compress", "{good}", "--domain", "box:0,1", "-o", "{d}/c.npz", "--check-points", "-1"],
    ["convert", "{good}", "{d}/o.onnx", "--input-shape=-1,-2"],
    ["convert", "{good}", "{d}/o.xyz"],
    ["local", "{good}", "--point", "{d}/x2.npy"],
    ["local", "{good}", "--point", "{d}/xnan.npy"],
    ["local-stability", "{good}", "--point", "0,0,0", "--radii", "-1"],
    ["local-stability", "{good}", "--point", "0,0,0", "--radii", "0.1", "--clip", "1"],
    ["bound", "--widths", "3,x"],
    ["bound", "--widths", "3,4", "--density", "2"],
    ["enumerate", "{good}", "-o", "{d}/r.csv"],
    ["plot", "{good}", "--domain", "box:0,1", "-o", "{d}/p.png"],
    ["plot", "{good}", "--points", "0,0,0", "-o", "{d}/p.png"],
    ["train", "--data", "nope", "-o", "{d}/t.npz"],
    ["train", "--data", "xor", "--epochs", "0", "-o", "{d}/t.npz"],
    ["experiment", "--help-me"],
    # the verbs added with the product surface, pruning, linearity and Boolean functions:
    # corrupt files, unsupported layers, wrong dimensions, out-of-range options
    ["enumerate", "{d}/garbage.npz", "-o", "{d}/r.json"],
    ["enumerate", "{d}/sigmoid.pt", "--domain", "box:0,1", "-o", "{d}/r.json"],
    ["enumerate", "{good}", "--domain", "box:0,1", "--workers", "0", "-o", "{d}/r.json"],
    ["plot", "{d}/sigmoid.pt", "--domain", "box:0,1", "-o", "{d}/p.png"],
    ["plot", "{good}", "--points", "{d}/three.npy", "--window", "a,b", "-o", "{d}/p.png"],
    ["plot", "{good}", "--points", "{d}/x2rows.npy", "-o", "{d}/p.png"],
    ["slice", "{good}", "--points", "{d}/x2rows.npy", "-o", "{d}/s.png"],
    ["slice", "{d}/trunc.onnx", "--points", "{d}/three.npy", "-o", "{d}/s.png"],
    ["linearize", "{good}", "--data", "{d}/x2rows.npy", "-o", "{d}/l.npz"],
    ["linearize", "{d}/sigmoid.pt", "--data", "{d}/three.npy", "-o", "{d}/l.npz"],
    ["sensitivity", "{good}", "--data", "{d}/x2rows.npy", "-o", "{d}/sens"],
    ["similarity", "{good}", "{d}/garbage.npz", "--data", "{d}/three.npy"],
    ["similarity", "{good}", "--data", "{d}/three.npy"],
    ["kmeans", "{good}", "--data", "{d}/x2rows.npy", "--k", "1,2"],
    ["prune", "{d}/sigmoid.pt", "--density", "0.5", "-o", "{d}/pr.npz"],
    ["prune", "{good}", "--density", "2", "-o", "{d}/pr.npz"],
    ["prune", "{good}", "--density", "0.5", "--strategy", "magic", "-o", "{d}/pr.npz"],
    ["boolean", "swaps", "--function", "99999", "--inputs", "2"],
    ["boolean", "fourier", "--function", "-1", "--inputs", "3"],
    ["boolean", "npn", "--inputs", "0"],
    ["experiment", "pruning", "-o", "{d}/e", "--workers", "0"],
    ["experiment", "boolean", "-o", "{d}/e", "--time-limit", "-1"],
    # malformed maxout models (files in tests/network/data, described in test_maxout_io.py)
    ["info", os.path.join(os.path.dirname(__file__), "network", "data", "maxout_k_mismatch.npz")],
    ["info", os.path.join(os.path.dirname(__file__), "network", "data", "maxout_output_layer.npz")],
    ["convert", os.path.join(os.path.dirname(__file__), "network", "data", "maxout_reducemax_batch.onnx"),
     "{d}/o.onnx"],
]


@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a)[:60])
def test_bad_input_is_one_clean_line(corpus, capsys, args):
    argv = [a.replace("{d}", corpus["d"]).replace("{good}", corpus["good"]) for a in args]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    cap = capsys.readouterr()
    assert code == EXIT_USAGE, (code, cap.err)
    assert "Traceback" not in cap.err
    lines = [ln for ln in cap.err.strip().splitlines() if not ln.startswith(("usage:", " "))]
    notes = [ln for ln in lines if ": note: " in ln]
    assert len(lines) - len(notes) == 1, cap.err
    assert not os.path.exists(os.path.join(corpus["d"], "o.onnx"))
