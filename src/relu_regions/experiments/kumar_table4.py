"""Kumar, Serra & Ramalingam, *Equivalent and approximate transformations*: Appendix H, Table 4.

Table 4 trains ``784-...-10`` MLPs on MNIST with seven regularisations and reports, per cell,
the number of activation patterns on ``[0, 1]^784`` (their MILP; ``+`` where it did not
terminate, up to 700,000+), the number of stably inactive neurons (SI) and the validation
accuracy (VA).  We train the same architectures with Appendix H's settings -- SGD, learning
rate 0.01, momentum 0.9, batch 64, decay x0.1 every 50 epochs, Kaiming-normal weights, zero
biases; ``l2`` 0.003 on every weight matrix; ``l1`` 0.003 on the first layer; dropout 0.3 on
the last hidden layer; PGD adversarial training with an ``l_inf`` radius 0.15 and step 0.1
plus ``l1`` -- for fewer epochs and PGD steps on the offline ``mnist-5k`` subset, then count
every cell **exactly** with the ``lp`` engine on ``[0, 1]^784`` (region adjacency walk with
LP facet finding; each region certified by an inscribed ball), classify neurons with the
exact :func:`~relu_regions.stable_neurons`, and measure accuracy on the held-out 1,000
images.  A count that exceeds the per-cell time limit is a labelled lower bound with the
time spent.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._budget import Budget
from .._results import to_jsonable
from ..exceptions import ReluRegionsError
from ._store import ExperimentResult, RunStore, RunTask, atomic_write_text, run_all

__all__ = ["run_kumar_table4", "train_cell", "train_table4_network", "ARCHITECTURES", "REGULARIZERS", "PAPER"]

ARCHITECTURES: tuple[tuple[int, ...], ...] = (
    (5, 5, 5, 5), (5, 5, 10, 10), (8, 8, 8, 8),
    (5, 5, 5, 5, 5), (5, 5, 5, 10, 10), (8, 8, 8, 8, 8),
    (5, 5, 5, 5, 5, 5), (5, 5, 5, 10, 10, 10), (8, 8, 8, 8, 8, 8),
)

#: name -> (l1 on the first layer, l2 on every layer, dropout on the last hidden layer, PGD)
REGULARIZERS: dict[str, tuple[float, float, float, bool]] = {
    "vanilla": (0.0, 0.0, 0.0, False),
    "l2": (0.0, 0.003, 0.0, False),
    "l1": (0.003, 0.0, 0.0, False),
    "do": (0.0, 0.0, 0.3, False),
    "do_l2": (0.0, 0.003, 0.3, False),
    "do_l1": (0.003, 0.0, 0.3, False),
    "adv_l1": (0.003, 0.0, 0.0, True),
}

_COLS = ("vanilla", "l2", "l1", "do", "do_l2", "do_l1", "adv_l1")
_DNC = None
#: Table 4: (patterns as printed, SI, VA %) per architecture and regulariser; None = DNC.
_ROWS: dict[tuple[int, ...], list[tuple[str, int, float] | None]] = {
    (5, 5, 5, 5): [("2050", 1, 83.96), ("4569", 1, 87.59), ("458", 3, 82.89), ("3548", 2, 79.51),
                   ("2430", 2, 79.96), ("1411", 3, 70.61), _DNC],
    (5, 5, 10, 10): [("18350", 3, 82.87), ("8637", 3, 91.27), ("1696", 5, 82.79), ("37000+", 0, 85.64),
                     ("1871", 3, 89.22), ("27000", 2, 87.03), _DNC],
    (8, 8, 8, 8): [("108000+", 0, 93.07), ("103383", 3, 93.81), ("297000+", 1, 93.61), ("113000+", 0, 90.71),
                   ("66000+", 1, 91.83), ("308000+", 1, 90.05), ("15137", 4, 81.97)],
    (5, 5, 5, 5, 5): [("10548", 1, 85.42), ("1121", 5, 87.55), _DNC, ("7909", 2, 62.95), ("2142", 4, 72.23),
                      _DNC, _DNC],
    (5, 5, 5, 10, 10): [("36912", 1, 89.95), ("1734", 4, 88.42), ("15580", 4, 87.08), ("47256", 2, 84.42),
                        ("5650", 4, 85.73), ("4911", 2, 76.69), _DNC],
    (8, 8, 8, 8, 8): [("211000", 1, 93.92), ("403000", 2, 94.03), ("685000", 2, 92.74),
                      ("700000+", 2, 91.70), ("106752", 4, 89.59), ("184572", 4, 88.03), ("447", 12, 51.40)],
    (5, 5, 5, 5, 5, 5): [("21700", 2, 89.01), ("3986", 3, 87.68), _DNC, ("6274", 3, 74.20),
                         ("8740", 4, 55.66), _DNC, _DNC],
    (5, 5, 5, 10, 10, 10): [("12676", 1, 89.62), ("4452", 4, 87.50), ("149838", 1, 89.09),
                            ("232479", 1, 82.39), ("68418", 4, 89.26), ("6581", 7, 77.72),
                            ("354", 17, 51.08)],
    (8, 8, 8, 8, 8, 8): [("261000", 1, 92.63), ("218000", 4, 93.77), ("327000", 3, 92.24),
                         ("223000", 0, 90.50), ("285000", 2, 92.35), ("230000", 5, 88.57),
                         ("8157", 7, 47.75)],
}
PAPER: dict[tuple[tuple[int, ...], str], tuple[str, int, float] | None] = {
    (arch, col): cell for arch, cells in _ROWS.items() for col, cell in zip(_COLS, cells, strict=True)
}

PGD_EPS, PGD_STEP = 0.15, 0.1


def _pgd(torch: Any, model: Any, x: Any, y: Any, steps: int, gen: Any) -> Any:
    """l_inf PGD (Madry et al.) from a random start, clipped to the pixel box [0, 1]."""
    loss_fn = torch.nn.functional.cross_entropy
    delta = (torch.rand(x.shape, generator=gen) * 2 - 1) * PGD_EPS
    xa = (x + delta).clamp(0, 1)
    for _ in range(steps):
        xa = xa.detach().requires_grad_(True)
        (g,) = torch.autograd.grad(loss_fn(model(xa), y), xa)
        xa = torch.min(torch.max(xa + PGD_STEP * g.sign(), x - PGD_EPS), x + PGD_EPS).clamp(0, 1)
    return xa.detach()


def train_table4_network(
    arch: Sequence[int], reg: str, *, epochs: int, pgd_steps: int = 10, seed: int = 0
) -> Any:
    """Train a ``784-arch-10`` MLP on ``mnist-5k`` with Appendix H's settings; a :class:`Network`."""
    import torch

    from ..data import load_dataset
    from ..io import from_torch

    if reg not in REGULARIZERS:
        raise ReluRegionsError(f"unknown regularizer {reg!r}; choose from {', '.join(REGULARIZERS)}")
    l1, l2, dropout, adv = REGULARIZERS[reg]
    ds = load_dataset("mnist-5k", seed=0)
    nn = torch.nn
    old_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            gen = torch.Generator().manual_seed(seed)
            dims = [784, *arch, 10]
            mods: list[Any] = []
            for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
                lin = nn.Linear(a, b)
                nn.init.kaiming_normal_(lin.weight, nonlinearity="relu", generator=gen)
                nn.init.zeros_(lin.bias)
                mods.append(lin)
                if i < len(arch):
                    mods.append(nn.ReLU())
                    if dropout and i == len(arch) - 1:
                        mods.append(nn.Dropout(dropout))
            model = nn.Sequential(*mods)
            linears = [m for m in mods if isinstance(m, nn.Linear)]
            X = torch.tensor(np.asarray(ds.X_train), dtype=torch.float32)
            y = torch.tensor(np.asarray(ds.y_train), dtype=torch.long)
            opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=50, gamma=0.1)
            for _ in range(epochs):
                model.train()
                perm = torch.randperm(len(X), generator=gen)
                for s in range(0, len(X), 64):
                    idx = perm[s : s + 64]
                    xb, yb = X[idx], y[idx]
                    if adv:
                        xb = _pgd(torch, model, xb, yb, pgd_steps, gen)
                    loss = nn.functional.cross_entropy(model(xb), yb)
                    if l1:
                        loss = loss + l1 * linears[0].weight.abs().sum()
                    if l2:
                        loss = loss + l2 * sum((m.weight**2).sum() for m in linears)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                sched.step()
            model.eval()
            net = from_torch(model)
    finally:
        torch.set_num_threads(old_threads)
    return net


def train_cell(
    *, arch: Sequence[int], reg: str, epochs: int, pgd_steps: int, seed: int, cell_time_limit: float | None
) -> dict[str, Any]:
    """Train one Table 4 cell, count its activation patterns on [0,1]^784, find stable neurons."""
    from ..data import load_dataset
    from ..domain import Box
    from ..regions import count_regions
    from ..stability import stable_neurons

    t0 = time.perf_counter()
    net = train_table4_network(arch, reg, epochs=epochs, pgd_steps=pgd_steps, seed=seed)
    ds = load_dataset("mnist-5k", seed=0)
    train_seconds = time.perf_counter() - t0
    Xte, yte = np.asarray(ds.X_test), np.asarray(ds.y_test)
    va = float(np.mean(np.argmax(net.forward(Xte), axis=1) == yte))
    box = Box(np.zeros(784), np.ones(784))
    st = stable_neurons(net, box)
    si = sum(len(layer.inactive) for layer in st.layers[: len(arch)])
    c = count_regions(net, box, method="lp", time_limit=cell_time_limit, progress=False)
    return {
        "arch": list(arch), "reg": reg, "seed": seed,
        "patterns": int(c.regions), "exact": bool(c.exact), "stop_reason": c.stop_reason,
        "count_seconds": float(c.seconds), "stably_inactive": int(si), "stability_exact": bool(st.exact),
        "validation_accuracy": va, "train_seconds": train_seconds,
    }


def _cell_text(rec: dict[str, Any]) -> str:
    return f"{rec['patterns']}" + ("" if rec["exact"] else "+")


def _paper_value(cell: tuple[str, int, float] | None) -> tuple[int | None, bool]:
    if cell is None:
        return None, False
    s = cell[0]
    return int(s.rstrip("+")), s.endswith("+")


def _compare(rec: dict[str, Any]) -> dict[str, Any]:
    arch = tuple(rec["arch"])
    cell = PAPER.get((arch, rec["reg"]))
    ours = _cell_text(rec)
    note = (f"SI {rec['stably_inactive']} (paper {cell[1] if cell else '-'}), "
            f"VA {100 * rec['validation_accuracy']:.2f}% (paper {cell[2] if cell else 'DNC'})")
    value, paper_partial = _paper_value(cell)
    if value is None:
        agrees = None
        note += "; the paper's run did not converge"
    elif paper_partial:
        # the paper's MILP stopped: its number is a lower bound; an exact count fills the cell
        agrees = None
        note += ("; paper's cell was a lower bound, ours fills it exactly" if rec["exact"]
                 else "; both lower bounds")
    else:
        ratio = rec["patterns"] / value if value else math.inf
        agrees = bool(0.1 <= ratio <= 10) if rec["exact"] else None
        if rec["exact"]:
            note += f"; ours/paper = {ratio:.2f} (agree = same order of magnitude; other data, epochs, seed)"
    if not rec["exact"]:
        note += f"; ours is a lower bound after {rec['count_seconds']:.0f} s"
    return {"quantity": f"{list(arch)} {rec['reg']}: activation patterns on [0,1]^784",
            "paper": cell[0] if cell else "DNC", "ours": ours, "agrees": agrees, "note": note}


def _figure(records: Sequence[dict[str, Any]], path: Path) -> Path:
    from matplotlib.figure import Figure

    order = {a: i for i, a in enumerate(ARCHITECTURES)}
    archs = sorted({tuple(r["arch"]) for r in records}, key=lambda a: (order.get(a, len(order)), len(a), a))
    regs = [c for c in _COLS if any(r["reg"] == c for r in records)]
    f = Figure(figsize=(1.6 * len(regs) + 2.5, 0.6 * len(archs) + 1.6), layout="constrained")
    ax = f.add_subplot(1, 1, 1)
    M = np.full((len(archs), len(regs)), np.nan)
    for r in records:
        i, j = archs.index(tuple(r["arch"])), regs.index(r["reg"])
        M[i, j] = math.log10(max(r["patterns"], 1))
        paper = PAPER.get((tuple(r["arch"]), r["reg"]))
        ax.text(j, i, f"{_cell_text(r)}\n(paper {paper[0] if paper else 'DNC'})\nSI {r['stably_inactive']}, "
                f"VA {100 * r['validation_accuracy']:.0f}%", ha="center", va="center", fontsize=6.5)
    im = ax.imshow(M, cmap="viridis", alpha=0.6, aspect="auto")
    ax.set_xticks(range(len(regs)), regs)
    ax.set_yticks(range(len(archs)), [str(list(a)) for a in archs])
    f.colorbar(im, ax=ax, label="log10 patterns (ours)")
    ax.set_title("Kumar et al. Table 4: exact activation patterns on [0,1]^784 ('+': lower bound)",
                 fontsize="small")
    f.savefig(path, dpi=130)
    return path


def run_kumar_table4(
    out_dir: str | Path,
    *,
    architectures: Sequence[Sequence[int]] = ((5, 5, 5, 5),),
    regularizers: Sequence[str] = ("vanilla", "l1", "adv_l1"),
    epochs: int = 10,
    pgd_steps: int = 10,
    cell_time_limit: float | None = 20.0,
    seed: int = 0,
    workers: int = 1,
    time_limit: float | None = None,
    progress: bool | None = None,
) -> ExperimentResult:
    """Train the cells of Table 4 and count their activation patterns exactly on ``[0, 1]^784``.

    Parameters
    ----------
    architectures:
        Hidden widths per row (default the first row; :data:`ARCHITECTURES` has all nine).
    regularizers:
        Columns, names in :data:`REGULARIZERS` (default three of the seven, to keep the
        default run to a few minutes).
    epochs, pgd_steps:
        Training epochs (paper 120) and PGD steps per batch for ``adv_l1`` (paper 200).
    cell_time_limit:
        Seconds for each count; an unfinished count is a lower bound (``exact`` false).
    """
    t0 = time.perf_counter()
    archs = [tuple(int(w) for w in a) for a in architectures]
    if not archs or any(not a or min(a) < 1 for a in archs):
        raise ReluRegionsError(f"architectures must be lists of positive widths, got {archs}")
    bad = [r for r in regularizers if r not in REGULARIZERS]
    if bad or not regularizers:
        raise ReluRegionsError(
            f"unknown regularizer(s) {', '.join(bad) or 'none'}; choose from {', '.join(REGULARIZERS)}"
        )
    for name, v in (("epochs", epochs), ("pgd_steps", pgd_steps)):
        if not isinstance(v, int) or v < 1:
            raise ReluRegionsError(f"{name} must be a positive integer, got {v!r}")
    out = Path(out_dir)
    store = RunStore(out)
    tasks = [RunTask({"arch": list(a), "reg": r, "epochs": epochs, "pgd_steps": pgd_steps, "seed": seed,
                      "cell_time_limit": cell_time_limit}, train_cell) for a in archs for r in regularizers]
    outcome = run_all(store, tasks, workers=workers, budget=Budget(time_limit), progress=progress,
                      desc="kumar-table4")
    records = [r for r in outcome.records if r is not None]
    figs = [str(_figure(records, out / "table4.png"))] if records else []
    comparison = [_compare(r) for r in records]
    filled = [c for c in comparison if c["paper"].endswith("+") and not c["ours"].endswith("+")]
    result = ExperimentResult(
        name="kumar-table4", out_dir=str(out), results_file=str(out / "results.json"), figures=tuple(figs),
        runs_total=len(tasks), runs_computed=outcome.computed, runs_resumed=outcome.resumed,
        partial=not outcome.complete, stop_reason=outcome.stop_reason, seconds=time.perf_counter() - t0,
        scaled_down=(f"{len(archs)} of 9 architectures, {epochs} epochs (paper 120) on the offline "
                     "mnist-5k subset (4,000 training images; paper: full MNIST), "
                     f"PGD {pgd_steps} steps (paper 200), one seed; "
                     f"counts limited to {cell_time_limit} s per cell (lower bounds beyond)"),
        comparison=tuple(comparison),
        summary={"cells": len(records), "cells_exact": sum(r["exact"] for r in records),
                 "paper_plus_cells_filled_exactly": len(filled),
                 "table": {f"{r['arch']} {r['reg']}": _cell_text(r) for r in records}},
    )
    doc = {**result.to_dict(), "runs": records}
    atomic_write_text(out / "results.json", json.dumps(to_jsonable(doc), indent=1) + "\n")
    return result
