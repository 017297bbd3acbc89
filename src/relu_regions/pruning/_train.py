r"""Train, prune, fine-tune: the pipeline of Cai et al. (2023), Sec. 6.

"Each network was trained for 15 epochs using stochastic gradient descent with batch size
of 128 and learning rate of 0.01, pruned, and then fine-tuned with the same
hyperparameters for another 15 epochs."  :func:`fit_model` is that loop for any
``nn.Module`` classifier (MLPs and the LeNet/AlexNet-style nets of :func:`build_model`),
with the pruning masks held during fine-tuning (:class:`~relu_regions.pruning.PruneMasks`:
gradient hooks plus re-zeroing after each step).  SGD momentum 0.9 is our default (the
paper names no momentum; plain SGD at lr 0.01 barely trains on our small data sets).

Deterministic for a seed: initialisation and shuffling come from a forked torch RNG,
one thread by default.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._budget import Budget, progress_bar
from .._registry import Registry
from .._results import FrozenResult
from ..data import Dataset
from ._errors import PruningError

__all__ = ["fit_model", "FitResult", "build_model", "ARCHITECTURES", "model_accuracy"]


@dataclasses.dataclass(frozen=True)
class FitResult(FrozenResult):
    """Epochs run, final training loss, test accuracy, seconds; ``partial`` if stopped early."""

    epochs_run: int
    loss: float
    test_accuracy: float
    seconds: float
    partial: bool


def model_accuracy(model: Any, X: np.ndarray, y: np.ndarray, *, input_shape: Sequence[int] = (),
                   batch: int = 2048) -> float:
    """Fraction of ``X`` whose arg-max output equals ``y`` (evaluation mode, no gradients)."""
    import torch

    if len(X) == 0:
        return float("nan")
    p = next(model.parameters())
    was = model.training
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(X), batch):
            xb = torch.as_tensor(np.array(X[i:i + batch]), dtype=p.dtype)
            if input_shape:
                xb = xb.reshape(len(xb), *input_shape)
            correct += int((model(xb).argmax(1).numpy() == y[i:i + batch]).sum())
    model.train(was)
    return correct / len(X)


def fit_model(
    model: Any,
    data: Dataset,
    *,
    epochs: int = 15,
    lr: float = 0.01,
    batch_size: int = 128,
    momentum: float = 0.9,
    masks: Any = None,
    seed: int = 0,
    input_shape: Sequence[int] | None = None,
    threads: int | None = 1,
    budget: Budget | None = None,
    progress: bool | None = None,
) -> FitResult:
    """Minibatch SGD with cross-entropy on ``data`` (in place); masks keep pruned weights at zero.

    ``input_shape`` reshapes each flat sample (e.g. ``(1, 28, 28)`` for a CNN; default
    ``data.input_shape`` when the model has a convolution, else flat).
    """
    import torch

    if data.task != "classification":
        raise PruningError(f"dataset {data.name!r} is not a classification task")
    if epochs < 1 or not lr > 0 or batch_size < 1 or not 0 <= momentum < 1:
        raise PruningError(f"invalid training settings: epochs={epochs}, lr={lr}, batch_size={batch_size}")
    shape = tuple(input_shape) if input_shape is not None else (
        tuple(data.input_shape) if any(isinstance(m, torch.nn.modules.conv._ConvNd) for m in model.modules())
        else ())
    budget = budget or Budget(None)
    dtype = next(model.parameters()).dtype
    t0 = time.perf_counter()
    old_threads = torch.get_num_threads()
    loss_val = float("nan")
    epochs_run = 0
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if threads is not None:
            torch.set_num_threads(threads)
        try:
            X = torch.as_tensor(np.array(data.X_train), dtype=dtype)
            if shape:
                X = X.reshape(len(X), *shape)
            y = torch.as_tensor(np.array(data.y_train), dtype=torch.long)
            opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
            if masks is not None:
                masks.attach()
                masks.apply()
            model.train()
            bar = progress_bar(total=epochs, desc="epochs", enabled=progress)
            for _ in range(epochs):
                if budget.stop:
                    break
                perm = torch.randperm(len(X))
                total = 0.0
                for i in range(0, len(X), batch_size):
                    idx = perm[i:i + batch_size]
                    opt.zero_grad()
                    loss = torch.nn.functional.cross_entropy(model(X[idx]), y[idx])
                    loss.backward()
                    opt.step()
                    if masks is not None:
                        masks.apply()
                    total += float(loss.detach()) * len(idx)
                loss_val = total / len(X)
                epochs_run += 1
                bar.update(1)
            bar.close()
        finally:
            if masks is not None:
                masks.detach()
            torch.set_num_threads(old_threads)
    model.eval()
    acc = model_accuracy(model, np.asarray(data.X_test), np.asarray(data.y_test), input_shape=shape)
    return FitResult(epochs_run=epochs_run, loss=loss_val, test_accuracy=acc,
                     seconds=time.perf_counter() - t0, partial=epochs_run < epochs)


# -- architectures --------------------------------------------------------------------------

ARCHITECTURES: Registry[Any] = Registry("architecture")


def _mlp(input_shape: Sequence[int], classes: int, hidden: Sequence[int], nn: Any) -> Any:
    dims = [int(np.prod(input_shape)), *hidden, classes]
    mods: list[Any] = [nn.Flatten()]
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        mods.append(nn.Linear(a, b))
        if i < len(dims) - 2:
            mods.append(nn.ReLU())
    return nn.Sequential(*mods)


def _conv_front(input_shape: Sequence[int], channels: Sequence[int], pool_to: int | None,
                nn: Any) -> list[Any]:
    c_in = input_shape[0] if len(input_shape) == 3 else 1
    mods: list[Any] = []
    side = int(input_shape[-1])
    for c in channels:
        mods += [nn.Conv2d(c_in, c, 3, padding=1), nn.ReLU()]
        if side >= 8:  # pool while the feature maps are at least 8x8 (28 -> 14 -> 7; 8 -> 4)
            mods.append(nn.MaxPool2d(2))
            side //= 2
        c_in = c
    if pool_to is not None:
        mods.append(nn.AdaptiveAvgPool2d(pool_to))
    mods.append(nn.Flatten())
    return mods


def _flat_size(mods: list[Any], input_shape: Sequence[int], nn: Any) -> int:
    import torch

    shape = tuple(input_shape) if len(input_shape) == 3 else (1, *input_shape)
    with torch.no_grad():
        return int(nn.Sequential(*mods)(torch.zeros(1, *shape)).shape[1])


def _lenet(input_shape: Sequence[int], classes: int, hidden: Sequence[int], nn: Any) -> Any:
    """LeNet-style: conv 5x5 (6) + pool, conv 5x5 (16) + pool, then FC ``hidden`` (paper:
    128, 84); on 28x28 inputs the FC input is 16x5x5 = 400 as in the paper."""
    c_in = input_shape[0] if len(input_shape) == 3 else 1
    side = int(input_shape[-1]) // 2
    front = [nn.Conv2d(c_in, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
             nn.Conv2d(6, 16, 5, padding=0 if side >= 10 else 2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten()]
    dims = [_flat_size(front, input_shape, nn), *(hidden or (128, 84)), classes]
    tail: list[Any] = []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        tail.append(nn.Linear(a, b))
        if i < len(dims) - 2:
            tail.append(nn.ReLU())
    return nn.Sequential(*front, *tail)


def _alexnet(input_shape: Sequence[int], classes: int, hidden: Sequence[int], nn: Any) -> Any:
    """AlexNet-style, reduced: three conv layers (16, 32, 64), pooled to 64x4x4 = 1024 inputs
    (the paper's FC input), then FC ``hidden`` (paper: 4096, 4096; default here 512, 512)."""
    front = _conv_front(input_shape, (16, 32, 64), 4, nn)
    dims = [_flat_size(front, input_shape, nn), *(hidden or (512, 512)), classes]
    tail: list[Any] = []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        tail.append(nn.Linear(a, b))
        if i < len(dims) - 2:
            tail.append(nn.ReLU())
    return nn.Sequential(*front, *tail)


ARCHITECTURES.add("mlp", _mlp, help="fully connected ReLU network with the given hidden widths")
ARCHITECTURES.add("lenet", _lenet, help="LeNet-style: 2 conv+pool blocks, FC 128-84 (paper's 400-128-84)")
ARCHITECTURES.add("alexnet", _alexnet, help="AlexNet-style, reduced: 3 conv, FC input 1024, FC 512-512")


def build_model(arch: str, input_shape: Sequence[int], classes: int, *, hidden: Sequence[int] = (),
                seed: int = 0, dtype: str = "float32") -> Any:
    """A freshly initialised (seeded) classifier of architecture ``arch`` (:data:`ARCHITECTURES`).

    >>> m = build_model("lenet", (1, 28, 28), 10)
    >>> [l.in_features for l in m if type(l).__name__ == "Linear"]
    [400, 128, 84]
    """
    import torch

    fn = ARCHITECTURES[arch]
    if arch == "mlp" and not hidden:
        raise PruningError("an mlp needs hidden widths, e.g. hidden=(100, 100)")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = fn(tuple(int(s) for s in input_shape), int(classes), tuple(int(h) for h in hidden), torch.nn)
    return model.to(getattr(torch, dtype))
