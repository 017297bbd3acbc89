"""Sampled estimate of the number of activation regions on the data's bounding box.

Uniform samples from the domain; every distinct activation pattern seen at a sample that
is not on a boundary is a region, so the count is a **lower bound** (Hanin & Rolnick 2019
count regions the same way along lines and planes).  How the count grows with the number
of samples shows how far it is from saturating.  Also: how many regions the data points
themselves occupy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ...domain import Box
from ...network import Network
from ...plot import new_figure, save_figure
from ...polytope import sample_chart
from ...regions import BOUNDARY_TOL, count_regions
from .._context import ReportContext
from .._html import esc, figure_html, fmt, note_html, table_html

ORDER = 20
TITLE = "Activation regions on the data's bounding box (sampled lower bound)"


def title(ctx: ReportContext) -> str:
    where = "the data's bounding box" if ctx.data is not None else "the domain"
    return f"Activation regions on {where} (sampled lower bound)"

#: Default number of uniform samples (``options["samples"]``) ...
DEFAULT_SAMPLES = 100_000
#: ... reduced by default so that one ``(samples, input_dim)`` float64 array stays below
#: this many entries (200 MB), e.g. 25,510 samples for 784-pixel MNIST.
MAX_ENTRIES = 25_000_000


def _checkpoints(n: int) -> list[int]:
    pts = [int(v) for v in np.unique(np.geomspace(min(100, n), n, num=9).round().astype(int))]
    return pts if pts[-1] == n else [*pts, n]


def _sample(ctx: ReportContext, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uniform domain points: ``(X, T)`` in input and chart coordinates."""
    ch = ctx.domain.chart()
    T = sample_chart(ch, n, ctx.rng("sampled_regions"))
    if isinstance(ctx.domain, Box):  # the chart basis selects the free coordinates: no matmul
        X = np.broadcast_to(ch.origin, (n, ch.origin.size)).copy()
        X[:, ctx.domain.lower < ctx.domain.upper] = T
        return X, T
    return ch.to_ambient(T), T


def saturation_curve(net: Network, X: np.ndarray, checkpoints: list[int]) -> list[list[int]]:
    """``[[m, K(m)], ...]``: distinct patterns among the first ``m`` points (boundary points dropped).

    Uses the same rule as the ``sample`` engine (points with a pre-activation within
    ``BOUNDARY_TOL`` of zero are not counted), so ``K(n)`` equals its count on ``X``.
    """
    if net.has_maxout:  # arg-max patterns; the margin is each unit's gap between its top two pieces
        margin, packed = _maxout_patterns(net, X)
    else:
        pre = net.preactivations(X)
        margin = np.min(np.abs(np.concatenate(pre, axis=1)), axis=1)
        packed = np.packbits(np.concatenate([z > 0 for z in pre], axis=1), axis=1)
    keep = margin > BOUNDARY_TOL
    _, first = np.unique(packed[keep], axis=0, return_index=True)
    firsts = np.sort(np.flatnonzero(keep)[first])
    return [[m, int(np.searchsorted(firsts, m))] for m in checkpoints]


def _maxout_patterns(net: Any, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest top-two gap over all units (ReLU: ``|z|``) and the pattern rows of ``X``."""
    margin = np.full(len(X), np.inf)
    pats, h = [], X
    for layer in net.activated_layers:
        if layer.is_maxout:
            W, b = layer.stacked()
            Z = (h @ W.T + b).reshape(len(h), layer.rank, layer.width)
        else:
            z = h @ layer.weight.T + layer.bias
            Z = np.stack([np.zeros_like(z), z], axis=1)
        top2 = np.sort(Z, axis=1)[:, -2:]
        margin = np.minimum(margin, np.min(top2[:, 1] - top2[:, 0], axis=1))
        pats.append(np.argmax(Z, axis=1))
        h = Z.max(axis=1)
    return margin, np.concatenate(pats, axis=1).astype(np.int16)


def build(ctx: ReportContext) -> dict[str, Any]:
    n = int(ctx.option("samples", min(DEFAULT_SAMPLES, MAX_ENTRIES // ctx.net.input_dim)))
    ctx.progress(f"sampling {n:,} points of the domain")
    X, T = _sample(ctx, n)
    res = count_regions(
        ctx.net, ctx.domain, method="sample", points=X, time_limit=ctx.budget.remaining()
    )
    done = int(res.details.get("samples", n))
    curve = saturation_curve(ctx.net, X[:done], [m for m in _checkpoints(n) if m <= done] or [done])
    out: dict[str, Any] = {
        "method": "sample",
        "regions_lower_bound": int(res.regions),
        "samples": done,
        "samples_requested": n,
        "exact": bool(res.exact),
        "partial": bool(res.partial),
        "reason": res.reason,
        "domain_dim": int(res.domain_dim),
        "saturation": curve,
        "count": {k: v for k, v in res.to_dict().items() if k != "seconds"},
    }
    data = ctx.data
    if data is not None:
        P_train = ctx.net.pattern_vector(data.X_train)
        keys_train = {row.tobytes() for row in np.packbits(P_train, axis=1)}
        occ: dict[str, Any] = {"train_points": data.n_train, "train_regions": len(keys_train)}
        if data.n_test:
            packed = np.packbits(ctx.net.pattern_vector(data.X_test), axis=1)
            occ["test_points"] = data.n_test
            occ["test_regions"] = len({row.tobytes() for row in packed})
            occ["test_points_in_a_train_region"] = int(sum(row.tobytes() in keys_train for row in packed))
        out["data_regions"] = occ
    return out


def html(ctx: ReportContext, data: dict[str, Any], figdir: Path) -> str:
    k, n = data["regions_lower_bound"], data["samples"]
    parts = [
        note_html(
            f"<b>At least {fmt(k)} activation regions</b> meet the domain: {fmt(k)} distinct activation "
            f"patterns among {fmt(n)} uniform samples. This is a <b>lower bound</b>, not an exact count "
            f"(exact: {str(data['exact']).lower()}). {esc(data['reason'])}."
            + (" The sampling was stopped early (partial)." if data["partial"] else ""),
            "info",
        )
    ]
    rows = [
        ("domain", ctx.domain_note),
        ("domain dimension", data["domain_dim"]),
        ("samples", n),
        ("distinct patterns (regions found)", k),
    ]
    if k >= 0.5 * n:
        rows.append(
            (
                "saturation",
                "far from saturated: most samples land in a new region, the true count is likely much larger",
            )
        )
    parts.append(table_html(rows, ["", ""]))
    occ = data.get("data_regions")
    if occ:
        orow = [("training points", occ["train_points"], occ["train_regions"])]
        if "test_points" in occ:
            orow.append(("test points", occ["test_points"], occ["test_regions"]))
        parts.append(table_html(orow, ["data", "points", "distinct regions they occupy"]))
        if "test_points" in occ:
            parts.append(
                f"<p>{fmt(occ['test_points_in_a_train_region'])} of {fmt(occ['test_points'])} test "
                "points lie in a region that also holds a training point.</p>"
            )
    curve = np.asarray(data["saturation"], dtype=float)
    fig = new_figure(5.2, 3.6)
    ax = fig.add_subplot()
    ax.loglog(curve[:, 0], curve[:, 1], "o-", color="#c0392b", label="distinct patterns found")
    ax.loglog(curve[:, 0], curve[:, 0], "--", color="0.5", label="one region per sample")
    ax.set_xlabel("number of uniform samples")
    ax.set_ylabel("activation regions found (lower bound)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(frameon=False)
    name = "sampled-regions-saturation.png"
    save_figure(fig, figdir / name)
    parts.append(
        figure_html(
            name,
            "Regions found among the first m of the uniform samples from the domain. "
            "A curve that keeps rising means the count is far from the true number of regions.",
        )
    )
    return "".join(parts)
