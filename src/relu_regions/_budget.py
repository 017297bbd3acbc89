"""Time limits, Ctrl-C and progress bars for long computations.

Long-running algorithms take a :class:`Budget` and poll :attr:`Budget.stop` between
units of work; when it turns true they stop and return a *partial*, labelled result
with everything computed so far.  Inside :meth:`Budget.catch_interrupt` the first Ctrl-C
only requests the stop; a second one raises :class:`KeyboardInterrupt` as usual.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from .exceptions import OptionError

__all__ = ["Budget", "progress_bar", "stop_requested", "request_stop_all"]

#: Budgets currently inside :meth:`Budget.catch_interrupt`, innermost last.  Solver callbacks
#: poll :func:`stop_requested`, so a Ctrl-C or a time limit reaches a MILP deep in C code.
_ACTIVE: list[Budget] = []


def stop_requested() -> bool:
    """Whether any budget inside :meth:`Budget.catch_interrupt` asks to stop (time or Ctrl-C)."""
    return any(b.stop for b in _ACTIVE)


def request_stop_all(reason: str = "interrupted") -> None:
    """Ask every budget inside :meth:`Budget.catch_interrupt` to stop (a solver saw Ctrl-C)."""
    for b in _ACTIVE:
        b.request_stop(reason)


class Budget:
    """A wall-clock time limit plus an interruption flag.

    Examples
    --------
    >>> b = Budget(time_limit=None)
    >>> b.stop
    False
    >>> b.request_stop("interrupted"); b.stop, b.reason
    (True, 'interrupted')
    """

    def __init__(self, time_limit: float | None = None) -> None:
        if time_limit is not None and not time_limit > 0:
            raise OptionError(f"time_limit must be positive, got {time_limit}")
        self.time_limit = time_limit
        self.start = time.perf_counter()
        self._reason: str | None = None

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def remaining(self) -> float | None:
        if self.time_limit is None:
            return None
        return max(self.time_limit - self.elapsed, 0.0)

    @property
    def stop(self) -> bool:
        if self._reason is None and self.time_limit is not None and self.elapsed >= self.time_limit:
            self._reason = "time_limit"
        return self._reason is not None

    @property
    def reason(self) -> str | None:
        """``None``, ``"time_limit"`` or ``"interrupted"``."""
        self.stop
        return self._reason

    def request_stop(self, reason: str = "interrupted") -> None:
        if self._reason is None:
            self._reason = reason

    @contextlib.contextmanager
    def catch_interrupt(self) -> Iterator[Budget]:
        """Turn the first SIGINT into a stop request (main thread only; no-op elsewhere).

        While inside, solver callbacks see the request through :func:`stop_requested`.
        """
        if threading.current_thread() is not threading.main_thread():
            yield self
            return

        def handler(signum: int, frame: Any) -> None:
            if self._reason == "interrupted":
                raise KeyboardInterrupt
            self.request_stop("interrupted")
            print("\ninterrupted: finishing the current step (Ctrl-C again to abort)", file=sys.stderr)

        old = signal.signal(signal.SIGINT, handler)
        _ACTIVE.append(self)
        try:
            yield self
        finally:
            _ACTIVE.remove(self)
            signal.signal(signal.SIGINT, old)


def progress_bar(
    total: float | None = None, *, desc: str = "", unit: str = "it", enabled: bool | None = None
) -> Any:
    """A tqdm progress bar on stderr; shown only when stderr is a terminal unless ``enabled``.

    Set ``enabled=False`` to silence it, ``True`` to force it.
    """
    from tqdm.auto import tqdm

    disable = not (sys.stderr.isatty() if enabled is None else enabled)
    return tqdm(total=total, desc=desc, unit=unit, disable=disable, file=sys.stderr, leave=False)
