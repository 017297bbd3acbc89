"""Sattelberg Sec. 3.4: how often small networks learn Boolean functions, scaled to 2 cores.

Three parts, each a set of resumable runs (one per architecture), all trained with
:func:`relu_regions.boolean.train_batched` (Adam, lr 0.025, BCE with logits, He-normal
weights, inputs in ``{-1, 1}^n``, full batch, success = every input classified):

1. **NPN classes (Sec. 3.4.2, Fig. 3.5/3.6, Table 3.3)**: one representative (the canonical
   code) of each of the 222 four-input NPN classes, several widths/depths, leaky ReLU
   (``alpha = 0.1``) and ReLU; success rate per class over ``seeds`` seeds.  Fig. 3.6 puts
   the per-class swaps value, Fourier degree, total influence and entropy beside the 2x2,
   3x1 and average success rates, sorted by the average.
2. **10-parity vs random 10-input functions (Sec. 3.4.3, Fig. 3.7)**: success rates on a
   width x depth grid; cells with ``n <= w^l`` are those Theorem 3.3.4 says can solve
   ``n``-parity.
3. **Node removal for parity (Sec. 3.4.4, Table 3.4)**: train a width-``w`` one-hidden-layer
   network on ``n``-parity; for ``i = 1, 2, ...`` fine-tune every width-``i`` subnetwork
   (its neurons' weights kept) and stop at the first ``i`` where some succeed; report
   ``p, r / C(w, p)``.

Scaled down from the dissertation's 100 trials x 4,000 epochs x 45 architectures: see
``scaled_down`` in the result.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._budget import Budget
from ._store import ExperimentResult, RunStore, RunTask, atomic_write_text, run_all

__all__ = ["run_boolean", "DEFAULT_ARCHITECTURES"]

#: (hidden widths, leak) of the NPN-class runs: the minimal 3x1 and 2x2 nets and one size up,
#: leaky ReLU 0.1 (the dissertation's default) and ReLU for the ReLU-vs-leaky comparison.
DEFAULT_ARCHITECTURES: tuple[tuple[tuple[int, ...], float], ...] = (
    ((2,), 0.1), ((3,), 0.1), ((4,), 0.1), ((2, 2), 0.1), ((3, 3), 0.1),
    ((3,), 0.0), ((2, 2), 0.0), ((4,), 0.0),
)
#: Figure 3.7 grid (scaled down from widths 2-10 x depths 1-5).
PARITY_WIDTHS = (2, 3, 4, 6)
PARITY_DEPTHS = (1, 2, 3)
#: Table 3.3's leaky-ReLU hardest problems (decimal codes) from the dissertation.
PAPER_HARDEST_LEAKY = (2022, 1713, 5786, 1717, 5774, 7905, 5737, 6038, 7128, 27030)
#: Table 3.4 (width 6 row): n -> (pruned width, successes, subnetworks).
PAPER_TABLE_3_4_W6 = {1: (1, 3, 6), 2: (2, 4, 15), 3: (3, 18, 20), 4: (3, 1, 20)}


def _npn_run(hidden: list[int], slope: float, seeds: int, epochs: int) -> dict[str, Any]:
    from ..boolean import input_points, npn_classes, train_batched, truth_table

    reps = npn_classes(4).representatives
    T = np.array([truth_table(c, 4) for c in reps])
    X = 2.0 * input_points(4) - 1.0
    P = len(reps)
    t0 = time.perf_counter()
    res = train_batched(X, T, hidden, seeds=[s for _ in range(P) for s in range(seeds)],
                        problem=[p for p in range(P) for _ in range(seeds)],
                        negative_slope=slope, epochs=epochs)
    succ = np.array(res.success).reshape(P, seeds).sum(axis=1)
    return {"codes": list(reps), "successes": succ.tolist(), "trials": seeds,
            "seconds": time.perf_counter() - t0}


def _parity_run(hidden: list[int], n: int, seeds: int, epochs: int, n_random: int) -> dict[str, Any]:
    from ..boolean import input_points, parity_code, train_batched, truth_table

    rng = np.random.default_rng(12)
    m = 1 << n
    tables = [truth_table(parity_code(n), n)] + [rng.integers(0, 2, size=m) for _ in range(n_random)]
    X = 2.0 * input_points(n) - 1.0
    F = len(tables)
    t0 = time.perf_counter()
    res = train_batched(X, np.array(tables), hidden, seeds=[s for _ in range(F) for s in range(seeds)],
                        problem=[p for p in range(F) for _ in range(seeds)],
                        negative_slope=0.1, epochs=epochs)
    succ = np.array(res.success).reshape(F, seeds).sum(axis=1)
    acc = np.array(res.accuracy).reshape(F, seeds).mean(axis=1)
    return {"parity_successes": int(succ[0]), "random_successes": succ[1:].tolist(),
            "parity_accuracy": float(acc[0]), "random_accuracy": acc[1:].tolist(),
            "trials": seeds, "seconds": time.perf_counter() - t0}


def _prune_run(n: int, width: int, seeds: int, epochs: int, finetune_epochs: int) -> dict[str, Any]:
    from ..boolean import input_points, parity_code, train_batched, truth_table

    X = 2.0 * input_points(n) - 1.0
    T = truth_table(parity_code(n), n)[None, :]
    full = train_batched(X, T, [width], seeds=range(seeds), epochs=epochs, negative_slope=0.1)
    ok = [b for b in range(seeds) if full.success[b]]
    if not ok:
        return {"n": n, "width": width, "trained": 0, "pruned_width": None}
    b = min(ok, key=lambda k: full.final_loss[k])
    (W1, b1), (W2, b2) = full.params[b]
    for i in range(1, width + 1):
        subsets = list(itertools.combinations(range(width), i))
        init = [[(W1[:, list(S)], b1[list(S)]), (W2[list(S), :], b2)] for S in subsets]
        res = train_batched(X, T, [i], seeds=range(len(subsets)), init=init,
                            epochs=finetune_epochs, negative_slope=0.1)
        r = sum(res.success)
        if r:
            return {"n": n, "width": width, "trained": len(ok), "pruned_width": i,
                    "successes": r, "subnetworks": len(subsets)}
    return {"n": n, "width": width, "trained": len(ok), "pruned_width": None}


def _spearman(a: Any, b: Any) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)


def run_boolean(
    out_dir: str | Path,
    *,
    seeds: int = 4,
    epochs: int = 1000,
    architectures: Sequence[tuple[Sequence[int], float]] = DEFAULT_ARCHITECTURES,
    parity_inputs: int = 10,
    parity_seeds: int = 3,
    parity_random: int = 2,
    parity_epochs: int = 1000,
    parity_widths: Sequence[int] = PARITY_WIDTHS,
    parity_depths: Sequence[int] = PARITY_DEPTHS,
    prune_inputs: Sequence[int] = (2, 3, 4),
    prune_width: int = 6,
    prune_epochs: int = 1000,
    workers: int = 1,
    time_limit: float | None = None,
    progress: bool | None = None,
) -> ExperimentResult:
    """Run the three parts (resumable); write ``results.json`` and Figures 3.6 and 3.7."""
    from ..boolean import fourier_spectrum, max_swaps, npn_classes, swaps_of_classes

    t0 = time.perf_counter()
    out = Path(out_dir)
    store = RunStore(out)
    budget = Budget(time_limit)
    archs = [(list(h), float(a)) for h, a in architectures]
    tasks = [RunTask({"part": "npn", "hidden": h, "slope": a, "seeds": seeds, "epochs": epochs},
                     _npn_wrapper) for h, a in archs]
    grid = [(w, d) for d in parity_depths for w in parity_widths]
    tasks += [RunTask({"part": "parity", "hidden": [w] * d, "n": parity_inputs, "seeds": parity_seeds,
                       "epochs": parity_epochs, "n_random": parity_random}, _parity_wrapper)
              for w, d in grid]
    tasks += [RunTask({"part": "prune", "n": k, "width": prune_width, "seeds": 4,
                       "epochs": prune_epochs, "finetune_epochs": prune_epochs}, _prune_wrapper)
              for k in prune_inputs]
    outcome = run_all(store, tasks, workers=workers, budget=budget, progress=progress,
                      desc="boolean")
    recs = outcome.records

    # ---- per-class metrics (exact) and the NPN part
    reps = npn_classes(4).representatives
    sw = swaps_of_classes(4)
    spectra = {c: fourier_spectrum(c, 4) for c in reps}
    npn: dict[str, Any] = {}
    for (h, a), rec in zip(archs, recs[: len(archs)], strict=True):
        if rec is not None:
            npn[f"{'x'.join(map(str, h))}{'' if a else '-relu'}"] = rec
    classes: list[dict[str, Any]] = [{"code": c, "swaps": sw[c], "degree": spectra[c].degree,
                "influence": spectra[c].total_influence, "entropy": spectra[c].entropy,
                "success": {k: r["successes"][i] / r["trials"] for k, r in npn.items()}}
               for i, c in enumerate(reps)]
    leaky = [k for k in npn if not k.endswith("-relu")]
    comparison: list[dict[str, Any]] = []
    tops = [max_swaps(k)[0] for k in (1, 2, 3, 4)]
    comparison.append({"quantity": "max swaps n=1..4 (Table 3.1, exact)", "paper": [1, 2, 3, 5],
                       "ours": tops, "agrees": tops == [1, 2, 3, 5], "note": ""})
    five = sorted(c for c in reps if sw[c] == 5)
    comparison.append({"quantity": "classes with swaps 5 (Fig. 3.2)", "paper": [1785, 7140],
                       "ours": five, "agrees": five == [1785, 7140], "note": "canonical codes"})
    comparison.append({"quantity": "4-input NPN classes", "paper": 222, "ours": len(reps),
                       "agrees": len(reps) == 222, "note": "exact enumeration"})
    figures: list[str] = []
    summary: dict[str, Any] = {}
    if leaky:
        avg = np.array([np.mean([cl["success"][k] for k in leaky]) for cl in classes])
        order = np.argsort(avg, kind="stable")
        hardest = [reps[i] for i in order[:10]]
        summary["hardest_leaky"] = hardest
        comparison.append({
            "quantity": "parity 27030 among the 10 hardest classes (leaky, Table 3.3)",
            "paper": True, "ours": 27030 in hardest, "agrees": 27030 in hardest,
            "note": f"our 10 hardest: {hardest}; overlap with the paper's "
                    f"{len(set(hardest) & set(PAPER_HARDEST_LEAKY))}/10"})
        for metric, paper_sign in (("influence", -1), ("degree", -1), ("swaps", -1)):
            rho = _spearman([cl[metric] for cl in classes], avg)
            summary[f"spearman_{metric}_vs_success"] = rho
            comparison.append({
                "quantity": f"Spearman({metric}, leaky success) (Fig. 3.6)",
                "paper": "negative (hard problems have high " + metric + ")",
                "ours": round(rho, 3), "agrees": rho * paper_sign > 0, "note": ""})
        rho_e = _spearman([cl["entropy"] for cl in classes], avg)
        summary["spearman_entropy_vs_success"] = rho_e
        comparison.append({"quantity": "Spearman(entropy, leaky success) (Fig. 3.6)",
                           "paper": "weak relationship", "ours": round(rho_e, 3),
                           "agrees": abs(rho_e) < 0.5, "note": ""})
        if "3" in npn:
            solved = sum(1 for s in npn["3"]["successes"] if s > 0)
            comparison.append({
                "quantity": "3x1 leaky nets solve every class at least once (Sec. 3.4.2)",
                "paper": "222/222 (100 trials)", "ours": f"{solved}/222 ({seeds} trials)",
                "agrees": solved == 222,
                "note": "fewer trials can only miss classes; along a line the swaps-5 "
                        "classes need width 4 (leaky) or 5 (Thm 3.3.2), yet width 3 solves "
                        "them"})
        for key in ("3", "2x2", "4"):
            if key in npn and f"{key}-relu" in npn:
                lk = float(np.mean(npn[key]["successes"]) / seeds)
                rl = float(np.mean(npn[f"{key}-relu"]["successes"]) / seeds)
                comparison.append({"quantity": f"mean success {key}: leaky 0.1 vs ReLU (Fig. 3.5)",
                                   "paper": "leaky much higher at minimal sizes",
                                   "ours": [round(lk, 3), round(rl, 3)], "agrees": lk > rl,
                                   "note": ""})
        rows: dict[str, list[Any]] = {"swaps": [cl["swaps"] for cl in classes],
                "degree": [cl["degree"] for cl in classes],
                "influence": [cl["influence"] for cl in classes],
                "entropy": [cl["entropy"] for cl in classes]}
        for k in ("2x2", "3"):
            if k in npn:
                rows[f"{k} success"] = [cl["success"][k] for cl in classes]
        rows["average success"] = avg.tolist()
        figures.append(_figure_3_6(out, rows, order))

    # ---- Figure 3.7
    par = recs[len(archs): len(archs) + len(grid)]
    if all(r is not None for r in par) and grid:
        P = np.zeros((len(parity_depths), len(parity_widths)))
        Rr = np.zeros_like(P)
        PA = np.zeros_like(P)
        RA = np.zeros_like(P)
        pred = np.zeros_like(P, dtype=bool)
        for (w, d), r in zip(grid, par, strict=True):
            assert r is not None
            i, j = parity_depths.index(d), parity_widths.index(w)
            P[i, j] = r["parity_successes"] / r["trials"]
            Rr[i, j] = np.mean(r["random_successes"]) / r["trials"]
            PA[i, j] = r["parity_accuracy"]
            RA[i, j] = np.mean(r["random_accuracy"])
            pred[i, j] = parity_inputs <= w**d
        summary["figure_3_7"] = {"widths": list(parity_widths), "depths": list(parity_depths),
                                 "parity_success": P.tolist(), "random_success": Rr.tolist(),
                                 "parity_accuracy": PA.tolist(), "random_accuracy": RA.tolist(),
                                 "predicted_by_swaps": pred.tolist()}
        comparison.append({
            "quantity": f"{parity_inputs}-parity more often solved than random "
                        f"{parity_inputs}-input functions (Fig. 3.7)",
            "paper": True, "ours": [round(float(P.mean()), 3), round(float(Rr.mean()), 3)],
            "agrees": bool(P.mean() > Rr.mean()),
            "note": "mean success rate over the grid; 0 for both means the epoch budget is "
                    "too small to solve either"})
        comparison.append({
            "quantity": f"{parity_inputs}-parity: more points classified than random (Fig. 3.7/3.8)",
            "paper": True, "ours": [round(float(PA.mean()), 3), round(float(RA.mean()), 3)],
            "agrees": bool(PA.mean() > RA.mean()),
            "note": "mean final training accuracy over the grid (Fig. 3.8 measures points "
                    "classified)"})
        from ..boolean import parity_network

        built = [parity_network(parity_inputs, width=w, depth=d).verified
                 for w, d in grid if parity_inputs <= w**d]
        comparison.append({
            "quantity": f"Thm 3.3.4: w x l nets with {parity_inputs} <= w^l solve "
                        f"{parity_inputs}-parity (outlined cells)",
            "paper": "yes (constructive)", "ours": f"{sum(built)}/{len(built)} constructed and "
            "verified on all inputs", "agrees": all(built),
            "note": "exact construction; training did not find them within the budget"})
        figures.append(_figure_3_7(out, P, Rr, PA, RA, pred, parity_widths, parity_depths,
                                   parity_inputs))

    # ---- Table 3.4
    prune = [r for r in recs[len(archs) + len(grid):] if r is not None]
    summary["table_3_4"] = prune
    for r in prune:
        paper = PAPER_TABLE_3_4_W6.get(r["n"]) if prune_width == 6 else None
        ours = (f"{r['pruned_width']}, {r['successes']}/{r['subnetworks']}"
                if r.get("pruned_width") else "no trained network")
        comparison.append({
            "quantity": f"prune width-{prune_width} net on {r['n']}-parity (Table 3.4)",
            "paper": f"{paper[0]}, {paper[1]}/{paper[2]}" if paper else "-",
            "ours": ours, "agrees": bool(paper and r.get("pruned_width") == paper[0]),
            "note": "agrees = same pruned width; counts depend on the one trained net"})

    scaled = (f"{seeds} seeds (paper 100), {epochs} epochs (paper up to 4,000), "
              f"{len(archs)} architectures (paper 45 x 2 activations); Fig. 3.7: "
              f"{parity_seeds} seeds, {parity_random} random functions (paper 100 trials, 10), "
              f"{len(grid)} grid cells, {parity_epochs} epochs; Table 3.4: width {prune_width}, "
              f"{prune_epochs} fine-tuning epochs")
    results = {"classes": classes, "architectures": npn, "summary": summary,
               "comparison": comparison, "scaled_down": scaled}
    path = atomic_write_text(out / "results.json", json.dumps(results, indent=1) + "\n")
    return ExperimentResult(
        name="boolean", out_dir=str(out), results_file=str(path), figures=tuple(figures),
        runs_total=len(tasks), runs_computed=outcome.computed, runs_resumed=outcome.resumed,
        partial=not outcome.complete, stop_reason=outcome.stop_reason,
        seconds=time.perf_counter() - t0, scaled_down=scaled, comparison=tuple(comparison),
        summary=summary)


def _npn_wrapper(**p: Any) -> dict[str, Any]:
    return _npn_run(p["hidden"], p["slope"], p["seeds"], p["epochs"])


def _parity_wrapper(**p: Any) -> dict[str, Any]:
    return _parity_run(p["hidden"], p["n"], p["seeds"], p["epochs"], p["n_random"])


def _prune_wrapper(**p: Any) -> dict[str, Any]:
    return _prune_run(p["n"], p["width"], p["seeds"], p["epochs"], p["finetune_epochs"])


def _figure_3_6(out: Path, rows: dict[str, list[Any]], order: Any) -> str:
    from ..plot import new_figure, plot_metric_strip, save_figure

    fig = new_figure(11, 3.5)
    ax = fig.add_subplot()
    plot_metric_strip(rows, order=order, ax=ax)
    ax.set_title("222 four-input NPN classes, sorted by average success (Fig. 3.6)")
    return str(save_figure(fig, out / "figure_3_6.png"))


def _figure_3_7(out: Path, P: Any, R: Any, PA: Any, RA: Any, pred: Any, widths: Sequence[int],
                depths: Sequence[int], n: int) -> str:
    from ..plot import new_figure, plot_success_grid, save_figure

    fig = new_figure(10, 6.5)
    axes = fig.subplots(2, 2)
    plot_success_grid(P, widths, depths, predicted=pred, title=f"{n}-parity: success rate",
                      ax=axes[0, 0])
    plot_success_grid(R, widths, depths, title=f"random {n}-input: success rate", ax=axes[0, 1])
    plot_success_grid(PA, widths, depths, predicted=pred, title=f"{n}-parity: accuracy",
                      ax=axes[1, 0])
    plot_success_grid(RA, widths, depths, title=f"random {n}-input: accuracy", ax=axes[1, 1])
    return str(save_figure(fig, out / "figure_3_7.png"))
