"""Convert a model between formats (.npz, TorchScript .pt, ONNX, torch.save state dicts).

The output format follows OUT's extension (.npz, .onnx, .pt/.pth/.ts = TorchScript) unless
--to names one.  On 256 random inputs the converted network is compared with the input
model run in its own runtime (PyTorch, onnxruntime) and with the written file, both read
back by relu-regions and run in its own runtime; the result reports the largest differences.
Maxout layers travel as 3-D arrays (.npz), Gemm + Reshape + ReduceMax (ONNX) and
relu-regions' Maxout module (TorchScript).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .._common import add_model_arguments, load_model, table

VERB = "convert"
HELP = "convert a model between .npz, TorchScript, ONNX and PyTorch state dicts"
ORDER = 15

#: random inputs used to check the written file against the converted network
CHECK_POINTS = 256


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    p.add_argument("output", metavar="OUT", help="output file: .npz, .onnx, or .pt/.pth/.ts (TorchScript)")
    p.add_argument("--to", dest="to_format", metavar="FORMAT", help="output format: npz, torchscript or onnx")
    p.add_argument(
        "--dtype",
        choices=["float64", "float32"],
        default="float64",
        help="floating-point type of TorchScript/ONNX output (default float64: exact)",
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ...io import check_file, detect_format, native_forward, save_network

    notes: list[str] = []
    net = load_model(args, notes=notes)
    for note in notes:
        print(f"relu-regions convert: note: {note}", file=sys.stderr)
    in_format = args.model_format or detect_format(args.model).name
    options = {} if args.dtype == "float64" else {"dtype": args.dtype}
    path = save_network(net, args.output, format=args.to_format, **options)
    try:  # a failed check leaves no output behind
        out_format = args.to_format or detect_format(path).name
        x = np.random.default_rng(0).normal(size=(CHECK_POINTS, net.input_dim))
        source = native_forward(
            args.model, x, format=in_format, input_shape=net.input_shape, trust_pickle=args.trust_pickle
        )
        written = check_file(net, path, x, format=out_format)
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise
    source_diff = float(np.max(np.abs(source[1] - net.forward(x)))) if source else None
    return {
        "input": args.model,
        "input_format": in_format,
        "output": str(path),
        "output_format": out_format,
        "dtype": args.dtype,
        "architecture": net.summary(),
        "check": {
            "points": CHECK_POINTS,
            "source_runtime": source[0] if source else None,
            "source_max_abs_difference": source_diff,
            "output": written,
        },
        "notes": notes,
    }


def render(result: dict[str, Any], args: argparse.Namespace) -> str:
    arch = result["architecture"]
    widths = "-".join(str(w) for w in [arch["input_dim"], *arch["hidden_widths"], arch["output_dim"]])
    check = result["check"]
    out = check["output"]
    written = f"{result['output']} ({result['output_format']}, {result['dtype']}, {out['bytes']} bytes)"
    rows = [
        ("input", f"{result['input']} ({result['input_format']})"),
        ("output", written),
        ("network", f"{widths}, {arch['activation']}" + (", ReLU output" if arch["output_relu"] else "")),
        *([("maxout ranks", "-".join(map(str, arch["maxout_ranks"])))] if arch.get("maxout_ranks") else []),
        ("neurons", arch["num_neurons"]),
    ]
    diff = "max |difference| {:.3g}".format
    if check["source_runtime"]:
        rows.append((f"input model in {check['source_runtime']}", diff(check["source_max_abs_difference"])))
    same = ", same weights" if out["same_weights"] else ""
    rows.append(("output read back", diff(out["reloaded_max_abs_difference"]) + same))
    if out["runtime"]:
        rows.append((f"output in {out['runtime']}", diff(out["runtime_max_abs_difference"])))
    rows.append(("inputs compared", f"{check['points']} random normal points"))
    return table(rows, ["", "value"])
