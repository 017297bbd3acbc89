"""Prune a model's fully connected layers to a global density (Cai et al. 2023).

Layerwise magnitude pruning with the same density in every layer (``uniform``), with
layer densities that maximise the expected bound of Theorem 1 while keeping exactly the
same number of weights (``bound``, any number of layers; ``two-layer``, the paper's
procedure), global magnitude pruning (``global``) or random pruning (``random``).  By
default every fully connected layer but the output layer is pruned; for a converted CNN
(convolutions unrolled into dense layers) name the fully connected layers with
``--layers`` (e.g. ``--layers=-3,-2``; after max pooling the first of them is fused with the
last pooling step, so prune the ``nn.Module`` in Python to prune its own ``Linear`` layers).
``--fine-tune DATASET --epochs N`` then trains
the pruned model with SGD, pruned weights held at zero.
"""

from __future__ import annotations

import argparse
from typing import Any

from ...exceptions import ReluRegionsError
from .._common import (
    add_model_arguments,
    check_model_output,
    check_positive,
    load_model,
    parse_int_list,
    table,
)

VERB = "prune"
HELP = "prune fully connected layers (uniform, bound-guided, global, random) and optionally fine-tune"
ORDER = 62


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    p.add_argument("--density", type=float, required=True, metavar="P",
                   help="global density in (0, 1]: the share of the pruned layers' weights kept")
    p.add_argument("--strategy", default="bound",
                   help="uniform, bound (default), two-layer, global or random")
    p.add_argument("--layers", metavar="I,J", default=None,
                   help="indices of the layers to prune, e.g. --layers=-3,-2 "
                   "(default: all but the output layer)")
    p.add_argument("--include-output", action="store_true", help="prune the output layer too")
    p.add_argument("--rank-estimator", default="binomial", help="binomial (default) or sampled")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the rank sampling, random pruning and fine-tuning")
    p.add_argument("--fine-tune", metavar="DATASET", default=None,
                   help="fine-tune the pruned model on this dataset (e.g. digits, mnist-5k)")
    p.add_argument("--epochs", type=int, default=15, help="fine-tuning epochs (default 15, as the paper)")
    p.add_argument("--lr", type=float, default=0.01, help="fine-tuning SGD learning rate (default 0.01)")
    p.add_argument("--batch-size", type=int, default=128, help="fine-tuning batch size (default 128)")
    p.add_argument("--time-limit", type=float, default=None, metavar="S",
                   help="stop the density search after S seconds (best found so far)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="pruned model (.npz, .onnx, .pt)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from ...bounds import RANK_ESTIMATORS
    from ...data import load_dataset
    from ...io import from_torch, save_network
    from ...pruning import PRUNE_STRATEGIES, fit_model, prune
    from ...train import evaluate_network

    PRUNE_STRATEGIES[args.strategy]
    RANK_ESTIMATORS[args.rank_estimator]
    check_positive(args, "time_limit", "epochs", "lr", "batch_size")
    check_model_output(args.output)
    net = load_model(args)
    net.require_relu("relu-regions prune")
    layers = parse_int_list(args.layers, "--layers") if args.layers else None
    res = prune(net, args.density, strategy=args.strategy, layers=layers, include_output=args.include_output,
                rank_estimator=args.rank_estimator, seed=args.seed, time_limit=args.time_limit)
    out = res.to_dict()
    out["partial"] = bool(res.details.get("partial", False))  # --time-limit stopped the search
    pruned = res.network
    if args.fine_tune:
        data = load_dataset(args.fine_tune, seed=args.seed)
        if data.input_dim != net.input_dim:
            raise ReluRegionsError(
                f"--fine-tune {args.fine_tune}: the model takes {net.input_dim} inputs, the data has "
                f"{data.input_dim} features"
            )
        before = evaluate_network(pruned, data).get("test_accuracy") if pruned is not None else None
        fit = fit_model(res.module, data, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                        masks=res.masks, seed=args.seed, input_shape=())
        pruned = from_torch(res.module, name=net.name)
        out["fine_tune"] = {"dataset": data.name, "test_accuracy_before": before,
                            "test_accuracy_after": fit.test_accuracy, **fit.to_dict()}
    if pruned is None:  # pragma: no cover - a Network input always converts back
        raise ReluRegionsError("the pruned model could not be converted back to a network")
    nnz = [int((W != 0).sum()) for W in pruned.weights]
    out["nonzeros_written"] = [nnz[i] for i in res.layers]
    out["output"] = str(save_network(pruned, args.output))
    return out


def render(result: dict[str, Any], args: argparse.Namespace) -> str:
    rows = [(f"layer {i}", m, k, f"{d:.4g}") for i, m, k, d in
            zip(result["layers"], result["layer_sizes"], result["layer_nonzeros"], result["layer_densities"],
                strict=True)]
    lines = [table(rows, ["", "weights", "kept", "density"])]
    lines.append(f"global density {result['density']:g}: {result['parameters_kept']} of "
                 f"{result['parameters_total']} weights kept ({result['strategy']})")
    lines.append(f"log10 bound (Theorem 1, expected): {result['bound_log10']:.6g} "
                 f"(uniform {result['uniform_bound_log10']:.6g})")
    if "fine_tune" in result:
        ft = result["fine_tune"]
        lines.append(f"fine-tuned on {ft['dataset']} for {ft['epochs_run']} epochs: test accuracy "
                     f"{ft['test_accuracy_before']:.4f} -> {ft['test_accuracy_after']:.4f}")
    lines.append(f"written to {result['output']}")
    return "\n".join(lines)
