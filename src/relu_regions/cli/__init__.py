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
one-line message on stderr and exit status 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from .._results import to_jsonable
from ..exceptions import ReluRegionsError

__all__ = ["main", "build_parser"]


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

    parser = argparse.ArgumentParser(
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
        p = sub.add_parser(mod.VERB, help=mod.HELP, description=mod.__doc__ or mod.HELP)
        mod.add_arguments(p)
        p.add_argument("--json", action="store_true", help="print one JSON document on stdout")
        p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
        p.set_defaults(_module=mod)
    return parser


def _emit(result: Any, args: argparse.Namespace) -> None:
    mod = args._module
    if args.json or not hasattr(mod, "render"):
        payload = to_jsonable(result)
        sys.stdout.write(json.dumps(payload, indent=None if args.json else 2) + "\n")
    else:
        text = mod.render(result, args)
        if text:
            sys.stdout.write(text.rstrip("\n") + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``relu-regions``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = args.debug or bool(os.environ.get("RELU_REGIONS_DEBUG"))
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)  # exact counts and bounds may exceed 4300 digits
    try:
        result = args._module.run(args)
        _emit(result, args)
        if hasattr(args._module, "exit_status"):
            return int(args._module.exit_status(result))
    except ReluRegionsError as exc:
        if debug:
            raise
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"relu-regions {args.verb}: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"relu-regions {args.verb}: interrupted", file=sys.stderr)
        return 130
    except (OSError, MemoryError) as exc:
        if debug:
            raise
        print(f"relu-regions {args.verb}: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # pragma: no cover - e.g. piping into `head`
        return 0
    return 0
