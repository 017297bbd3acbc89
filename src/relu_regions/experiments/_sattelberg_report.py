"""Figures and the paper comparison of the Sattelberg experiment (:mod:`.sattelberg`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["draw_figures", "compare_with_paper"]


def draw_figures(out: Path, sine: list[dict[str, Any]], toys: list[dict[str, Any]],
                 images: dict[str, dict[str, Any]], sim: dict[str, Any] | None,
                 shape: Sequence[int]) -> list[str]:
    from matplotlib.collections import LineCollection, PolyCollection

    from ..plot import new_figure, region_colors, save_figure

    files = []
    if sine:
        widths = sorted({r["width"] for r in sine})
        depths = sorted({r["depth"] for r in sine})
        for kind in ("pieces", "coefficients"):
            fig = new_figure(1.8 * len(depths), 1.5 * len(widths))
            xs = np.linspace(-math.pi, math.pi, 200)
            for r in sine:
                ax = fig.add_subplot(len(widths), len(depths),
                                     widths.index(r["width"]) * len(depths) + depths.index(r["depth"]) + 1)
                if kind == "pieces":
                    ax.plot(xs, np.sin(xs), color="0.7", lw=2)
                    for (x0, x1), a, b in zip(r["intervals"], r["intercepts"], r["slopes"], strict=True):
                        ax.plot([x0, x1], [a + b * x0, a + b * x1], lw=1)
                    ax.set_title(f"w{r['width']} d{r['depth']}: {r['mse']:.3f}", fontsize=6)
                else:
                    ax.plot(np.cos(xs), np.sin(xs) - xs * np.cos(xs), color="0.7", lw=1.5)
                    ax.scatter(r["slopes"], r["intercepts"], s=4, c="C3")
                    ax.set_title(f"w{r['width']} d{r['depth']}: {r['pieces']} pieces", fontsize=6)
                ax.set_xticks([])
                ax.set_yticks([])
            files.append(str(save_figure(fig, out / f"fig5_5_sine_{kind}.png")))
    if toys:
        fig = new_figure(4.2 * len(toys), 7.6)
        for i, r in enumerate(toys):
            ax = fig.add_subplot(2, len(toys), i + 1)
            polys = [np.asarray(P) for P in r["polygons"]]
            ax.add_collection(PolyCollection(polys, facecolors=region_colors(len(polys)), edgecolors="0.2",
                                             linewidths=0.3))
            ax.add_collection(LineCollection(r["boundary"], colors="k", linewidths=1.5))
            ax.set_xlim(-1, 1)
            ax.set_ylim(-1, 1)
            ax.set_aspect("equal")
            ax.set_title(f"{r['data']}: {r['regions']} regions, {r['regions_with_boundary']} on the boundary",
                         fontsize=8)
            ax = fig.add_subplot(2, len(toys), len(toys) + i + 1)
            G = np.asarray(r["gradients"])
            ax.scatter(G[:, 0], G[:, 1], c=r["grid_classes"], s=5, cmap="coolwarm")
            ax.set_xlabel("dv1/dx1")
            ax.set_ylabel("dv1/dx2")
        files.append(str(save_figure(fig, out / "fig6_4_toy_regions.png")))
    if images:
        names = list(images)
        fig = new_figure(3.4 * len(names), 6.4)
        for i, n in enumerate(names):
            r = images[n]
            ax = fig.add_subplot(2, len(names), i + 1)
            polys = [np.asarray(P) for P in r["slice_polygons"]]
            if polys:
                ax.add_collection(PolyCollection(polys, facecolors=region_colors(len(polys)),
                                                 edgecolors="none"))
            if r["slice_boundary"]:
                ax.add_collection(LineCollection(r["slice_boundary"], colors="white", linewidths=1.0))
            A = np.asarray(r["slice_anchors"])
            ax.plot(A[:, 0], A[:, 1], "k*", ms=7)
            w = r["slice"]["window"]
            ax.set_xlim(w[0], w[1])
            ax.set_ylim(w[2], w[3])
            state = "exact" if r["slice"]["exact"] else "partial"
            ax.set_title(f"{n}: {r['slice']['regions']} regions ({state})", fontsize=7)
            ax = fig.add_subplot(2, len(names), len(names) + i + 1)
            ps = sorted(int(p) for p in r["slice"]["grid"])
            ax.plot(ps, [r["slice"]["grid"][str(p)][0] for p in ps], "o-", label="grid (Jacobians)")
            ax.plot(ps, [r["slice"]["grid"][str(p)][1] for p in ps], "s--", label="grid (patterns)")
            ax.axhline(r["slice"]["regions"], color="k", lw=1, label="exact")
            if r["slice"]["linear_regions"] is not None:
                ax.axhline(r["slice"]["linear_regions"], color="0.5", lw=1, ls=":", label="exact linear")
            ax.set_xscale("log", base=2)
            ax.set_xlabel("grid p")
            ax.legend(fontsize=5)
        files.append(str(save_figure(fig, out / "fig6_11_cross_sections.png")))
        n_out = len(next(iter(images.values()))["active"]["first_directions"])
        fig = new_figure(1.2 * n_out + 1.5, 1.3 * len(names))
        for i, n in enumerate(names):
            D = np.asarray(images[n]["active"]["first_directions"])
            ex = images[n]["active"]["explained_first"]
            for o in range(n_out):
                ax = fig.add_subplot(len(names), n_out, i * n_out + o + 1)
                img = D[o].reshape(shape[-2:]) if int(np.prod(shape[-2:])) == D.shape[1] else D[o][None]
                m = float(np.abs(img).max()) or 1.0
                ax.imshow(img, cmap="RdBu_r", vmin=-m, vmax=m)
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_title(f"{100 * ex[o]:.0f}%", fontsize=5)
                if o == 0:
                    ax.set_ylabel(n, fontsize=6)
        files.append(str(save_figure(fig, out / "fig6_14_active_directions.png")))
        fig = new_figure(9, 3.4)
        ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        for n in names:
            ev = np.asarray(images[n]["active"]["eigenvalues"])[0]
            ax1.semilogy(np.arange(1, len(ev) + 1), np.maximum(np.sqrt(ev), 1e-16), label=n)
            km = images[n]["kmeans"]
            line = ax2.semilogx(km["k"], km["accuracy"], "o-", label=n)[0]
            ax2.axhline(km["original_accuracy"], color=line.get_color(), ls=":", lw=0.8)
        ax1.set_title("Fig 6.16: singular values (output 0)", fontsize=8)
        ax2.set_title("Fig 7.3: k-means accuracy vs k", fontsize=8)
        ax1.legend(fontsize=5)
        ax2.legend(fontsize=5)
        files.append(str(save_figure(fig, out / "fig7_3_kmeans_spectra.png")))
    if sim:
        from types import SimpleNamespace

        from ..plot import plot_similarity

        fig = new_figure(16, 4.2)
        s = SimpleNamespace(names=sim["names"], matrices=sim["matrices"])
        for i, metric in enumerate(sim["matrices"]):
            plot_similarity(s, metric, fig.add_subplot(1, 4, i + 1))
        files.append(str(save_figure(fig, out / "fig7_similarity.png")))
    return files


def _row(quantity: str, paper: Any, ours: Any, agrees: bool | None, note: str = "") -> dict[str, Any]:
    return {"quantity": quantity, "paper": paper, "ours": ours, "agrees": agrees, "note": note}


def _mean(xs: Sequence[float]) -> float:
    finite = [float(x) for x in xs if not math.isnan(float(x))]
    return round(float(np.mean(finite)), 3) if finite else math.nan


def compare_with_paper(sine: list[dict[str, Any]], toys: list[dict[str, Any]],
                       images: dict[str, dict[str, Any]], sim: dict[str, Any] | None, hidden: int,
                       in_dim: int) -> list[dict[str, Any]]:
    rows = []
    if sine:
        shallow = [r["inits"] for r in sine if r["depth"] == min(x["depth"] for x in sine)]
        deep = [r["inits"] for r in sine if r["depth"] == max(x["depth"] for x in sine)]
        rows.append(_row("Table 5.1: initialisations, shallowest vs deepest nets (mean)",
                         "1 at depth 1; 39-599 or >1000 at depth 9-10",
                         [float(np.mean(shallow)), float(np.mean(deep))],
                         float(np.mean(deep)) >= float(np.mean(shallow)),
                         "deeper nets fail more often (dead ReLU layers); our depth grid is smaller"))
        ok = [r for r in sine if r["success"]]
        if ok:
            best = min(ok, key=lambda r: r["mse"])
            rows.append(_row("Fig 5.5: best MSE against sin (exact integral)", "< 0.01 for wide/deep nets",
                             round(best["mse"], 5), best["mse"] < 0.05,
                             f"width {best['width']} depth {best['depth']}, {best['pieces']} pieces"))
    for r in toys:
        if r["data"] == "circle-annulus":
            agree = dict(zip(r["kmeans_k"], r["kmeans_agreement"], strict=True))
            rows.append(_row("Fig 7.2: circle-annulus 8-8-8 net, regions on [-1,1]^2 / k-means agreement",
                             "93 regions, coefficients cluster into ~10", [r["regions"], agree],
                             agree[10] >= 0.9 if 10 in agree else None,
                             "exact region count; agreement with the net on a 101x101 grid at each k; "
                             "agrees when 10 clusters reproduce >= 90% of the decisions"))
    if images:
        def get(prefix: str, opt: str) -> list[dict[str, Any]]:
            return [v for n, v in images.items() if n.startswith(prefix) and n.endswith(opt)]

        ds, da = get("dense", "sgd"), get("dense", "adamw")
        if ds and da:
            rs, ra = [v["slice"]["regions"] for v in ds], [v["slice"]["regions"] for v in da]
            rows.append(_row("Sec 6.3: cross-section regions, dense SGD vs AdamW", "SGD has more regions",
                             [rs, ra], float(np.mean(rs)) > float(np.mean(ra)),
                             "exact counts on the same plane"))
            es = float(np.mean([np.mean(v["active"]["explained_first"]) for v in ds]))
            ea = float(np.mean([np.mean(v["active"]["explained_first"]) for v in da]))
            rows.append(_row("Sec 6.4: share explained by the first active direction, dense SGD vs AdamW",
                             "SGD more explanatory", [round(es, 3), round(ea, 3)],
                             None if abs(es - ea) < 0.01 else es > ea,
                             "inconclusive when the shares differ by less than 0.01"))
            ranks = [max(v["active"]["rank"]) for v in ds + da]
            rows.append(_row("Sec 6.4: nonzero singular values of a dense net <= hidden width",
                             "128 of 128", [max(ranks), hidden, in_dim], max(ranks) <= min(hidden, in_dim)
                             if in_dim > hidden else None,
                             "[largest rank, hidden width, input dim]; not testable when the input "
                             "dimension is below the hidden width (digits: 64 < 128)"))
        grid_rows = []
        for n, v in images.items():
            g = v["slice"]["grid"]
            p = str(max(int(k) for k in g))
            grid_rows.append((n, v["slice"]["regions"], g[p][0], g[p][1]))
        rows.append(_row("Sec 6.3: the Jacobian-grid method finds fewer regions than there are (exact or a "
                         "lower bound when a time limit stopped the count)",
                         "fewer (tolerance merges similar maps; thin regions fall between points)",
                         [[n, e, gj] for n, e, gj, _ in grid_rows], all(gj <= e for _, e, gj, _ in grid_rows),
                         f"[model, exact regions, Jacobian-grid regions at p = {p}]"))
        multi = [(n, gj, gp) for n, e, gj, gp in grid_rows if e > 1]
        rows.append(_row("Fig 6.13: activation patterns on the grid find more regions than Jacobians",
                         "patterns identify more regions", [[n, gj, gp] for n, gj, gp in multi],
                         all(gp >= gj for _, gj, gp in multi) if multi else None,
                         "[model, Jacobian grid, pattern grid]; the pattern grid can exceed the exact count "
                         "(a thin region falls apart into several grid components)"))
        k1 = {n: v["kmeans"]["accuracy"][0] for n, v in images.items() if v["kmeans"]["accuracy"]}
        orig = {n: v["kmeans"]["original_accuracy"] for n, v in images.items()}
        kl = {n: v["kmeans"]["accuracy"][-1] for n, v in images.items() if v["kmeans"]["accuracy"]}
        rows.append(_row("Fig 7.3: k-means with k = 1 loses accuracy; large k recovers it",
                         "k=1 poor (except dense); near original at large k on MNIST with SGD",
                         {n: [round(orig[n], 3), round(k1[n], 3), round(kl[n], 3)] for n in k1},
                         all(kl[n] >= k1[n] - 0.02 for n in k1), "[original, k=1, largest k] test accuracy"))
    if sim:
        names = sim["names"]
        C = np.asarray(sim["matrices"]["linear_cka"])
        idx = {n: i for i, n in enumerate(names)}
        def pairs(x: str, y: str) -> list[float]:
            return [C[idx[a], idx[b]] for a in names for b in names if a.startswith(x) and b.startswith(y)]

        pairs_dl, pairs_ds = pairs("linear", "dense"), pairs("dense", "simple")
        pairs_dd = [C[idx[a], idx[b]] for a in names for b in names
                    if a.startswith("dense") and b.startswith("dense") and a < b]
        if pairs_dl:
            rows.append(_row("Sec 7.3.3: CKA(linear, dense)", "high: dense and linear nets are similar",
                             _mean(pairs_dl), None,
                             "undefined (NaN): a linear net has one local map, so its centred C~_j is zero "
                             "and eq. (7.7) is 0/0, so the dissertation's values for it are not eq. 7.7"))
        if pairs_dd and pairs_ds:
            dd, dsim = _mean(pairs_dd), _mean(pairs_ds)
            rows.append(_row("Sec 7.3.3: CKA(dense, dense) vs CKA(dense, simple conv)",
                             "dense nets similar to each other, dissimilar from conv nets", [dd, dsim],
                             dd > dsim, "means over the pairs (both optimizers)"))
    if images and any(v.get("accuracy", 1.0) < 0.6 for v in images.values()):
        low = [n for n, v in images.items() if v.get("accuracy", 1.0) < 0.6]
        rows.append(_row("Table 7.1: every trained net reaches > 90% on MNIST", "88.9-98.9%",
                         {n: round(images[n]["accuracy"], 3) for n in low}, False,
                         "undertrained on the small dataset: 15 epochs of 1,437 digits are ~675 SGD steps "
                         "(the paper's MNIST runs take ~28,000); raise --epochs"))
    return rows
