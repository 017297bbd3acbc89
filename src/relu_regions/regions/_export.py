"""Regions to files and tables: ``.npz``, ``.json``, ``.parquet`` and pandas DataFrames.

One row per region: its index, the activation pattern as a 0/1 string, an interior point
(input coordinates), the affine map's output at that point, and, from the 1-D/2-D engine,
the measure (length/area) and the vertices; an optional linear-region label.  The ``.npz``
form keeps every array at full precision (vertices flattened with offsets).  Files are
written under a temporary name and renamed, so a failure leaves no half-written file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .._deps import require
from .._results import to_jsonable
from ..exceptions import ReluRegionsError
from ._types import RegionSet

__all__ = ["save_regions", "regions_to_dataframe", "REGION_FILE_FORMATS"]

#: File extensions :func:`save_regions` writes.
REGION_FILE_FORMATS = (".npz", ".json", ".parquet")


def _rows(rs: RegionSet, labels: Any = None) -> list[dict[str, Any]]:
    pts = rs.interior_points
    out = rs.net.forward(pts) if len(rs) else np.zeros((0, rs.net.output_dim))
    rows: list[dict[str, Any]] = []
    for i in range(len(rs)):
        row: dict[str, Any] = {
            "region": i,
            "pattern": "".join("1" if b else "0" for b in rs.patterns[i]),
            "interior_point": pts[i].tolist(),
            "output_at_point": out[i].tolist(),
        }
        if rs.measures is not None:
            row["measure"] = float(rs.measures[i])
        if rs.vertices is not None:
            row["vertices"] = rs.chart.to_ambient(rs.vertices[i]).tolist()
        if labels is not None:
            row["linear_region"] = int(labels[i])
        rows.append(row)
    return rows


def regions_to_dataframe(rs: RegionSet, labels: Any = None) -> Any:
    """A pandas DataFrame with one row per region (pandas is optional: a clear error without it)."""
    pd = require("pandas")
    return pd.DataFrame(_rows(rs, labels))


def _atomic(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def save_regions(rs: RegionSet, path: str | os.PathLike[str], *, labels: Any = None,
                 summary: dict[str, Any] | None = None) -> Path:
    """Write the regions of ``rs`` to ``path`` (``.npz``, ``.json`` or ``.parquet``).

    ``summary`` (default: ``rs.count.to_dict()``) is stored beside the regions: as the
    ``summary`` entry of the ``.npz`` (a JSON string), the top level of the ``.json``, and
    the Parquet file's metadata.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in REGION_FILE_FORMATS:
        raise ReluRegionsError(
            f"cannot write regions to {str(path)!r}: use one of {', '.join(REGION_FILE_FORMATS)}"
        )
    summary = rs.count.to_dict() if summary is None else summary
    if suffix == ".npz":
        arrays: dict[str, Any] = {
            "patterns": np.asarray(rs.patterns, dtype=bool),
            "pattern_widths": np.asarray(rs.net.pattern_widths, dtype=np.int64),
            "interior_points": rs.interior_points,
            "chart_points": rs.points,
            "chart_origin": rs.chart.origin,
            "chart_basis": rs.chart.basis,
            "summary": np.array(json.dumps(to_jsonable(summary))),
        }
        if rs.vertices is not None:
            counts = np.array([len(v) for v in rs.vertices], dtype=np.int64)
            arrays["vertex_offsets"] = np.concatenate([[0], np.cumsum(counts)])
            flat = np.vstack(rs.vertices) if len(rs.vertices) else np.zeros((0, rs.chart.dim))
            arrays["vertices"] = rs.chart.to_ambient(flat)
            arrays["chart_vertices"] = flat
        if rs.measures is not None:
            arrays["measures"] = rs.measures
        if labels is not None:
            arrays["linear_region"] = np.asarray(labels)

        def write_npz(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, **arrays)

        _atomic(target, write_npz)
    elif suffix == ".json":
        doc = {"summary": to_jsonable(summary), "regions": _rows(rs, labels)}
        _atomic(target, lambda tmp: tmp.write_text(json.dumps(doc) + "\n"))
    else:
        df = regions_to_dataframe(rs, labels)
        require("pyarrow")
        df.attrs["summary"] = json.dumps(to_jsonable(summary))
        _atomic(target, lambda tmp: df.to_parquet(tmp))
    return target
