"""Serra, Tjandraatmadja & Ramalingam (2018), *Bounding and counting linear regions*: the MNIST count.

For every split of 22 ReLUs into two hidden layers (``n1 + n2 = 22``, ``n1 = 1..21``) the
paper trains 10 MNIST networks ``784-n1-n2-10``, counts their linear regions exactly with its
MILP on the input box, and plots the mean and min-max count against three upper bounds --
Montúfar (2017), Raghu et al. (2017) and its own Theorem 1 -- and the test error.

The full 784-D box is out of reach here (up to ``2^22`` regions per net at tens of regions
per second in 784-D; the paper's MILP ran for hours per net), so by default we count on a
**PCA slice of the input space** that keeps the paper's networks unchanged: the
``k``-dimensional affine subspace through the training mean spanned by the first ``k``
principal directions of the training images, with each coefficient in the range the training
images take (an :class:`~relu_regions.AffineSubspace` with coefficient bounds, Cai et al.
2023 eq. (14)).  Counts there are exact (``lp``, or ``geometric`` for ``k <= 2``).  A network
restricted to a ``k``-dimensional affine subspace is a network with ``n0 = k`` inputs, so
the bounds are reported both for the paper's ``n0 = 784`` (its figure) and for ``n0 = k``
(valid upper bounds for our counts).  ``pca_dim=0`` counts on ``[0, 1]^784`` itself with a
time limit per net (then unfinished counts are labelled lower bounds).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._budget import Budget
from .._results import to_jsonable
from ..exceptions import ReluRegionsError
from ._store import ExperimentResult, RunStore, RunTask, atomic_write_text, run_all

__all__ = ["run_serra2018", "count_split", "pca_slice", "BOUND_METHODS"]

TOTAL_UNITS = 22
BOUND_METHODS = ("montufar2017", "raghu2017", "serra2018")


def pca_slice(X: np.ndarray, k: int) -> Any:
    """The ``k``-D PCA subspace through the mean of ``X``, coefficients within the data's range."""
    from ..domain import AffineSubspace

    mu = X.mean(axis=0)
    _, _, Vt = np.linalg.svd(X - mu, full_matrices=False)
    V = Vt[:k]
    Z = (X - mu) @ V.T
    return AffineSubspace(np.vstack([mu, mu + V]), coefficient_bounds=(Z.min(axis=0), Z.max(axis=0)))


def count_split(
    *, n1: int, seed: int, epochs: int, pca_dim: int, count_time_limit: float | None
) -> dict[str, Any]:
    """Train one ``784-n1-(22-n1)-10`` net on ``mnist-5k`` and count its regions exactly."""
    from ..data import load_dataset
    from ..domain import Box
    from ..regions import count_regions
    from ..train import train_network

    ds = load_dataset("mnist-5k", seed=0)
    res = train_network(ds, [n1, TOTAL_UNITS - n1], epochs=epochs, seed=seed, progress=False)
    dom = pca_slice(np.asarray(ds.X_train), pca_dim) if pca_dim else Box(np.zeros(784), np.ones(784))
    c = count_regions(res.network, dom, time_limit=count_time_limit, progress=False)
    return {
        "n1": n1,
        "n2": TOTAL_UNITS - n1,
        "seed": seed,
        "regions": int(c.regions),
        "exact": bool(c.exact),
        "method": c.method,
        "count_seconds": float(c.seconds),
        "stop_reason": c.stop_reason,
        "test_error": 1.0 - res.metrics["test_accuracy"],
        "train_error": 1.0 - res.metrics["train_accuracy"],
    }


def _bounds(n0: int, n1: int) -> dict[str, int]:
    from ..bounds import bound_regions

    rep = bound_regions([n0, n1, TOTAL_UNITS - n1], methods=",".join(BOUND_METHODS))
    out: dict[str, int] = {}
    for b in rep.ordered():
        if not isinstance(b.value, int):  # these three are exact integer bounds
            raise ReluRegionsError(f"bound {b.name} has no exact value for n0={n0}, n1={n1}")
        out[b.name] = b.value
    return out


def _spearman(a: Sequence[float], b: Sequence[float]) -> float:
    ra = np.argsort(np.argsort(a)).astype(float)
    rb = np.argsort(np.argsort(b)).astype(float)
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def _figure(summary: Sequence[Mapping[str, Any]], pca_dim: int, runs: int, path: Path) -> Path:
    from matplotlib.figure import Figure

    f = Figure(figsize=(10, 4.2), layout="constrained")
    ax, ax2 = f.subplots(1, 2)
    n1 = np.array([s["n1"] for s in summary])
    mean = np.array([s["regions_mean"] for s in summary])
    lo = np.array([s["regions_min"] for s in summary])
    hi = np.array([s["regions_max"] for s in summary])
    ax.fill_between(n1, lo, hi, alpha=0.25, color="C0", lw=0)
    ax.plot(n1, mean, "o-", color="C0", ms=3, label=f"exact count (mean, min-max of {runs})")
    exact = np.array([s["exact"] for s in summary])
    if (~exact).any():
        ax.plot(n1[~exact], mean[~exact], "o", mfc="none", color="C3", label="lower bound (time limit)")
    for i, m in enumerate(BOUND_METHODS):
        ax.plot(n1, [s["bounds_n0_784"][m] for s in summary], "--", color=f"C{i + 1}", lw=1,
                label=f"{m} (n0=784)")
        if pca_dim:
            ax.plot(n1, [s["bounds_n0_k"][m] for s in summary], ":", color=f"C{i + 1}", lw=1.3,
                    label=f"{m} (n0={pca_dim})")
    ax.set_yscale("log")
    ax.set_xlabel("n1 (first hidden layer; n2 = 22 - n1)")
    where = f"{pca_dim}-D PCA slice of the MNIST inputs" if pca_dim else "[0,1]^784"
    ax.set_ylabel(f"linear regions on the {where}")
    ax.legend(fontsize="x-small")
    sc = ax2.scatter(mean, [s["test_error_mean"] for s in summary], c=n1, cmap="coolwarm_r")
    ax2.set_xscale("log")
    ax2.set_xlabel("regions (mean)")
    ax2.set_ylabel("test error (mean)")
    f.colorbar(sc, ax=ax2, label="n1")
    f.suptitle("Serra et al. (2018): 784-n1-n2-10 MNIST nets, n1 + n2 = 22 (scaled down)", fontsize="medium")
    f.savefig(path, dpi=120)
    return path


def run_serra2018(
    out_dir: str | Path,
    *,
    splits: Sequence[int] | None = None,
    runs: int = 1,
    epochs: int = 5,
    pca_dim: int = 4,
    count_time_limit: float | None = 120.0,
    workers: int = 1,
    time_limit: float | None = None,
    progress: bool | None = None,
) -> ExperimentResult:
    """Count the regions of ``784-n1-(22-n1)-10`` MNIST nets exactly; compare with the bounds.

    Parameters
    ----------
    splits:
        Values of ``n1`` (default ``1..21``).
    runs, epochs:
        Networks per split (paper: 10) and training epochs (Adam, :func:`train_network`).
    pca_dim:
        Dimension ``k`` of the PCA slice the regions are counted on (``0``: the paper's full
        ``[0, 1]^784`` box, with ``count_time_limit`` per net).
    count_time_limit:
        Seconds per count; an unfinished count is a labelled lower bound.
    """
    t0 = time.perf_counter()
    splits = list(range(1, TOTAL_UNITS)) if splits is None else [int(s) for s in splits]
    if not splits or any(not 1 <= s < TOTAL_UNITS for s in splits):
        raise ReluRegionsError(f"splits must be values of n1 in 1..{TOTAL_UNITS - 1}, got {splits}")
    for name, v in (("runs", runs), ("epochs", epochs)):
        if not isinstance(v, int) or v < 1:
            raise ReluRegionsError(f"{name} must be a positive integer, got {v!r}")
    if not isinstance(pca_dim, int) or not 0 <= pca_dim <= 784:
        raise ReluRegionsError(f"pca_dim must be 0 (the full box) or 1..784, got {pca_dim!r}")
    out = Path(out_dir)
    store = RunStore(out)
    tasks = [RunTask({"n1": n1, "seed": r, "epochs": epochs, "pca_dim": pca_dim,
                      "count_time_limit": count_time_limit}, count_split)
             for n1 in splits for r in range(runs)]
    outcome = run_all(store, tasks, workers=workers, budget=Budget(time_limit), progress=progress,
                      desc="serra2018")
    records = [r for r in outcome.records if r is not None]
    summary = []
    for n1 in splits:
        rs = [r for r in records if r["n1"] == n1]
        if not rs:
            continue
        counts = [r["regions"] for r in rs]
        summary.append({
            "n1": n1, "n2": TOTAL_UNITS - n1, "nets": len(rs),
            "regions_mean": float(np.mean(counts)), "regions_min": min(counts), "regions_max": max(counts),
            "exact": all(r["exact"] for r in rs),
            "test_error_mean": float(np.mean([r["test_error"] for r in rs])),
            "train_error_mean": float(np.mean([r["train_error"] for r in rs])),
            "bounds_n0_784": _bounds(784, n1),
            "bounds_n0_k": _bounds(pca_dim, n1) if pca_dim else _bounds(784, n1),
        })
    figs: list[str] = []
    comparison: list[dict[str, Any]] = []
    if summary:
        figs.append(str(_figure(summary, pca_dim, runs, out / "serra2018.png")))
        below = all(r["regions"] <= s["bounds_n0_k"]["serra2018"] for s in summary
                    for r in records if r["n1"] == s["n1"])
        comparison.append({
            "quantity": "every count <= Theorem 1 bound (n0 of the counting domain)",
            "paper": True, "ours": below, "agrees": below,
            "note": "exact counts (lower bounds where labelled) never exceed the bound; a check of both",
        })
        b784 = [s["bounds_n0_784"] for s in summary]
        tighter = all(b["serra2018"] <= min(b["montufar2017"], b["raghu2017"]) for b in b784)
        mid = min(range(len(summary)), key=lambda i: abs(summary[i]["n1"] - 11))
        comparison.append({
            "quantity": "Theorem 1 is the tightest of the three bounds for every split (n0=784)",
            "paper": True, "ours": tighter, "agrees": tighter,
            "note": f"e.g. n1={summary[mid]['n1']}: {b784[mid]}",
        })
        peak = max(summary, key=lambda s: s["regions_mean"])
        comparison.append({
            "quantity": "split with the most regions (n1)",
            "paper": "shown in the poster's figure only (no number given)",
            "ours": peak["n1"], "agrees": None,
            "note": "the poster shows this only as a figure; no number to compare",
        })
        wide = [s for s in summary if min(s["n1"], s["n2"]) >= 3]
        rho = float("nan")
        if len(wide) > 2:
            rho = _spearman([s["regions_mean"] for s in wide], [s["test_error_mean"] for s in wide])
        comparison.append({
            "quantity": "Spearman(regions, test error), splits with no layer narrower than 3",
            "paper": "errors relate to the number of regions (more regions, lower error)",
            "ours": round(rho, 3), "agrees": bool(rho < 0) if rho == rho else None,
            "note": f"{len(wide)} splits, {runs} net(s) each, {epochs} epochs on mnist-5k",
        })
    where = f"the {pca_dim}-D PCA slice of the training images" if pca_dim else "[0,1]^784"
    result = ExperimentResult(
        name="serra2018", out_dir=str(out), results_file=str(out / "results.json"), figures=tuple(figs),
        runs_total=len(tasks), runs_computed=outcome.computed, runs_resumed=outcome.resumed,
        partial=not outcome.complete, stop_reason=outcome.stop_reason, seconds=time.perf_counter() - t0,
        scaled_down=(f"{runs} net(s) per split (paper 10), {epochs} epochs on the offline mnist-5k subset "
                     f"(4,000 training images; paper: full MNIST); regions counted exactly on {where} "
                     "(paper: the full [0,1]^784 box)"),
        comparison=tuple(comparison),
        summary={"splits": summary, "domain": where,
                 "all_counts_exact": all(r["exact"] for r in records)},
    )
    doc = {**result.to_dict(), "runs": records}
    atomic_write_text(out / "results.json", json.dumps(to_jsonable(doc), indent=1) + "\n")
    return result
