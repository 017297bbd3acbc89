"""A small, deterministic CPU trainer for fully connected (leaky-)ReLU networks.

:func:`train_network` fits a network ``n0 -> hidden... -> outputs`` to a
:class:`~relu_regions.data.Dataset` with minibatch SGD or Adam and returns the trained
:class:`~relu_regions.network.Network` inside a frozen :class:`TrainResult`.  The
objective is

.. math::

    \\mathcal{L}(\\theta) = \\frac{1}{|B|} \\sum_{i \\in B} \\ell(f_\\theta(x_i), y_i)
        + \\lambda_1 \\sum_{l \\in S} \\lVert W_l \\rVert_1
        + \\lambda_2 \\sum_{l} \\lVert W_l \\rVert_F^2

with cross-entropy ``l`` for classification and squared error for regression, ``S`` the
layers chosen for the l1 penalty (biases are never penalised).  The l1 penalty on weights
is how Serra et al. (2020, *Lossless compression of deep neural networks*) train networks
with many stable neurons.  Dropout (inverted, on hidden activations) acts only while
training; the returned network is the deterministic evaluation-mode map.

Determinism: the whole run happens inside a forked torch RNG seeded with ``seed``
(initialisation, shuffling, dropout), single-threaded and in float64 by default, so the
same seed on the same machine and torch version gives bit-identical weights.  Different
CPUs or BLAS builds may round differently; the default model's test accepts that (see
:mod:`relu_regions.data.default_model`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ._budget import Budget, progress_bar
from ._registry import Registry
from ._results import FrozenResult
from .data import Dataset, load_dataset
from .exceptions import DimensionError, TrainingError
from .network import Network

__all__ = ["train_network", "evaluate_network", "TrainResult", "OPTIMIZERS"]

#: name -> factory(params, lr, momentum) of a torch optimizer.
OPTIMIZERS: Registry[Callable[..., Any]] = Registry("optimizer")


def _sgd(params: Any, lr: float, momentum: float) -> Any:
    import torch

    return torch.optim.SGD(params, lr=lr, momentum=momentum)


def _adam(params: Any, lr: float, momentum: float) -> Any:
    import torch

    return torch.optim.Adam(params, lr=lr)


def _adamw(params: Any, lr: float, momentum: float) -> Any:
    import torch

    return torch.optim.AdamW(params, lr=lr, weight_decay=0.01)


OPTIMIZERS.add("sgd", _sgd, help="stochastic gradient descent with (heavy-ball) momentum")
OPTIMIZERS.add("adam", _adam, help="Adam (Kingma & Ba 2015) with default betas")
OPTIMIZERS.add("adamw", _adamw, help="AdamW (Loshchilov & Hutter 2019), decoupled weight decay 0.01")

_DTYPES = ("float64", "float32")


@dataclasses.dataclass(frozen=True)
class TrainResult(FrozenResult):
    """A trained network and how it got there.

    ``metrics`` are computed with the returned :class:`Network` itself (NumPy, float64),
    not with the torch model: ``train_accuracy``/``test_accuracy`` for classification,
    ``train_mse``/``test_mse`` for regression.  ``stop_reason`` is ``"completed"``,
    ``"early_stopping"``, ``"time_limit"`` or ``"interrupted"``; the last two mean the
    result is ``partial``.
    """

    network: Network = dataclasses.field(metadata={"json": False})
    dataset: str
    task: str
    architecture: list[int]
    metrics: dict[str, float]
    epochs_run: int
    best_epoch: int
    stop_reason: str
    partial: bool
    seconds: float
    history: list[dict[str, float]]
    weight_l1: list[float]
    config: dict[str, Any]


def evaluate_network(net: Network, data: Dataset) -> dict[str, float]:
    """Accuracy (classification) or mean squared error (regression) on the train and test sets.

    Examples
    --------
    >>> from relu_regions.data import xor
    >>> net = Network([[[1.0, 0.0]], [[-1.0], [1.0]]], [[0.0], [0.0, 0.0]])
    >>> sorted(evaluate_network(net, xor(100)))
    ['test_accuracy', 'train_accuracy']
    """
    if net.input_dim != data.input_dim:
        raise DimensionError(
            f"the network takes {net.input_dim} inputs but dataset {data.name!r} "
            f"has {data.input_dim} features"
        )
    if net.output_dim != data.output_dim:
        raise DimensionError(
            f"the network has {net.output_dim} outputs but dataset {data.name!r} needs {data.output_dim}"
        )
    out: dict[str, float] = {}
    for split, X, y in (("train", data.X_train, data.y_train), ("test", data.X_test, data.y_test)):
        if len(X) == 0:
            continue
        pred = net.forward(X)
        if data.task == "classification":
            out[f"{split}_accuracy"] = float(np.mean(np.argmax(pred, axis=1) == y))
        else:
            out[f"{split}_mse"] = float(np.mean((pred - y.reshape(len(y), -1)) ** 2))
    return out


@contextlib.contextmanager
def _torch_session(seed: int, threads: int | None) -> Iterator[Any]:
    """Seeded, optionally single-threaded torch; restores the caller's RNG and thread count."""
    import torch

    old_threads = torch.get_num_threads()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if threads is not None:
            torch.set_num_threads(threads)
        try:
            yield torch
        finally:
            torch.set_num_threads(old_threads)


def _check(hidden: Sequence[int], **kw: Any) -> list[int]:
    try:
        widths = [int(h) for h in hidden]
    except (TypeError, ValueError):
        raise TrainingError(f"hidden must be a list of layer widths, got {hidden!r}") from None
    if any(w < 1 for w in widths):
        raise TrainingError(f"hidden layer widths must be positive, got {widths}")
    rules = {
        "epochs": kw["epochs"] >= 1,
        "lr": kw["lr"] > 0 and math.isfinite(kw["lr"]),
        "batch_size": kw["batch_size"] >= 1,
        "l1": kw["l1"] >= 0,
        "l2": kw["l2"] >= 0,
        "dropout": 0 <= kw["dropout"] < 1,
        "negative_slope": 0 <= kw["negative_slope"] < 1,
        "momentum": 0 <= kw["momentum"] < 1,
        "validation_fraction": 0 < kw["validation_fraction"] < 1,
    }
    for name, ok in rules.items():
        if not ok:
            raise TrainingError(f"invalid {name}={kw[name]!r}")
    if kw["patience"] is not None and kw["patience"] < 1:
        raise TrainingError(f"patience must be a positive number of epochs, got {kw['patience']}")
    if kw["dtype"] not in _DTYPES:
        raise TrainingError(f"dtype must be one of {', '.join(_DTYPES)}, got {kw['dtype']!r}")
    return widths


def train_network(
    data: Dataset | str,
    hidden: Sequence[int] = (32, 32),
    *,
    epochs: int = 50,
    lr: float = 1e-3,
    optimizer: str = "adam",
    batch_size: int = 64,
    momentum: float = 0.9,
    l1: float = 0.0,
    l1_layers: Sequence[int] | None = None,
    l2: float = 0.0,
    dropout: float = 0.0,
    negative_slope: float = 0.0,
    seed: int = 0,
    patience: int | None = None,
    validation_fraction: float = 0.1,
    dtype: str = "float64",
    threads: int | None = 1,
    time_limit: float | None = None,
    progress: bool | None = None,
    name: str = "",
) -> TrainResult:
    """Train a fully connected (leaky-)ReLU network on ``data``; deterministic for a given ``seed``.

    Parameters
    ----------
    data:
        A :class:`~relu_regions.data.Dataset` or a dataset name (loaded with ``seed``).
    hidden:
        Hidden layer widths; the input and output widths come from the data.
    epochs, lr, optimizer, batch_size, momentum:
        Passes over the training set, learning rate, a name in :data:`OPTIMIZERS`
        (``"adam"``, ``"sgd"``), minibatch size, and SGD momentum.
    l1, l1_layers:
        Weight of the l1 penalty and the affine layers (0-based; the output layer is
        ``len(hidden)``) it applies to; ``None`` means every layer.
    l2:
        Weight of the squared-Frobenius penalty on every weight matrix.
    dropout:
        Drop probability after each hidden activation, training only.
    negative_slope:
        ``alpha`` of LeakyReLU; 0 gives ReLU.
    seed:
        Seeds initialisation, shuffling and dropout.
    patience, validation_fraction:
        Early stopping: hold out ``validation_fraction`` of the training set and stop
        after ``patience`` epochs without a lower validation loss, keeping the best
        weights.  ``None`` trains for all epochs on the whole training set.
    dtype, threads:
        Floating-point type and torch thread count used while training (float64 and one
        thread for reproducibility); the result is always a float64 :class:`Network`.
    time_limit, progress:
        Seconds after which (or Ctrl-C upon which) training stops with a partial result;
        whether to show a progress bar on stderr (default: when stderr is a terminal).

    Examples
    --------
    >>> from relu_regions.data import xor
    >>> res = train_network(xor(400), [8], epochs=60, lr=0.02, seed=0, progress=False)
    >>> res.network.widths, res.metrics["test_accuracy"] > 0.85
    ((2, 8, 2), True)
    """
    ds = load_dataset(data, seed=seed)
    if optimizer not in OPTIMIZERS:
        OPTIMIZERS[optimizer]  # raises UnknownChoiceError listing the valid names
    widths = _check(
        hidden,
        epochs=epochs,
        lr=lr,
        batch_size=batch_size,
        l1=l1,
        l2=l2,
        dropout=dropout,
        negative_slope=negative_slope,
        momentum=momentum,
        patience=patience,
        validation_fraction=validation_fraction,
        dtype=dtype,
    )
    n_layers = len(widths) + 1
    layers_l1 = list(range(n_layers)) if l1_layers is None else sorted({int(i) for i in l1_layers})
    if any(not 0 <= i < n_layers for i in layers_l1):
        raise TrainingError(
            f"l1_layers must be layer indices in 0..{n_layers - 1}, got {list(l1_layers or [])}"
        )
    if ds.task == "classification" and ds.num_classes < 2:
        raise TrainingError(f"dataset {ds.name!r} has fewer than two classes")
    config: dict[str, Any] = dict(
        hidden=widths,
        epochs=epochs,
        lr=lr,
        optimizer=optimizer,
        batch_size=batch_size,
        momentum=momentum,
        l1=l1,
        l1_layers=layers_l1,
        l2=l2,
        dropout=dropout,
        negative_slope=negative_slope,
        seed=seed,
        patience=patience,
        validation_fraction=validation_fraction if patience else None,
        dtype=dtype,
        threads=threads,
    )
    budget = Budget(time_limit)
    t0 = time.perf_counter()
    with _torch_session(int(seed), threads) as torch, budget.catch_interrupt():
        run = _fit(torch, ds, widths, config, layers_l1, budget, progress)
    Ws, bs, history, best_epoch, epochs_run, stop_reason = run
    net = Network(
        Ws,
        bs,
        negative_slope=negative_slope,
        input_shape=ds.input_shape,
        name=name or f"{ds.name}-{'-'.join(map(str, [ds.input_dim, *widths, ds.output_dim]))}",
    )
    return TrainResult(
        network=net,
        dataset=ds.name,
        task=ds.task,
        architecture=list(net.widths),
        metrics=evaluate_network(net, ds),
        epochs_run=epochs_run,
        best_epoch=best_epoch,
        stop_reason=stop_reason,
        partial=stop_reason in ("time_limit", "interrupted"),
        seconds=time.perf_counter() - t0,
        history=history,
        weight_l1=[float(np.abs(W).sum()) for W in Ws],
        config=config,
    )


def _fit(
    torch: Any,
    ds: Dataset,
    widths: list[int],
    cfg: dict[str, Any],
    layers_l1: list[int],
    budget: Budget,
    progress: bool | None,
) -> tuple[list[np.ndarray], list[np.ndarray], list[dict[str, float]], int, int, str]:
    nn = torch.nn
    tdtype = getattr(torch, cfg["dtype"])
    mods: list[Any] = []
    dims = [ds.input_dim, *widths, ds.output_dim]
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        mods.append(nn.Linear(a, b))
        if i < len(widths):
            slope = cfg["negative_slope"]
            mods.append(nn.LeakyReLU(slope) if slope else nn.ReLU())
            if cfg["dropout"]:
                mods.append(nn.Dropout(cfg["dropout"]))
    model = nn.Sequential(*mods).to(tdtype)
    linears = [m for m in model if isinstance(m, nn.Linear)]

    X = torch.tensor(ds.X_train, dtype=tdtype)
    if ds.task == "classification":
        y = torch.tensor(ds.y_train, dtype=torch.long)
        loss_fn = nn.CrossEntropyLoss()
    else:
        y = torch.tensor(ds.y_train.reshape(ds.n_train, -1), dtype=tdtype)
        loss_fn = nn.MSELoss()
    Xv = yv = None
    if cfg["patience"]:
        n_val = max(1, int(round(cfg["validation_fraction"] * len(X))))
        if n_val >= len(X):
            raise TrainingError("too few training samples to hold out a validation set")
        X, Xv = X[:-n_val], X[-n_val:]
        y, yv = y[:-n_val], y[-n_val:]

    opt = OPTIMIZERS[cfg["optimizer"]](model.parameters(), cfg["lr"], cfg["momentum"])
    gen = torch.Generator().manual_seed(cfg["seed"])
    l1, l2 = cfg["l1"], cfg["l2"]

    def penalty() -> Any:
        total = torch.zeros((), dtype=tdtype)
        if l1:
            total = total + l1 * sum(linears[i].weight.abs().sum() for i in layers_l1)
        if l2:
            total = total + l2 * sum((m.weight**2).sum() for m in linears)
        return total

    history: list[dict[str, float]] = []
    best: tuple[float, int, list[Any] | None] = (math.inf, 0, None)
    stale = 0
    stop_reason = "completed"
    n, bs = len(X), cfg["batch_size"]
    epochs_run = 0
    bar = progress_bar(cfg["epochs"], desc="train", unit="epoch", enabled=progress)
    with bar:
        for epoch in range(1, cfg["epochs"] + 1):
            model.train()
            perm = torch.randperm(n, generator=gen)
            total, count = 0.0, 0
            for start in range(0, n, bs):
                if budget.stop:
                    break
                idx = perm[start : start + bs]
                data_loss = loss_fn(model(X[idx]), y[idx])
                loss = data_loss + penalty()
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += data_loss.item() * len(idx)
                count += len(idx)
            if budget.stop:
                stop_reason = budget.reason or "interrupted"
                break
            epochs_run = epoch
            rec = {"epoch": float(epoch), "loss": total / max(count, 1), "penalty": penalty().item()}
            if Xv is not None:
                model.eval()
                with torch.no_grad():
                    val = float(loss_fn(model(Xv), yv))
                rec["val_loss"] = val
                if val < best[0]:
                    best = (val, epoch, [p.detach().clone() for p in model.parameters()])
                    stale = 0
                else:
                    stale += 1
            history.append(rec)
            bar.update(1)
            bar.set_postfix(loss=f"{rec['loss']:.4g}")
            if Xv is not None and stale >= cfg["patience"]:
                stop_reason = "early_stopping"
                break
    best_epoch = epochs_run
    if best[2] is not None:
        with torch.no_grad():
            for p, saved in zip(model.parameters(), best[2], strict=True):
                p.copy_(saved)
        best_epoch = best[1]
    Ws = [m.weight.detach().to(torch.float64).numpy().copy() for m in linears]
    bs_ = [m.bias.detach().to(torch.float64).numpy().copy() for m in linears]
    return Ws, bs_, history, best_epoch, epochs_run, stop_reason
