"""The train-prune-fine-tune loop: determinism, masks held, architectures' FC input sizes."""

from __future__ import annotations

import pytest
import torch

from relu_regions.data import load_dataset
from relu_regions.pruning import PruningError, build_model, fit_model, linear_layers, prune


@pytest.mark.parametrize(("arch", "shape", "fc_in"), [("lenet", (1, 28, 28), 400), ("lenet", (1, 8, 8), 64),
                                                      ("alexnet", (1, 28, 28), 1024),
                                                      ("alexnet", (1, 8, 8), 1024)])
def test_architectures_match_the_paper_fc_inputs(arch: str, shape: tuple[int, ...], fc_in: int) -> None:
    m = build_model(arch, shape, 10)
    assert linear_layers(m)[0].in_features == fc_in
    assert m(torch.zeros(2, *shape)).shape == (2, 10)


def test_fit_prune_finetune_keeps_masks_and_is_deterministic() -> None:
    data = load_dataset("digits")
    accs = []
    for _ in range(2):
        m = build_model("mlp", (64,), 10, hidden=(16, 16), seed=3)
        r = fit_model(m, data, epochs=10, lr=0.1, seed=3)
        accs.append(r.test_accuracy)
    assert accs[0] == accs[1] and accs[0] > 0.5
    pr = prune(m, 0.1, strategy="bound")
    assert pr.masks is not None
    f = fit_model(pr.module, data, epochs=2, masks=pr.masks, seed=0)
    assert pr.masks.nonzeros() == list(pr.layer_nonzeros)
    assert f.epochs_run == 2 and not f.partial and 0 <= f.test_accuracy <= 1
    with pytest.raises(PruningError):
        fit_model(m, data, epochs=0)
    with pytest.raises(PruningError):
        build_model("mlp", (64,), 10)
