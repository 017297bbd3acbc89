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
from ._types import RegionSet, pattern_string

__all__ = ["save_regions", "regions_to_dataframe", "REGION_FILE_FORMATS", "stream_regions", "load_regions",
           "RegionStreamWriter"]

#: File extensions :func:`save_regions` writes.
REGION_FILE_FORMATS = (".npz", ".json", ".parquet")


def _rows(rs: RegionSet, labels: Any = None) -> list[dict[str, Any]]:
    pts = rs.interior_points
    out = rs.net.forward(pts) if len(rs) else np.zeros((0, rs.net.output_dim))
    rows: list[dict[str, Any]] = []
    for i in range(len(rs)):
        row: dict[str, Any] = {
            "region": i,
            "pattern": pattern_string(rs.patterns[i]),
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


# --------------------------------------------------------------------------- streaming
#: Arrays of a streamed ``.npz`` (one row per region unless said): ``patterns_packed``
#: (``np.packbits`` of the 0/1 pattern along each row, ``uint8``), ``interior_points``,
#: ``chart_points``, ``measures``, ``exact_region`` (False: a witness of a region that a
#: stop left unfinished), ``vertex_counts`` with ``vertices``/``chart_vertices`` (all rows'
#: vertices one after the other), plus ``pattern_widths``, ``chart_origin``,
#: ``chart_basis`` and the JSON ``summary``.
STREAM_FIELDS = ("patterns_packed", "interior_points", "chart_points", "measures", "exact_region",
                 "vertex_counts", "vertices", "chart_vertices")


class RegionStreamWriter:
    """Append chunks of regions to per-array raw files, then assemble one ``.npz``.

    Memory is one chunk: each array grows on disk (``<file>.parts/``) and :meth:`close`
    copies the raw bytes into the ``.npz`` (an uncompressed zip of ``.npy`` entries, so
    ``numpy.load`` reads it) block by block, then renames it into place.
    """

    def __init__(self, path: str | os.PathLike[str], net: Any, chart: Any) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() != ".npz":
            raise ReluRegionsError(f"streamed regions are written to .npz, got {str(path)!r}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.net, self.chart = net, chart
        self.dir = self.path.with_name(f".{self.path.name}.parts{os.getpid()}")
        self.dir.mkdir(exist_ok=True)
        self.files = {name: open(self.dir / name, "wb") for name in STREAM_FIELDS}  # noqa: SIM115
        self.rows = {name: 0 for name in STREAM_FIELDS}
        self.dtypes: dict[str, np.dtype[Any]] = {}
        self.widths: dict[str, tuple[int, ...]] = {}
        self.regions = 0
        self.has_vertices = False

    def _put(self, name: str, a: Any) -> None:
        a = np.ascontiguousarray(a)
        self.dtypes.setdefault(name, a.dtype)
        self.widths.setdefault(name, a.shape[1:])
        self.files[name].write(a.astype(self.dtypes[name], copy=False).tobytes())
        self.rows[name] += a.shape[0]

    def write(self, chunk: dict[str, Any]) -> None:
        """Append a chunk: ``patterns``, ``points`` (chart), ``measures``, ``exact``, optional
        ``vertices = (flat chart vertices, counts)`` (the geometric engine's sink format)."""
        pats = np.asarray(chunk["patterns"], dtype=bool)
        m = pats.shape[0]
        pts = np.asarray(chunk["points"], dtype=np.float64).reshape(m, self.chart.dim)
        n_amb = self.chart.origin.shape[0]
        self._put("patterns_packed", np.packbits(pats, axis=1).reshape(m, (pats.shape[1] + 7) // 8))
        self._put("chart_points", pts)
        self._put("interior_points", self.chart.to_ambient(pts).reshape(m, n_amb))
        self._put("measures", np.asarray(chunk["measures"], dtype=np.float64))
        self._put("exact_region", np.asarray(chunk["exact"], dtype=bool))
        flat, counts = chunk.get("vertices") or (np.zeros((0, self.chart.dim)), np.zeros(m, dtype=np.int64))
        self.has_vertices |= "vertices" in chunk
        self._put("vertex_counts", np.asarray(counts, dtype=np.int64))
        flat = np.asarray(flat, dtype=np.float64).reshape(-1, self.chart.dim)
        self._put("chart_vertices", flat)
        self._put("vertices", self.chart.to_ambient(flat).reshape(-1, n_amb))
        self.regions += m

    def close(self, summary: dict[str, Any]) -> Path:
        """Write the ``.npz`` (atomically) with ``summary``; remove the parts."""
        import zipfile

        for fh in self.files.values():
            fh.close()
        nbits = int(sum(self.net.pattern_widths))
        defaults = {"patterns_packed": ((nbits + 7) // 8,), "interior_points": (self.chart.origin.shape[0],),
                    "chart_points": (self.chart.dim,), "vertices": (self.chart.origin.shape[0],),
                    "chart_vertices": (self.chart.dim,)}
        small = {
            "pattern_widths": np.asarray(self.net.pattern_widths, dtype=np.int64),
            "chart_origin": self.chart.origin,
            "chart_basis": self.chart.basis,
            "summary": np.array(json.dumps(to_jsonable(summary))),
        }

        def write(tmp: Path) -> None:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
                for name in STREAM_FIELDS:
                    if name in ("vertices", "chart_vertices", "vertex_counts") and not self.has_vertices:
                        continue
                    dtype = self.dtypes.get(name, np.dtype(bool if name == "exact_region" else np.float64))
                    shape = (self.rows[name], *self.widths.get(name, defaults.get(name, ())))
                    header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False,
                              "shape": shape}
                    with zf.open(f"{name}.npy", "w", force_zip64=True) as out:
                        np.lib.format.write_array_header_2_0(out, header)
                        with open(self.dir / name, "rb") as src:
                            while block := src.read(1 << 24):
                                out.write(block)
                for name, arr in small.items():
                    with zf.open(f"{name}.npy", "w") as out:
                        np.lib.format.write_array(out, np.asarray(arr))

        try:
            _atomic(self.path, write)
        finally:
            self.abort()
        return self.path

    def abort(self) -> None:
        """Remove the parts (after :meth:`close`, or when the run failed)."""
        for fh in self.files.values():
            fh.close()
        for name in STREAM_FIELDS:
            (self.dir / name).unlink(missing_ok=True)
        try:
            self.dir.rmdir()
        except OSError:  # pragma: no cover - someone else's file in it
            pass


def stream_regions(
    net: Any, domain: Any, path: str | os.PathLike[str], *, method: str = "auto",
    time_limit: float | None = None, chunk_size: int | None = None, collect: bool = True,
    progress: bool | None = None, summary: dict[str, Any] | None = None, **options: Any,
) -> Any:
    """Enumerate the regions of ``net`` on ``domain`` straight into the ``.npz`` file ``path``.

    With the ``geometric`` engine on a bounded 2-D domain the regions reach the file in
    chunks of about ``chunk_size`` pieces (default
    :data:`relu_regions.regions._geometric.STREAM_CHUNK`) and memory stays bounded
    (``benchmarks/bench_stream.py``: peak RSS for 10^4-10^6 regions); other engines and
    domains enumerate in memory first.  A time limit or Ctrl-C writes the regions
    finished so far plus one witness point (row with ``exact_region`` False) per
    unfinished piece, labelled partial in the summary.  Read the file with
    :func:`load_regions`.

    Returns the :class:`RegionCount` (also stored as the file's ``summary``, merged with
    ``summary``).
    """
    from ..domain import parse_domain
    from ..network import load_network
    from ._api import choose_method, count_regions, enumerate_regions

    target = Path(path)
    if target.suffix.lower() != ".npz":
        raise ReluRegionsError(f"streamed regions are written to .npz, got {str(path)!r}")
    net = load_network(net)
    dom = parse_domain(domain, input_dim=net.input_dim)
    chart = dom.chart()
    name = choose_method(chart.dim, chart.bounded) if method == "auto" else method
    writer = RegionStreamWriter(target, net, chart)
    try:
        if name == "geometric":
            count = count_regions(net, dom, method=name, time_limit=time_limit, progress=progress,
                                  sink=writer.write, chunk_size=chunk_size, collect=collect, **options)
        else:
            rs = enumerate_regions(net, dom, method=name, time_limit=time_limit, progress=progress, **options)
            count = rs.count
            chunk: dict[str, Any] = {
                "patterns": rs.patterns, "points": rs.points, "exact": np.full(len(rs), not count.partial),
                "measures": rs.measures if rs.measures is not None else np.full(len(rs), np.nan),
            }
            if rs.vertices is not None and collect:
                chunk["vertices"] = (np.vstack(rs.vertices) if len(rs) else np.zeros((0, chart.dim)),
                                     np.array([len(v) for v in rs.vertices], dtype=np.int64))
            writer.write(chunk)
        doc = {**count.to_dict(), "streamed": True, **(summary or {})}
        writer.close(doc)
    except BaseException:
        writer.abort()
        raise
    return count


def load_regions(path: str | os.PathLike[str], *, unpack: bool = True) -> dict[str, Any]:
    """Read a regions ``.npz`` written by :func:`save_regions` or :func:`stream_regions`.

    Returns a dict of arrays plus ``summary`` (the parsed JSON: count, exact, partial, ...).
    ``patterns`` ``(N, neurons)`` bool is unpacked from ``patterns_packed`` unless
    ``unpack=False``; ``vertex_offsets`` ``(N + 1,)`` index ``vertices`` per region.
    """
    target = Path(path)
    if not target.is_file():
        raise ReluRegionsError(f"no regions file at {str(path)!r}")
    try:
        with np.load(target, allow_pickle=False) as z:
            out: dict[str, Any] = {name: z[name] for name in z.files}
    except (OSError, ValueError) as exc:
        raise ReluRegionsError(f"{str(path)!r} is not a regions .npz file ({exc})") from None
    out["summary"] = json.loads(str(out.get("summary", "{}")))
    nbits = int(np.sum(out.get("pattern_widths", 0)))
    if unpack and "patterns_packed" in out:
        out["patterns"] = np.unpackbits(out["patterns_packed"], axis=1, count=nbits).astype(bool)
    if "vertex_counts" in out and "vertex_offsets" not in out:
        out["vertex_offsets"] = np.concatenate([[0], np.cumsum(out["vertex_counts"])])
    return out
