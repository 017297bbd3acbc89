"""Shared argument helpers for the CLI verbs: models, domains, points, tables."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import DimensionError, ReluRegionsError

__all__ = [
    "plain_text",
    "HelpFormatter",
    "add_model_arguments",
    "load_model",
    "add_domain_argument",
    "load_domain",
    "load_points",
    "check_model_output",
    "load_three_points",
    "domain_or_default",
    "add_progress_argument",
    "add_dask_argument",
    "dask_scope",
    "DEFAULT_DOMAIN",
    "parse_int_list",
    "parse_float_list",
    "table",
]


_ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|exc|obj):`~?([^`]+)`")


def plain_text(text: str | None) -> str:
    """Docstring text as a terminal shows it: no reST roles or double back-quotes.

    >>> plain_text("Uses :func:`~relu_regions.count_regions` on ``box:-1,1``.")
    'Uses count_regions on box:-1,1.'
    """
    if not text:
        return ""
    text = _ROLE.sub(lambda m: m.group(1).rsplit(".", 1)[-1], text)
    return text.replace("``", "")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the description's paragraphs and shows each option's default (when it has one)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            "default" not in text
            and not any(default is v for v in (None, False, True, argparse.SUPPRESS))
            and action.option_strings
            and not isinstance(action, argparse.BooleanOptionalAction)
        ):
            text += " (default: %(default)s)"
        return text


def add_model_arguments(p: argparse.ArgumentParser, *, required: bool = True) -> None:
    p.add_argument(
        "model",
        metavar="MODEL",
        nargs=None if required else "?",
        help="model file: .npz, TorchScript/.pt, or .onnx",
    )
    p.add_argument(
        "--input-shape",
        metavar="C,H,W",
        help="shape of one input (needed to unroll Conv2d/AvgPool2d layers)",
    )
    p.add_argument(
        "--trust-pickle",
        action="store_true",
        help="allow loading pickled PyTorch objects, which executes code from the file",
    )
    p.add_argument("--format", dest="model_format", help="force the model format by name")


def load_model(args: argparse.Namespace, *, notes: list[str] | None = None) -> Any:
    """Load MODEL; loader warnings (e.g. a state dict's assumed architecture) become
    one-line notes on stderr, or are appended to ``notes`` when given."""
    import sys
    import warnings

    from ..io import load_network

    shape = parse_int_list(args.input_shape, "--input-shape") if args.input_shape else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        net = load_network(
            args.model, format=args.model_format, input_shape=shape, trust_pickle=args.trust_pickle
        )
    for w in caught:
        if notes is not None:
            notes.append(str(w.message))
        else:
            print(f"relu-regions {args.verb}: note: {w.message}", file=sys.stderr)
    return net


def add_domain_argument(p: argparse.ArgumentParser, *, required: bool = True) -> None:
    p.add_argument(
        "--domain",
        required=required,
        metavar="D",
        help="input domain: a JSON file, a JSON object, or box:LO,HI"
        + ("" if required else f" (default: {DEFAULT_DOMAIN}, stated in the output)"),
    )


def load_domain(args: argparse.Namespace, net: Any) -> Any:
    from ..domain import parse_domain

    if getattr(args, "domain", None) is None:
        return None
    return parse_domain(args.domain, input_dim=net.input_dim)


#: The domain used when a verb that needs one is given none (the network stores no data range).
DEFAULT_DOMAIN = "box:-1,1"


def domain_or_default(args: argparse.Namespace, net: Any) -> tuple[Any, str | None]:
    """``--domain`` parsed, or :data:`DEFAULT_DOMAIN` with a note saying so (also on stderr)."""
    import sys

    from ..domain import parse_domain

    if getattr(args, "domain", None) is not None:
        return parse_domain(args.domain, input_dim=net.input_dim), None
    note = f"no --domain given: using {DEFAULT_DOMAIN} (every input coordinate in [-1, 1])"
    print(f"relu-regions {args.verb}: note: {note}", file=sys.stderr)
    return parse_domain(DEFAULT_DOMAIN, input_dim=net.input_dim), note


def add_dask_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dask",
        metavar="SPEC",
        help="run the parallel parts on Dask: local, local:N (N worker processes here) or a "
        "scheduler address tcp://HOST:PORT (needs relu-regions[dask])",
    )


def dask_scope(args: argparse.Namespace) -> Any:
    """A context manager giving the ``--dask`` executor (``None`` without ``--dask``)."""
    import contextlib

    if not getattr(args, "dask", None):
        return contextlib.nullcontext(None)
    from ..cluster import dask_executor

    return dask_executor(args.dask)


def add_progress_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="force the progress bar on stderr on or off (default: on when stderr is a terminal)",
    )


def load_points(spec: str, dim: int, *, what: str = "--point") -> np.ndarray:
    """Points from a .npy/.npz/.json/.txt file or an inline comma list, shape ``(N, dim)``."""
    arr: Any
    path = Path(spec)
    try:
        if path.is_file():
            suffix = path.suffix.lower()
            if suffix == ".npy":
                arr = np.load(path, allow_pickle=False)
            elif suffix == ".npz":
                with np.load(path, allow_pickle=False) as data:
                    if len(data.files) != 1:
                        raise ReluRegionsError(f"{what} {spec}: expected exactly one array in the .npz")
                    arr = data[data.files[0]]
            elif suffix == ".json":
                arr = np.asarray(json.loads(path.read_text()), dtype=np.float64)
            else:
                arr = np.loadtxt(path, delimiter="," if "," in path.read_text()[:1000] else None)
        else:
            arr = np.asarray([float(v) for v in spec.split(",")], dtype=np.float64)
    except ReluRegionsError:
        raise
    except (ValueError, OSError, json.JSONDecodeError) as exc:
        raise DimensionError(f"{what} {spec!r}: cannot read points ({exc})") from None
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim == 0 or arr.size % dim != 0 or (arr.ndim > 1 and arr.shape[-1] != dim and arr[0].size != dim):
        raise DimensionError(
            f"{what} has shape {arr.shape}, expected {dim} values per point for this network"
        )
    if not np.all(np.isfinite(arr)):
        raise DimensionError(f"{what} contains NaN or infinite values")
    return arr.reshape(-1, dim)


def load_three_points(spec: str, dim: int, *, what: str = "--points") -> np.ndarray:
    """Three inputs spanning a plane: ``A.npy,B.npy,C.npy`` (or ``;``-separated), or one file
    or inline list holding three rows; ``(3, dim)``."""
    names = spec.split(",")
    if ";" in spec:
        parts = spec.split(";")
    elif all(s.strip().endswith((".npy", ".json", ".txt", ".npz")) for s in names):
        parts = names
    else:
        parts = [spec]
    P = np.vstack([load_points(s.strip(), dim, what=what) for s in parts])
    if P.shape[0] != 3:
        raise ReluRegionsError(f"{what} must give exactly three inputs, got {P.shape[0]}")
    return P


def check_model_output(path: str) -> None:
    """Fail before the work when no saver handles the output file's extension."""
    from ..io import FORMATS

    suffix = Path(path).suffix.lower()
    savers = [e for n in FORMATS if FORMATS[n].saver is not None for e in FORMATS[n].extensions]
    if suffix not in savers:
        raise ReluRegionsError(
            f"cannot save to {path!r}: use one of the extensions {', '.join(dict.fromkeys(savers))}"
        )


def check_positive(args: argparse.Namespace, *names: str) -> None:
    """One-line errors for options (``time_limit`` -> ``--time-limit``) given but not ``> 0``."""
    for name in names:
        value = getattr(args, name)
        if value is not None and not value > 0:
            raise ReluRegionsError(f"--{name.replace('_', '-')} must be positive, got {value}")


def parse_int_list(s: str, what: str) -> list[int]:
    try:
        return [int(v) for v in s.replace(" ", "").split(",") if v]
    except ValueError:
        raise DimensionError(f"{what} must be comma-separated integers, got {s!r}") from None


def parse_float_list(s: str, what: str) -> list[float]:
    try:
        return [float(v) for v in s.replace(" ", "").split(",") if v]
    except ValueError:
        raise DimensionError(f"{what} must be comma-separated numbers, got {s!r}") from None


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """A plain aligned text table."""
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)
