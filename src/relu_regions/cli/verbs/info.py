"""Print a model's architecture: dimensions, widths, neurons, parameters, weight ranks.

For a network with maxout layers ``maxout_ranks`` gives the rank ``k`` (pieces per unit) of
every hidden layer, 1 for a (leaky) ReLU layer.
"""

from __future__ import annotations

import argparse
from typing import Any

from .._common import add_model_arguments, load_model, table

VERB = "info"
HELP = "architecture of a model (dimensions, widths, parameters)"
ORDER = 10


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)


def run(args: argparse.Namespace) -> dict[str, Any]:
    return load_model(args).summary()  # type: ignore[no-any-return]


def render(result: dict[str, Any], args: argparse.Namespace) -> str:
    rows = [(k, v) for k, v in result.items() if v not in (None, "", [])]
    return table(rows, ["property", "value"])
