"""Build the ``analyze`` report: run every section, write ``report.json`` and ``index.html``.

Sections are the modules of :mod:`relu_regions.report.sections`, discovered automatically
(like the CLI verbs).  A section module defines::

    ORDER = 30                        # position in the report
    TITLE = "Activation regions on a plane"
    def build(ctx) -> dict: ...       # its JSON part (keys starting with "_" stay private:
                                      #   passed to html() but left out of report.json)
    def html(ctx, data, figdir) -> str: ...   # its HTML; writes its PNG figures to figdir
    def skip(ctx) -> str | None: ...  # optional: a reason not to run for this model/data
    def title(ctx) -> str: ...        # optional: TITLE worded for this model/data
    DEFAULT = True                    # optional: False = only when asked for by name

Failure policy: a section that raises is recorded in the report as ``failed`` with
``"ExceptionType: message"`` and its traceback, the other sections still run, the page
shows the failure in red, and :attr:`Report.ok` is false, so ``relu-regions analyze``
exits with status 1 after writing everything.  A section skipped by its ``skip`` hook, or
because the report's time limit or Ctrl-C stopped the run, is recorded as ``skipped`` with
the reason.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import json
import pkgutil
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from .. import __version__
from .._budget import Budget
from .._results import FrozenResult, to_jsonable
from ..data import Dataset, load_dataset
from ..domain import Domain, parse_domain
from ..exceptions import DimensionError, ReluRegionsError, UnknownChoiceError, UnsupportedNetworkError
from ..io import load_network
from ..network import Network
from ._context import ReportContext, SectionBudget
from ._html import esc, note_html, page_html, table_html
from ._schema import SCHEMA, SCHEMA_VERSION, check_report

__all__ = ["build_report", "Report", "SectionResult", "discover_sections", "DEFAULT_SECTION_TIME_LIMIT"]

#: Seconds each section may take by default (it should poll ``ctx.budget.stop``).
DEFAULT_SECTION_TIME_LIMIT = 120.0


@dataclasses.dataclass(frozen=True)
class SectionResult(FrozenResult):
    """One section's outcome as recorded in ``report.json``."""

    name: str
    title: str
    order: int
    status: str  # "ok", "failed" or "skipped"
    seconds: float
    data: dict[str, Any] | None
    figures: list[str]
    error: str | None = None
    traceback: str | None = None


@dataclasses.dataclass(frozen=True)
class Report(FrozenResult):
    """The written report: where it is and how each section went."""

    out: str
    json_path: str
    html_path: str
    status: str  # "ok", "failed" or "partial"
    seconds: float
    sections: list[SectionResult]

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def failed(self) -> list[SectionResult]:
        return [s for s in self.sections if s.status == "failed"]


def discover_sections() -> list[ModuleType]:
    """Every section module in :mod:`relu_regions.report.sections`, in ``ORDER``."""
    from . import sections

    mods = []
    for info in pkgutil.iter_modules(sections.__path__):
        if info.name.startswith("_"):
            continue
        mods.append(importlib.import_module(f"{sections.__name__}.{info.name}"))
    return sorted(mods, key=lambda m: (getattr(m, "ORDER", 100), _name(m)))


def _name(mod: ModuleType) -> str:
    return str(getattr(mod, "NAME", mod.__name__.rsplit(".", 1)[-1]))


def _select(mods: list[ModuleType], names: Sequence[str] | None) -> list[ModuleType]:
    if names is None:
        return [m for m in mods if getattr(m, "DEFAULT", True)]
    by_name = {_name(m): m for m in mods}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise UnknownChoiceError(f"unknown report section {unknown[0]!r}; choose from: {', '.join(by_name)}")
    return sorted((by_name[n] for n in dict.fromkeys(names)), key=lambda m: getattr(m, "ORDER", 100))


def _figures(out: Path) -> dict[str, int]:
    """PNG files in ``out`` with their modification times (ns)."""
    return {p.name: p.stat().st_mtime_ns for p in out.glob("*.png")}


def _written(out: Path, before: dict[str, int]) -> list[str]:
    """PNG files created or rewritten since ``before`` (a re-run into the same directory counts)."""
    return [name for name, t in _figures(out).items() if before.get(name) != t]


def _title(mod: ModuleType, ctx: ReportContext) -> str:
    """The section's ``title(ctx)`` when it words itself for the model and data, else ``TITLE``."""
    if hasattr(mod, "title"):
        return str(mod.title(ctx))
    return str(getattr(mod, "TITLE", _name(mod)))


def _run_section(
    mod: ModuleType, ctx: ReportContext, overall: Budget, limit: float | None
) -> tuple[SectionResult, str]:
    name, title, order = _name(mod), _title(mod, ctx), int(getattr(mod, "ORDER", 100))
    t0 = time.perf_counter()

    def result(
        status: str,
        data: Any = None,
        figs: Any = (),
        error: str | None = None,
        tb: str | None = None,
    ) -> SectionResult:
        return SectionResult(
            name, title, order, status, time.perf_counter() - t0, data, sorted(figs), error, tb
        )

    if overall.stop:
        why = "interrupted" if overall.reason == "interrupted" else "the report's time limit was reached"
        return result("skipped", error=f"not run: {why}"), ""
    remaining = overall.remaining()
    ctx.budget = SectionBudget(
        overall,
        min(x for x in (limit, remaining) if x is not None)
        if (limit is not None or remaining is not None)
        else None,
    )
    before = _figures(ctx.out)
    stage = "skip"
    try:
        why_skip = mod.skip(ctx) if hasattr(mod, "skip") else None
        if why_skip:
            return result("skipped", error=str(why_skip)), ""
        stage = "build"
        raw = mod.build(ctx)
        if not isinstance(raw, dict):
            raise TypeError(f"build() returned {type(raw).__name__}, expected a dict")
        public = to_jsonable({k: v for k, v in raw.items() if not str(k).startswith("_")})
        json.dumps(public)  # fail here, inside the section, if it is not serialisable
        stage = "html"
        body = mod.html(ctx, {**public, **{k: v for k, v in raw.items() if str(k).startswith("_")}}, ctx.out)
    except UnsupportedNetworkError as exc:  # e.g. maxout layers: said in the report, not a failure
        return result("skipped", figs=_written(ctx.out, before), error=str(exc)), ""
    except KeyboardInterrupt:
        overall.request_stop("interrupted")
        return result("failed", error="KeyboardInterrupt: interrupted by the user"), ""
    except Exception as exc:  # noqa: BLE001 - a failing section must not kill the report
        msg = f"{type(exc).__name__}: {exc}".strip().splitlines()[0] if str(exc) else type(exc).__name__
        if stage != "build":
            msg = f"in {stage}(): {msg}"
        return result("failed", figs=_written(ctx.out, before), error=msg, tb=traceback.format_exc()), ""
    return result("ok", public, _written(ctx.out, before)), str(body)


def _resolve_inputs(
    net: Any, data: Any, domain: Any, seed: int
) -> tuple[Network, str, Dataset | None, Domain, str]:
    if net is None:
        from ..data.default_model import DEFAULT_DATASET, load_default_model

        network, source = load_default_model(), "default model (bundled with relu-regions)"
        if data is None:
            data = DEFAULT_DATASET
    else:
        source = str(net) if isinstance(net, (str, Path)) else (getattr(net, "name", "") or "network")
        network = load_network(net)
    ds = load_dataset(data, seed=seed) if data is not None else None
    if ds is not None and ds.input_dim != network.input_dim:
        raise DimensionError(
            f"the model takes {network.input_dim} inputs but dataset {ds.name!r} has {ds.input_dim} "
            "features; pick the dataset the model was trained on"
        )
    if domain is not None:
        dom = parse_domain(domain, input_dim=network.input_dim)
        note = "given by the user"
    elif ds is not None:
        dom = ds.bounding_box()
        fixed = int(dom.ambient_dim - dom.dim)
        note = f"the bounding box of the {ds.name} dataset (all {ds.X.shape[0]} samples)"
        if fixed:
            note += f"; {fixed} input coordinates are constant on the data and stay fixed"
    else:
        dom = parse_domain("box:0,1", input_dim=network.input_dim)
        note = "the unit box [0, 1]^n (no data or domain was given)"
    return network, source, ds, dom, note


def build_report(
    net: Any = None,
    data: Dataset | str | None = None,
    *,
    out: str | Path,
    domain: Any = None,
    seed: int = 0,
    sections: Sequence[str] | None = None,
    time_limit: float | None = None,
    section_time_limit: float | None = DEFAULT_SECTION_TIME_LIMIT,
    options: dict[str, Any] | None = None,
    progress: bool | None = None,
) -> Report:
    """Analyse a network and write ``out/report.json``, ``out/index.html`` and PNG figures.

    Parameters
    ----------
    net:
        A :class:`Network`, a model file, or ``None`` for the bundled default model
        (which then uses the ``digits`` data unless ``data`` is given).
    data:
        A :class:`~relu_regions.data.Dataset` or dataset name; its bounding box is the
        analysis domain and its points anchor the planar pictures.
    out:
        Report directory (created if needed; existing report files are overwritten).
    domain:
        Override the domain (anything :func:`~relu_regions.domain.parse_domain` accepts).
    seed:
        Seed of every random choice (same seed, same report apart from timings).
    sections:
        Section names to run (default: every section with ``DEFAULT = True``).
    time_limit, section_time_limit:
        Seconds for the whole report and for each section; sections poll their budget
        and return partial, labelled results.  Ctrl-C stops the running section and
        skips the rest; the report is still written.
    options:
        Options for the sections, e.g. ``{"samples": 20000, "resolution": 200}``.
    progress:
        Print one line per section on stderr (default: when stderr is a terminal).

    Returns
    -------
    Report
        ``status`` is ``"failed"`` when a section raised (see the module docstring).

    Examples
    --------
    >>> import tempfile
    >>> from relu_regions import Network
    >>> net = Network([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0]]], [[0.0, 0.0], [0.0]])
    >>> rep = build_report(net, out=tempfile.mkdtemp(), domain="box:-1,1",
    ...                    sections=["sampled_regions"], options={"samples": 1000})
    >>> rep.status, rep.sections[0].data["regions_lower_bound"]
    ('ok', 4)
    """
    t0 = time.perf_counter()
    network, source, ds, dom, note = _resolve_inputs(net, data, domain, seed)
    mods = _select(discover_sections(), sections)
    out_dir = Path(out)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReluRegionsError(f"cannot create the report directory {out_dir}: {exc.strerror}") from None
    show = sys.stderr.isatty() if progress is None else bool(progress)
    overall = Budget(time_limit)
    ctx = ReportContext(
        network, ds, dom, note, int(seed), overall, out_dir, dict(options or {}), source, show
    )
    results: list[SectionResult] = []
    bodies: list[str] = []
    with overall.catch_interrupt():
        for i, mod in enumerate(mods, 1):
            if show:
                print(
                    f"[{i}/{len(mods)}] {_title(mod, ctx)} ...", file=sys.stderr, flush=True
                )
            res, body = _run_section(mod, ctx, overall, section_time_limit)
            results.append(res)
            bodies.append(body)
            if show:
                extra = f": {res.error}" if res.error else ""
                print(f"      {res.status} ({res.seconds:.1f} s){extra}", file=sys.stderr, flush=True)
    if any(r.status == "failed" for r in results):
        status = "failed"
    elif overall.stop:
        status = "partial"
    else:
        status = "ok"
    seconds = time.perf_counter() - t0
    doc = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "relu-regions", "version": __version__},
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "status": status,
        "seconds": seconds,
        "seed": int(seed),
        "options": to_jsonable(ctx.options),
        "model": {"source": source, "summary": to_jsonable(network.summary())},
        "data": to_jsonable(ds.summary()) if ds is not None else None,
        "domain": {"spec": to_jsonable(dom.to_dict()), "note": note},
        "sections": [r.to_dict() for r in results],
    }
    problems = check_report(doc)
    if problems:  # a bug in this module, not bad input
        raise RuntimeError("report.json does not fit its schema: " + "; ".join(problems))
    json_path = out_dir / "report.json"
    html_path = out_dir / "index.html"
    json_path.write_text(json.dumps(doc, indent=1) + "\n")
    html_path.write_text(_page(ctx, doc, results, bodies))
    return Report(str(out_dir), str(json_path), str(html_path), status, seconds, results)


_INTRO = (
    "<p>A ReLU network is piecewise linear: the inputs that switch on the same set of neurons "
    "(the same <em>activation pattern</em>) form a convex <em>activation region</em> on which the "
    "network is one affine map. The sections below describe these regions on the analysis domain. "
    "Every count says whether it is <b>exact</b> or only a <b>lower bound</b> (found by sampling) or an "
    "<b>upper bound</b>; the same numbers are in <code>report.json</code>.</p>"
)


def _page(ctx: ReportContext, doc: dict[str, Any], results: list[SectionResult], bodies: list[str]) -> str:
    net = ctx.net
    widths = "-".join(map(str, net.widths))
    meta = [
        ("model", f"{ctx.model_source}: {widths} ({'ReLU' if net.is_relu else 'LeakyReLU'})"),
        (
            "data",
            ctx.data.name + f" ({ctx.data.n_train} train / {ctx.data.n_test} test)" if ctx.data else "none",
        ),
        ("domain", ctx.domain_note),
        ("seed", ctx.seed),
        ("generated", f"{doc['created']} by relu-regions {__version__} in {doc['seconds']:.1f} s"),
    ]
    header = '<div class="meta">' + table_html(meta) + "</div>" + _INTRO
    if doc["status"] != "ok":
        failed = [r.name for r in results if r.status == "failed"]
        msg = (
            f"Sections failed: {esc(', '.join(failed))}. See below."
            if failed
            else "The report was stopped early (time limit or interruption); some sections are missing."
        )
        header += note_html(msg, "error" if failed else "warn")
    def toc_entry(r: SectionResult) -> str:
        if r.status == "skipped":  # listed with the reason, no section body
            return f'<li class="status-skipped">{esc(r.title)} [skipped: {esc(r.error)}]</li>'
        return (
            f'<li><a href="#{esc(r.name)}">{esc(r.title)}</a> '
            f'<span class="status-{esc(r.status)}">[{esc(r.status)}]</span></li>'
        )

    toc = "<ul>" + "".join(toc_entry(r) for r in results) + "</ul>"
    parts = []
    for r, body in zip(results, bodies, strict=True):
        if r.status == "skipped":
            continue
        parts.append(f'<section id="{esc(r.name)}"><h2>{esc(r.title)}</h2>')
        if r.status == "ok":
            parts.append(body)
        else:
            parts.append(note_html(f"This section failed: <code>{esc(r.error)}</code>", "error"))
            if r.traceback:
                parts.append(f"<details><summary>traceback</summary><pre>{esc(r.traceback)}</pre></details>")
        parts.append(f'<p class="meta">{r.seconds:.2f} s</p></section>')
    return page_html(f"relu-regions report: {net.name or widths}", header, toc, "".join(parts))
