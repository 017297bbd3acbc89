"""The public figures draw exact geometry: checked against forward passes, not against themselves."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.collections import LineCollection, PolyCollection

from relu_regions import (
    AffineSubspace,
    DimensionError,
    UnknownChoiceError,
    count_linear_regions,
    count_regions,
    random_network,
    stable_neurons,
)
from relu_regions.plot import (
    class_pieces,
    clip_convex_polygon,
    new_figure,
    plot_bounds,
    plot_regions,
    plot_stability,
    save_figure,
)


def _area(P):
    x, y = np.asarray(P).T
    return 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _ax():
    return new_figure().add_subplot(1, 1, 1)


def test_clip_convex_polygon_hand_cases():
    sq = np.array([[0, 0], [2, 0], [2, 2], [0, 2]], dtype=float)
    assert _area(clip_convex_polygon(sq, [1, 1], 2.0)) == pytest.approx(2.0)  # below the diagonal
    assert len(clip_convex_polygon(sq, [1, 0], -1.0)) == 0  # outside
    np.testing.assert_allclose(clip_convex_polygon(sq, [1, 0], 5.0), sq)  # untouched


@pytest.mark.parametrize("outputs", [1, 2, 4])
def test_class_pieces_partition_the_polygon_and_win_their_class(outputs):
    rng = np.random.default_rng(outputs)
    P = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float)
    J, c = rng.normal(size=(outputs, 2)), rng.normal(size=outputs) * 0.3
    pieces = class_pieces(P, J, c)
    assert sum(_area(Q) for _, Q in pieces) == pytest.approx(4.0)
    for k, Q in pieces:
        f = Q.mean(axis=0) @ J.T + c  # centroid of a convex piece lies inside it
        assert k == (int(f[0] >= 0) if outputs == 1 else int(np.argmax(f)))


def test_output_colouring_is_the_function_at_every_vertex():
    net = random_network([2, 10, 10, 1], seed=4)
    ax = plot_regions(net, "box:-1,1", ax=_ax(), color="output", colorbar=False)
    (mesh,) = [c for c in ax.collections if hasattr(c, "get_array") and c.get_array() is not None
               and not isinstance(c, PolyCollection)] or [ax.collections[0]]
    tri = mesh._triangulation
    xy = np.column_stack([tri.x, tri.y])
    np.testing.assert_allclose(mesh.get_array(), net.forward(xy)[:, 0], atol=1e-10)


def test_class_colouring_matches_forward_pass_and_boundary_is_a_tie():
    net = random_network([2, 8, 8, 3], seed=7)
    ax = plot_regions(net, "box:-1,1", ax=_ax(), color="class")
    fills = next(c for c in ax.collections if isinstance(c, PolyCollection))
    polys = [p.vertices[:-1] for p in fills.get_paths()]
    assert sum(_area(P) for P in polys) == pytest.approx(4.0, rel=1e-9)  # the whole square, once
    lines = [c for c in ax.collections if isinstance(c, LineCollection) and not isinstance(c, PolyCollection)]
    assert lines, "a 3-class net on a square should have a decision boundary here"
    for seg in lines[0].get_segments():
        f = np.sort(net.forward(seg.mean(axis=0)[None])[0])
        assert f[-1] - f[-2] < 1e-9  # the two best outputs tie on the drawn boundary


def test_titles_report_the_exact_counts():
    net = random_network([2, 6, 6, 1], seed=2)
    ax = plot_regions(net, "box:-1,1", ax=_ax())
    assert ax.get_title().startswith(f"{count_regions(net, 'box:-1,1').regions} activation regions (exact)")
    ax = plot_regions(net, "box:-1,1", ax=_ax(), color="linear")
    assert ax.get_title().startswith(f"{count_linear_regions(net, 'box:-1,1').regions} linear regions")


def test_plane_through_three_points_in_high_dimension(tmp_path):
    net = random_network([5, 8, 8, 2], seed=1)
    P = np.random.default_rng(0).normal(size=(3, 5))
    plane = AffineSubspace(P, coefficient_bounds=(-1, 2))
    ax = plot_regions(net, plane, ax=_ax(), color="class", points=P, labels=[0, 1, 0])
    assert str(count_regions(net, plane).regions) in ax.get_title()
    out = save_figure(ax.figure, tmp_path / "plane.svg")
    assert out.read_text().lstrip().startswith("<?xml")


def test_bad_choices_are_clear_errors():
    net = random_network([3, 4, 1], seed=0)
    with pytest.raises(DimensionError, match="2-D domain"):
        plot_regions(net, "box:-1,1")
    with pytest.raises(UnknownChoiceError, match="choose one of"):
        plot_regions(random_network([2, 4, 1], seed=0), "box:-1,1", color="rainbow")


def test_bounds_and_stability_figures():
    net = random_network([2, 6, 6, 1], seed=3)
    ax = plot_bounds(net, _ax(), exact=count_regions(net, "box:-1,1"))
    assert any("exact count" in t.get_text() for t in ax.get_legend().get_texts())
    res = stable_neurons(net, "box:0,0.2")
    ax = plot_stability(res, _ax())
    heights = sum(p.get_height() for p in ax.patches)
    assert heights == sum(len(layer.active) + len(layer.inactive) + len(layer.unstable) for layer in res.layers)


def test_decision_boundary_along_a_region_edge_is_drawn():
    """f = relu(x1) - relu(-x1) = x1: the boundary x1 = 0 is the edge between the two regions."""
    from relu_regions import Network

    net = Network([[[1.0, 0.0], [-1.0, 0.0]], [[1.0, -1.0]]], [[0.0, 0.0], [0.0]])
    ax = plot_regions(net, "box:-1,1", ax=_ax(), color="class")
    lines = [c for c in ax.collections if isinstance(c, LineCollection) and not isinstance(c, PolyCollection)]
    segs = [s for c in lines for s in c.get_segments()]
    assert segs and all(np.allclose(s[:, 0], 0.0) for s in segs)
    assert sum(abs(s[1, 1] - s[0, 1]) for s in segs) == pytest.approx(2.0)  # the whole edge, once
