"""Boolean functions (Sattelberg ch. 3): swaps values, NPN classes, Fourier metrics, networks.

Function codes follow the dissertation's Table 3.3: the truth table in lexicographic input
order read as a binary number with f(0...0) most significant (4-parity is 27030); a code
may be written 7140, 7,140, 0x1be4 or 0b0001101111100100.

  relu-regions boolean swaps --function 7140 --inputs 4
  relu-regions boolean swaps --inputs 4 --max
  relu-regions boolean npn --inputs 5 --count
  relu-regions boolean fourier --function 27030 --inputs 4
  relu-regions boolean construct --function 7140 --inputs 4 -o f7140.npz
"""

from __future__ import annotations

import argparse
from typing import Any

from ...exceptions import ReluRegionsError
from .._common import table

VERB = "boolean"
HELP = "Boolean functions: swaps values, NPN classes, Fourier metrics, width-s networks"
ORDER = 70


def _code(s: str) -> int:
    try:
        return int(s.replace(",", "").replace("_", ""), 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer function code: {s!r}") from None


def _function_args(q: argparse.ArgumentParser, *, required: bool = True) -> None:
    q.add_argument("--function", type=_code, required=required, metavar="CODE",
                   help="function code (Table 3.3 convention; e.g. 7140, 0x1be4)")
    q.add_argument("--inputs", type=int, required=True, metavar="N", help="number of inputs n")


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    q = sub.add_parser("swaps", help="swaps value of eq. (3.10), or its maximum over all functions")
    _function_args(q, required=False)
    q.add_argument("--max", action="store_true",
                   help="the maximum over all functions of N <= 4 inputs (Table 3.1)")
    q.add_argument("--method", default="arrangement", metavar="NAME",
                   help="arrangement (exact, default) or enumeration (the dissertation's)")
    q = sub.add_parser("npn", help="NPN classes: list them (n <= 4) or count them (n <= 6)")
    q.add_argument("--inputs", type=int, required=True, metavar="N", help="number of inputs n")
    q.add_argument("--count", action="store_true", help="only count them (Burnside's lemma)")
    q = sub.add_parser("fourier", help="Fourier coefficients, degree, influence, entropy")
    _function_args(q)
    q = sub.add_parser("construct", help="the width-s (leaky) ReLU network of Theorem 3.3.2")
    _function_args(q)
    q.add_argument("--negative-slope", type=float, default=0.1, metavar="ALPHA",
                   help="leak of the hidden layer (default 0.1; 0 gives ReLU)")
    q.add_argument("--encoding", default="01", metavar="01|pm1",
                   help="inputs in {0,1}^n (01, default) or {-1,1}^n (pm1)")
    q.add_argument("--minimal", action="store_true",
                   help="width s - 1 for swaps s >= 3 with a leak > 0 (default: width s)")
    q.add_argument("-o", "--output", metavar="FILE", help="save the network (.npz, .onnx, .pt)")
    for q in sub.choices.values():
        q.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def run(args: argparse.Namespace) -> Any:
    from ... import boolean as b

    if args.action == "swaps":
        if args.max == (args.function is not None):
            raise ReluRegionsError("give either --function CODE or --max (with --inputs N)")
        if args.max:
            b.SWAPS_METHODS[args.method]
            top, codes = b.max_swaps(args.inputs, method=args.method)
            return {"n": args.inputs, "max_swaps": top, "method": args.method,
                    "classes": list(codes)}
        return b.swaps(args.function, args.inputs, method=args.method)
    if args.action == "npn":
        if args.count:
            return {"n": args.inputs, "classes": b.count_npn_classes(args.inputs),
                    "method": "burnside"}
        classes = b.npn_classes(args.inputs)
        return {"n": classes.n, "count": classes.count, "method": classes.method,
                "classes": [{"code": c, "size": s}
                            for c, s in zip(classes.representatives, classes.sizes, strict=True)]}
    if args.action == "fourier":
        return b.fourier_spectrum(args.function, args.inputs)
    res = b.swaps_network(args.function, args.inputs, negative_slope=args.negative_slope,
                          encoding=args.encoding, minimal=args.minimal)
    out = res.to_dict()
    if args.output:
        from ...io import save_network

        out["saved"] = str(save_network(res.network, args.output))
    return out


def render(result: Any, args: argparse.Namespace) -> str:
    d = result if isinstance(result, dict) else result.to_dict()
    if args.action == "swaps" and "max_swaps" in d:
        return (f"max swaps over {d['n']}-input functions: {d['max_swaps']}  "
                f"({len(d['classes'])} NPN classes: {', '.join(map(str, d['classes']))})")
    if args.action == "swaps":
        return table([(d["code"], d["n"], d["swaps"], d["method"],
                       " ".join(f"{v:.3g}" for v in d["direction"]))],
                     ["code", "n", "swaps", "method", "direction"])
    if args.action == "npn":
        if isinstance(d["classes"], int):
            return f"{d['classes']} NPN classes of {d['n']}-input functions (Burnside, exact)"
        rows = [(c["code"], c["size"]) for c in d["classes"]]
        return table(rows, ["canonical code", "functions"]) + f"\n{d['count']} classes"
    if args.action == "fourier":
        head = table([(d["code"], d["n"], d["degree"], d["total_influence_exact"],
                       f"{d['entropy']:.6g}")],
                     ["code", "n", "degree", "influence", "entropy"])
        coeffs = table(list(d["coefficients"].items()), ["subset S", "f^(S)"])
        return head + "\n\n" + coeffs
    lines = [f"width-{d['width']} network for function {d['code']} ({d['n']} inputs, "
             f"swaps {d['swaps']}, leak {d['negative_slope']}, inputs {d['encoding']}): "
             f"{'classifies all inputs' if d['verified'] else 'FAILED'} (margin {d['margin']:.3g})"]
    if "saved" in d:
        lines.append(f"saved: {d['saved']}")
    return "\n".join(lines)
