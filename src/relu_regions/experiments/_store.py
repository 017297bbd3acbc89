"""Resumable experiment runs: one JSON file per finished run in ``OUT/runs/``.

A paper experiment is many independent *runs* (train a network with one seed, prune it to
one density, count its regions...).  :class:`RunStore` gives each run a key made from its
parameters, writes its record atomically when it finishes, and skips it when the same
command is run again, so an interrupted sweep loses at most the runs in progress.
:func:`run_all` runs the missing ones serially or on a process pool, honours a
:class:`~relu_regions.Budget` (time limit, Ctrl-C) and reports what is done.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import contextvars
import hashlib
import json
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._budget import Budget, progress_bar
from .._results import FrozenResult, to_jsonable

__all__ = [
    "RunStore",
    "RunTask",
    "RunOutcome",
    "run_all",
    "use_executor",
    "atomic_write_text",
    "ExperimentResult",
]


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename (never half-written)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def run_key(params: Mapping[str, Any]) -> str:
    """A short, stable, readable key for a run's parameters."""
    text = json.dumps(to_jsonable(dict(params)), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class RunStore:
    """The ``runs/`` folder of an experiment's output directory.

    Examples
    --------
    >>> import tempfile
    >>> store = RunStore(tempfile.mkdtemp())
    >>> key = store.key({"seed": 0, "density": 0.5})
    >>> store.get(key) is None
    True
    >>> store.put(key, {"accuracy": 0.9})
    >>> store.get(key)["accuracy"]
    0.9
    """

    def __init__(self, out_dir: str | os.PathLike[str]) -> None:
        self.out_dir = Path(out_dir)
        self.runs_dir = self.out_dir / "runs"
        self.runs_dir.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def key(params: Mapping[str, Any]) -> str:
        return run_key(params)

    def path(self, key: str) -> Path:
        return self.runs_dir / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        p = self.path(key)
        if not p.is_file():
            return None
        try:
            return json.loads(p.read_text())  # type: ignore[no-any-return]
        except (OSError, ValueError):
            return None  # a damaged record is recomputed

    def put(self, key: str, record: Mapping[str, Any]) -> None:
        atomic_write_text(self.path(key), json.dumps(to_jsonable(dict(record)), indent=1) + "\n")


@dataclass(frozen=True)
class RunTask:
    """One run: ``fn(**params)`` must return a JSON-able dict; ``fn`` must be picklable."""

    params: Mapping[str, Any]
    fn: Callable[..., Mapping[str, Any]]


@dataclass(frozen=True)
class RunOutcome:
    """What :func:`run_all` did: the records in task order (``None`` = not run)."""

    records: list[dict[str, Any] | None]
    computed: int
    resumed: int
    stop_reason: str | None

    @property
    def complete(self) -> bool:
        return all(r is not None for r in self.records)


def _call(task: RunTask) -> dict[str, Any]:
    out = dict(task.fn(**task.params))
    out.setdefault("params", dict(task.params))
    return out


_EXECUTOR: contextvars.ContextVar[Any] = contextvars.ContextVar("relu_regions_run_executor", default=None)


@contextlib.contextmanager
def use_executor(executor: Any) -> Iterator[Any]:
    """Run every :func:`run_all` inside the block on ``executor`` (e.g. a Dask cluster's).

    ``relu-regions experiment NAME --dask local:4`` uses this, so every experiment farms its
    runs out without knowing about Dask.
    """
    token = _EXECUTOR.set(executor)
    try:
        yield executor
    finally:
        _EXECUTOR.reset(token)


def run_all(
    store: RunStore,
    tasks: Sequence[RunTask],
    *,
    workers: int = 1,
    budget: Budget | None = None,
    progress: bool | None = None,
    desc: str = "runs",
    executor: Any = None,
) -> RunOutcome:
    """Run the tasks whose records are not in ``store`` yet; return every record.

    Runs go to ``executor`` (any ``concurrent.futures.Executor``; default: the one set by
    :func:`use_executor`), else to a pool of ``workers`` processes, else serially.  A time
    limit or Ctrl-C stops the sweep between runs (serial) or stops submitting new ones
    (parallel); the records already written stay, and the outcome says why it stopped.
    """
    executor = executor if executor is not None else _EXECUTOR.get()
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    budget = budget or Budget(None)
    keys = [store.key(t.params) for t in tasks]
    records: list[dict[str, Any] | None] = [store.get(k) for k in keys]
    resumed = sum(r is not None for r in records)
    todo = [i for i, r in enumerate(records) if r is None]
    computed = 0
    bar = progress_bar(total=len(todo), desc=desc, enabled=progress)
    try:
        with budget.catch_interrupt():
            if executor is None and (workers == 1 or len(todo) <= 1):
                for i in todo:
                    if budget.stop:
                        break
                    rec = _call(tasks[i])
                    store.put(keys[i], rec)
                    records[i] = rec
                    computed += 1
                    bar.update(1)
            else:
                ctx = multiprocessing.get_context("spawn")
                fallback = int(getattr(executor, "_max_workers", 0) or 8)
                slots = workers if executor is None else max(workers, fallback)
                own = cf.ProcessPoolExecutor(workers, mp_context=ctx) if executor is None else None
                with contextlib.ExitStack() as stack:
                    pool = executor if own is None else stack.enter_context(own)
                    pending: dict[cf.Future[dict[str, Any]], int] = {}
                    queue = list(todo)
                    while queue or pending:
                        while queue and len(pending) < slots and not budget.stop:
                            i = queue.pop(0)
                            pending[pool.submit(_call, tasks[i])] = i
                        if not pending:
                            break
                        done, _ = cf.wait(pending, timeout=0.5, return_when=cf.FIRST_COMPLETED)
                        for fut in done:
                            i = pending.pop(fut)
                            rec = fut.result()
                            store.put(keys[i], rec)
                            records[i] = rec
                            computed += 1
                            bar.update(1)
                        if budget.stop and not pending:
                            break
    finally:
        bar.close()
    stop = budget.reason if any(r is None for r in records) else None
    return RunOutcome(records, computed, resumed, stop)


@dataclass(frozen=True)
class ExperimentResult(FrozenResult):
    """The outcome of ``relu-regions experiment NAME``.

    ``comparison`` rows say, quantity by quantity, what the paper reports, what we measured
    and whether they agree; ``scaled_down`` says how the run was reduced from the paper's.
    """

    name: str
    out_dir: str
    results_file: str
    figures: tuple[str, ...]
    runs_total: int
    runs_computed: int
    runs_resumed: int
    partial: bool
    stop_reason: str | None
    seconds: float
    scaled_down: str
    comparison: tuple[Mapping[str, Any], ...] = ()
    summary: Mapping[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        state = "partial" if self.partial else "complete"
        return (
            f"ExperimentResult({self.name!r}, {state}, runs={self.runs_computed + self.runs_resumed}"
            f"/{self.runs_total}, figures={len(self.figures)}, out_dir={self.out_dir!r})"
        )
