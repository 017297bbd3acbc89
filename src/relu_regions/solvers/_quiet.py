"""Keep solver chatter off the user's standard output.

Some solver builds write to the process's file descriptor 1 from C/C++, where neither
Python's ``sys.stdout`` nor a solver option can reach it: highspy 1.16 prints its
``Running HiGHS ...`` banner in the ``Highs`` constructor, before ``output_flag`` can be set,
and its MIP solver prints debug lines such as ``HighsMipSolverData::...`` during ``run()``.
Every ``Highs`` object of this package is therefore made by :func:`new_highs`, and every MIP
run goes through :func:`run_highs`, both inside :func:`silenced_stdout`, which points file
descriptor 1 at ``os.devnull`` for the duration.

The redirection is process-wide, so it is reference-counted under a lock: nested and
concurrent (threaded) uses restore descriptor 1 once, when the last one leaves.  Python-level
output is flushed first so nothing already printed is lost.  Where descriptor 1 cannot be
redirected (closed, or not a real descriptor) the context does nothing.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["silenced_stdout", "new_highs", "run_highs"]

_LOCK = threading.Lock()
_DEPTH = 0
_SAVED_FD: int | None = None


def _flush_python_stdout() -> None:
    for stream in (sys.stdout, sys.__stdout__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass


@contextmanager
def silenced_stdout() -> Iterator[None]:
    """Discard what C code writes to file descriptor 1 inside the ``with`` block.

    Examples
    --------
    >>> with silenced_stdout():
    ...     pass  # a solver's banner printed here would not reach the terminal
    """
    global _DEPTH, _SAVED_FD
    with _LOCK:
        if _DEPTH == 0:
            try:
                _flush_python_stdout()
                saved = os.dup(1)
                devnull = os.open(os.devnull, os.O_WRONLY)
                try:
                    os.dup2(devnull, 1)
                finally:
                    os.close(devnull)
                _SAVED_FD = saved
            except OSError:
                _SAVED_FD = None
        _DEPTH += 1
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH -= 1
            if _DEPTH == 0 and _SAVED_FD is not None:
                try:
                    os.dup2(_SAVED_FD, 1)
                finally:
                    os.close(_SAVED_FD)
                    _SAVED_FD = None


def new_highs(**options: Any) -> Any:
    """A silent, single-threaded ``highspy.Highs`` with ``options`` set.

    The constructor runs inside :func:`silenced_stdout` (highspy >= 1.16 prints a banner
    there), then ``output_flag`` is switched off so HiGHS's own logging stays quiet too.
    """
    import highspy

    with silenced_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    for key, value in options.items():
        h.setOptionValue(key, value)
    return h


def run_highs(h: Any) -> None:
    """``h.run()`` with descriptor 1 silenced (HiGHS's MIP solver prints debug lines)."""
    with silenced_stdout():
        h.run()
