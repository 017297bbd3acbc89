from __future__ import annotations

import numpy as np
import pytest

from relu_regions import ModelFormatError, load_network, random_network, save_network


@pytest.mark.parametrize("slope,output_relu", [(0.0, False), (0.2, True)])
def test_npz_roundtrip(tmp_path, slope, output_relu):
    net = random_network([4, 5, 3, 2], seed=1, negative_slope=slope, output_relu=output_relu)
    p = save_network(net, tmp_path / "m.npz")
    back = load_network(p)
    assert back.allclose(net, rtol=0)
    assert back.output_relu == output_relu


def test_plain_npz_is_relu_with_affine_output(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "p.npz", W0=rng.normal(size=(3, 2)), b0=np.zeros(3), W1=np.ones((1, 3)), b1=[0.0])
    net = load_network(tmp_path / "p.npz")
    assert net.widths == (2, 3, 1) and net.is_relu and not net.output_relu


@pytest.mark.parametrize(
    "arrays,message",
    [
        ({"W0": np.ones((2, 2))}, "missing arrays b0"),
        ({"W0": np.ones((2, 2)), "b0": np.zeros(2), "X": np.zeros(1)}, "unexpected array 'X'"),
        ({"W0": np.ones((2, 2)), "b0": np.zeros(2), "W1": np.ones((1, 3)), "b1": [0.0]}, "expects 3 inputs"),
    ],
)
def test_npz_structural_errors(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ModelFormatError, match=message):
        load_network(tmp_path / "bad.npz")


def test_corrupt_and_missing_files(tmp_path):
    (tmp_path / "g.npz").write_bytes(b"garbage")
    with pytest.raises(ModelFormatError, match="not a zip archive"):
        load_network(tmp_path / "g.npz")
    with pytest.raises(ModelFormatError, match="no such file"):
        load_network(tmp_path / "nothing.npz")
    (tmp_path / "e.npz").write_bytes(b"")
    with pytest.raises(ModelFormatError, match="empty"):
        load_network(tmp_path / "e.npz")
    (tmp_path / "m.xyz").write_bytes(b"hello")
    with pytest.raises(ModelFormatError, match="unrecognised model format"):
        load_network(tmp_path / "m.xyz")
