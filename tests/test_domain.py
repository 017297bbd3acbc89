from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relu_regions import (
    AffineSubspace,
    Box,
    DimensionError,
    DomainError,
    EmptyDomainError,
    LInfBall,
    Polytope,
    parse_domain,
)


def test_box_chart_and_sampling():
    box = Box([-1, 0, 2], [1, 0, 3])  # middle coordinate fixed
    assert box.dim == 2 and box.ambient_dim == 3
    pts = box.sample(200, seed=0)
    assert box.contains(pts).all()
    assert np.all(pts[:, 1] == 0)
    ch = box.chart()
    G, h = ch.halfspaces()
    assert G.shape == (4, 2)


def test_ball_is_box_and_clips():
    ball = LInfBall([0.1, 0.9], 0.2, clip=(0, 1))
    np.testing.assert_allclose(ball.lower, [0.0, 0.7])
    np.testing.assert_allclose(ball.upper, [0.3, 1.0])
    assert parse_domain(ball.to_dict()).to_dict() == ball.to_dict()


def test_subspace_contains_its_points_and_not_others():
    P = np.array([[0.0, 0, 0], [1, 0, 0], [0, 1, 0]])
    s = AffineSubspace(P, coefficient_bounds=(0, 1))
    assert s.dim == 2 and s.bounded
    assert s.contains(P).all()
    assert not s.contains([0.2, 0.2, 0.1])
    assert not s.contains([1.5, 0, 0])
    lo, hi = s.bounding_box()
    np.testing.assert_allclose(lo, [0, 0, 0], atol=1e-9)
    np.testing.assert_allclose(hi, [1, 1, 0], atol=1e-9)
    unbounded = AffineSubspace.through_origin([[1.0, 2.0, 3.0]])
    assert not unbounded.bounded and unbounded.dim == 1
    with pytest.raises(DomainError, match="unbounded"):
        unbounded.sample(3)


def test_subspace_rejects_dependent_points():
    with pytest.raises(DomainError, match="affinely independent"):
        AffineSubspace([[0, 0], [1, 1], [2, 2]])
    with pytest.raises(DomainError, match="affinely independent"):
        AffineSubspace([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1]])


def test_polytope():
    tri = Polytope([[-1, 0], [0, -1], [1, 1]], [0, 0, 1])
    pts = tri.sample(500, seed=1)
    assert tri.contains(pts).all()
    lo, hi = tri.bounding_box()
    np.testing.assert_allclose(lo, [0, 0], atol=1e-9)
    np.testing.assert_allclose(hi, [1, 1], atol=1e-9)
    with pytest.raises(EmptyDomainError, match="no interior"):
        Polytope([[1, 0], [-1, 0]], [0, 0])  # x1 = 0: lower-dimensional
    with pytest.raises(EmptyDomainError):
        Polytope([[1, 0], [-1, 0]], [-1, 0])  # x1 <= -1 and x1 >= 0


def test_thin_polytope_sampling_uses_hit_and_run():
    # a thin sliver: rejection from the bounding box accepts ~1e-4 of the draws
    A = [[1, -1], [-1, 1], [-1, 0], [1, 0]]
    b = [1e-4, 1e-4, 0, 1]
    P = Polytope(A, b)
    pts = P.sample(200, seed=0)
    assert P.contains(pts, tol=1e-9).all()


def test_shorthand_and_errors(tmp_path):
    d = parse_domain("box:-1,1", input_dim=2)
    assert isinstance(d, Box) and d.upper.tolist() == [1, 1]
    with pytest.raises(DomainError, match="input dimension"):
        parse_domain("box:-1,1")
    with pytest.raises(DomainError, match="bad shorthand"):
        parse_domain("box:1", input_dim=2)
    with pytest.raises(EmptyDomainError, match="lower\\[0\\] = 2.0 > upper\\[0\\] = 1.0"):
        parse_domain({"type": "box", "lower": [2], "upper": [1]})
    with pytest.raises(DimensionError, match="lives in 3 dimensions"):
        parse_domain({"type": "box", "lower": [0, 0, 0], "upper": [1, 1, 1]}, input_dim=2)
    with pytest.raises(DomainError, match="unknown domain type 'sphere'"):
        parse_domain({"type": "sphere"})
    with pytest.raises(DomainError, match="missing radius"):
        parse_domain({"type": "ball", "center": [0]})
    with pytest.raises(DomainError, match="unknown keys: foo"):
        parse_domain({"type": "box", "lower": [0], "upper": [1], "foo": 1})
    with pytest.raises(DomainError, match="not valid JSON"):
        parse_domain("{not json")
    f = tmp_path / "d.json"
    f.write_text("[1, 2")
    with pytest.raises(DomainError, match="not valid JSON"):
        parse_domain(str(f))
    with pytest.raises(DomainError, match="neither a JSON file"):
        parse_domain("nonexistent.json")
    with pytest.raises(DomainError, match="radius must be positive"):
        parse_domain({"type": "ball", "center": [0], "radius": -1})


finite = st.floats(-100, 100, allow_nan=False)


@st.composite
def domain_dicts(draw):
    n = draw(st.integers(1, 4))
    kind = draw(st.sampled_from(["box", "ball", "subspace", "polytope"]))
    if kind == "box":
        lo = draw(st.lists(finite, min_size=n, max_size=n))
        width = draw(st.lists(st.floats(0.01, 10), min_size=n, max_size=n))
        return {"type": "box", "lower": lo, "upper": [a + w for a, w in zip(lo, width, strict=True)]}
    if kind == "ball":
        return {"type": "ball", "center": draw(st.lists(finite, min_size=n, max_size=n)), "radius": draw(st.floats(0.01, 5))}
    if kind == "subspace":
        k = draw(st.integers(1, n))
        base = np.eye(n)[:k] * draw(st.floats(0.5, 3))
        p0 = np.array(draw(st.lists(finite, min_size=n, max_size=n)))
        pts = np.vstack([p0, p0 + base]).tolist()
        bounds = draw(st.sampled_from([None, [0, 1], [-2.5, 4.0], [None, 1]]))
        return {"type": "subspace", "points": pts, "coefficient_bounds": bounds}
    c = np.array(draw(st.lists(finite, min_size=n, max_size=n)))
    r = draw(st.floats(0.1, 3))
    A = np.vstack([np.eye(n), -np.eye(n), np.ones((1, n))])
    b = np.concatenate([c + r, r - c, [c.sum() + r / 2]])
    return {"type": "polytope", "A": A.tolist(), "b": b.tolist()}


@settings(max_examples=60, deadline=None)
@given(spec=domain_dicts())
def test_parser_roundtrip_and_sampling(spec):
    d = parse_domain(spec)
    again = parse_domain(json.loads(json.dumps(d.to_dict())))
    assert again.to_dict() == d.to_dict()
    assert d.ambient_dim == len(spec.get("lower") or spec.get("center") or spec.get("points", [[0]])[0] if spec["type"] != "polytope" else spec["A"][0])
    if d.bounded:
        pts = d.sample(20, seed=0)
        assert pts.shape == (20, d.ambient_dim)
        assert d.contains(pts, tol=1e-7).all()
        lo, hi = d.bounding_box()
        assert np.all(pts >= lo - 1e-7) and np.all(pts <= hi + 1e-7)
    else:
        lo, hi = d.bounding_box()
        assert np.any(np.isinf(lo)) or np.any(np.isinf(hi))


@settings(max_examples=50, deadline=None)
@given(text=st.text(max_size=30))
def test_parser_never_crashes_on_garbage(text):
    try:
        parse_domain(text, input_dim=2)
    except DomainError:
        pass


def test_infinite_coefficient_bounds_json():
    s = AffineSubspace([[0, 0], [1, 0]], coefficient_bounds=(None, 2))
    d = s.to_dict()
    assert d["coefficient_bounds"] == [None, 2.0]
    assert math.isinf(parse_domain(d).coefficient_lower[0])
