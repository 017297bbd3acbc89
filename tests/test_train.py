from __future__ import annotations

import numpy as np
import pytest

from relu_regions import DimensionError, TrainingError, UnknownChoiceError
from relu_regions.data import load_dataset
from relu_regions.train import evaluate_network, train_network

FAST = dict(epochs=40, lr=0.02, batch_size=32, progress=False)


@pytest.fixture(scope="module")
def circles():
    return load_dataset("circle-annulus", n=600, seed=0)


def test_same_seed_same_weights_other_seed_other_weights(circles):
    a = train_network(circles, [6], seed=1, dropout=0.2, **{**FAST, "epochs": 5})
    b = train_network(circles, [6], seed=1, dropout=0.2, **{**FAST, "epochs": 5})
    c = train_network(circles, [6], seed=2, dropout=0.2, **{**FAST, "epochs": 5})
    for wa, wb in zip(a.network.weights, b.network.weights, strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.network.weights[0], c.network.weights[0])
    assert a.history == b.history


def test_training_does_not_disturb_the_callers_torch_rng(circles):
    torch = pytest.importorskip("torch")
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    train_network(circles, [4], **{**FAST, "epochs": 1})
    assert torch.equal(torch.rand(3), expected)


def test_accuracy_on_circle_vs_annulus(circles):
    res = train_network(circles, [16, 16], **FAST)
    assert res.metrics["train_accuracy"] > 0.95 and res.metrics["test_accuracy"] > 0.9
    assert res.network.widths == (2, 16, 16, 2) and res.network.input_shape == (2,)
    assert res.stop_reason == "completed" and not res.partial and res.epochs_run == 40
    assert res.metrics == evaluate_network(res.network, circles)
    d = res.to_dict()
    assert "network" not in d and d["architecture"] == [2, 16, 16, 2] and len(d["history"]) == 40


def test_sine_regression_with_sgd():
    data = load_dataset("sine", n=200)
    res = train_network(data, [32, 32], epochs=150, lr=0.02, optimizer="sgd", batch_size=16, progress=False)
    assert res.task == "regression" and res.network.output_dim == 1
    assert res.metrics["test_mse"] < 0.05


def test_l1_shrinks_the_chosen_layers(circles):
    base = train_network(circles, [16], **FAST)
    first = train_network(circles, [16], l1=3e-3, l1_layers=[0], **FAST)
    both = train_network(circles, [16], l1=3e-3, **FAST)
    assert first.weight_l1[0] < 0.7 * base.weight_l1[0]
    assert both.weight_l1[1] < 0.7 * base.weight_l1[1]
    assert sum(both.weight_l1) < sum(base.weight_l1)
    l2 = train_network(circles, [16], l2=1e-2, **FAST)
    assert float(np.sum(l2.network.weights[0] ** 2)) < float(np.sum(base.network.weights[0] ** 2))


def test_early_stopping_keeps_the_best_epoch():
    noise = load_dataset("random-labels", n=400, seed=0)
    res = train_network(noise, [64], epochs=300, lr=0.01, patience=3, progress=False)
    assert res.stop_reason == "early_stopping" and res.epochs_run < 300
    assert res.best_epoch == res.epochs_run - 3
    vals = [h["val_loss"] for h in res.history]
    assert min(vals) == vals[res.best_epoch - 1]


def test_time_limit_gives_a_labelled_partial_result(circles):
    res = train_network(circles, [8], epochs=100000, time_limit=0.3, progress=False)
    assert res.partial and res.stop_reason == "time_limit" and res.epochs_run < 100000
    assert set(res.metrics) == {"train_accuracy", "test_accuracy"}


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(hidden=[0]), TrainingError, "positive"),
        (dict(hidden=["a"]), TrainingError, "widths"),
        (dict(optimizer="lbfgs"), UnknownChoiceError, "choose one of: sgd, adam"),
        (dict(dropout=1.0), TrainingError, "dropout"),
        (dict(lr=-1.0), TrainingError, "lr"),
        (dict(l1_layers=[5]), TrainingError, "l1_layers"),
        (dict(patience=0), TrainingError, "patience"),
        (dict(dtype="float16"), TrainingError, "dtype"),
    ],
)
def test_bad_configuration(circles, kwargs, error, match):
    kwargs = {"hidden": [4], **kwargs}
    with pytest.raises(error, match=match):
        train_network(circles, kwargs.pop("hidden"), epochs=1, progress=False, **kwargs)


def test_evaluate_rejects_mismatched_network(circles, small_random_net):
    with pytest.raises(DimensionError, match="3 inputs"):
        evaluate_network(small_random_net, circles)
