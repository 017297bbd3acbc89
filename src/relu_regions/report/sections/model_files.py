"""Model files: the analysed network saved as .npz, TorchScript and ONNX next to the report.

Each file is read back by relu-regions and run in its own runtime (``torch.jit`` for
TorchScript, onnxruntime for ONNX) on data points; the table gives the largest difference
to the network the report analysed, so the files can be used elsewhere with confidence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..._deps import available
from ...io import check_file, save_network
from .._context import ReportContext
from .._html import esc, note_html, table_html

ORDER = 90
TITLE = "Model files"

#: Points (data points, else domain samples) on which the files are compared.
CHECK_POINTS = 512

#: Networks with more float64 parameters than this (in bytes) are not written.
MAX_BYTES = 256 * 2**20

#: (format, file name); ONNX only when onnx and onnxruntime are installed
FILES = (("npz", "model.npz"), ("torchscript", "model.pt"), ("onnx", "model.onnx"))


def _points(ctx: ReportContext) -> tuple[np.ndarray, str]:
    data = ctx.data
    if data is not None and data.input_dim == ctx.net.input_dim and data.n_test > 0:
        X = np.asarray(data.X_test[:CHECK_POINTS], dtype=np.float64)
        return X, f"the first {len(X)} test points of {data.name}"
    X = ctx.domain.sample(CHECK_POINTS, seed=ctx.rng("model_files"))
    return X, f"{CHECK_POINTS} uniform samples of the analysis domain"


def build(ctx: ReportContext) -> dict[str, Any]:
    X, where = _points(ctx)
    files: list[dict[str, Any]] = []
    skipped: list[str] = []
    size = 8 * ctx.net.num_parameters
    if size > MAX_BYTES:
        skipped.append(f"all formats (the network has {size / 2**20:.0f} MiB of float64 parameters)")
        return {"points": len(X), "points_from": where, "files": files, "skipped": skipped}
    for fmt, name in FILES:
        if fmt == "onnx" and not available("onnx"):
            skipped.append("ONNX (install the 'onnx' extra)")
            continue
        if ctx.budget.stop:
            skipped.append(f"{fmt} (time limit)")
            continue
        ctx.progress(f"writing and checking {name}")
        path = save_network(ctx.net, ctx.out / name, format=fmt)
        row = check_file(ctx.net, path, X, format=fmt)
        row["file"] = name  # relative to the report directory
        files.append(row)
    return {"points": len(X), "points_from": where, "files": files, "skipped": skipped}


def html(ctx: ReportContext, data: dict[str, Any], figdir: Path) -> str:
    def diff(v: Any) -> str:
        return "-" if v is None else f"{v:.3g}"

    rows = [
        (
            f["file"],
            f["format"],
            f"{f['bytes']:,}",
            "yes" if f["same_weights"] else "no",
            diff(f["reloaded_max_abs_difference"]),
            f["runtime"] or "-",
            diff(f["runtime_max_abs_difference"]),
        )
        for f in data["files"]
    ]
    headers = ["file", "format", "bytes", "same weights", "max |diff| read back", "runtime"]
    table = table_html(rows, [*headers, "max |diff| in runtime"])
    for f in data["files"]:  # link the file names (the table escapes its cells)
        cell = f"<td>{esc(f['file'])}</td>"
        table = table.replace(cell, f'<td><a href="{esc(f["file"])}">{esc(f["file"])}</a></td>', 1)
    parts = [
        f"<p>The analysed network, saved in float64 next to this report. Differences are over "
        f"{esc(data['points_from'])}; onnxruntime evaluates LeakyReLU slopes in float32.</p>",
        table,
    ]
    if data["skipped"]:
        parts.append(note_html("Not written: " + esc(", ".join(data["skipped"]))))
    return "".join(parts)
