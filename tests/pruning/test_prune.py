"""Pruning models: exact non-zero counts, conv front ends untouched, masks survive training."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from relu_regions import from_torch, random_network
from relu_regions.pruning import PRUNE_STRATEGIES, PruningError, linear_layers, prune, uniform_counts


def cnn() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(64, 20), nn.ReLU(), nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 10))


@pytest.mark.parametrize("strategy", PRUNE_STRATEGIES.names())
def test_network_exact_counts(strategy: str) -> None:
    net = random_network([30, 16, 12, 5], seed=2)
    res = prune(net, 0.2, strategy=strategy)
    uni = uniform_counts([480, 192], 0.2)
    assert res.parameters_kept == sum(uni) == sum(res.layer_nonzeros)
    assert res.network is not None
    nnz = [int((W != 0).sum()) for W in res.network.weights]
    assert tuple(nnz[:2]) == res.layer_nonzeros and nnz[2] == 60  # output layer untouched
    if strategy in ("uniform", "random"):
        assert res.layer_nonzeros == uni
    # the pruned module computes what the pruned network computes
    x = np.random.default_rng(0).standard_normal((7, 30))
    out = res.module(torch.as_tensor(x)).detach().numpy()
    np.testing.assert_allclose(out, res.network.forward(x), rtol=1e-12, atol=1e-12)
    # the input is not modified
    assert all((W != 0).all() for W in net.weights)


def test_cnn_front_end_left_alone_and_bound_input_is_conv_output() -> None:
    model = cnn()
    conv_w = model[0].weight.detach().clone()
    res = prune(model, 0.1, strategy="bound", input_shape=(1, 8, 8))
    assert res.bound_widths == (64, 20, 16)
    assert torch.equal(res.module[0].weight, conv_w)
    assert res.masks is not None and res.masks.nonzeros() == list(res.layer_nonzeros)
    assert res.bound_log10 >= res.uniform_bound_log10
    assert res.network is not None and res.network.input_dim == 64
    with_out = prune(model, 0.1, strategy="bound", include_output=True)
    assert with_out.layers == (0, 1, 2) and with_out.layer_nonzeros[2] == uniform_counts([160], 0.1)[0]
    assert with_out.network is None  # a conv model needs input_shape to be converted


def test_masks_keep_pruned_weights_at_zero_while_training() -> None:
    res = prune(cnn(), 0.2, strategy="uniform")
    model, masks = res.module, res.masks
    assert masks is not None
    masks.attach()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    x, y = torch.randn(32, 1, 8, 8), torch.randint(0, 10, (32,))
    before = [m.weight.detach().clone() for m in linear_layers(model)[:2]]
    for _ in range(5):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        masks.apply()
    assert masks.nonzeros() == list(res.layer_nonzeros)
    after = [m.weight.detach() for m in linear_layers(model)[:2]]
    assert any(not torch.equal(a, b) for a, b in zip(after, before, strict=True))  # it did train
    masks.detach()


def test_density_one_is_the_identity_and_errors() -> None:
    net = random_network([6, 5, 4, 2], seed=1)
    res = prune(net, 1.0, strategy="bound")
    assert res.network is not None and res.network.allclose(net)
    assert res.bound_log10 == res.uniform_bound_log10
    with pytest.raises(PruningError):
        prune(net, 0.0)
    with pytest.raises(PruningError):
        prune("model.npz", 0.5)
    with pytest.raises(PruningError):
        prune(net, 0.5, layers=[7])
    with pytest.raises(Exception, match="choose one of"):
        prune(net, 0.5, strategy="magic")


def test_global_can_unbalance_layers_but_keeps_the_total() -> None:
    W1 = np.full((4, 4), 10.0)  # large weights: global pruning keeps these first
    net_small = from_torch(nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1)))
    Ws = [W1, np.full((4, 4), 0.01), np.ones((1, 4))]
    from relu_regions import Network

    net = Network(Ws, list(net_small.biases))
    res = prune(net, 0.5, strategy="global")
    assert res.layer_nonzeros == (16, 0)  # the second layer is disconnected
    assert res.uniform_bound_log10 > res.bound_log10
