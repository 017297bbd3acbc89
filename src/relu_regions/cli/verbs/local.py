"""Exact local affine map at a point: activation pattern, Jacobian J and offset c with
f(y) = J y + c on the point's activation region."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .._common import add_model_arguments, load_model, load_points

VERB = "local"
HELP = "activation pattern and exact local affine map (Jacobian, offset) at a point"
ORDER = 20


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    p.add_argument(
        "--point",
        required=True,
        metavar="X",
        help="the point: a .npy/.json/.txt file or an inline list like 0.1,0.2",
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    net = load_model(args)
    x = load_points(args.point, net.input_dim)
    if len(x) != 1:
        return {"points": [_one(net, xi) for xi in x]}
    return _one(net, x[0])


def _one(net: Any, x: np.ndarray) -> dict[str, Any]:
    J, c = net.local_affine(x)
    pre = net.preactivations(x)
    margin = min(float(np.min(np.abs(z))) for z in pre) if pre else float("inf")
    return {
        "point": x,
        "pattern": [p.astype(int) for p in net.activation_patterns(x)],
        "jacobian": J,
        "offset": c,
        "output": net.forward(x),
        "min_abs_preactivation": margin,
        "on_boundary": margin == 0.0,
    }


def render(result: dict[str, Any], args: argparse.Namespace) -> str:
    items = result["points"] if "points" in result else [result]
    out = []
    with np.printoptions(precision=6, suppress=True, linewidth=100):
        for r in items:
            pats = " | ".join("".join(str(int(v)) for v in p) for p in r["pattern"])
            out.append(f"pattern:  {pats}")
            out.append(f"output:   {np.asarray(r['output'])}")
            out.append(f"jacobian:\n{np.asarray(r['jacobian'])}")
            out.append(f"offset:   {np.asarray(r['offset'])}")
            if r["on_boundary"]:
                out.append("note: the point lies on a region boundary (a pre-activation is 0)")
    return "\n".join(out)
