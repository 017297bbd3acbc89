"""Exact local affine maps (Jacobians and offsets) of a model on many samples at once.

``--data`` is a .npy/.json/.txt file of inputs, a dataset name (``digits``, ``mnist-5k``,
...) or a domain (``box:-1,1`` or JSON) sampled uniformly (``--samples``, ``--seed``).
Writes ``jacobians`` (N x outputs x inputs), ``offsets`` (N x outputs), ``outputs`` and
``patterns`` to an .npz file (Sattelberg eq. 7.1).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from ...exceptions import ReluRegionsError
from .._common import add_model_arguments, check_positive, load_model, load_points

VERB = "linearize"
HELP = "exact local affine maps (Jacobians, offsets) of a model on a dataset, to an .npz file"
ORDER = 70


def add_data_arguments(p: argparse.ArgumentParser) -> None:
    """``--data``, ``--samples``, ``--seed`` and ``--max-samples`` (shared by the linearity verbs)."""
    p.add_argument("--data", required=True, metavar="X.npy|DATASET|DOMAIN",
                   help="inputs: an array file, a dataset name, or a domain sampled uniformly")
    p.add_argument("--samples", type=int, default=1000, metavar="N",
                   help="points drawn when --data is a domain (default 1000)")
    p.add_argument("--max-samples", type=int, default=None, metavar="N",
                   help="use only the first N samples of each split")
    p.add_argument("--seed", type=int, default=0, help="seed for dataset splits and domain sampling")


def load_data(args: argparse.Namespace, net: Any) -> Any:
    """A Dataset (named), or an ``(N, in)`` array (file or sampled domain)."""
    from ...data import DATASETS, load_dataset
    from ...domain import parse_domain

    spec = str(args.data)
    check_positive(args, "samples", "max_samples")
    if Path(spec).is_file():
        return load_points(spec, net.input_dim, what="--data")
    if spec in DATASETS:
        ds = load_dataset(spec, seed=args.seed)
        if ds.input_dim != net.input_dim:
            raise ReluRegionsError(
                f"dataset {spec!r} has {ds.input_dim} inputs, the model takes {net.input_dim}"
            )
        return ds
    if spec.startswith(("box:", "{")) or spec.endswith(".json"):
        dom = parse_domain(spec, input_dim=net.input_dim)
        return dom.sample(int(args.samples), seed=args.seed)
    raise ReluRegionsError(
        f"--data {spec!r} is neither a file, a dataset ({', '.join(DATASETS.names())}) "
        "nor a domain (box:LO,HI)"
    )


def inputs_of(data: Any, split: str = "all") -> np.ndarray:
    from ...data import Dataset

    if isinstance(data, Dataset):
        return {"train": data.X_train, "test": data.X_test, "all": data.X}[split]
    return np.asarray(data, dtype=np.float64)


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    add_data_arguments(p)
    p.add_argument("--split", choices=("all", "train", "test"), default="all",
                   help="which part of a named dataset (default: all)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.npz", help="where to write the arrays")
    p.add_argument("--chunk-size", type=int, default=None, metavar="B", help="rows per chunk (default: auto)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ...linearity import local_affine_maps

    check_positive(args, "chunk_size")
    net = load_model(args)
    net.require_relu("relu-regions linearize")
    X = inputs_of(load_data(args, net), args.split)
    if args.max_samples:
        X = X[: args.max_samples]
    t0 = time.perf_counter()
    m = local_affine_maps(net, X, chunk_size=args.chunk_size, patterns=True)
    out = Path(args.output)
    if out.suffix != ".npz":
        out = out.with_suffix(".npz")
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, jacobians=m.jacobians, offsets=m.offsets, outputs=m.outputs,
                        patterns=m.patterns if m.patterns is not None else np.zeros((len(X), 0), bool))
    return {**m.to_dict(), "file": str(out), "seconds": time.perf_counter() - t0}


def render(result: dict[str, Any], args: argparse.Namespace) -> str:
    return (f"{result['n_samples']} samples: jacobians {result['jacobian_shape']}, offsets "
            f"{result['offset_shape']}, {result.get('distinct_patterns', '?')} distinct regions "
            f"-> {result['file']} ({result['seconds']:.2f} s)")
