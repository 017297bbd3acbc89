"""Exact region counts during training: :class:`RegionTracker`, for any PyTorch loop.

Hanin & Rolnick (2019, *Deep ReLU networks have surprisingly few activation patterns*,
section 4 and Figures 3-6) follow the number of activation regions of a network on fixed
lines and planes through data while it trains.  A :class:`RegionTracker` does that for a
user's own loop::

    tracker = RegionTracker([plane, line], every=50)
    for step, (x, y) in enumerate(loader):
        ...                                   # forward, backward, optimizer.step()
        tracker.update(model, step)           # a snapshot every 50 steps; counted off-thread
    tracker.table(as_frame=True)              # step, domain, regions, exact, ...
    tracker.save("regions.csv"); tracker.plot()

:meth:`RegionTracker.update` converts the live ``nn.Module`` into a
:class:`~relu_regions.Network` at once (a copy of its weights; the module's parameters,
train/eval modes and torch's RNG state are left exactly as they were) and counts its
regions with :func:`~relu_regions.regions.count_regions` on every domain in a background
thread (or process pool), so training is not blocked by counting.  Counts are exact
(``geometric`` on lines and planes, including whole unbounded ones; ``lp`` on bounded
domains of any dimension); with a ``time_limit`` a count that did not finish is a proven
lower bound and its row says ``exact=False``.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import json
import multiprocessing
import os
import threading
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .._results import to_jsonable
from ..domain import Domain, parse_domain
from ..exceptions import ReluRegionsError
from ..io import from_torch
from ..network import Network

__all__ = ["RegionTracker", "TrackerError", "snapshot_network"]

#: The columns of :meth:`RegionTracker.table`, in order.
COLUMNS = ("step", "domain", "regions", "exact", "method", "seconds", "stop_reason")


class TrackerError(ReluRegionsError):
    """A tracker was misused (closed, bad options) or one of its background counts failed."""


def snapshot_network(model: Any, *, input_shape: Sequence[int] | None = None) -> Network:
    """A float64 :class:`Network` copy of ``model``'s current weights, leaving ``model`` untouched.

    Conversion follows :func:`~relu_regions.from_torch` (evaluation-mode semantics: dropout is
    the identity, batch norm uses its running statistics).  The module's train/eval modes, its
    parameters and gradients, and torch's global RNG state are restored exactly.
    """
    if isinstance(model, Network):
        return model
    import torch

    modes = [(m, m.training) for m in model.modules()] if isinstance(model, torch.nn.Module) else []
    try:
        with torch.random.fork_rng(devices=[]), torch.no_grad(), warnings.catch_warnings():
            # a snapshot in the middle of training is meant in evaluation semantics
            warnings.filterwarnings("ignore", message=".*in training mode.*", category=UserWarning)
            return from_torch(model, input_shape=input_shape)
    finally:
        for m, mode in modes:
            m.training = mode


def _payload(net: Network) -> tuple[Any, ...]:
    """Plain arrays that rebuild ``net`` in another process (``Network`` itself does not pickle)."""
    slopes = tuple(float(layer.slope or 0.0) for layer in net.layers[:-1])
    return (net.weights, tuple(layer.bias for layer in net.layers), slopes, net.output_relu)


def _count_one(net: Any, domain: Domain, method: str, time_limit: float | None) -> dict[str, Any]:
    """Count one (network, domain) pair; module level so a process pool can pickle it."""
    from ..regions import count_regions

    if isinstance(net, tuple):
        Ws, bs, slopes, output_relu = net
        net = Network(Ws, bs, negative_slope=list(slopes), output_relu=output_relu)
    res = count_regions(net, domain, method=method, time_limit=time_limit, progress=False)
    return {
        "regions": int(res.regions),
        "exact": bool(res.exact),
        "method": res.method,
        "seconds": float(res.seconds),
        "stop_reason": res.stop_reason,
    }


class RegionTracker:
    """Count exact activation regions on fixed domains every ``every`` training steps.

    Parameters
    ----------
    domains:
        One domain or a list: :class:`~relu_regions.Domain` objects (e.g.
        ``AffineSubspace.through_origin([x1, x2])``, a whole plane through the origin and two
        samples as in Hanin & Rolnick's Figure 3) or their JSON specs (dicts, JSON strings,
        file paths, ``"box:LO,HI"``).  A domain's index in this list is its ``domain`` column.
    every:
        Count at steps that are multiples of ``every`` (``update(..., force=True)`` counts
        at any step).
    method:
        A counting method of :func:`~relu_regions.regions.count_regions` (``"auto"``:
        ``geometric`` on lines/planes, ``lp`` on bounded domains of higher dimension).
    time_limit:
        Seconds per count; an unfinished count is a lower bound with ``exact=False``.
    background:
        ``True`` or ``"thread"``: count in background threads (training continues while
        NumPy/HiGHS work); ``"process"``: in a process pool (no GIL contention at all);
        ``False``: count inside :meth:`update` (deterministic, for tests and scripts).
    workers:
        Threads or processes counting at once.
    input_shape:
        Passed to :func:`~relu_regions.from_torch` for convolutional models.

    Examples
    --------
    >>> import torch
    >>> from relu_regions import AffineSubspace
    >>> model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    >>> with RegionTracker([AffineSubspace([[0, 0], [1, 0], [0, 1]])], every=10) as tr:
    ...     for step in range(21):
    ...         _ = tr.update(model, step)
    ...     rows = tr.table()
    >>> [r["step"] for r in rows], all(r["exact"] for r in rows)
    ([0, 10, 20], True)
    """

    def __init__(
        self,
        domains: Any,
        *,
        every: int = 1,
        method: str = "auto",
        time_limit: float | None = None,
        background: bool | str = True,
        workers: int = 1,
        input_shape: Sequence[int] | None = None,
    ) -> None:
        if isinstance(domains, (Domain, dict, str, Path)):
            domains = [domains]
        try:
            specs = list(domains)
        except TypeError:
            raise TrackerError(
                f"domains must be a domain or a list of domains/JSON specs, got {type(domains).__name__}"
            ) from None
        if not specs:
            raise TrackerError("give at least one domain to track")
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise TrackerError(f"every must be a positive number of steps, got {every!r}")
        if not isinstance(workers, int) or workers < 1:
            raise TrackerError(f"workers must be a positive integer, got {workers!r}")
        if time_limit is not None and not time_limit > 0:
            raise TrackerError(f"time_limit must be positive, got {time_limit}")
        modes = {True: "thread", "thread": "thread", "process": "process", False: None, None: None}
        if background not in modes:
            raise TrackerError(f"background must be True, False, 'thread' or 'process', got {background!r}")
        self._specs = specs
        self.domains: list[Domain] | None = None
        # shorthands like box:0,1 need the input dimension: parse them on the first update
        if not any(isinstance(s, str) and s.strip().startswith("box:") for s in specs):
            self.domains = [parse_domain(s) for s in specs]
        self.every = every
        self.method = method
        self.time_limit = time_limit
        self.background = modes[background]
        self.workers = workers
        self.input_shape = input_shape
        self._rows: list[dict[str, Any]] = []
        self._pending: list[tuple[int, int, cf.Future[dict[str, Any]]]] = []
        self._lock = threading.Lock()
        self._error: BaseException | None = None
        self._pool: cf.Executor | None = None
        self._closed = False
        self._counted_steps: set[int] = set()

    # -- recording ---------------------------------------------------------------------
    def due(self, step: int) -> bool:
        """Whether :meth:`update` at ``step`` takes a snapshot."""
        return step % self.every == 0 and step not in self._counted_steps

    def update(self, model: Any, step: int, *, force: bool = False) -> bool:
        """Snapshot ``model`` at ``step`` and count its regions on every domain.

        Returns whether a snapshot was taken (``step`` is a multiple of ``every``, or
        ``force``).  The counting runs in the background unless ``background=False``; a
        count that failed there is raised here, at the next call.
        """
        if self._closed:
            raise TrackerError("the tracker is closed; make a new one to keep counting")
        self._raise_error()
        step = int(step)
        if step in self._counted_steps or not (force or step % self.every == 0):
            return False
        net = snapshot_network(model, input_shape=self.input_shape)
        if self.domains is None:
            self.domains = [parse_domain(s, input_dim=net.input_dim) for s in self._specs]
        for d in self.domains:
            d.check_network(net)
        self._counted_steps.add(step)
        for i, dom in enumerate(self.domains):
            if self.background is None:
                try:
                    out = _count_one(net, dom, self.method, self.time_limit)
                except ReluRegionsError:
                    raise
                except Exception as exc:  # a bug or solver failure, not bad input
                    raise TrackerError(f"counting at step {step}, domain {i} failed: {exc}") from exc
                self._rows.append({"step": step, "domain": i, **out})
            else:
                job = _payload(net) if self.background == "process" else net
                fut = self._executor().submit(_count_one, job, dom, self.method, self.time_limit)
                with self._lock:
                    self._pending.append((step, i, fut))
        self._collect()
        return True

    def _executor(self) -> cf.Executor:
        if self._pool is None:
            if self.background == "process":
                ctx = multiprocessing.get_context("spawn")
                self._pool = cf.ProcessPoolExecutor(self.workers, mp_context=ctx)
            else:
                self._pool = cf.ThreadPoolExecutor(self.workers, thread_name_prefix="region-tracker")
        return self._pool

    def _collect(self, wait: bool = False) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        keep = []
        for step, i, fut in pending:
            if not (wait or fut.done()):
                keep.append((step, i, fut))
                continue
            try:
                out = fut.result()
            except BaseException as exc:  # kept and raised in the caller's thread
                if self._error is None:
                    self._error = exc
                continue
            self._rows.append({"step": step, "domain": i, **out})
        with self._lock:
            self._pending = keep + self._pending
        if wait:
            self._raise_error()

    def _raise_error(self) -> None:
        if self._error is not None:
            exc, self._error = self._error, None
            if isinstance(exc, ReluRegionsError):
                raise exc
            raise TrackerError(f"a background count failed: {type(exc).__name__}: {exc}") from exc

    @property
    def pending(self) -> int:
        """Counts submitted but not finished yet."""
        with self._lock:
            return sum(not f.done() for _, _, f in self._pending)

    def wait(self) -> None:
        """Block until every submitted count has finished."""
        self._collect(wait=True)

    # -- results ---------------------------------------------------------------------
    def table(self, *, as_frame: bool = False, wait: bool = True) -> Any:
        """One row per (step, domain): ``step``, ``domain``, ``regions``, ``exact``, ...

        ``regions`` is exact where ``exact`` is true, a proven lower bound otherwise.
        ``wait=False`` returns only the counts finished so far.  ``as_frame=True`` returns a
        pandas ``DataFrame`` (pandas is needed only then).
        """
        if wait:
            self.wait()
        else:
            self._collect()
        rows = [{k: r[k] for k in COLUMNS} for r in self._rows]
        rows.sort(key=lambda r: (r["step"], r["domain"]))
        if not as_frame:
            return rows
        from .._deps import require

        pd = require("pandas")
        return pd.DataFrame(rows, columns=list(COLUMNS))

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the table as tidy CSV (``.csv``) or JSON (``.json``: rows and the domains)."""
        from ._store import atomic_write_text

        p = Path(path)
        rows = self.table()
        suffix = p.suffix.lower()
        if suffix == ".json":
            doc = {
                "columns": list(COLUMNS),
                "rows": rows,
                "domains": [d.to_dict() for d in (self.domains or [])],
                "every": self.every,
                "method": self.method,
            }
            return atomic_write_text(p, json.dumps(to_jsonable(doc), indent=1) + "\n")
        if suffix == ".csv":
            import io

            buf = io.StringIO()
            w = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
            w.writeheader()
            for r in rows:
                w.writerow({k: ("" if r[k] is None else r[k]) for k in COLUMNS})
            return atomic_write_text(p, buf.getvalue())
        raise TrackerError(f"save to a .csv or .json file, got {p.name!r}")

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Regions against step (mean over domains, min-max band, one thin line per domain).

        See :func:`relu_regions.plot.plot_region_tracking` for ``kwargs``.
        """
        from ..plot import plot_region_tracking

        return plot_region_tracking(self.table(), ax=ax, **kwargs)

    # -- lifetime ----------------------------------------------------------------------
    def close(self, *, wait: bool = True) -> None:
        """Finish (``wait=True``) or cancel the pending counts and stop the workers."""
        if self._closed:
            return
        if wait:
            try:
                self._collect(wait=True)
            finally:
                self._shutdown(cancel=False)
        else:
            self._shutdown(cancel=True)
        self._closed = True

    def _shutdown(self, cancel: bool) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel)
            self._pool = None
        if cancel:
            self._collect()

    def __enter__(self) -> RegionTracker:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close(wait=exc[0] is None)

    def __del__(self) -> None:  # pragma: no cover - best effort
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def __repr__(self) -> str:
        n = len(self._specs)
        return f"RegionTracker({n} domain{'s' * (n != 1)}, every={self.every}, rows={len(self._rows)})"

    # -- Lightning -------------------------------------------------------------------
    def lightning_callback(self) -> Any:
        """A Lightning ``Callback`` calling :meth:`update` after each training batch.

        Works with ``lightning`` (``lightning.pytorch.Callback``) or ``pytorch_lightning``,
        imported only here; the step is the trainer's ``global_step``.  The tracker waits
        for its counts when training ends.
        """
        base = _lightning_callback_base()
        tracker = self

        class RegionTrackerCallback(base):  # type: ignore[valid-type,misc]
            def on_train_batch_end(self, trainer: Any, pl_module: Any, *args: Any, **kwargs: Any) -> None:
                tracker.update(pl_module, int(trainer.global_step))

            def on_train_end(self, trainer: Any, pl_module: Any) -> None:
                tracker.wait()

        return RegionTrackerCallback()


def _lightning_callback_base() -> type:
    import importlib

    for name in ("lightning.pytorch", "pytorch_lightning"):
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        return mod.Callback  # type: ignore[no-any-return]
    from ..exceptions import MissingDependencyError

    raise MissingDependencyError(
        "the Lightning callback needs 'lightning' or 'pytorch_lightning'; run: pip install lightning "
        "(or call tracker.update(model, step) in your own loop)"
    )


def mean_regions(rows: Iterable[dict[str, Any]]) -> dict[int, float]:
    """Step -> mean regions over the domains counted at that step."""
    acc: dict[int, list[int]] = {}
    for r in rows:
        acc.setdefault(int(r["step"]), []).append(int(r["regions"]))
    return {s: sum(v) / len(v) for s, v in sorted(acc.items())}

