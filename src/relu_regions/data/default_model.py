"""The bundled default model and the code that regenerates it bit for bit.

A 64-32-32-10 ReLU network trained on scikit-learn's bundled 8x8 digits (pixels scaled
to ``[0, 1]``, seed 0, 80/20 split) with Adam and a small l1 penalty on every weight
matrix (as Serra et al. 2020 do to obtain compressible networks).  It is small enough
for exact per-plane region counts, stable-neuron MILPs and compression to run in
seconds, and accurate enough (about 98% test accuracy) to be a real classifier.

Regenerate (writes ``default_model.npz`` and ``default_model.json`` next to this file)::

    python -m relu_regions.data.default_model            # or --out DIR
    python -m relu_regions.data.default_model --check    # regenerate and compare only

Reproducibility: training is seeded, single-threaded and float64
(:func:`relu_regions.train.train_network`), so two runs on one machine give bit-identical
weights.  Across machines they need not: PyTorch promises no bitwise-equal float results
across CPUs, instruction sets or BLAS builds, and two machines reporting the same CPU
capability have been seen to differ by 5e-3 in a weight (same test accuracy).  The bundled
model is therefore *data*: ``--check`` (and the test suite) demand only that a regenerated
model reaches the recorded test accuracy within :data:`ACCURACY_TOLERANCE`, and report
whether its weights happen to be identical.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import ReluRegionsError
from ..io import load_network, save_network
from ..network import Network

__all__ = [
    "DEFAULT_DATASET",
    "DEFAULT_CONFIG",
    "ACCURACY_TOLERANCE",
    "train_default_model",
    "load_default_model",
    "default_model_info",
    "weights_digest",
    "compare_with_bundled",
]

DEFAULT_DATASET = "digits"
DEFAULT_CONFIG: dict[str, Any] = {
    "hidden": (32, 32),
    "epochs": 60,
    "lr": 3e-3,
    "optimizer": "adam",
    "batch_size": 64,
    "l1": 3e-4,
    "seed": 0,
}
#: Allowed difference in test accuracy when regeneration cannot be bitwise (other CPU/torch).
ACCURACY_TOLERANCE = 0.02
MODEL_NAME = "digits-mlp-default"
_NPZ = "default_model.npz"
_JSON = "default_model.json"


def _platform() -> dict[str, str]:
    import torch

    return {
        "torch": torch.__version__,
        "cpu_capability": str(torch.backends.cpu.get_cpu_capability()),
        "machine": platform.machine(),
        "numpy": np.__version__,
    }


def weights_digest(net: Network) -> str:
    """SHA-256 of all weights and biases (float64, C order): equal digests, identical networks."""
    h = hashlib.sha256()
    for layer in net.layers:
        h.update(np.ascontiguousarray(layer.weight, dtype=np.float64).tobytes())
        h.update(np.ascontiguousarray(layer.bias, dtype=np.float64).tobytes())
    return h.hexdigest()


def train_default_model(*, progress: bool | None = False, **overrides: Any) -> Any:
    """Train the default model from scratch; returns the :class:`~relu_regions.train.TrainResult`.

    ``overrides`` replace entries of :data:`DEFAULT_CONFIG` (e.g. ``epochs=3`` for a quick check
    of the recipe's determinism).
    """
    from ..train import train_network  # here, not at the top: train imports data (a cycle)

    config = {**DEFAULT_CONFIG, **overrides}
    return train_network(DEFAULT_DATASET, progress=progress, name=MODEL_NAME, **config)


def load_default_model() -> Network:
    """The bundled default model (64-32-32-10 on digits).

    Examples
    --------
    >>> load_default_model().widths
    (64, 32, 32, 10)
    """
    ref = resources.files(__package__).joinpath(_NPZ)
    with resources.as_file(ref) as path:
        if not path.is_file():
            raise ReluRegionsError(
                "the bundled default model is missing; regenerate it with "
                "python -m relu_regions.data.default_model"
            )
        return load_network(path)


def default_model_info() -> dict[str, Any]:
    """The provenance recorded next to the bundled model (config, metrics, platform, digest)."""
    text = resources.files(__package__).joinpath(_JSON).read_text()
    return json.loads(text)  # type: ignore[no-any-return]


def compare_with_bundled(result: Any) -> dict[str, Any]:
    """Compare a regenerated model with the bundled one; see the module docstring.

    Returns ``{"identical", "same_platform", "accuracy", "recorded_accuracy", "tolerance", "ok"}``:
    ``ok`` is the portable check (test accuracy within :data:`ACCURACY_TOLERANCE` of the
    recorded one); ``identical`` (equal weight digests) is information, expected only on the
    machine that wrote the model.
    """
    info = default_model_info()
    net = result.network
    identical = weights_digest(net) == info["weights_sha256"]
    same_platform = all(info["platform"].get(k) == v for k, v in _platform().items() if k != "numpy")
    acc = float(result.metrics["test_accuracy"])
    rec = float(info["metrics"]["test_accuracy"])
    return {
        "identical": identical,
        "same_platform": same_platform,
        "accuracy": acc,
        "recorded_accuracy": rec,
        "tolerance": ACCURACY_TOLERANCE,
        "ok": abs(acc - rec) <= ACCURACY_TOLERANCE,
    }


def _write(result: Any, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    save_network(result.network, out / _NPZ)
    info = {
        "name": MODEL_NAME,
        "dataset": DEFAULT_DATASET,
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in DEFAULT_CONFIG.items()},
        "architecture": result.architecture,
        "metrics": result.metrics,
        "epochs_run": result.epochs_run,
        "weights_sha256": weights_digest(result.network),
        "platform": _platform(),
        "regenerate": "python -m relu_regions.data.default_model",
    }
    (out / _JSON).write_text(json.dumps(info, indent=1) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m relu_regions.data.default_model",
        description="Regenerate the bundled default model (digits, 64-32-32-10) deterministically.",
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent, help="output directory")
    parser.add_argument("--check", action="store_true", help="regenerate and compare, write nothing")
    args = parser.parse_args(argv)
    result = train_default_model(progress=None)
    if args.check:
        cmp = compare_with_bundled(result)
        print(json.dumps(cmp))
        return 0 if cmp["ok"] else 1
    _write(result, args.out)
    print(f"wrote {args.out / _NPZ} (test accuracy {result.metrics['test_accuracy']:.4f})", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
