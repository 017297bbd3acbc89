"""Train a fully connected ReLU network on a named dataset and save it.

Deterministic for a given --seed (single-threaded float64 training).  Prints the
training report: accuracy (classification) or MSE (regression), epochs, stop reason.
"""

from __future__ import annotations

import argparse
from typing import Any

from .._common import parse_int_list, table

VERB = "train"
HELP = "train a ReLU network on a dataset (SGD/Adam, l1/l2, dropout) and save it"
ORDER = 5


def add_arguments(p: argparse.ArgumentParser) -> None:
    from ...data import list_datasets
    from ...train import OPTIMIZERS

    p.add_argument("--data", required=True, metavar="NAME", help="dataset: " + ", ".join(list_datasets()))
    p.add_argument("--hidden", default="32,32", metavar="W1,W2", help="hidden layer widths (default 32,32)")
    p.add_argument("--output", "-o", required=True, metavar="MODEL", help="where to save the model (.npz)")
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--lr", type=float, default=1e-3, help="learning rate (default 1e-3)")
    p.add_argument("--optimizer", default="adam", help="one of: " + ", ".join(OPTIMIZERS.names()))
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum")
    p.add_argument("--l1", type=float, default=0.0, help="l1 penalty weight on weights")
    p.add_argument(
        "--l1-layers", metavar="I,J", help="layers (0-based) the l1 penalty applies to (default all)"
    )
    p.add_argument("--l2", type=float, default=0.0, help="squared l2 penalty weight on weights")
    p.add_argument("--dropout", type=float, default=0.0, help="dropout probability after hidden layers")
    p.add_argument("--negative-slope", type=float, default=0.0, help="LeakyReLU slope (0 = ReLU)")
    p.add_argument(
        "--patience", type=int, metavar="E", help="early stopping after E epochs without improvement"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--samples", type=int, metavar="N", help="dataset size (toy sets) or subset size")
    p.add_argument("--data-root", metavar="DIR", help="where torchvision datasets live")
    p.add_argument("--download", action="store_true", help="allow torchvision to download the dataset")
    p.add_argument("--time-limit", type=float, metavar="S", help="stop training after S seconds (partial)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ...data import load_dataset
    from ...io import save_network
    from ...train import train_network

    data = load_dataset(
        args.data, seed=args.seed, n=args.samples, root=args.data_root, download=args.download
    )
    l1_layers = parse_int_list(args.l1_layers, "--l1-layers") if args.l1_layers else None
    res = train_network(
        data,
        parse_int_list(args.hidden, "--hidden"),
        epochs=args.epochs,
        lr=args.lr,
        optimizer=args.optimizer,
        batch_size=args.batch_size,
        momentum=args.momentum,
        l1=args.l1,
        l1_layers=l1_layers,
        l2=args.l2,
        dropout=args.dropout,
        negative_slope=args.negative_slope,
        seed=args.seed,
        patience=args.patience,
        time_limit=args.time_limit,
    )
    path = save_network(res.network, args.output)
    return {"model": str(path), **res.to_dict()}


def render(result: dict[str, Any], args: argparse.Namespace) -> str:
    rows: list[tuple[str, Any]] = [
        ("model", result["model"]),
        ("architecture", "-".join(map(str, result["architecture"]))),
    ]
    rows += [(k.replace("_", " "), v) for k, v in result["metrics"].items()]
    rows += [
        ("epochs", result["epochs_run"]),
        ("stopped", result["stop_reason"]),
        ("seconds", round(result["seconds"], 2)),
    ]
    return table(rows, ["", ""])
