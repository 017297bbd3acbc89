"""Regions streamed to a ``.npz`` file equal the in-memory enumeration.

The geometric engine hands finished regions to a sink in chunks (bounded memory; the
walk over independent parts is in :func:`relu_regions.regions._geometric_stream._stream_partition`);
whatever the chunk size, the file must hold exactly the regions of
``enumerate_regions`` (patterns, areas, vertices, interior points) and a stopped run
must leave a valid file labelled partial.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from relu_regions import AffineSubspace, Box, Polytope, random_network
from relu_regions.exceptions import ReluRegionsError
from relu_regions.regions import count_regions, enumerate_regions, load_regions, save_regions, stream_regions


def packed(p) -> set[bytes]:
    return {r.tobytes() for r in np.packbits(np.asarray(p, dtype=bool), axis=1)}


def assert_file_equals_memory(path, rs):
    z = load_regions(path)
    assert z["summary"]["regions"] == len(rs) == len(z["patterns"])
    assert z["summary"]["exact"] and not z["summary"]["partial"] and z["exact_region"].all()
    key = {p.tobytes(): i for i, p in enumerate(np.packbits(rs.patterns, axis=1))}
    order = np.array([key[p.tobytes()] for p in np.packbits(z["patterns"], axis=1)])
    assert sorted(order.tolist()) == list(range(len(rs)))  # a bijection
    np.testing.assert_allclose(z["measures"], rs.measures[order], rtol=1e-9)
    np.testing.assert_allclose(z["interior_points"], rs.interior_points[order], rtol=1e-9, atol=1e-12)
    off = z["vertex_offsets"]
    for row in range(0, len(order), max(1, len(order) // 50)):
        np.testing.assert_allclose(z["vertices"][off[row] : off[row + 1]],
                                   rs.chart.to_ambient(rs.vertices[order[row]]), rtol=1e-9, atol=1e-12)
    return z


@pytest.mark.parametrize("chunk", [1, 13, 500, None])
def test_streamed_file_equals_in_memory_result(tmp_path, chunk):
    net = random_network([2, 24, 24, 24, 1], seed=3, bias_std=0.1)
    box = Box([-1, -1], [1, 1])
    rs = enumerate_regions(net, box, method="geometric", progress=False)
    count = stream_regions(net, box, tmp_path / "r.npz", chunk_size=chunk, progress=False)
    assert count.regions == len(rs) and count.exact
    z = assert_file_equals_memory(tmp_path / "r.npz", rs)
    if chunk == 13:
        assert z["summary"]["details"]["chunks"] > 10
    assert [p.name for p in tmp_path.iterdir()] == ["r.npz"]  # no parts left behind


@pytest.mark.parametrize("seed", range(4))
def test_random_nets_polygons_and_leaky(tmp_path, seed):
    rng = np.random.default_rng(seed)
    net = random_network([2, *rng.integers(3, 12, size=int(rng.integers(1, 4))).tolist(), 1], seed=seed,
                         negative_slope=float(rng.choice([0.0, 0.2])))
    ang = np.arange(6) * np.pi / 3 + rng.uniform(0, 0.4, 6)
    dom = Polytope(np.stack([np.cos(ang), np.sin(ang)], axis=1), rng.uniform(0.5, 2, 6))
    rs = enumerate_regions(net, dom, method="geometric", progress=False)
    stream_regions(net, dom, tmp_path / "r.npz", chunk_size=int(rng.integers(1, 40)), progress=False)
    assert_file_equals_memory(tmp_path / "r.npz", rs)


def test_planes_lines_and_other_engines_fall_back_to_one_chunk(tmp_path):
    net = random_network([2, 6, 6, 1], seed=1)
    plane = AffineSubspace([[0, 0], [1, 0], [0, 1]])
    rs = enumerate_regions(net, plane, method="geometric", progress=False)
    c = stream_regions(net, plane, tmp_path / "p.npz", progress=False)
    z = load_regions(tmp_path / "p.npz")
    assert c.regions == len(rs) and packed(z["patterns"]) == packed(rs.patterns)
    net3 = random_network([3, 5, 1], seed=0)
    box3 = Box([-1] * 3, [1] * 3)
    stream_regions(net3, box3, tmp_path / "lp.npz", method="lp", progress=False)
    z = load_regions(tmp_path / "lp.npz")
    assert packed(z["patterns"]) == packed(enumerate_regions(net3, box3, method="lp", progress=False).patterns)
    assert "vertices" not in z


def test_sink_gets_exact_chunks_and_counts_match(tmp_path):
    net = random_network([2, 16, 16, 1], seed=2)
    box = Box([-2, -1], [1, 2])
    chunks = []
    res = count_regions(net, box, method="geometric", sink=chunks.append, chunk_size=20, progress=False)
    assert res.exact and res.regions == sum(len(c["patterns"]) for c in chunks) > 20
    assert res.regions == count_regions(net, box, method="geometric", progress=False).regions
    pts = np.vstack([c["points"] for c in chunks])
    np.testing.assert_array_equal(net.pattern_vector(pts), np.vstack([c["patterns"] for c in chunks]))
    with pytest.raises(ReluRegionsError, match="adjacency"):
        count_regions(net, box, method="geometric", sink=chunks.append, adjacency=True, progress=False)


def test_time_limit_leaves_a_valid_partial_file(tmp_path):
    net = random_network([2, 160, 160, 160, 1], seed=0)  # ~10^5 regions: seconds, not 0.3 s
    box = Box([-1, -1], [1, 1])
    c = stream_regions(net, box, tmp_path / "p.npz", time_limit=0.3, chunk_size=50, progress=False)
    assert c.partial and not c.exact and c.stop_reason == "time_limit"
    z = load_regions(tmp_path / "p.npz")
    assert z["summary"]["partial"] and z["summary"]["stop_reason"] == "time_limit"
    assert len(z["patterns"]) == c.regions == len(packed(z["patterns"]))
    # every row's pattern is the network's pattern at its interior point
    np.testing.assert_array_equal(net.pattern_vector(z["interior_points"]), z["patterns"])
    # finished rows are whole regions (area, polygon around the interior point); the rest are witnesses
    fin = z["exact_region"]
    assert np.all(z["measures"][fin] > 0) and np.all(np.isnan(z["measures"][~fin]))
    assert z["summary"]["details"]["finished_regions"] == fin.sum()


def test_load_regions_reads_save_regions_files_and_rejects_junk(tmp_path):
    net = random_network([2, 5, 1], seed=0)
    rs = enumerate_regions(net, Box([-1, -1], [1, 1]), progress=False)
    save_regions(rs, tmp_path / "s.npz")
    z = load_regions(tmp_path / "s.npz")
    assert packed(z["patterns"]) == packed(rs.patterns) and z["summary"]["regions"] == len(rs)
    (tmp_path / "junk.npz").write_text("not a zip")
    with pytest.raises(ReluRegionsError, match="not a regions"):
        load_regions(tmp_path / "junk.npz")
    with pytest.raises(ReluRegionsError, match="no regions file"):
        load_regions(tmp_path / "missing.npz")
    with pytest.raises(ReluRegionsError, match=".npz"):
        stream_regions(net, Box([-1, -1], [1, 1]), tmp_path / "r.json")
    # the file is a plain .npz: numpy reads it without our reader
    stream_regions(net, Box([-1, -1], [1, 1]), tmp_path / "r.npz", progress=False)
    with np.load(tmp_path / "r.npz") as f:
        assert json.loads(str(f["summary"]))["regions"] == len(rs)
        assert f["patterns_packed"].shape == (len(rs), 1)
