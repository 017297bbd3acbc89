from __future__ import annotations

import math
import socket
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relu_regions import DatasetError, MissingDependencyError, ReluRegionsError, UnknownChoiceError
from relu_regions.data import DATASETS, Dataset, circle_annulus, circle_xor, list_datasets, load_dataset, xor
from relu_regions.data._images import images_to_dataset

OFFLINE = [n for n in list_datasets() if DATASETS[n].offline]


def test_registry_lists_every_promised_dataset():
    for name in ("circle-annulus", "xor", "circle-xor", "random-labels", "sine", "digits", "mnist-5k",
                 "mnist", "fashion-mnist", "cifar10"):
        assert name in list_datasets()
    assert set(OFFLINE) == {"circle-annulus", "xor", "circle-xor", "random-labels", "sine", "digits", "mnist-5k"}


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("name", OFFLINE)
def test_offline_datasets_shapes_ranges_determinism(name, no_network):
    d = load_dataset(name, seed=3)
    again = load_dataset(name, seed=3)
    np.testing.assert_array_equal(d.X, again.X)
    np.testing.assert_array_equal(d.y, again.y)
    assert d.X.dtype == np.float64 and d.X.ndim == 2 and not d.X.flags.writeable
    assert d.n_train + d.n_test == len(d.X) == len(d.y)
    assert abs(d.n_test - 0.2 * len(d.X)) <= 1
    assert int(np.prod(d.input_shape)) == d.input_dim
    if d.task == "classification":
        assert d.y.dtype == np.int64 and d.y.min() >= 0 and d.num_classes >= 2
        assert d.output_dim == d.num_classes
    lo, hi = d.X.min(), d.X.max()
    expected = {
        "digits": (0.0, 1.0, (1797, 64), 10),
        "mnist-5k": (0.0, 1.0, (5000, 784), 10),
        "sine": (-math.pi, math.pi, (100, 1), 0),
    }.get(name, (-1.0, 1.0, (1000, 2), 2))
    assert expected[0] <= lo and hi <= expected[1]
    assert d.X.shape == expected[2] and d.num_classes == expected[3]
    if name in ("digits", "mnist-5k"):
        assert lo == 0.0 and hi == 1.0  # scaled, not standardised


def test_seed_changes_toy_data_and_split():
    a, b = xor(200, seed=0), xor(200, seed=1)
    assert not np.array_equal(a.X, b.X)
    d0, d1 = load_dataset("digits", seed=0), load_dataset("digits", seed=1)
    assert not np.array_equal(d0.y[:50], d1.y[:50])
    np.testing.assert_array_equal(np.sort(d0.X, axis=0), np.sort(d1.X, axis=0))  # same images


def test_toy_labels_follow_their_definitions():
    d = circle_annulus(2000, seed=4)
    r = np.hypot(d.X[:, 0], d.X[:, 1])
    assert np.all(r[d.y == 0] <= 0.5)
    assert np.all((r[d.y == 1] >= 0.5 * math.sqrt(2) - 1e-12) & (r[d.y == 1] <= 1.0 + 1e-12))
    assert np.bincount(d.y).tolist() == [1000, 1000]
    c = circle_xor(2000, seed=4)
    quad = (c.X[:, 0] > 0) ^ (c.X[:, 1] > 0)
    inside = np.hypot(c.X[:, 0], c.X[:, 1]) < 0.5
    np.testing.assert_array_equal(c.y, (quad ^ inside).astype(int))
    assert 0 < np.mean(inside) < 0.5
    s = load_dataset("sine", noise=0.0)
    np.testing.assert_allclose(s.y, np.sin(s.X[:, 0]))
    assert load_dataset("sine", noise=0.1).y.std() != s.y.std()
    rl = load_dataset("random-labels", n=4000)
    assert abs(rl.y.mean() - 0.5) < 0.05
    assert load_dataset("random-labels", n=10, dim=5).input_dim == 5


def test_n_and_test_fraction():
    assert load_dataset("xor", n=50, test_fraction=0.5).n_train == 25
    d = load_dataset("digits", n=100)
    assert len(d.X) == 100 and d.n_train == 80
    with pytest.raises(DatasetError):
        load_dataset("xor", test_fraction=1.5)
    with pytest.raises(DatasetError, match="bad option"):
        load_dataset("xor", colour="red")


def test_unknown_dataset_lists_valid_names():
    with pytest.raises(UnknownChoiceError, match="unknown dataset 'nope'; choose one of: .*digits"):
        load_dataset("nope")


def test_torchvision_sets_need_files_or_the_package(tmp_path, no_network):
    with pytest.raises((DatasetError, MissingDependencyError)) as info:
        load_dataset("mnist", root=tmp_path)
    assert isinstance(info.value, ReluRegionsError)


def test_images_to_dataset_is_channel_first_and_scaled():
    rng = np.random.default_rng(0)
    cifar_train = types.SimpleNamespace(data=rng.integers(0, 256, (5, 32, 32, 3), dtype=np.uint8),
                                        targets=[0, 1, 2, 3, 4])
    cifar_test = types.SimpleNamespace(data=rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8), targets=[5, 6])
    d = images_to_dataset("cifar10", cifar_train, cifar_test, (3, 32, 32), tuple("abcdefghij"))
    assert d.X.shape == (7, 3072) and d.n_train == 5 and d.y.tolist() == [0, 1, 2, 3, 4, 5, 6]
    img = cifar_train.data[1]
    h, w, c = 4, 7, 2
    assert d.X[1, c * 32 * 32 + h * 32 + w] == img[h, w, c] / 255.0
    mnist = types.SimpleNamespace(data=np.full((3, 28, 28), 255, dtype=np.uint8), targets=np.array([1, 2, 3]))
    m = images_to_dataset("mnist", mnist, mnist, (1, 28, 28), tuple("0123456789"))
    assert m.X.max() == 1.0 and m.input_shape == (1, 28, 28)


def test_dataset_validation_and_helpers():
    with pytest.raises(DatasetError, match="NaN"):
        Dataset("bad", [[np.nan]], [0], n_train=1)
    with pytest.raises(DatasetError, match="2 samples but 1 targets"):
        Dataset("bad", [[0.0], [1.0]], [0], n_train=1)
    with pytest.raises(DatasetError, match="n_train"):
        Dataset("bad", [[0.0], [1.0]], [0, 1], n_train=3)
    with pytest.raises(DatasetError, match="integers"):
        Dataset("bad", [[0.0], [1.0]], [0.5, 1], n_train=1)
    with pytest.raises(DatasetError, match="task"):
        Dataset("bad", [[0.0]], [0], n_train=1, task="clustering")
    d = load_dataset("digits")
    box = d.bounding_box()
    assert box.ambient_dim == 64 and bool(np.all(box.contains(d.X)))
    sub = d.subset(10, 5)
    assert sub.n_train == 10 and sub.n_test == 5
    np.testing.assert_array_equal(sub.X_test, d.X_test[:5])
    s = d.summary()
    assert s["num_classes"] == 10 and sum(s["class_counts"]) == 1797 and s["input_shape"] == [1, 8, 8]
    assert "digits" in repr(d)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 300), frac=st.floats(0.0, 0.95), seed=st.integers(0, 2**32 - 1))
def test_from_arrays_shuffles_rows_together_and_splits(n, frac, seed):
    X = np.arange(2 * n, dtype=float).reshape(n, 2)
    d = Dataset.from_arrays("h", X, np.arange(n) % 3, test_fraction=frac, seed=seed)
    assert d.n_train + d.n_test == n and d.n_train >= 1
    assert abs(d.n_test - frac * n) <= 1
    idx = (d.X[:, 0] // 2).astype(int)
    assert sorted(idx.tolist()) == list(range(n))  # a permutation of the rows
    np.testing.assert_array_equal(d.y, idx % 3)  # labels travel with their rows
