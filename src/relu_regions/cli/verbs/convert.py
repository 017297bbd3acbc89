"""Convert a model between formats (.npz, TorchScript .pt, ONNX, torch.save state dicts).

The output format follows OUT's extension (.npz, .onnx, .pt/.pth/.ts = TorchScript) unless
--to names one.  The written file is read back and compared with the converted network on
random inputs; the result reports the largest difference.
"""

from __future__ import annotations

import argparse
import sys
import warnings
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
    from ...network import detect_format, load_network, save_network

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net = load_model(args)
    notes = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    for note in notes:
        print(f"relu-regions convert: note: {note}", file=sys.stderr)
    in_format = args.model_format or detect_format(args.model).name
    options = {} if args.dtype == "float64" else {"dtype": args.dtype}
    path = save_network(net, args.output, format=args.to_format, **options)
    out_format = args.to_format or detect_format(path).name
    back = load_network(path, format=out_format)
    x = np.random.default_rng(0).normal(size=(CHECK_POINTS, net.input_dim))
    diff = float(np.max(np.abs(back.forward(x) - net.forward(x))))
    return {
        "input": args.model,
        "input_format": in_format,
        "output": str(path),
        "output_format": out_format,
        "dtype": args.dtype,
        "architecture": net.summary(),
        "check": {
            "points": CHECK_POINTS,
            "max_abs_difference": diff,
            "same_weights": back.allclose(net, rtol=0.0) if args.dtype == "float64" else None,
        },
        "notes": notes,
    }


def render(result: dict[str, Any], args: argparse.Namespace) -> str:
    arch = result["architecture"]
    widths = "-".join(str(w) for w in [arch["input_dim"], *arch["hidden_widths"], arch["output_dim"]])
    check = result["check"]
    rows = [
        ("input", f"{result['input']} ({result['input_format']})"),
        ("output", f"{result['output']} ({result['output_format']}, {result['dtype']})"),
        ("network", f"{widths}, {arch['activation']}" + (", ReLU output" if arch["output_relu"] else "")),
        ("neurons", arch["num_neurons"]),
        ("max |difference|", f"{check['max_abs_difference']:.3g} on {check['points']} random inputs"),
    ]
    return table(rows, ["", "value"])
