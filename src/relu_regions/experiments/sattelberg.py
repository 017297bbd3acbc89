"""Sattelberg (2023), *Local linearity of ReLU networks*, chapters 5-7, scaled down.

Runs (each a resumable record in ``OUT/runs/``):

- **sine** (Sec. 5.3, Fig. 5.5, Table 5.1): rectangular MLPs of every width x depth trained
  on 100 uniformly spaced points of ``sin`` on ``[-pi, pi]`` with SGD (lr 0.1, MSE), re-initialised
  while the exact MSE over the interval exceeds 0.45 (up to ``max_inits`` times), then trained
  further; exact pieces, breakpoints and (slope, intercept) pairs.
- **toy** (Sec. 6.2, Fig. 6.4-6.6 and 7.2): 2-8-8-8-2 networks on circle-vs-annulus and
  circle-XOR: exact regions on ``[-1, 1]^2``, decision boundary, regions per class, regions
  cut by the boundary, k-means accuracy of the local maps on a uniform 101 x 101 grid.
- **image models** (Sec. 6.1/7.1): ``linear``, ``dense`` (one hidden layer, two seeds) and
  ``simple`` (two 3x3 conv layers, max-pool then ReLU, converted exactly to a dense network)
  trained on an offline image set with the dissertation's two optimizers: SGD (lr 0.01,
  momentum 0.5, weight decay 0.01) and AdamW (PyTorch defaults), batch 32.
- per image model: cross-section through the three mutually closest test images of one class
  (Fig. 6.9/6.11: exact regions, and the grid method at several ``p``), active subspaces of the
  test set (Fig. 6.14-6.16), k-means accuracy against ``k`` (Fig. 7.3);
- all image models together: the four similarity matrices of Sec. 7.3 (Fig. 7.8-7.15).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._budget import Budget
from ._sattelberg_report import compare_with_paper, draw_figures
from ._store import ExperimentResult, RunStore, RunTask, atomic_write_text, run_all

__all__ = ["run_sattelberg", "OPTIMIZERS", "IMAGE_ARCHS"]

#: The dissertation's optimizers (Sec. 6.1): name -> (torch class name, keyword arguments).
OPTIMIZERS: dict[str, tuple[str, dict[str, float]]] = {
    "sgd": ("SGD", {"lr": 0.01, "momentum": 0.5, "weight_decay": 0.01}),
    "adamw": ("AdamW", {}),
}
#: Image architectures trained here (names as in the dissertation; ``dense`` twice).
IMAGE_ARCHS = ("linear", "dense1", "dense2", "simple")


# ----------------------------------------------------------------------------- training
def _image_module(arch: str, shape: Sequence[int], n_out: int, hidden: int, filters: int) -> Any:
    import torch.nn as nn

    d = int(np.prod(shape))
    if arch == "linear":
        return nn.Sequential(nn.Flatten(), nn.Linear(d, n_out))
    if arch.startswith("dense"):
        return nn.Sequential(nn.Flatten(), nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, n_out))
    if arch == "simple":  # conv -> max-pool -> ReLU, twice, then one linear layer
        c, h, w = shape
        side = (h // 2) // 2, (w // 2) // 2
        return nn.Sequential(
            nn.Conv2d(c, filters, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
            nn.Conv2d(filters, filters, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(),
            nn.Flatten(), nn.Linear(filters * side[0] * side[1], n_out),
        )
    raise ValueError(f"unknown architecture {arch!r}")


def train_image_model(data: str, arch: str, optimizer: str, seed: int, epochs: int, hidden: int,
                      filters: int, model_dir: str) -> dict[str, Any]:
    """Train one image classifier with the dissertation's optimizer; save it as .npz."""
    import torch

    from ..data import load_dataset
    from ..io import from_torch, save_network
    from ..train import evaluate_network

    ds = load_dataset(data, seed=0)
    shape = tuple(ds.input_shape) if len(ds.input_shape) == 3 else (1, *ds.input_shape)
    t0 = time.perf_counter()
    torch.set_num_threads(1)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = _image_module(arch, shape, ds.num_classes, hidden, filters).double()
        cls, kw = OPTIMIZERS[optimizer]
        opt = getattr(torch.optim, cls)(model.parameters(), **kw)
        X = torch.tensor(ds.X_train).reshape(-1, *shape)
        y = torch.tensor(ds.y_train)
        g = torch.Generator().manual_seed(seed)
        for _ in range(epochs):
            for idx in torch.randperm(len(X), generator=g).split(32):
                opt.zero_grad()
                torch.nn.functional.cross_entropy(model(X[idx]), y[idx]).backward()
                opt.step()
    net = from_torch(model.eval(), input_shape=shape)
    name = f"{arch}-{optimizer}"
    path = Path(model_dir) / f"{name}.npz"
    save_network(net, path)
    return {"name": name, "file": str(path), "metrics": evaluate_network(net, ds),
            "widths": list(net.widths), "seconds": time.perf_counter() - t0}


def _fit_sine(width: int, depth: int, epochs: int, seed: int, state: Any = None) -> Any:
    """SGD (lr 0.1, MSE, minibatches of 10) on 100 uniformly spaced points of sin on [-pi, pi]."""
    import torch

    torch.set_num_threads(1)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        layers: list[Any] = []
        for i in range(depth):
            layers += [torch.nn.Linear(1 if i == 0 else width, width), torch.nn.ReLU()]
        model = torch.nn.Sequential(*layers, torch.nn.Linear(width, 1)).double()
        if state is not None:
            model.load_state_dict(state)
        x = torch.linspace(-math.pi, math.pi, 100, dtype=torch.float64)[:, None]
        y = torch.sin(x)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        g = torch.Generator().manual_seed(seed)
        for _ in range(epochs):
            for idx in torch.randperm(100, generator=g).split(10):
                opt.zero_grad()
                torch.nn.functional.mse_loss(model(x[idx]), y[idx]).backward()
                opt.step()
    return model


def train_sine(width: int, depth: int, max_inits: int, epochs: int, extra_epochs: int,
               seed: int) -> dict[str, Any]:
    """Table 5.1 / Fig. 5.5: re-initialise until the exact MSE is below 0.45, then train on."""
    from ..io import from_torch
    from ..linearity import pieces_1d

    mse, inits, model = math.inf, 0, None
    while inits < max_inits:
        model = _fit_sine(width, depth, epochs, seed + 1000 * inits)
        inits += 1
        mse = pieces_1d(from_torch(model)).mse_sine
        if mse < 0.45:
            break
    success = mse < 0.45
    assert model is not None
    if success and extra_epochs:
        model = _fit_sine(width, depth, extra_epochs, seed + 1000 * inits + 1, state=model.state_dict())
    p = pieces_1d(from_torch(model))
    return {"width": width, "depth": depth, "inits": inits, "success": success, "mse": p.mse_sine,
            "pieces": p.linear_pieces, "activation_regions": p.activation_regions,
            "slopes": p.slopes.tolist(), "intercepts": p.intercepts.tolist(),
            "intervals": p.intervals.tolist()}


def toy_run(data: str, hidden: Sequence[int], epochs: int, seed: int, ks: Sequence[int]) -> dict[str, Any]:
    """Sec. 6.2 / Fig. 7.2 on a 2-D toy problem: exact partition, boundary, k-means."""
    from ..data import load_dataset
    from ..linearity import cross_section, kmeans_compression, local_affine_maps
    from ..train import train_network

    ds = load_dataset(data, seed=seed)
    res = train_network(ds, list(hidden), epochs=epochs, lr=0.05, optimizer="sgd", momentum=0.9,
                        seed=seed, progress=False)
    net = res.network
    cs = cross_section(net, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0], window=[-1, 1, -1, 1])
    g = np.linspace(-1, 1, 101)
    G = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    yg = np.argmax(net(G), axis=1)
    km = kmeans_compression(net, (G, G, yg), k=ks, seed=seed)
    maps = local_affine_maps(net, G, patterns=True)
    assert maps.patterns is not None
    return {
        "data": data, "hidden": list(hidden), "test_accuracy": res.metrics.get("test_accuracy"),
        "regions": cs.regions, "linear_regions": cs.linear_regions, "exact": cs.exact,
        "regions_per_class": list(cs.regions_per_class), "regions_with_boundary": cs.regions_with_boundary,
        "grid_regions_hit": int(np.unique(maps.patterns, axis=0).shape[0]),
        "kmeans_k": list(km.k), "kmeans_agreement": list(km.agreement),
        "polygons": [P.tolist() for P in cs.polygons], "boundary": [s.tolist() for s in cs.boundary],
        "gradients": maps.jacobians[::50, 1, :].tolist(), "grid_classes": yg[::50].tolist(),
    }


def _anchors(data: str, seed: int) -> list[int]:
    """Indices (into the test set) of the three mutually closest test images of one class."""
    from ..data import load_dataset

    ds = load_dataset(data, seed=seed)
    X, y = ds.X_test, np.asarray(ds.y_test)
    best: tuple[float, list[int]] = (math.inf, [0, 1, 2])
    for c in np.unique(y)[:3]:
        idx = np.flatnonzero(y == c)[:60]
        D = np.linalg.norm(X[idx, None] - X[None, idx], axis=2)
        for i in range(len(idx)):
            for j in range(i + 1, len(idx)):
                k = np.argsort(D[i] + D[j])
                k = [v for v in k if v not in (i, j)][0]
                s = D[i, j] + D[i, k] + D[j, k]
                if s < best[0] and np.linalg.matrix_rank(np.stack([X[idx[j]] - X[idx[i]],
                                                                   X[idx[k]] - X[idx[i]]])) == 2:
                    best = (s, [int(idx[i]), int(idx[j]), int(idx[k])])
    return best[1]


def analyse_image_model(file: str, data: str, anchors: Sequence[int], grids: Sequence[int],
                        ks: Sequence[int], max_samples: int, slice_time_limit: float,
                        seed: int) -> dict[str, Any]:
    """Cross-section (Fig. 6.11), active subspace (Fig. 6.14-6.16), k-means (Fig. 7.3)."""
    from ..data import load_dataset
    from ..io import load_network
    from ..linearity import active_subspace, cross_section, grid_regions, kmeans_compression

    net = load_network(file)
    ds = load_dataset(data, seed=seed)
    A, B, C = (ds.X_test[i] for i in anchors)
    out: dict[str, Any] = {"file": file}
    t0 = time.perf_counter()
    cs = cross_section(net, A, B, C, window="auto", margin=0.1, time_limit=slice_time_limit, progress=False)
    out["slice"] = {"regions": cs.regions, "exact": cs.exact, "linear_regions": cs.linear_regions,
                    "window": list(cs.window), "seconds": time.perf_counter() - t0,
                    "regions_with_boundary": cs.regions_with_boundary}
    out["slice"]["grid"] = {str(p): [r.regions, r.pattern_regions] for p in grids
                            for r in [grid_regions(net, cs.origin, cs.axes, cs.window, p)]}
    out["slice_polygons"] = [P.tolist() for P in cs.polygons] if len(cs.polygons) <= 20000 else []
    out["slice_boundary"] = [s.tolist() for s in cs.boundary]
    out["slice_anchors"] = cs.anchors.tolist()
    Xte = ds.X_test[:max_samples]
    a = active_subspace(net, Xte, top=40)
    out["active"] = {"explained_first": a.explained[:, 0].tolist(), "output_r2": a.output_r2.tolist(),
                     "rank": list(a.rank), "eigenvalues": a.eigenvalues.tolist(),
                     "first_directions": a.directions[:, 0, :].tolist()}
    km = kmeans_compression(net, ds, k=ks, seed=seed, max_samples=max_samples)
    out["kmeans"] = km.to_dict()
    return out


def similarity_run(files: Sequence[str], names: Sequence[str], data: str, max_samples: int,
                   seed: int) -> dict[str, Any]:
    from ..io import load_network
    from ..linearity import similarity_matrices

    nets = {n: load_network(f) for n, f in zip(names, files, strict=True)}
    return similarity_matrices(nets, data, seed=seed, max_samples=max_samples).to_dict()


# ----------------------------------------------------------------------------- driver
def run_sattelberg(
    out_dir: str | Path,
    *,
    data: str = "digits",
    optimizers: Sequence[str] = ("sgd", "adamw"),
    archs: Sequence[str] = IMAGE_ARCHS,
    epochs: int = 15,
    hidden: int = 128,
    filters: int = 8,
    sine_widths: Sequence[int] = (1, 2, 4, 8),
    sine_depths: Sequence[int] = (1, 2, 4, 8),
    sine_max_inits: int = 5,
    sine_epochs: int = 100,
    sine_extra_epochs: int = 200,
    toys: Sequence[str] = ("circle-annulus", "circle-xor"),
    toy_hidden: Sequence[int] = (8, 8, 8),
    toy_epochs: int = 60,
    grids: Sequence[int] = (16, 32, 64, 128),
    ks: Sequence[int] = (1, 2, 5, 10, 50),
    max_samples: int = 1000,
    slice_time_limit: float = 30.0,
    seed: int = 0,
    workers: int = 1,
    time_limit: float | None = None,
    progress: bool | None = None,
) -> ExperimentResult:
    """Chapters 5-7 of the dissertation on offline data; see the module docstring."""
    import json

    from ..data import load_dataset
    from ..exceptions import ReluRegionsError

    for o in optimizers:
        if o not in OPTIMIZERS:
            raise ReluRegionsError(f"unknown optimizer {o!r}; choose one of: {', '.join(OPTIMIZERS)}")
    for a in archs:
        if a not in IMAGE_ARCHS:
            raise ReluRegionsError(f"unknown architecture {a!r}; choose one of: {', '.join(IMAGE_ARCHS)}")
    t0 = time.perf_counter()
    out = Path(out_dir)
    store = RunStore(out)
    budget = Budget(time_limit)
    model_dir = out / "models"
    model_dir.mkdir(parents=True, exist_ok=True)
    ds = load_dataset(data, seed=0)
    shape = tuple(ds.input_shape) if len(ds.input_shape) == 3 else (1, *ds.input_shape)

    sine_tasks = [RunTask(dict(width=w, depth=d, max_inits=sine_max_inits, epochs=sine_epochs,
                               extra_epochs=sine_extra_epochs, seed=seed), train_sine)
                  for w in sine_widths for d in sine_depths]
    toy_tasks = [RunTask(dict(data=t, hidden=list(toy_hidden), epochs=toy_epochs, seed=seed, ks=list(ks)),
                         toy_run) for t in toys]
    train_tasks = [RunTask(dict(data=data, arch=a, optimizer=o, seed=seed + (1 if a == "dense2" else 0),
                                epochs=epochs, hidden=hidden, filters=filters, model_dir=str(model_dir)),
                           train_image_model) for o in optimizers for a in archs]
    stage1 = run_all(store, [*sine_tasks, *toy_tasks, *train_tasks], workers=workers, budget=budget,
                     progress=progress, desc="train")
    recs = stage1.records
    sine = [r for r in recs[: len(sine_tasks)] if r is not None]
    toy = [r for r in recs[len(sine_tasks): len(sine_tasks) + len(toy_tasks)] if r is not None]
    trained = [r for r in recs[len(sine_tasks) + len(toy_tasks):] if r is not None]
    anchors = _anchors(data, seed) if trained else []
    ana_tasks = [RunTask(dict(file=r["file"], data=data, anchors=anchors, grids=list(grids), ks=list(ks),
                              max_samples=max_samples, slice_time_limit=slice_time_limit, seed=0),
                         analyse_image_model) for r in trained]
    sim_tasks = []
    if len(trained) >= 2:
        sim_tasks = [RunTask(dict(files=[r["file"] for r in trained], names=[r["name"] for r in trained],
                                  data=data, max_samples=max_samples, seed=0), similarity_run)]
    stage2 = run_all(store, [*ana_tasks, *sim_tasks], workers=workers, budget=budget, progress=progress,
                     desc="analyse")
    analysed = zip(trained, stage2.records[: len(ana_tasks)], strict=True)
    images = {r["name"]: a for r, a in analysed if a is not None}
    for r in trained:
        if r["name"] in images:
            images[r["name"]]["accuracy"] = r["metrics"].get("test_accuracy")
    sim = stage2.records[-1] if sim_tasks and stage2.records[-1] is not None else None
    figures = draw_figures(out, sine, toy, images, sim, shape)
    comparison = compare_with_paper(sine, toy, images, sim, hidden, ds.input_dim)
    total = len(stage1.records) + len(ana_tasks) + len(sim_tasks)
    done = sum(r is not None for r in [*stage1.records, *stage2.records])
    partial = done < total
    summary = {
        "sine": [{k: r[k] for k in ("width", "depth", "inits", "success", "mse", "pieces")} for r in sine],
        "toy": [{k: r[k] for k in ("data", "regions", "linear_regions", "regions_per_class",
                                   "regions_with_boundary", "kmeans_k", "kmeans_agreement", "test_accuracy")}
                for r in toy],
        "image_models": {n: {"accuracy": v.get("accuracy"), "slice": v["slice"],
                             "explained_first_mean": float(np.mean(v["active"]["explained_first"])),
                             "rank": v["active"]["rank"], "kmeans": {"k": v["kmeans"]["k"],
                                                                   "accuracy": v["kmeans"]["accuracy"]}}
                         for n, v in images.items()},
        "anchors": anchors,
        "similarity": sim,
    }
    results = out / "results.json"
    payload = {"summary": summary, "comparison": comparison, "partial": partial}
    atomic_write_text(results, json.dumps(_jsonable(payload), indent=1) + "\n")
    stop = stage2.stop_reason or stage1.stop_reason
    return ExperimentResult(
        name="sattelberg", out_dir=str(out), results_file=str(results), figures=tuple(figures),
        runs_total=total, runs_computed=stage1.computed + stage2.computed,
        runs_resumed=stage1.resumed + stage2.resumed, partial=partial, stop_reason=stop if partial else None,
        seconds=time.perf_counter() - t0,
        scaled_down=(f"{data} instead of MNIST/CIFAR-10 (offline); image nets {', '.join(archs)} with "
                     f"{hidden} hidden units / {filters} conv filters (paper: 128 / 32), {epochs} epochs; no "
                     f"complex/ResNet/Inception nets; sine grid widths {list(sine_widths)} x depths "
                     f"{list(sine_depths)} with <= {sine_max_inits} initialisations (paper 1-10 x 1-10, "
                     f"<= 1000) and {sine_epochs}+{sine_extra_epochs} epochs (paper 200+1000); metrics on "
                     f"<= {max_samples} samples per split"),
        comparison=tuple(comparison), summary=summary,
    )


def _jsonable(x: Any) -> Any:
    from .._results import to_jsonable

    return to_jsonable(x)
