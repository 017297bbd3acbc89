"""Exact activation regions on a 3-D subspace through data points (the ``lp`` engine).

Cai et al. (2023, Sec. 5, eq. 14) count regions on the subspace
``{p_0 + sum_i a_i (p_i - p_0) : 0 <= a_i <= 1}`` spanned by training samples.  This section
counts them exactly with the region-graph traversal (``lp``), in any subspace dimension
(option ``subspace_dim``, default 3, at most the input dimension), with a time limit
(option ``subspace_time``, default 10 s; a stopped count is a proven lower bound), and puts
beside it the sampling lower bound and the network-aware upper bound on the same subspace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ...bounds import bound_regions
from ...domain import AffineSubspace
from ...regions import count_regions
from .._context import ReportContext
from .._html import esc, fmt, note_html, table_html

ORDER = 45
TITLE = "Exact activation regions on a subspace through data (any dimension)"


def title(ctx: ReportContext) -> str:
    through = "data" if ctx.data is not None else "random points of the domain"
    return f"Exact activation regions on a subspace through {through} (any dimension)"

DEFAULT_DIM = 3
DEFAULT_TIME = 10.0
SAMPLES = 20_000


def skip(ctx: ReportContext) -> str | None:
    if ctx.data is None or ctx.data.n_train < min(DEFAULT_DIM, ctx.net.input_dim) + 1:
        return "needs training data to span a subspace"
    return None


def _subspace(ctx: ReportContext, dim: int) -> tuple[AffineSubspace, list[int]]:
    X = ctx.data.X_train  # type: ignore[union-attr]
    rng = ctx.rng("subspace_regions")
    for _ in range(20):
        idx = sorted(int(i) for i in rng.choice(len(X), size=dim + 1, replace=False))
        D = X[idx[1:]] - X[idx[0]]
        if np.linalg.matrix_rank(D) == dim:
            return AffineSubspace(X[idx], coefficient_bounds=(0.0, 1.0)), idx
    raise ValueError("could not find affinely independent training points")


def build(ctx: ReportContext) -> dict[str, Any]:
    dim = min(int(ctx.option("subspace_dim", DEFAULT_DIM)), ctx.net.input_dim)
    limit = float(ctx.option("subspace_time", DEFAULT_TIME))
    remaining = ctx.budget.remaining()
    if remaining is not None:
        limit = min(limit, remaining)
    dom, idx = _subspace(ctx, dim)
    ctx.progress(f"exact regions on a {dim}-D subspace through training points {idx}")
    exact = count_regions(ctx.net, dom, method="lp", time_limit=max(limit, 0.1))
    sampled = count_regions(ctx.net, dom, method="sample", samples=SAMPLES, seed=ctx.seed)
    out: dict[str, Any] = {
        "subspace_dim": dim,
        "anchor_indices": idx,
        "coefficient_bounds": [0.0, 1.0],
        "lp": {k: v for k, v in exact.to_dict().items() if k not in ("details", "seconds")},
        "_seconds": exact.seconds,
        "regions": int(exact.regions),
        "exact": bool(exact.exact),
        "partial": bool(exact.partial),
        "sample_lower_bound": int(sampled.regions),
        "samples": SAMPLES,
    }
    try:
        rep = bound_regions(ctx.net, dom, methods="network_aware")
        b = rep["network_aware"]
        out["upper_bound"] = {"method": "network_aware", "value": b.value, "log10": b.log10}
    except Exception as exc:  # the bound is an optional comparison
        out["upper_bound"] = {"method": "network_aware", "skipped": f"{type(exc).__name__}: {exc}"}
    if exact.exact and sampled.regions > exact.regions:
        raise RuntimeError("inconsistent counts: sampling found more regions than the exact count")
    return out


def html(ctx: ReportContext, data: dict[str, Any], figdir: Path) -> str:
    k = data["regions"]
    what = "exactly" if data["exact"] else "at least (time limit reached; a proven lower bound)"
    parts = [
        note_html(
            f"The network has <b>{what} {fmt(k)} activation regions</b> on the {data['subspace_dim']}-D "
            f"subspace spanned by training points {esc(data['anchor_indices'])} with coefficients in [0, 1] "
            f"(Cai et al. 2023, eq. 14), counted by region-graph traversal in "
            f"{data.get('_seconds', 0.0):.2f} s.",
            "info" if data["exact"] else "warn",
        )
    ]
    ub = data.get("upper_bound", {})
    rows = [
        ("sampling lower bound", f"{fmt(data['sample_lower_bound'])} ({fmt(data['samples'])} samples)"),
        ("exact count (lp)" if data["exact"] else "lp lower bound", fmt(k)),
        (
            "network-aware upper bound",
            fmt(ub["value"]) if "value" in ub else esc(ub.get("skipped", "not computed")),
        ),
    ]
    cert = data["lp"].get("certificate", {})
    if cert:
        rows.append(
            (
                "certificate",
                f"{fmt(cert.get('facets', 0))} facets crossed or on the boundary; adjacency symmetric: "
                f"{str(cert.get('adjacency_symmetric', '-')).lower()}",
            )
        )
    parts.append(table_html(rows, ["", "regions"]))
    return "".join(parts)
