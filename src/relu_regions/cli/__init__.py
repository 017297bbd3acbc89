"""The ``relu-regions`` command line: thin over the public API.

Each verb lives in its own module under :mod:`relu_regions.cli.verbs` and defines::

    VERB = "count"                 # the sub-command name
    HELP = "one line"              # shown in --help
    def add_arguments(parser): ... # argparse options (``--json`` is added for every verb)
    def run(args) -> object: ...   # call the API; return a FrozenResult / dict for --json
    def render(result, args) -> str: ...  # optional: human-readable output (a short table)
    def exit_status(result) -> int: ...   # optional: non-zero exit after printing the result

Verb modules are discovered automatically, so adding a verb means adding one file.
Errors from bad input (:class:`~relu_regions.exceptions.ReluRegionsError`) become a
one-line message on stderr and exit status 2 (plus a JSON error document on stdout under
``--json``); ``--debug`` shows the traceback instead.  A partial result exits with 3.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any, NoReturn, TextIO

from .._results import to_jsonable
from ..exceptions import ReluRegionsError
from ._common import HelpFormatter, plain_text

__all__ = [
    "main",
    "build_parser",
    "EXIT_OK",
    "EXIT_FAILED",
    "EXIT_USAGE",
    "EXIT_PARTIAL",
    "EXIT_INTERRUPTED",
]


def _verb_modules() -> list[ModuleType]:
    from . import verbs

    mods = []
    for info in sorted(pkgutil.iter_modules(verbs.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        mods.append(importlib.import_module(f"{verbs.__name__}.{info.name}"))
    return sorted(mods, key=lambda m: getattr(m, "ORDER", 100))


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = _Parser(
        prog="relu-regions",
        description="Bounds, exact counts, stable neurons, compression and local linearity "
        "of ReLU networks.",
    )
    parser.add_argument("--version", action="version", version=f"relu-regions {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show full tracebacks instead of one-line errors"
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True
    for mod in _verb_modules():
        p = sub.add_parser(
            mod.VERB, help=mod.HELP, description=plain_text(mod.__doc__ or mod.HELP),
            formatter_class=HelpFormatter,
        )
        mod.add_arguments(p)
        p.add_argument("--json", action="store_true", help="print one JSON document on stdout")
        p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
        p.set_defaults(_module=mod)
    return parser


EXIT_OK = 0
"""The command finished and printed its result."""
EXIT_FAILED = 1
"""An operating-system error, or (``analyze``) a report section failed."""
EXIT_USAGE = 2
"""Bad input: a one-line error on stderr (and a JSON error document under ``--json``)."""
EXIT_PARTIAL = 3
"""A time limit or Ctrl-C stopped the work: the labelled partial result was still printed."""
EXIT_INTERRUPTED = 130
"""Ctrl-C before any result existed."""


class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors become a JSON error document when ``--json`` was asked."""

    json_errors = False

    def error(self, message: str) -> NoReturn:
        if _Parser.json_errors:
            _write_error_document(sys.stdout, "UsageError", message)
        super().error(message)


def _write_error_document(stream: TextIO, kind: str, message: str) -> None:
    try:
        stream.write(json.dumps({"error": {"type": kind, "message": message}}) + "\n")
        stream.flush()
    except (BrokenPipeError, ValueError):
        pass


def _is_partial(result: Any) -> bool:
    if isinstance(result, Mapping):
        return bool(result.get("partial", False))
    return bool(getattr(result, "partial", False))


def _emit(result: Any, args: argparse.Namespace, out: TextIO) -> None:
    mod = args._module
    if args.json or not hasattr(mod, "render"):
        payload = to_jsonable(result)
        out.write(json.dumps(payload, indent=None if args.json else 2) + "\n")
    else:
        text = mod.render(result, args)
        if text:
            out.write(text.rstrip("\n") + "\n")
    out.flush()


@contextmanager
def _stdout_for_results() -> Iterator[TextIO]:
    """Reserve the process's standard output for the command's result.

    While the verb runs, file descriptor 1 and ``sys.stdout`` point at stderr, so nothing a
    solver's C code, a third-party banner or a stray ``print`` writes can reach stdout; the
    result is written to the yielded stream, a duplicate of the original descriptor 1.  Where
    stdout is not a real descriptor (e.g. captured by a test harness) ``sys.stdout`` is
    yielded unchanged.
    """
    try:
        fd = sys.stdout.fileno()
        err_fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        yield sys.stdout
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    os.dup2(err_fd, fd)
    out = os.fdopen(os.dup(saved), "w", encoding="utf-8")
    python_stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        yield out
    finally:
        sys.stdout = python_stdout
        try:
            out.close()
        except BrokenPipeError:
            pass
        os.dup2(saved, fd)
        os.close(saved)


def _silence_broken_pipe(out: TextIO) -> None:
    """After the reader went away (``| head``): drop what is still buffered, exit normally."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in {id(out): out, id(sys.stdout): sys.stdout}.values():
        try:
            os.dup2(devnull, stream.fileno())
        except (AttributeError, OSError, ValueError):
            pass
    os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``relu-regions``; returns the exit status.

    Exit status: 0 done; 3 a partial result (time limit or Ctrl-C) was printed; 2 bad input;
    1 an operating-system error or a failed report section; 130 interrupted before any result.
    Under ``--json`` stdout carries exactly one JSON document: the result, or
    ``{"error": {"type": ..., "message": ...}}``.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    _Parser.json_errors = "--json" in argv
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    finally:
        _Parser.json_errors = False
    debug = args.debug or bool(os.environ.get("RELU_REGIONS_DEBUG"))
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)  # exact counts and bounds may exceed 4300 digits
    with _stdout_for_results() as out:
        return _run_verb(args, out, debug)


def _run_verb(args: argparse.Namespace, out: TextIO, debug: bool) -> int:
    def fail(kind: str, message: str, status: int) -> int:
        print(f"relu-regions {args.verb}: error: {message}", file=sys.stderr)
        if args.json:
            _write_error_document(out, kind, message)
        return status

    try:
        result = args._module.run(args)
        _emit(result, args, out)
        if hasattr(args._module, "exit_status"):
            status = int(args._module.exit_status(result))
            if status:
                return status
        return EXIT_PARTIAL if _is_partial(result) else EXIT_OK
    except BrokenPipeError:
        _silence_broken_pipe(out)
        return EXIT_OK
    except ReluRegionsError as exc:
        if debug:
            raise
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return fail(type(exc).__name__, msg, EXIT_USAGE)
    except KeyboardInterrupt:
        print(f"relu-regions {args.verb}: interrupted", file=sys.stderr)
        if args.json:
            _write_error_document(out, "KeyboardInterrupt", "interrupted before any result")
        return EXIT_INTERRUPTED
    except (OSError, MemoryError) as exc:
        if debug:
            raise
        return fail(type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "", EXIT_FAILED)
