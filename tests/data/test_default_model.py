"""The bundled default model: loads, matches its recorded provenance, and regenerates.

Regeneration is compared bit for bit when this machine's CPU capability and torch
version match the recorded ones (training is seeded, single-threaded, float64);
otherwise the regenerated model must reach the recorded test accuracy within
ACCURACY_TOLERANCE, because PyTorch does not promise bitwise-equal float results
across CPU instruction sets.
"""

from __future__ import annotations

import numpy as np

from relu_regions.data import load_dataset
from relu_regions.data.default_model import (
    DEFAULT_CONFIG,
    DEFAULT_DATASET,
    compare_with_bundled,
    default_model_info,
    load_default_model,
    train_default_model,
    weights_digest,
)
from relu_regions.train import evaluate_network


def test_bundled_model_matches_its_record():
    net = load_default_model()
    info = default_model_info()
    assert net.widths == (64, 32, 32, 10) == tuple(info["architecture"])
    assert weights_digest(net) == info["weights_sha256"]
    assert info["config"]["seed"] == DEFAULT_CONFIG["seed"] and info["dataset"] == DEFAULT_DATASET
    metrics = evaluate_network(net, load_dataset(DEFAULT_DATASET, seed=DEFAULT_CONFIG["seed"]))
    assert metrics == info["metrics"]
    assert metrics["test_accuracy"] > 0.95


def test_regenerating_gives_the_bundled_model():
    result = train_default_model()
    cmp = compare_with_bundled(result)
    assert cmp["ok"], cmp
    if cmp["bitwise_expected"]:
        assert cmp["identical"]
        bundled = load_default_model()
        for a, b in zip(result.network.weights, bundled.weights, strict=True):
            np.testing.assert_array_equal(a, b)
