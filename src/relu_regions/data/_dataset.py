"""The :class:`Dataset` type: features, targets, task, input shape and a train/test split."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._typing import FloatArray, Seed
from ..domain import Box
from ..exceptions import DatasetError

__all__ = ["Dataset", "TASKS"]

#: The learning tasks a dataset can pose.
TASKS = ("classification", "regression")


def _readonly(a: Any, dtype: Any) -> Any:
    arr = np.array(a, dtype=dtype, copy=True)
    arr.setflags(write=False)
    return arr


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A small in-memory dataset with a fixed train/test split.

    The first ``n_train`` rows are the training set, the rest the test set.  Features are
    flattened float64 vectors (``input_shape`` records the shape of one sample before
    flattening, e.g. ``(1, 8, 8)``); targets are int64 class labels ``0..k-1`` for
    classification or float64 values (``(N,)`` or ``(N, m)``) for regression.

    Examples
    --------
    >>> d = Dataset("toy", [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]], [0, 1, 1], n_train=2)
    >>> d.input_dim, d.num_classes, d.X_test.shape
    (2, 2, (1, 2))
    >>> d.bounding_box().upper.tolist()
    [1.0, 1.0]
    """

    name: str
    X: FloatArray
    y: Any
    n_train: int
    task: str = "classification"
    input_shape: tuple[int, ...] = ()
    class_names: tuple[str, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise DatasetError(f"dataset task must be one of {', '.join(TASKS)}, got {self.task!r}")
        X = _readonly(self.X, np.float64)
        if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
            raise DatasetError(f"dataset {self.name!r}: X must be a non-empty (N, d) array, got {X.shape}")
        if not np.all(np.isfinite(X)):
            raise DatasetError(f"dataset {self.name!r}: X contains NaN or infinite values")
        if self.task == "classification":
            y_raw = np.asarray(self.y)
            if y_raw.ndim != 1 or not np.all(np.equal(np.mod(y_raw, 1), 0)):
                raise DatasetError(f"dataset {self.name!r}: class labels must be a vector of integers")
            y = _readonly(y_raw, np.int64)
            if y.size and y.min() < 0:
                raise DatasetError(f"dataset {self.name!r}: class labels must be >= 0")
        else:
            y = _readonly(self.y, np.float64)
            if y.ndim not in (1, 2) or not np.all(np.isfinite(y)):
                raise DatasetError(f"dataset {self.name!r}: regression targets must be finite (N,) or (N, m)")
        if y.shape[0] != X.shape[0]:
            raise DatasetError(f"dataset {self.name!r}: {X.shape[0]} samples but {y.shape[0]} targets")
        n_train = int(self.n_train)
        if not 0 < n_train <= X.shape[0]:
            raise DatasetError(f"dataset {self.name!r}: n_train must lie in 1..{X.shape[0]}, got {n_train}")
        shape = tuple(int(s) for s in self.input_shape) or (X.shape[1],)
        if int(np.prod(shape)) != X.shape[1]:
            raise DatasetError(
                f"dataset {self.name!r}: input_shape {shape} does not have {X.shape[1]} entries"
            )
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "n_train", n_train)
        object.__setattr__(self, "input_shape", shape)
        object.__setattr__(self, "class_names", tuple(str(c) for c in self.class_names))

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_arrays(
        cls,
        name: str,
        X: Any,
        y: Any,
        *,
        test_fraction: float = 0.2,
        seed: Seed = 0,
        shuffle: bool = True,
        **fields: Any,
    ) -> Dataset:
        """Shuffle ``(X, y)`` with ``seed`` and hold out ``test_fraction`` of it as the test set."""
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        n = X.shape[0]
        if not 0.0 <= test_fraction < 1.0:
            raise DatasetError(f"test_fraction must lie in [0, 1), got {test_fraction}")
        order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
        n_test = int(round(test_fraction * n))
        return cls(name, X[order], y[order], n_train=max(n - n_test, 1), **fields)

    # ------------------------------------------------------------------ views
    @property
    def X_train(self) -> FloatArray:
        return self.X[: self.n_train]

    @property
    def y_train(self) -> Any:
        return self.y[: self.n_train]

    @property
    def X_test(self) -> FloatArray:
        return self.X[self.n_train :]

    @property
    def y_test(self) -> Any:
        return self.y[self.n_train :]

    @property
    def n_test(self) -> int:
        return int(self.X.shape[0] - self.n_train)

    @property
    def input_dim(self) -> int:
        return int(self.X.shape[1])

    @property
    def num_classes(self) -> int:
        """Number of classes (``max label + 1``); 0 for regression."""
        if self.task != "classification":
            return 0
        return max(int(self.y.max()) + 1, len(self.class_names))

    @property
    def output_dim(self) -> int:
        """Outputs a network needs: one logit per class, or the target dimension."""
        if self.task == "classification":
            return self.num_classes
        return 1 if self.y.ndim == 1 else int(self.y.shape[1])

    def bounding_box(self) -> Any:
        """The smallest axis-aligned :class:`~relu_regions.domain.Box` holding every sample."""
        return Box(self.X.min(axis=0), self.X.max(axis=0))

    def subset(self, n_train: int | None = None, n_test: int | None = None) -> Dataset:
        """The first ``n_train`` training and ``n_test`` test samples (already shuffled)."""
        a = self.n_train if n_train is None else min(int(n_train), self.n_train)
        b = self.n_test if n_test is None else min(int(n_test), self.n_test)
        idx = np.r_[np.arange(a), self.n_train + np.arange(b)]
        return dataclasses.replace(self, X=self.X[idx], y=self.y[idx], n_train=a)

    def summary(self) -> dict[str, Any]:
        """JSON-ready facts about the dataset."""
        out: dict[str, Any] = {
            "name": self.name,
            "task": self.task,
            "input_dim": self.input_dim,
            "input_shape": list(self.input_shape),
            "n_train": self.n_train,
            "n_test": self.n_test,
            "feature_range": [float(self.X.min()), float(self.X.max())],
            "description": self.description,
        }
        if self.task == "classification":
            out["num_classes"] = self.num_classes
            out["class_counts"] = np.bincount(self.y, minlength=self.num_classes).tolist()
            if self.class_names:
                out["class_names"] = list(self.class_names)
        else:
            out["output_dim"] = self.output_dim
        return out

    def __repr__(self) -> str:
        what = f"{self.num_classes} classes" if self.task == "classification" else "regression"
        return (
            f"Dataset({self.name!r}, {self.input_dim} features, {what}, "
            f"{self.n_train} train / {self.n_test} test)"
        )
