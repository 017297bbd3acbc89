"""Aggregates, figures and the paper comparison of the pruning experiment (:mod:`.pruning`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "aggregate_regions",
    "aggregate_accuracy",
    "compare_with_paper",
    "draw_figures",
    "SUBSPACE_SAMPLES",
]

#: Numbers of samples spanning the random subspaces the regions are counted on.
SUBSPACE_SAMPLES = (2, 3, 5)

def _mean(xs: Sequence[float]) -> float:
    return float(np.mean(xs)) if len(xs) else float("nan")


def _spearman(a: Sequence[float], b: Sequence[float]) -> float:
    from scipy.stats import spearmanr

    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def aggregate_regions(records: list[dict[str, Any]], densities: Sequence[float]) -> dict[str, Any]:
    out: dict[str, Any] = {"densities": list(densities), "accuracy": [], "regions": {}, "bound_log10": {}}
    for S in SUBSPACE_SAMPLES:
        out["regions"][str(S)] = []
        out["bound_log10"][str(S - 1)] = []
    for i, _p in enumerate(densities):
        rows = [r["rows"][i] for r in records]
        out["accuracy"].append(_mean([r["accuracy"] for r in rows]))
        for S in SUBSPACE_SAMPLES:
            out["regions"][str(S)].append(_mean([c for r in rows for c in r["regions"][str(S)]]))
            out["bound_log10"][str(S - 1)].append(_mean([r["bound_log10_by_dim"][str(S - 1)] for r in rows]))
    out["exact"] = all(r["regions_exact"] for rec in records for r in rec["rows"])
    out["seeds"] = len(records)
    return out


def aggregate_accuracy(
    records: list[dict[str, Any]], densities: Sequence[float], strategies: Sequence[str]
) -> dict[str, Any]:
    by_arch: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_arch.setdefault(r["arch"], []).append(r)
    out: dict[str, Any] = {}
    for arch, recs in by_arch.items():
        a: dict[str, Any] = {
            "dataset": recs[0]["dataset"],
            "fc_widths": recs[0]["fc_widths"],
            "seeds": len(recs),
            "densities": list(densities),
            "dense_accuracy": _mean([r["dense_accuracy"] for r in recs]),
        }
        for s in strategies:
            a[s] = {"accuracy": [], "bound_log10": [], "layer_densities": []}
            for p in densities:
                rows = [
                    row for r in recs for row in r["rows"] if row["strategy"] == s and row["density"] == p
                ]
                a[s]["accuracy"].append(_mean([row["accuracy"] for row in rows]))
                a[s]["bound_log10"].append(_mean([row["bound_log10"] for row in rows]))
                a[s]["layer_densities"].append(rows[0]["layer_densities"] if rows else None)
        out[arch] = a
    return out


def compare_with_paper(reg: dict[str, Any] | None, acc: dict[str, Any], guided: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if reg is not None:
        for S in SUBSPACE_SAMPLES:
            rho = _spearman(reg["regions"][str(S)], reg["accuracy"])
            r = reg["regions"][str(S)]
            rows.append(
                {
                    "quantity": f"Fig. 1: regions on S={S} subspaces fall with density like accuracy "
                    "(Spearman rho, regions vs accuracy)",
                    "paper": "drops with density and accuracy",
                    "ours": f"rho={rho:.2f}; {r[0]:.1f} -> {r[-1]:.1f}",
                    "agrees": bool(rho > 0.5),
                    "note": "exact counts; mean over seeds and subspaces",
                }
            )
        for d in ("1", "2", "4"):
            b = reg["bound_log10"][d]
            rho = _spearman(b, reg["accuracy"])
            rows.append(
                {
                    "quantity": f"Fig. 2: bound (d={d}) falls with density like accuracy (Spearman rho)",
                    "paper": "drops in a similar way, much larger values",
                    "ours": f"rho={rho:.2f}; log10 {b[0]:.2f} -> {b[-1]:.2f}",
                    "agrees": bool(rho > 0.5),
                    "note": "expected upper bound of Theorem 1 at the realised densities",
                }
            )
    for arch, a in acc.items():
        if "uniform" not in a or guided not in a:
            continue
        dense = a["dense_accuracy"]
        trained = dense >= 0.5
        hurt = [i for i, u in enumerate(a["uniform"]["accuracy"]) if u < dense - 0.02]
        gains = [a[guided]["accuracy"][i] - a["uniform"]["accuracy"][i] for i in hurt]
        g = _mean(gains)
        rows.append(
            {
                "quantity": f"Figs. 3-4 ({arch}): mean accuracy gain of {guided} over uniform where "
                "density hurts accuracy",
                "paper": "positive, consistent across densities",
                "ours": f"{g:+.4f} over {len(hurt)} densities (min {min(gains, default=math.nan):+.4f}, "
                f"max {max(gains, default=math.nan):+.4f})",
                "agrees": bool(trained and len(gains) > 0 and g >= 0),
                "note": f"{a['seeds']} seed(s), {a['dataset']}, dense accuracy {dense:.3f}"
                + ("" if trained else " (the dense network did not train: no evidence either way)"),
            }
        )
    mlps = {k: v for k, v in acc.items() if k.startswith("2x") and guided in v}
    if "2x100" in mlps and "2x400" in mlps:

        def mean_gain(a: dict[str, Any]) -> float:
            return _mean(
                [g - u for g, u in zip(a[guided]["accuracy"], a["uniform"]["accuracy"], strict=True)]
            )

        g1, g4 = mean_gain(mlps["2x100"]), mean_gain(mlps["2x400"])
        rows.append(
            {
                "quantity": "Fig. 3: gain smaller for 2x400 than 2x100 (similar layer sizes)",
                "paper": "smaller for 2x400",
                "ours": f"2x100 {g1:+.4f}, 2x400 {g4:+.4f}",
                "agrees": bool(g4 <= g1),
                "note": "mean gain over all densities",
            }
        )
    return rows


def draw_figures(out: Path, reg: dict[str, Any] | None, acc: dict[str, Any], guided: str) -> list[str]:
    from ..plot import new_figure, plot_density_curve, plot_pruning_gain, save_figure

    files: list[str] = []
    if reg is not None:
        for fig_no, key, label, dims in (
            (1, "regions", "mean regions", SUBSPACE_SAMPLES),
            (2, "bound_log10", "log10 bound (Thm. 1)", (2, 3, 5)),
        ):
            fig = new_figure(12, 3.6)
            axes = fig.subplots(1, 3)
            for ax, S in zip(axes, dims, strict=True):
                k = str(S) if fig_no == 1 else str(S - 1)
                title = f"S = {S} samples ({S - 1}-D subspace)" if fig_no == 1 else f"d = {S - 1}"
                plot_density_curve(
                    reg["densities"],
                    reg[key][k],
                    ax,
                    accuracy=reg["accuracy"],
                    ylabel=label,
                    title=title,
                    dashed=fig_no == 2,
                    log_y=fig_no == 1,
                )
            files.append(str(save_figure(fig, out / f"fig{fig_no}_{key}.png")))
    for fig_no, archs in ((3, [a for a in acc if a != "alexnet"]), (4, [a for a in acc if a == "alexnet"])):
        if not archs:
            continue
        fig = new_figure(4.2 * len(archs), 3.6)
        axes = np.atleast_1d(fig.subplots(1, len(archs)))
        for ax, arch in zip(axes, archs, strict=True):
            a = acc[arch]
            plot_pruning_gain(
                a["densities"],
                a["uniform"]["accuracy"],
                a[guided]["accuracy"],
                ax,
                title=f"{arch} on {a['dataset']}",
                guided_label=guided,
            )
        files.append(str(save_figure(fig, out / f"fig{fig_no}_accuracy.png")))
    return files
