r"""Cai et al. (2023), Sec. 6: pruning, linear regions and the bound of Theorem 1 (Figs. 1-4).

Cai, Nguyen, Shrestha, Good, Tu, Yu, Zhe, Serra, *Getting Away with More Network Pruning:
From Sparsity to Geometry and Linear Regions*, CPAIOR 2023.  Every network is trained
(15 epochs of SGD, batch 128, lr 0.01), pruned (magnitude, fully connected layers only,
not the output layer), and fine-tuned with the same settings for 15 more epochs, at 8
densities from 1 down to near-chance accuracy.

Experiment 1 (Figs. 1-2)
    A 2x20 MLP on MNIST, pruned uniformly: the mean *exact* number of regions on affine
    subspaces through ``S = 2, 3, 5`` random test samples (1-, 2-, 4-dimensional;
    :class:`~relu_regions.AffineSubspace` with coefficients in ``[0, 1]``: the
    parallelotope the samples span; counted by :func:`~relu_regions.count_regions`) and
    the bound of Theorem 1 with input dimension ``d = 1, 2, 4``, each against density with
    accuracy.
Experiment 2 (Figs. 3-4)
    Uniform vs bound-guided layer densities (the paper's two-layer procedure by default) at
    the same number of remaining weights, for 2x100/2x200/2x400 MLPs and a LeNet-style net
    (Fig. 3) and a reduced AlexNet-style net (Fig. 4).

Each (part, architecture, seed) is one resumable run in ``OUT/runs/``; ``results.json``
holds the per-density means and the comparison with the paper's findings.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._budget import Budget
from ._pruning_report import (
    SUBSPACE_SAMPLES,
    aggregate_accuracy,
    aggregate_regions,
    compare_with_paper,
    draw_figures,
)
from ._store import ExperimentResult, RunStore, RunTask, atomic_write_text, run_all

__all__ = ["run_pruning", "DEFAULT_DENSITIES"]

#: Eight densities from dense to near chance (the paper uses 8 values of p, chosen per net).
DEFAULT_DENSITIES = (1.0, 0.1, 0.03, 0.01, 0.005, 0.002, 0.001, 0.0005)


def _dataset(name: str, seed: int) -> Any:
    from ..data import load_dataset

    return load_dataset(name, seed=seed)


def _train(arch: str, hidden: Sequence[int], data: Any, seed: int, cfg: Mapping[str, Any]) -> Any:
    from ..pruning import build_model, fit_model

    shape = data.input_shape if arch != "mlp" else (data.input_dim,)
    model = build_model(
        arch,
        shape,
        data.num_classes,
        hidden=hidden,
        seed=seed,
        dtype="float64" if arch == "mlp" else "float32",
    )
    fit = fit_model(
        model,
        data,
        epochs=cfg["epochs"],
        lr=cfg["lr"],
        batch_size=cfg["batch_size"],
        momentum=cfg["momentum"],
        seed=seed,
    )
    return model, fit


def _prune_finetune(
    model: Any,
    data: Any,
    p: float,
    strategy: str,
    seed: int,
    cfg: Mapping[str, Any],
    timings: dict[str, float],
) -> tuple[Any, dict[str, Any]]:
    from ..pruning import fit_model, model_accuracy, prune

    t0 = time.perf_counter()
    pr = prune(model, p, strategy=strategy, rank_estimator=cfg["rank_estimator"], seed=seed)
    timings["prune + density choice"] = timings.get("prune + density choice", 0.0) + time.perf_counter() - t0
    conv = any("Conv" in type(m).__name__ for m in pr.module.modules())
    shape = tuple(data.input_shape) if conv else ()
    before = model_accuracy(pr.module, np.asarray(data.X_test), np.asarray(data.y_test), input_shape=shape)
    t0 = time.perf_counter()
    acc = before
    if p < 1.0 and cfg["fine_tune_epochs"] > 0:
        tail, tail_data = pr.module, data
        if conv and cfg.get("freeze_conv", True):
            tail, tail_data = _fc_tail(pr.module, data)
        acc = fit_model(
            tail,
            tail_data,
            epochs=cfg["fine_tune_epochs"],
            lr=cfg["lr"],
            batch_size=cfg["batch_size"],
            momentum=cfg["momentum"],
            masks=pr.masks,
            seed=seed,
        ).test_accuracy
    timings["fine-tune"] = timings.get("fine-tune", 0.0) + time.perf_counter() - t0
    rec = {
        "density": p,
        "strategy": strategy,
        "layer_densities": list(pr.layer_densities),
        "layer_nonzeros": list(pr.layer_nonzeros),
        "nonzeros_after": pr.masks.nonzeros() if pr.masks else None,
        "bound_log10": pr.bound_log10,
        "uniform_bound_log10": pr.uniform_bound_log10,
        "accuracy_pruned": before,
        "accuracy": acc,
    }
    return pr, rec


def _fc_tail(model: Any, data: Any) -> tuple[Any, Any]:
    """Split a CNN at its first ``Linear``: the fully connected tail and the data as features.

    Fine-tuning then trains only the (pruned) fully connected layers on the frozen
    convolutional features, computed once (a 2-core scale-down; the paper fine-tunes all).
    """
    import torch

    from ..data import Dataset

    first = next(i for i, m in enumerate(model) if isinstance(m, torch.nn.Linear))
    front, tail = model[:first], model[first:]
    dtype = next(model.parameters()).dtype
    front.eval()
    with torch.no_grad():
        X = torch.as_tensor(np.array(data.X), dtype=dtype).reshape(len(data.X), *data.input_shape)
        feats = torch.cat([front(X[i : i + 1024]) for i in range(0, len(X), 1024)]).double().numpy()
    return tail, Dataset(f"{data.name}-features", feats, np.array(data.y), data.n_train)


def _bound_at_dim(
    widths: Sequence[int], densities: Sequence[float], d: int, estimator: str, seed: int
) -> float:
    """Theorem 1's ``R(1, d)``: the first layer's rank law is that of the real ``n_1 x n_0`` matrix."""
    import dataclasses

    from ..bounds import cai2023_bound, rank_distribution

    dists = [
        rank_distribution(widths[i + 1], widths[i], p, estimator=estimator, seed=seed)
        for i, p in enumerate(densities)
    ]
    dists[0] = dataclasses.replace(dists[0], cols=d)
    return float(cai2023_bound([d, *widths[1:]], distributions=dists).log10)


def regions_run(
    *, data: str, width: int, densities: Sequence[float], seed: int, subspaces: int, cfg: Mapping[str, Any]
) -> dict[str, Any]:
    """Experiment 1 for one seed: train a 2 x ``width`` MLP, prune uniformly, count, bound."""
    from ..domain import AffineSubspace
    from ..io import from_torch
    from ..regions import count_regions

    timings: dict[str, float] = {}
    ds = _dataset(data, seed)
    t0 = time.perf_counter()
    model, fit = _train("mlp", (width, width), ds, seed, cfg)
    timings["train"] = time.perf_counter() - t0
    rng = np.random.default_rng(seed + 7919)
    doms = {
        S: [
            AffineSubspace(ds.X_test[rng.choice(len(ds.X_test), S, replace=False)], coefficient_bounds=(0, 1))
            for _ in range(subspaces)
        ]
        for S in SUBSPACE_SAMPLES
    }
    rows = []
    for p in densities:
        pr, rec = _prune_finetune(model, ds, p, "uniform", seed, cfg, timings)
        net = from_torch(pr.module)
        t0 = time.perf_counter()
        counts: dict[str, list[int]] = {}
        exact = True
        for S, ds_list in doms.items():
            res = [count_regions(net, dom, progress=False) for dom in ds_list]
            counts[str(S)] = [int(r.regions) for r in res]
            exact &= all(r.exact for r in res)
        timings["count regions"] = timings.get("count regions", 0.0) + time.perf_counter() - t0
        t0 = time.perf_counter()
        widths = (ds.input_dim, width, width)
        bounds = {
            str(S - 1): _bound_at_dim(widths, rec["layer_densities"], S - 1, cfg["rank_estimator"], seed)
            for S in SUBSPACE_SAMPLES
        }
        timings["bounds"] = timings.get("bounds", 0.0) + time.perf_counter() - t0
        rows.append({**rec, "regions": counts, "regions_exact": exact, "bound_log10_by_dim": bounds})
    return {
        "part": "regions",
        "arch": f"2x{width}",
        "dataset": ds.name,
        "seed": seed,
        "dense_accuracy": fit.test_accuracy,
        "rows": rows,
        "timings": timings,
    }


def accuracy_run(
    *,
    arch: str,
    hidden: Sequence[int],
    data: str,
    densities: Sequence[float],
    seed: int,
    strategies: Sequence[str],
    cfg: Mapping[str, Any],
) -> dict[str, Any]:
    """Experiment 2 for one architecture and seed: train once, prune + fine-tune per strategy."""
    timings: dict[str, float] = {}
    ds = _dataset(data, seed)
    t0 = time.perf_counter()
    model, fit = _train(arch, hidden, ds, seed, cfg)
    timings["train"] = time.perf_counter() - t0
    rows = []
    for p in densities:
        for s in strategies:
            _, rec = _prune_finetune(copy.deepcopy(model), ds, p, s, seed, cfg, timings)
            rows.append(rec)
    from ..pruning import linear_layers

    fcs = linear_layers(model)
    name = f"2x{hidden[0]}" if arch == "mlp" else arch
    return {
        "part": "accuracy",
        "arch": name,
        "dataset": ds.name,
        "seed": seed,
        "fc_widths": [fcs[0].in_features, *[m.out_features for m in fcs]],
        "dense_accuracy": fit.test_accuracy,
        "rows": rows,
        "timings": timings,
    }


# -- the driver (aggregates, figures and the comparison are in _pruning_report.py) -------------
def run_pruning(
    out_dir: str | Path,
    *,
    data: str = "mnist-5k",
    cnn_data: str = "mnist-5k",
    widths: Sequence[int] = (100, 200, 400),
    small_width: int = 20,
    archs: Sequence[str] = ("lenet", "alexnet"),
    densities: Sequence[float] = DEFAULT_DENSITIES,
    seeds: int = 1,
    strategies: Sequence[str] = ("uniform", "two-layer"),
    epochs: int = 15,
    fine_tune_epochs: int = 15,
    lr: float = 0.01,
    batch_size: int = 128,
    momentum: float = 0.9,
    subspaces: int = 2,
    rank_estimator: str = "binomial",
    regions: bool = True,
    freeze_conv: bool = True,
    workers: int = 1,
    time_limit: float | None = None,
    progress: bool | None = None,
) -> ExperimentResult:
    """Run the pruning experiment into ``out_dir`` (resumable) and write results and Figs. 1-4.

    Parameters
    ----------
    data, cnn_data:
        Datasets of the MLPs (and Fig. 1-2's 2 x ``small_width`` net) and of the CNNs.
    widths, archs:
        MLP widths (2 hidden layers each) and CNN architectures (``lenet``, ``alexnet``)
        of Experiment 2; empty to skip.
    densities, seeds, strategies:
        Global densities (1 first), seeds per net, and the strategies compared (``uniform``
        and a bound-guided one: ``two-layer`` as in the paper, or ``bound``).
    epochs, fine_tune_epochs, lr, batch_size, momentum:
        SGD training before pruning and fine-tuning after (paper: 15, 15, 0.01, 128).
    subspaces, regions:
        Random subspaces per ``S`` in Experiment 1; ``regions=False`` skips Experiment 1.
    freeze_conv:
        Fine-tune only the fully connected layers of the CNNs, on convolutional features
        computed once (a scale-down for 2 cores; ``False`` fine-tunes every layer).
    """
    from ..bounds import RANK_ESTIMATORS
    from ..pruning import PRUNE_STRATEGIES, PruningError

    for s in strategies:
        PRUNE_STRATEGIES[s]
    RANK_ESTIMATORS[rank_estimator]
    dens = [float(p) for p in densities]
    if not dens or any(not 0 < p <= 1 for p in dens):
        raise PruningError(f"densities must lie in (0, 1], got {list(densities)}")
    if seeds < 1 or epochs < 1 or fine_tune_epochs < 0 or subspaces < 1:
        raise PruningError("seeds, epochs and subspaces must be positive (fine_tune_epochs >= 0)")
    guided = next((s for s in strategies if s != "uniform"), "uniform")
    t_start = time.perf_counter()
    out = Path(out_dir)
    store = RunStore(out)
    cfg = {
        "epochs": epochs,
        "fine_tune_epochs": fine_tune_epochs,
        "lr": lr,
        "batch_size": batch_size,
        "momentum": momentum,
        "rank_estimator": rank_estimator,
    }
    tasks: list[RunTask] = []
    for seed in range(seeds):
        if regions:
            tasks.append(
                RunTask(
                    {
                        "data": data,
                        "width": small_width,
                        "densities": dens,
                        "seed": seed,
                        "subspaces": subspaces,
                        "cfg": cfg,
                    },
                    regions_run,
                )
            )
        for w in widths:
            tasks.append(
                RunTask(
                    {
                        "arch": "mlp",
                        "hidden": [int(w), int(w)],
                        "data": data,
                        "densities": dens,
                        "seed": seed,
                        "strategies": list(strategies),
                        "cfg": cfg,
                    },
                    accuracy_run,
                )
            )
        for a in archs:
            tasks.append(
                RunTask(
                    {
                        "arch": a,
                        "hidden": [],
                        "data": cnn_data,
                        "densities": dens,
                        "seed": seed,
                        "strategies": list(strategies),
                        "cfg": {**cfg, "freeze_conv": freeze_conv},
                    },
                    accuracy_run,
                )
            )
    budget = Budget(time_limit)
    outcome = run_all(store, tasks, workers=workers, budget=budget, progress=progress, desc="pruning runs")
    done = [r for r in outcome.records if r is not None]
    reg_recs = [r for r in done if r["part"] == "regions"]
    reg = aggregate_regions(reg_recs, dens) if reg_recs else None
    acc = aggregate_accuracy([r for r in done if r["part"] == "accuracy"], dens, list(strategies))
    comparison = compare_with_paper(reg, acc, guided)
    figures = draw_figures(out, reg, acc, guided)
    scaled = (
        f"offline data ({data} for the MLPs, {cnn_data} for the CNNs) instead of MNIST/Fashion/CIFAR; "
        f"{seeds} seed(s) per net instead of 30; {subspaces} random subspace(s) per S; coefficients of "
        "the subspaces in [0, 1] (the parallelotope of the samples); AlexNet-style net reduced to "
        "conv 16-32-64 and FC 1024-512-512 (paper 1024-4096-4096) and trained on the MLPs' kind of data "
        "(the paper: CIFAR-10/100); LeNet FC 128-84 "
        f"(input {'400 on 28x28' if cnn_data != 'digits' else '64 on 8x8 digits'}); "
        + (
            "CNN fine-tuning trains only the pruned fully connected layers on frozen convolutional "
            "features (the paper fine-tunes all layers); "
            if freeze_conv
            else ""
        )
        + f"rank estimator {rank_estimator}; SGD momentum {momentum} (the paper names none)"
    )
    results = {
        "experiment": "pruning",
        "paper": "Cai et al. (2023), CPAIOR, Sec. 6, Figs. 1-4",
        "config": {
            **cfg,
            "data": data,
            "cnn_data": cnn_data,
            "widths": list(widths),
            "archs": list(archs),
            "densities": dens,
            "seeds": seeds,
            "strategies": list(strategies),
            "small_width": small_width,
            "subspaces": subspaces,
        },
        "regions": reg,
        "accuracy": acc,
        "comparison": comparison,
        "scaled_down": scaled,
        "partial": not outcome.complete,
        "stop_reason": outcome.stop_reason,
    }
    import json

    from .._results import to_jsonable

    path = atomic_write_text(out / "results.json", json.dumps(to_jsonable(results), indent=1) + "\n")
    return ExperimentResult(
        name="pruning",
        out_dir=str(out),
        results_file=str(path),
        figures=tuple(figures),
        runs_total=len(tasks),
        runs_computed=outcome.computed,
        runs_resumed=outcome.resumed,
        partial=not outcome.complete,
        stop_reason=outcome.stop_reason,
        seconds=time.perf_counter() - t_start,
        scaled_down=scaled,
        comparison=tuple(comparison),
        summary={
            "regions": reg,
            "accuracy": {k: {s: v[s]["accuracy"] for s in strategies if s in v} for k, v in acc.items()},
        },
    )
