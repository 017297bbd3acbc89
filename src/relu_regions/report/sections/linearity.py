"""Local linearity on the data: active subspaces and k-means compression of local maps.

Sattelberg, chapters 6.4 and 7.2.  The exact local affine map of every test sample
(:func:`relu_regions.linearity.local_affine_maps`, from activation patterns, not autograd)
gives the input gradients of every output; their covariance's eigenvectors are the *active
subspace* (the spectrum shows how few input directions the outputs vary along), and
clustering the local maps of the training data with k-means, then classifying test samples
with the nearest centre's affine map, shows how many distinct affine pieces the classifier
really needs.  The exact cross-section through three samples is the plane picture above.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ...linearity import active_subspace, kmeans_compression
from ...plot import new_figure, plot_kmeans_accuracy, plot_spectrum, save_figure
from .._context import ReportContext
from .._html import figure_html, table_html

ORDER = 37
TITLE = "Local linearity: active subspaces and k-means of local maps"

#: Samples used (the first ones of each split): enough for stable spectra, fast on 2 cores.
MAX_SAMPLES = 500
#: Clusters per output for the k-means curve (Sattelberg's Fig. 7.3 range).
KS = (1, 2, 5, 10, 50)


def skip(ctx: ReportContext) -> str | None:
    if ctx.net.has_maxout:
        return "local linear maps and k-means do not support maxout layers yet"
    if ctx.data is None:
        return "needs a dataset (--data) for the local maps of its samples"
    if ctx.data.task != "classification" or ctx.net.output_dim < 2:
        return "k-means of local maps needs a classifier with two or more outputs"
    if ctx.net.output_dim != ctx.data.output_dim:
        return f"the network has {ctx.net.output_dim} outputs, {ctx.data.name} has {ctx.data.output_dim}"
    return None


def build(ctx: ReportContext) -> dict[str, Any]:
    data = ctx.data
    assert data is not None  # skip() guarantees it
    X_test = np.asarray(data.X_test if data.n_test else data.X_train)[:MAX_SAMPLES]
    act = active_subspace(ctx.net, X_test, top=20)
    out: dict[str, Any] = {
        "samples": int(len(X_test)),
        "active_subspace": {
            "explained_top1_mean": float(np.mean(act.explained[:, 0])),
            "explained_top5_mean": float(np.mean(act.explained[:, :5].sum(axis=1))),
            "rank": list(act.rank),
        },
        "_active": act,
    }
    remaining = ctx.budget.remaining()
    n_train = min(len(data.X_train), MAX_SAMPLES)
    ks = [k for k in KS if k <= n_train]
    km = kmeans_compression(
        ctx.net,
        (data.X_train[:n_train], data.X_test[:MAX_SAMPLES], data.y_test[:MAX_SAMPLES]),
        k=ks,
        seed=ctx.seed,
        n_init=1,
        time_limit=None if remaining is None else max(remaining, 1.0),
        progress=False,
    )
    out["kmeans"] = {
        "k": list(km.k),
        "accuracy": list(km.accuracy),
        "original_accuracy": km.original_accuracy,
        "distinct_patterns": km.distinct_patterns,
        "partial": km.partial,
    }
    out["_kmeans"] = km
    return out


def html(ctx: ReportContext, data: dict[str, Any], figdir: Path) -> str:
    fig = new_figure(11.0, 3.8)
    left, right = fig.subplots(1, 2)
    plot_spectrum(data["_active"], left)
    left.set_title("Active-subspace spectrum, one line per output")
    if data["kmeans"]["k"]:
        plot_kmeans_accuracy(data["_kmeans"], right)
        right.set_title("k-means of local maps: test accuracy")
    name = "linearity.png"
    save_figure(fig, figdir / name)
    a = data["active_subspace"]
    km = data["kmeans"]
    rows = [(k, f"{acc:.3f}") for k, acc in zip(km["k"], km["accuracy"], strict=True)]
    return (
        f"<p>Over {data['samples']} test samples, the leading gradient direction explains "
        f"{100 * a['explained_top1_mean']:.0f}% of each output's variation on average, the first five "
        f"{100 * a['explained_top5_mean']:.0f}%. The {km['distinct_patterns']} distinct activation "
        f"patterns of the training samples compress to k affine maps per output; the network's own "
        f"test accuracy is {km['original_accuracy']:.3f}.</p>"
        + table_html(rows, ["clusters k per output", "test accuracy"])
        + figure_html(name, "Left: singular values of the stacked input gradients per output (Fig. 6.16). "
                      "Right: accuracy of classifying with the nearest k-means centre's affine maps "
                      "(Fig. 7.3); the dotted line is the network itself.")
    )
