"""Hanin & Rolnick (2019), *Deep ReLU networks have surprisingly few activation patterns*: Figs 3-6.

Every count here is exact: :class:`~relu_regions.RegionTracker` counts activation regions
with the ``geometric`` engine on *whole* (unbounded) planes and lines through the origin and
data points (Hanin & Rolnick's cross-sections, counted on their projective closure, so no
window is guessed) and on the data window ``[-1, 1]^2`` of the 2-D memorisation task.

- **Fig. 3**: ``[20,20,20]``, ``[32,32,32]``, ``[40,40,40]`` nets on MNIST (the offline
  ``mnist-5k`` subset), regions on planes through the origin and two training images during
  training, against Theorem 5's prediction ``(#neurons)^2 / 2`` (Remark 1).
- **Fig. 4**: depth 3, width 32 with a fraction 0, 0.2, ..., 1.0 of the training labels
  replaced by random ones; regions on lines through the origin and one image, against
  ``#neurons = 96``; also against training accuracy.
- **Fig. 5**: the same net memorising random points of ``[-1, 1]^2`` with random binary
  labels (more points = more memorisation); regions on the whole plane against
  ``96^2 / 2 = 4608``.
- **Fig. 6**: 5,000 random points, learning rates ``1e-4, 1e-3, 1e-2`` and initial weight
  variances ``s * 2 / fan_in``.

Appendix A's setting: Adam, learning rate ``1e-3``, batch size 128, weights
``N(0, 2 / fan_in)``, biases ``N(0, 1e-6)``.  Scaled down for a small machine: fewer runs,
epochs, planes and lines than the paper's (the result's ``scaled_down`` says which).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._budget import Budget
from .._results import to_jsonable
from ..exceptions import ReluRegionsError
from ._store import ExperimentResult, RunStore, RunTask, atomic_write_text, run_all

__all__ = ["run_hanin_rolnick", "train_and_track", "FIGURES", "DEFAULTS"]

FIGURES = ("3", "4", "5", "6")

#: Per-figure defaults of the scaled-down run (the paper's values in comments).
DEFAULTS: dict[str, dict[str, Any]] = {
    "3": {"widths": [[20] * 3, [32] * 3, [40] * 3], "epochs": 2, "evals_per_epoch": 2, "domains": 2},
    # paper: 20 epochs, 10 runs, 5 planes per run
    "4": {"corruption": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0], "epochs": 2, "evals_per_epoch": 1, "domains": 10},
    # paper: 40 runs, 100 lines, trained until memorised
    "5": {"points": [100, 1000, 5000], "epochs": 40, "evals_per_epoch": 0.1},
    # paper: 2000 epochs, 40 runs
    "6": {"lrs": [1e-4, 1e-3, 1e-2], "scales": [0.5, 1.0, 4.0], "epochs": 40,
          "evals_per_epoch": 0.1},
}

BATCH_SIZE = 128
BIAS_STD = 1e-3  # variance 1e-6, Appendix A


def _model(torch: Any, widths: Sequence[int], n_in: int, n_out: int, scale: float, gen: Any) -> Any:
    """Appendix A's initialisation: weights N(0, scale * 2 / fan_in), biases N(0, 1e-6)."""
    nn = torch.nn
    mods: list[Any] = []
    dims = [n_in, *widths, n_out]
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        lin = nn.Linear(a, b)
        with torch.no_grad():
            lin.weight.copy_(torch.randn(b, a, generator=gen) * math.sqrt(scale * 2.0 / a))
            lin.bias.copy_(torch.randn(b, generator=gen) * BIAS_STD)
        mods.append(lin)
        if i < len(widths):
            mods.append(nn.ReLU())
    return nn.Sequential(*mods)


def _data(kind: str, seed: int, corruption: float, points: int) -> tuple[np.ndarray, np.ndarray, int]:
    rng = np.random.default_rng(seed)
    if kind == "mnist":
        from ..data import load_dataset

        ds = load_dataset("mnist-5k", seed=0)
        X, y = np.asarray(ds.X_train), np.asarray(ds.y_train).copy()
        n_bad = int(round(corruption * len(y)))
        if n_bad:
            idx = rng.choice(len(y), n_bad, replace=False)
            y[idx] = rng.integers(0, 10, n_bad)
        return X, y, 10
    X = rng.uniform(-1.0, 1.0, size=(points, 2))
    y = rng.integers(0, 2, points)
    return X, y, 2


def _domains(kind: str, X: np.ndarray, n: int, seed: int) -> list[Any]:
    from ..domain import AffineSubspace, Box

    rng = np.random.default_rng(10_000 + seed)
    if kind == "planes":
        return [AffineSubspace.through_origin(X[rng.choice(len(X), 2, replace=False)]) for _ in range(n)]
    if kind == "lines":
        return [AffineSubspace.through_origin(X[rng.choice(len(X), 1)]) for _ in range(n)]
    # the 2-D task: the whole plane R^2 and the data window
    return [AffineSubspace([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), Box([-1.0, -1.0], [1.0, 1.0])]


def train_and_track(
    *,
    fig: str,
    data: str,
    widths: Sequence[int],
    domain: str,
    n_domains: int,
    epochs: int,
    evals_per_epoch: float,
    seed: int,
    lr: float = 1e-3,
    weight_scale: float = 1.0,
    corruption: float = 0.0,
    points: int = 0,
) -> dict[str, Any]:
    """Train one net with Adam (Appendix A) and count its regions exactly along the way.

    Returns a JSON-able record with one entry per checkpoint: ``step``, ``epoch``, the exact
    count on every domain, their mean and the training accuracy.
    """
    import torch

    from .tracker import RegionTracker

    old_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            gen = torch.Generator().manual_seed(seed)
            X, y, n_out = _data(data, seed, corruption, points)
            model = _model(torch, widths, X.shape[1], n_out, weight_scale, gen)
            doms = _domains(domain, X, n_domains, seed)
            Xt = torch.tensor(X, dtype=torch.float32)
            yt = torch.tensor(y, dtype=torch.long)
            steps_per_epoch = math.ceil(len(X) / BATCH_SIZE)
            every = max(1, int(round(steps_per_epoch / evals_per_epoch)))
            total = epochs * steps_per_epoch
            opt = torch.optim.Adam(model.parameters(), lr=lr)
            loss_fn = torch.nn.CrossEntropyLoss()
            tracker = RegionTracker(doms, every=every, background=False)
            accuracy: dict[int, float] = {}

            def checkpoint(step: int, force: bool = False) -> None:
                if tracker.update(model, step, force=force):
                    with torch.no_grad():
                        accuracy[step] = float((model(Xt).argmax(1) == yt).float().mean())

            t0 = time.perf_counter()
            step = 0
            checkpoint(0)
            for _ in range(epochs):
                perm = torch.randperm(len(X), generator=gen)
                for start in range(0, len(X), BATCH_SIZE):
                    idx = perm[start : start + BATCH_SIZE]
                    loss = loss_fn(model(Xt[idx]), yt[idx])
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    step += 1
                    checkpoint(step, force=step == total)
            rows = tracker.table()
            tracker.close()
    finally:
        torch.set_num_threads(old_threads)
    series = []
    for s in sorted(accuracy):
        counts = [r["regions"] for r in rows if r["step"] == s]
        series.append({
            "step": s,
            "epoch": s / steps_per_epoch,
            "regions": counts,
            "regions_mean": float(np.mean(counts)),
            "exact": all(r["exact"] for r in rows if r["step"] == s),
            "train_accuracy": accuracy[s],
        })
    neurons = int(sum(widths))
    return {
        "fig": fig,
        "neurons": neurons,
        "series": series,
        "seconds": time.perf_counter() - t0,
        "final_train_accuracy": series[-1]["train_accuracy"],
    }


def _tasks(figures: Sequence[str], runs: int, epochs: int | None, domains: int | None,
           points: Sequence[int] | None) -> list[RunTask]:
    """The runs; Figs 5 and 6 share the 2-D runs (the largest set at lr 1e-3, scale 1 is in both)."""
    variants: list[dict[str, Any]] = []
    for fig in figures:
        cfg = DEFAULTS[fig]
        ep = int(epochs if epochs is not None else cfg["epochs"])
        base: dict[str, Any] = {"epochs": ep, "evals_per_epoch": cfg["evals_per_epoch"], "lr": 1e-3,
                                "weight_scale": 1.0, "corruption": 0.0, "points": 0}
        if fig == "3":
            nd = domains or cfg["domains"]
            variants += [{**base, "fig": "3", "data": "mnist", "widths": w, "domain": "planes",
                          "n_domains": nd} for w in cfg["widths"]]
        elif fig == "4":
            nd = domains or cfg["domains"]
            variants += [{**base, "fig": "4", "data": "mnist", "widths": [32] * 3, "domain": "lines",
                          "n_domains": nd, "corruption": c} for c in cfg["corruption"]]
        else:
            sizes = [int(n) for n in (points or DEFAULTS["5"]["points"])]
            two_d = {**base, "fig": "5-6", "data": "random2d", "widths": [32] * 3, "domain": "plane2d",
                     "n_domains": 2}
            if fig == "5":
                variants += [{**two_d, "points": n} for n in sizes]
            else:
                n = max(sizes)
                variants += [{**two_d, "points": n, "lr": lr} for lr in cfg["lrs"]]
                variants += [{**two_d, "points": n, "weight_scale": sc} for sc in cfg["scales"]]
    tasks: list[RunTask] = []
    seen: set[str] = set()
    for v in variants:
        for r in range(runs):
            params = {**v, "seed": r}
            key = RunStore.key(params)
            if key not in seen:
                seen.add(key)
                tasks.append(RunTask(params, train_and_track))
    return tasks


#: (figure, sweep) -> which runs belong to the curve family, and each curve's label
def _member(params: Mapping[str, Any], fig: str, sweep: str | None, largest: int) -> str | None:
    p = params
    if fig in ("3", "4"):
        if p["fig"] != fig:
            return None
        return str(list(p["widths"])) if fig == "3" else f"corruption {p['corruption']:g}"
    if p["fig"] != "5-6":
        return None
    if fig == "5":
        return f"{p['points']} points" if p["lr"] == 1e-3 and p["weight_scale"] == 1.0 else None
    if p["points"] != largest:
        return None
    if sweep == "lr":
        return f"lr {p['lr']:g}" if p["weight_scale"] == 1.0 else None
    return f"scale {p['weight_scale']:g}" if p["lr"] == 1e-3 else None


def _groups(records: Sequence[Mapping[str, Any]], fig: str, sweep: str | None = None,
            figures: Sequence[str] = FIGURES) -> dict[str, list[Mapping[str, Any]]]:
    if fig not in figures:
        return {}
    largest = max((r["params"]["points"] for r in records if r["params"]["fig"] == "5-6"), default=0)
    out: dict[str, list[Mapping[str, Any]]] = {}
    for r in records:
        label = _member(r["params"], fig, sweep, largest)
        if label is not None:
            out.setdefault(label, []).append(r)
    return out


def _curves(
    runs: Sequence[Mapping[str, Any]], key: str = "regions_mean", domain: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Epochs, per-run regions (runs x checkpoints) and per-run accuracy, on common checkpoints."""
    n = min(len(r["series"]) for r in runs)
    ep = np.array([s["epoch"] for s in runs[0]["series"][:n]])
    if domain is None:
        Y = np.array([[s[key] for s in r["series"][:n]] for r in runs], dtype=float)
    else:
        Y = np.array([[s["regions"][domain] for s in r["series"][:n]] for r in runs], dtype=float)
    A = np.array([[s["train_accuracy"] for s in r["series"][:n]] for r in runs], dtype=float)
    return ep, Y, A


def plot_series_band(ax: Any, x: Any, runs: Any, *, label: str, color: str | None = None) -> Any:
    """Mean over runs with a +-1 standard deviation band (the paper's figures); returns the line."""
    Y = np.asarray(runs, dtype=float)
    m = Y.mean(axis=0)
    (line,) = ax.plot(x, m, label=label, lw=1.6, color=color)
    if len(Y) > 1:
        s = Y.std(axis=0)
        ax.fill_between(x, m - s, m + s, color=line.get_color(), alpha=0.2, lw=0)
    return line


def _figure(fig: str, records: Sequence[Mapping[str, Any]], out: Path, figures: Sequence[str]) -> Path | None:
    from matplotlib.figure import Figure

    sweeps: list[str | None] = ["lr", "scale"] if fig == "6" else [None]
    groups = [_groups(records, fig, s, figures) for s in sweeps]
    if not any(groups):
        return None
    ncols = 3 if fig == "6" else 2
    f = Figure(figsize=(5.0 * ncols, 4.0), layout="constrained")
    axes = f.subplots(1, ncols)
    nruns = max(len(v) for g in groups for v in g.values())
    for gi, g in enumerate(groups):
        ax = axes[gi] if fig == "6" else axes[0]
        acc_ax = axes[-1]
        for ci, (label, runs) in enumerate(g.items()):
            ep, Y, A = _curves(runs, domain=0 if fig in ("5", "6") else None)
            line = plot_series_band(ax, ep, Y, label=label, color=f"C{ci + 4 * gi}")
            acc_ax.plot(A.mean(0), Y.mean(0), "o-" if gi == 0 else "s--", ms=2, color=line.get_color(),
                        label=label)
            if fig == "3":
                ref = runs[0]["neurons"] ** 2 / 2
                ax.axhline(ref, ls="--", lw=0.8, color=line.get_color())
        ax.set_xlabel("epoch")
    ref = {"4": 96, "5": 96**2 / 2, "6": 96**2 / 2}.get(fig)
    what = {"3": "mean regions, planes through 0 and 2 images",
            "4": "mean regions, lines through 0 and an image",
            "5": "regions on the whole plane", "6": "regions on the whole plane"}[fig]
    for ax in axes:
        if ref is not None:
            ax.axhline(ref, ls="--", color="k", lw=0.8, label=f"{ref:g} (Theorem 5)")
        ax.legend(fontsize="x-small")
        ax.set_ylabel(what)
    if fig == "3":
        axes[0].set_title("dashed: (#neurons)^2/2", fontsize="small")
    axes[-1].set_xlabel("training accuracy")
    runs_text = f"{nruns} run{'s' * (nruns > 1)} per curve"
    f.suptitle(f"Hanin & Rolnick Fig. {fig} (exact counts; {runs_text}, scaled down)", fontsize="medium")
    path = out / f"fig{fig}.png"
    f.savefig(path, dpi=120)
    return path


def _comparison(records: Sequence[Mapping[str, Any]], figures: Sequence[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for fig in FIGURES:
        for sweep in (["lr", "scale"] if fig == "6" else [None]):
            for label, runs in _groups(records, fig, sweep, figures).items():
                _, Y, A = _curves(runs, domain=0 if fig in ("5", "6") else None)
                N = runs[0]["neurons"]
                pred = N if fig == "4" else N**2 / 2
                init = float(Y[:, 0].mean())
                growth = float((Y.max(axis=1) / Y[:, 0]).mean())
                rows.append({
                    "quantity": f"Fig {fig} {label}: initial regions vs {'N' if fig == '4' else 'N^2/2'}",
                    "paper": pred, "ours": round(init, 1), "agrees": 0.5 <= init / pred <= 2.0,
                    "note": "Theorem 5 / Remark 1: about N^2/2 on planes, N on lines; agree = within 2x",
                })
                rows.append({
                    "quantity": f"Fig {fig} {label}: max during training / initial",
                    "paper": "small constant (no exponential growth)", "ours": round(growth, 3),
                    "agrees": growth < 4.0,
                    "note": f"final training accuracy {float(A[:, -1].mean()):.3f}; agree = below 4x",
                })
    return rows


def run_hanin_rolnick(
    out_dir: str | Path,
    *,
    figures: Sequence[str] = FIGURES,
    runs: int = 1,
    epochs: int | None = None,
    domains: int | None = None,
    points: Sequence[int] | None = None,
    workers: int = 1,
    time_limit: float | None = None,
    progress: bool | None = None,
) -> ExperimentResult:
    """Reproduce Hanin & Rolnick's Figures 3-6 (scaled down) with exact region counts.

    Parameters
    ----------
    out_dir:
        Folder for ``results.json``, ``fig3.png`` ... ``fig6.png`` and ``runs/`` (resume).
    figures:
        Which of ``"3", "4", "5", "6"`` to run.
    runs:
        Independent training runs per curve (paper: 10 for Fig. 3, 40 for Figs. 4-6).
    epochs:
        Epochs for every figure (default: :data:`DEFAULTS`).
    domains:
        Planes (Fig. 3) or lines (Fig. 4) per run (paper: 5 and 100).
    points:
        Sizes of the random 2-D data sets of Fig. 5 (the largest is used in Fig. 6).
    workers, time_limit, progress:
        Parallel processes, a time limit for the whole sweep (finished runs are kept) and the
        progress bar.
    """
    t0 = time.perf_counter()
    figures = [str(f) for f in figures]
    bad = [f for f in figures if f not in FIGURES]
    if bad or not figures:
        raise ReluRegionsError(f"figures must be among {', '.join(FIGURES)}, got {', '.join(bad) or 'none'}")
    for name, v in (("runs", runs), ("epochs", epochs), ("domains", domains)):
        if v is not None and (not isinstance(v, int) or v < 1):
            raise ReluRegionsError(f"{name} must be a positive integer, got {v!r}")
    if points is not None and (not points or any(int(n) < 2 for n in points)):
        raise ReluRegionsError(f"points must be sizes of at least 2, got {list(points)}")
    out = Path(out_dir)
    store = RunStore(out)
    tasks = _tasks(figures, runs, epochs, domains, points)
    outcome = run_all(store, tasks, workers=workers, budget=Budget(time_limit), progress=progress,
                      desc="hanin-rolnick")
    records = [r for r in outcome.records if r is not None]
    figs = [str(p) for f in figures if (p := _figure(f, records, out, figures)) is not None]
    comparison = _comparison(records, figures)
    scaled = (f"{runs} run(s) per curve (paper 10-40); epochs {epochs or 'per figure: 2 / 2 / 40 / 40'} "
              "(paper 20 / until memorised / 2000); "
              f"{domains or DEFAULTS['3']['domains']} planes (paper 5), "
              f"{domains or DEFAULTS['4']['domains']} lines (paper 100); "
              "MNIST = the offline 4,000-image training split of mnist-5k (paper: full MNIST)")
    result = ExperimentResult(
        name="hanin-rolnick", out_dir=str(out), results_file=str(out / "results.json"), figures=tuple(figs),
        runs_total=len(tasks), runs_computed=outcome.computed, runs_resumed=outcome.resumed,
        partial=not outcome.complete, stop_reason=outcome.stop_reason, seconds=time.perf_counter() - t0,
        scaled_down=scaled,
        comparison=tuple(comparison),
        summary={
            "all_counts_exact": all(s["exact"] for r in records for s in r["series"]),
            "counting": "geometric, exact, on whole planes/lines through the origin (projective closure)",
        },
    )
    doc = {**result.to_dict(), "runs": records}
    atomic_write_text(out / "results.json", json.dumps(to_jsonable(doc), indent=1) + "\n")
    return result
