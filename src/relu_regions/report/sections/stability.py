"""Stable neurons, lossless compression and local stability (Kumar, Serra & Ramalingam).

On the report's domain (the data's box by default): which neurons are stably active,
stably inactive or unstable (exact, :func:`~relu_regions.stability.stable_neurons` with
training points as extra witnesses), how small Algorithm 1 makes the network while staying
equal on the domain (:func:`~relu_regions.stability.compress`), and a local-stability sweep
on L-infinity balls of growing radius around one test point (the paper's Table 2 /
Figure 6), with activation patterns counted exactly where at most
``stability_max_exact_unstable`` (option, default 14) neurons are unstable, and sampled
(labelled lower bounds) otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ...plot import new_figure, save_figure
from ...stability import compress, local_stability, stable_neurons
from .._context import ReportContext
from .._html import esc, figure_html, note_html, table_html

ORDER = 50
TITLE = "Stable neurons and lossless compression"

#: Radii of the sweep as fractions of the domain's largest side.
RADII = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1)
#: Above this many unstable neurons the patterns are sampled (a labelled lower bound);
#: exact counts run without a time limit so that the report stays deterministic.
MAX_EXACT_UNSTABLE = 14
#: Timings are left out of the JSON so that equal seeds give equal reports.
_TIMING = ("seconds", "stability_seconds", "patterns_seconds")
WITNESS_POINTS = 2000


def build(ctx: ReportContext) -> dict[str, Any]:
    net, dom, budget = ctx.net, ctx.domain, ctx.budget
    rng = ctx.rng("stability")
    points = None
    if ctx.data is not None and ctx.data.n_train:
        X = ctx.data.X_train
        points = X[rng.choice(len(X), size=min(WITNESS_POINTS, len(X)), replace=False)]
    remaining = budget.remaining()
    ctx.progress("classifying stable neurons on the domain")
    st = stable_neurons(
        net, dom, points=points, seed=ctx.seed, time_limit=None if remaining is None else 0.5 * remaining
    )
    small, rep = compress(net, dom, stability=st, seed=ctx.seed)
    out: dict[str, Any] = {
        "domain_note": ctx.domain_note,
        "stability": {
            "layers": [
                {
                    **{k: len(getattr(layer, k)) for k in ("active", "inactive", "unstable", "undecided")},
                    **({"stable_maxout": len(layer.stable)} if hasattr(layer, "stable") else {}),
                }
                for layer in st.layers
            ],
            "exact": st.exact,
            "reason": st.reason,
        },
        "compression": {
            **{k: v for k, v in rep.to_dict().items() if k != "layers" and k not in _TIMING},
            "widths_before": list(net.widths),
            "widths_after": list(small.widths),
            "actions": [
                {
                    "layer": lay.layer + 1,
                    "removed_inactive": len(lay.removed_inactive),
                    "folded_constant": len(lay.folded_constant),
                    "removed_unused": len(lay.removed_unused),
                    "folded_dependent": len(lay.folded_dependent),
                    "collapsed": lay.collapsed,
                }
                for lay in rep.layers
            ],
        },
    }
    out["sweep"] = _sweep(ctx, rng)
    return out


def _sweep(ctx: ReportContext, rng: np.random.Generator) -> dict[str, Any]:
    if ctx.net.has_maxout:
        return {"skipped": "local stability (Table 2 / Figure 6) does not support maxout layers yet"}
    lo, hi = ctx.domain.bounding_box()
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        return {"skipped": "the domain is unbounded"}
    if ctx.data is not None and ctx.data.n_test:
        i = int(rng.integers(ctx.data.n_test))
        centre, name = ctx.data.X_test[i], f"test #{i}"
    elif ctx.data is not None and ctx.data.n_train:
        i = int(rng.integers(ctx.data.n_train))
        centre, name = ctx.data.X_train[i], f"train #{i}"
    else:
        centre, name = ctx.domain.sample(1, seed=rng)[0], "a random point of the domain"
    side = float(np.max(hi - lo)) or 1.0
    clip = (float(np.min(lo)), float(np.max(hi)))
    rows = []
    for frac in RADII:
        if ctx.budget.stop:
            break
        ctx.progress(f"local stability at radius {frac * side:g}")
        sweep = local_stability(
            ctx.net,
            centre,
            [frac * side],
            clip=clip,
            max_exact_unstable=int(ctx.option("stability_max_exact_unstable", MAX_EXACT_UNSTABLE)),
            seed=ctx.seed,
        )
        rows.append({k: v for k, v in sweep.rows[0].to_dict().items() if k not in _TIMING})
    return {
        "centre": name,
        "clip": list(clip),
        "side": side,
        "rows": rows,
        "partial": len(rows) < len(RADII),
    }


def html(ctx: ReportContext, data: dict[str, Any], figdir: Path) -> str:
    st, comp, sweep = data["stability"], data["compression"], data["sweep"]
    lrows: list[tuple[Any, ...]] = [
        (i + 1, r["active"], r["inactive"], r["unstable"], r["undecided"]) for i, r in enumerate(st["layers"])
    ]
    heads = ["layer", "stably active", "stably inactive", "unstable", "undecided"]
    maxout = ""
    if any("stable_maxout" in r for r in st["layers"]):  # a maxout model (stability/_maxout.py)
        lrows = [(*row, r.get("stable_maxout", 0)) for row, r in zip(lrows, st["layers"], strict=True)]
        heads.append("stable maxout units")
        maxout = (" A maxout unit is <b>stable</b> when one piece is the maximum on the whole domain "
                  "(its other pieces are never strictly on top); compression drops such dead pieces "
                  "and folds stable units like stably active neurons.")
    parts = [
        f"<p>A neuron is <b>stably active</b> (inactive) when its pre-activation is non-negative "
        f"(non-positive) on the whole domain ({esc(data['domain_note'])}); such neurons can be removed "
        f"or folded without changing the network there (Algorithm 1, Theorem 1).{maxout} "
        f"Classification {'exact' if st['exact'] else 'incomplete'}: {esc(st['reason'])}.</p>",
        table_html(lrows, heads),
    ]
    crow = [
        ("widths", "-".join(map(str, comp["widths_before"])), "-".join(map(str, comp["widths_after"]))),
        ("neurons", comp["neurons_before"], comp["neurons_after"]),
        ("hidden layers", comp["hidden_layers_before"], comp["hidden_layers_after"]),
        ("parameters", comp["parameters_before"], comp["parameters_after"]),
    ]
    if "pieces_before" in comp:
        crow.append(("maxout pieces (stored)", comp["pieces_before"], comp["pieces_after"]))
    parts.append("<h3>Lossless compression on the domain</h3>")
    parts.append(table_html(crow, ["", "original", "compressed"]))
    parts.append(
        f"<p>Largest output difference on {comp['checked_points']} points of the domain: "
        f"{comp['max_abs_difference']:.3g}.</p>"
    )
    if "rows" not in sweep:
        parts.append(note_html(esc(sweep.get("skipped", "no sweep"))))
        return "".join(parts)
    srows = []
    for r in sweep["rows"]:
        bound = "" if r["patterns_exact"] else " (lower bound)"
        pats = "-" if r["patterns"] is None else f"{r['patterns']}{bound}"
        srows.append((f"{r['radius']:.4g}", r["inactive"], r["active"], r["unstable"], pats))
    parts.append(f"<h3>Local stability around {esc(sweep['centre'])}</h3>")
    parts.append(
        f"<p>L-infinity balls of radius delta around the point, clipped to [{sweep['clip'][0]:g}, "
        f"{sweep['clip'][1]:g}]: the smaller the ball, the more neurons are stable and the fewer "
        f"activation patterns it holds (the paper's Table 2 and Figure 6).</p>"
    )
    parts.append(table_html(srows, ["radius", "stably inactive", "stably active", "unstable", "patterns"]))
    if sweep["rows"]:
        name = "stability-sweep.png"
        fig = new_figure(6.4, 3.8)
        ax = fig.subplots()
        r = [row["radius"] for row in sweep["rows"]]
        ax.plot(r, [row["inactive"] for row in sweep["rows"]], "o-", color="#c0392b", label="stably inactive")
        ax.plot(r, [row["active"] for row in sweep["rows"]], "s-", color="#27ae60", label="stably active")
        counts = [row["patterns"] for row in sweep["rows"]]
        if all(p is not None for p in counts):
            rows = sweep["rows"]
            exact = [(x, p) for x, p, row in zip(r, counts, rows, strict=True) if row["patterns_exact"]]
            low = [(x, p) for x, p, row in zip(r, counts, rows, strict=True) if not row["patterns_exact"]]
            if exact:
                ax.plot(*zip(*exact, strict=True), "^-", color="#2980b9", label="activation patterns (exact)")
            if low:  # sampled or stopped counts: lower bounds, drawn open and not joined
                ax.plot(*zip(*low, strict=True), "^", ms=9, mfc="white", color="#2980b9",
                        label="activation patterns (lower bound)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("radius delta")
        ax.set_ylabel("count")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
        save_figure(fig, figdir / name)
        parts.append(
            figure_html(
                name,
                "Stably inactive and stably active neurons and activation patterns on balls of growing "
                "radius (log scales; open triangles: pattern counts that are lower bounds, not exact).",
            )
        )
    return "".join(parts)
