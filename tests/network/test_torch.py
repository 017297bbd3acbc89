"""PyTorch import/export: folding checked against torch's own forward pass."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from relu_regions import (  # noqa: E402
    DimensionError,
    ModelFormatError,
    UnsupportedLayerError,
    UntrustedPickleError,
    from_state_dict,
    from_torch,
    load_network,
    random_network,
    save_network,
    to_torch,
    to_torchscript,
)

ATOL = 1e-12

# torch 2.13 deprecates TorchScript; the format is still what the issue asks for
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")


def randomise_batchnorm(model, gen):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            with torch.no_grad():
                m.running_mean.uniform_(-1, 1, generator=gen)
                m.running_var.uniform_(0.5, 2, generator=gen)
                if m.weight is not None:
                    m.weight.uniform_(-1, 1, generator=gen)
                    m.bias.uniform_(-1, 1, generator=gen)
    return model


def assert_same_function(model, net, shape, n=64, seed=0):
    """The converted network equals torch's float64 eval-mode forward on random inputs."""
    gen = torch.Generator().manual_seed(seed)
    model = model.double().eval()
    x = torch.randn(n, *shape, dtype=torch.float64, generator=gen)
    with torch.no_grad():
        expected = model(x).reshape(n, -1).numpy()
    got = net.forward(x.reshape(n, -1).numpy())
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=ATOL)


# --------------------------------------------------------------------------- Sequential
def test_sequential_is_folded_exactly():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    net = from_torch(model)
    assert net.widths == (3, 4, 2) and net.is_relu and not net.output_relu
    np.testing.assert_array_equal(net.weights[0], model[0].weight.detach().double().numpy())
    np.testing.assert_array_equal(net.biases[1], model[2].bias.detach().double().numpy())


def test_nested_sequential_dropout_identity_batchnorm1d():
    gen = torch.Generator().manual_seed(1)
    model = nn.Sequential(
        nn.Sequential(nn.Flatten(), nn.Linear(6, 5), nn.BatchNorm1d(5)),
        nn.Dropout(0.5),
        nn.ReLU(),
        nn.Sequential(nn.Identity(), nn.Linear(5, 4), nn.LeakyReLU(0.2)),
        nn.Linear(4, 2),
    )
    randomise_batchnorm(model, gen)
    model.train()  # converted with evaluation-mode semantics regardless
    net = from_torch(model)
    assert net.widths == (6, 5, 4, 2)
    assert net.negative_slopes == (0.0, 0.2)
    assert_same_function(model, net, (6,))


def test_output_relu_and_leaky_output():
    net = from_torch(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.ReLU()))
    assert net.output_relu and net.widths == (3, 4, 2)
    model = nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(0.1))
    net = from_torch(model)
    # a LeakyReLU output is a hidden layer followed by an identity output layer
    assert net.widths == (3, 4, 4) and not net.output_relu
    np.testing.assert_array_equal(net.weights[1], np.eye(4))
    assert_same_function(model, net, (3,))


def test_consecutive_activations_collapse():
    # leaky_a(leaky_b(z)) = leaky_{ab}(z); relu(relu(z)) = relu(z); an activation first
    model = nn.Sequential(nn.LeakyReLU(0.5), nn.Linear(3, 3), nn.LeakyReLU(0.5), nn.LeakyReLU(0.4), nn.ReLU(),
                          nn.ReLU(), nn.Linear(3, 1))
    net = from_torch(model)
    assert net.widths == (3, 3, 3, 1)
    np.testing.assert_array_equal(net.weights[0], np.eye(3))
    assert net.negative_slopes == (0.5, 0.0)
    assert_same_function(model, net, (3,))


def test_input_size_is_revealed_by_first_linear():
    net = from_torch(nn.Sequential(nn.ReLU(), nn.Flatten(), nn.Dropout(), nn.Linear(5, 2)))
    assert net.widths == (5, 5, 2) and net.input_shape is None


# --------------------------------------------------------------------------- conv / pool / bn
CONV_CASES = [
    ("conv-bn-relu-maxpool", (1, 6, 6), lambda: nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(27, 4), nn.ReLU(), nn.Linear(4, 2))),
    ("strided-dilated-grouped", (2, 7, 7), lambda: nn.Sequential(
        nn.Conv2d(2, 4, 3, stride=2, padding=2, dilation=2, groups=2), nn.ReLU(), nn.Flatten(),
        nn.Linear(64, 3))),
    ("padding-modes", (2, 5, 5), lambda: nn.Sequential(
        nn.Conv2d(2, 2, 3, padding=1, padding_mode="reflect"), nn.ReLU(),
        nn.Conv2d(2, 2, (3, 2), padding="same", padding_mode="replicate"), nn.ReLU(),
        nn.Conv2d(2, 1, 3, padding=(2, 1), padding_mode="circular", bias=False), nn.Flatten(),
        nn.Linear(35, 2))),
    ("avgpool-variants", (1, 7, 7), lambda: nn.Sequential(
        nn.Conv2d(1, 2, 2), nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
        nn.ReLU(), nn.AvgPool2d(2, divisor_override=3), nn.Flatten(), nn.Linear(8, 2))),
    ("maxpool-before-relu", (2, 6, 6), lambda: nn.Sequential(
        nn.Conv2d(2, 2, 3), nn.MaxPool2d(3, stride=1, padding=1, dilation=1), nn.ReLU(),
        nn.MaxPool2d((2, 3), stride=(2, 1), ceil_mode=True), nn.Flatten(), nn.Linear(8, 2))),
    ("maxpool-dilated", (1, 7, 7), lambda: nn.Sequential(
        nn.ReLU(), nn.MaxPool2d(3, stride=2, padding=1, dilation=2), nn.Flatten(), nn.Linear(9, 1))),
    ("conv1d-pools", (2, 8), lambda: nn.Sequential(
        nn.Conv1d(2, 3, 3, padding="same", padding_mode="circular"), nn.MaxPool1d(2), nn.ReLU(),
        nn.AvgPool1d(2), nn.AdaptiveAvgPool1d(2), nn.Flatten(), nn.Linear(6, 2))),
    ("pads-adaptive-prelu", (1, 4, 4), lambda: nn.Sequential(
        nn.ZeroPad2d((1, 0, 2, 1)), nn.Conv2d(1, 2, 2), nn.ConstantPad2d(1, 0.5), nn.AdaptiveAvgPool2d((2, 3)),
        nn.Flatten(), nn.PReLU(init=0.3), nn.Linear(12, 2))),
    ("bn2d-unflatten", (12,), lambda: nn.Sequential(
        nn.Unflatten(1, (3, 2, 2)), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(12, 1))),
]


@pytest.mark.parametrize("name,shape,make", CONV_CASES, ids=[c[0] for c in CONV_CASES])
def test_conv_pool_batchnorm_match_torch(name, shape, make):
    torch.manual_seed(3)
    model = randomise_batchnorm(make(), torch.Generator().manual_seed(4))
    net = from_torch(model, input_shape=shape)
    assert net.input_shape == (shape if len(shape) > 1 else None)
    assert_same_function(model, net, shape, n=128)


def test_maxpool_is_converted_into_relu_layers():
    model = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1, 1))
    net = from_torch(model, input_shape=(1, 2, 2))
    # after a ReLU: max of 4 values = 2 levels; pairs need 2 neurons (relu(a-b), relu(b))
    assert net.hidden_widths == (4, 4, 2)
    # max(a,b,c,d) without a ReLU before carries values as relu(v) - relu(-v): 3 per pair
    net = from_torch(nn.Sequential(nn.MaxPool2d(2), nn.Flatten()), input_shape=(1, 2, 2))
    assert net.hidden_widths == (6, 3)
    x = np.array([[-1.0, -3.0, -2.0, -0.5], [4.0, 2.0, -7.0, 3.0]])
    np.testing.assert_allclose(net.forward(x), [[-0.5], [4.0]])


def test_conv_needs_input_shape_and_checks_it():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 1))
    with pytest.raises(UnsupportedLayerError, match=r"position 1 \(Conv2d '0'\) needs the shape of the input"):
        from_torch(model)
    with pytest.raises(DimensionError, match="Conv2d needs one input of shape"):
        from_torch(model, input_shape=(4, 4))
    with pytest.raises(DimensionError, match="does not fit"):
        from_torch(model, input_shape=(3, 4, 4))  # 3 channels for a 1-channel conv
    with pytest.raises(DimensionError, match="expects 8 input features"):
        from_torch(model, input_shape=(1, 5, 5))


# --------------------------------------------------------------------------- custom modules
class CustomNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.fc = nn.Linear(8, 4)
        self.w = nn.Parameter(torch.randn(3, 4))
        self.tail = nn.ModuleList([nn.Linear(3, 3), nn.ReLU()])

    def forward(self, x):
        x = F.relu(self.conv(x))
        x = x.view(x.size(0), -1)
        x = torch.relu(self.fc(x))
        x = F.linear(x, self.w * 2)
        x = F.dropout(x, 0.3, training=self.training)
        x = x.relu()
        for layer in self.tail:
            x = layer(x)
        x = F.leaky_relu(x, 0.2)
        x = x.reshape(x.shape[0], -1)
        return 2 * x - 1


def test_custom_module_via_fx():
    torch.manual_seed(0)
    model = CustomNet()
    net = from_torch(model, input_shape=(1, 4, 4))
    # leaky_relu(relu(z)) = relu(z) collapses; the affine 2x - 1 is an identity-like output layer
    assert net.widths == (16, 8, 4, 3, 3, 3)
    assert_same_function(model, net, (1, 4, 4))


@pytest.mark.parametrize("how", ["script", "trace"])
def test_torchscript_modules(how):
    torch.manual_seed(0)
    model = CustomNet().double().eval()
    x = torch.randn(2, 1, 4, 4, dtype=torch.float64)
    ts = torch.jit.script(model) if how == "script" else torch.jit.trace(model, x)
    net = from_torch(ts, input_shape=(1, 4, 4))
    assert net.widths == (16, 8, 4, 3, 3, 3)
    assert_same_function(model, net, (1, 4, 4))
    assert ts.training is False


class DataDependent(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        if x.sum() > 0:
            return self.fc(x)
        return x


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        return x + torch.relu(self.fc(x))


@pytest.mark.parametrize(
    "model,message",
    [
        (nn.Sequential(nn.Linear(3, 3), nn.Sigmoid()), r"unsupported layer Sigmoid at position 2 \(Sigmoid '1'\)"),
        (nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 1)), "unsupported layer Tanh"),
        (nn.Sequential(nn.Linear(3, 3), nn.Softmax(dim=1)), "drop it and convert the logits"),
        (nn.Sequential(nn.Linear(3, 3), nn.MultiheadAttention(3, 1)), "MultiheadAttention"),
        (nn.Sequential(nn.Linear(3, 3), nn.LayerNorm(3)), "unsupported layer LayerNorm"),
        (nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3, track_running_stats=False)), "batch statistics"),
        (nn.Sequential(nn.Linear(3, 3), nn.LeakyReLU(1.5)), "outside"),
        (nn.Sequential(nn.Linear(3, 3), nn.PReLU(3)), "per-channel slopes"),
        (nn.Sequential(nn.Flatten(0), nn.Linear(3, 3)), "flattens the batch dimension"),
        (Residual(), "branch or skip connection"),
        (DataDependent(), r"cannot read DataDependent: torch.fx tracing failed .* aten::sum"),
    ],
)
def test_unsupported_models_raise_one_line_errors(model, message):
    with pytest.raises(UnsupportedLayerError, match=message) as info:
        from_torch(model)
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------- export
@pytest.mark.parametrize("slope,output_relu", [(0.0, False), (0.1, True)])
def test_to_torch_and_back(slope, output_relu):
    net = random_network([4, 6, 5, 2], seed=3, negative_slope=slope, output_relu=output_relu)
    model = to_torch(net)
    assert_same_function(model, net, (4,))
    assert from_torch(model).allclose(net, rtol=0)
    model32 = to_torch(net, dtype="float32")
    assert model32[0].weight.dtype == torch.float32
    assert from_torch(model32).allclose(net, rtol=1e-6, atol=1e-7)


def test_to_torch_with_input_shape_accepts_shaped_and_flat_inputs():
    net = from_torch(nn.Sequential(nn.Flatten(), nn.Linear(6, 2)), input_shape=(1, 2, 3))
    model = to_torch(net)
    x = torch.randn(5, 1, 2, 3, dtype=torch.float64)
    np.testing.assert_allclose(model(x).detach().numpy(), model(x.reshape(5, 6)).detach().numpy())


def test_torchscript_file_round_trip_keeps_shape_and_name(tmp_path):
    net = random_network([6, 4, 3], seed=2, negative_slope=0.05)
    net = net.replace_layers(net.weights, net.biases, input_shape=(1, 2, 3), name="tiny")
    path = save_network(net, tmp_path / "m.pt")
    back = load_network(path)
    assert back.allclose(net, rtol=0) and back.input_shape == (1, 2, 3) and back.name == "tiny"
    loaded = torch.jit.load(str(path))
    assert_same_function(loaded, net, (1, 2, 3))
    assert to_torchscript(net, dtype="float32").original_name == "Sequential"


# --------------------------------------------------------------------------- torch.save files
def test_state_dict_loading_and_assumption_warning(tmp_path):
    gen = torch.Generator().manual_seed(5)
    model = nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 3), nn.ReLU(),
                          nn.Linear(3, 2))
    randomise_batchnorm(model, gen)
    torch.save(model.state_dict(), tmp_path / "sd.pt")
    with pytest.warns(UserWarning, match=r"assumed the layers 0 \(Linear 4->5\), 1 \(BatchNorm1d\), 3"):
        net = load_network(tmp_path / "sd.pt")
    assert_same_function(model, net, (4,))
    # a checkpoint dictionary is unwrapped; legacy (non-zip) files work too
    torch.save({"epoch": 3, "model_state_dict": model.state_dict()}, tmp_path / "ckpt.pth",
               _use_new_zipfile_serialization=False)
    with pytest.warns(UserWarning):
        assert load_network(tmp_path / "ckpt.pth").allclose(net, rtol=0)


def test_state_dict_errors():
    conv = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2, 1)).state_dict()
    with pytest.raises(ModelFormatError, match=r"cannot infer a layer .* 0\.weight \(2, 1, 3, 3\)"):
        from_state_dict(conv)
    with pytest.raises(ModelFormatError, match="without model weights"):
        from_state_dict({"epoch": 1})
    bad = {"a.weight": torch.ones(3, 2), "b.weight": torch.ones(1, 4)}
    with pytest.raises(DimensionError, match="expects 4 input features"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_state_dict(bad)


def test_pickled_module_needs_explicit_opt_in(tmp_path):
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    torch.save(model, tmp_path / "module.pt")
    with pytest.raises(UntrustedPickleError, match="trust_pickle=True"):
        load_network(tmp_path / "module.pt")
    net = load_network(tmp_path / "module.pt", trust_pickle=True)
    assert_same_function(model, net, (2,))


# --------------------------------------------------------------------------- property test
layer_widths = st.lists(st.integers(1, 5), min_size=1, max_size=3)


@settings(max_examples=25, deadline=None)
@given(
    n_in=st.integers(1, 4),
    widths=layer_widths,
    slope=st.sampled_from([0.0, 0.01, 0.3]),
    bn=st.booleans(),
    output_relu=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_random_sequential_architectures(n_in, widths, slope, bn, output_relu, seed):
    torch.manual_seed(seed)
    layers: list = []
    prev = n_in
    for i, w in enumerate(widths):
        layers.append(nn.Linear(prev, w))
        if i < len(widths) - 1 or output_relu:
            if bn:
                layers.append(nn.BatchNorm1d(w))
            layers.append(nn.ReLU() if slope == 0 else nn.LeakyReLU(slope))
            layers.append(nn.Dropout(0.1))
        prev = w
    model = randomise_batchnorm(nn.Sequential(*layers), torch.Generator().manual_seed(seed))
    net = from_torch(model)
    leaky_end = (widths[-1],) if output_relu and slope else ()  # identity output layer
    assert net.widths == (n_in, *widths, *leaky_end)
    assert net.output_relu == (output_relu and slope == 0)
    assert_same_function(model, net, (n_in,), n=32, seed=seed)
    assert from_torch(to_torch(net)).allclose(net, rtol=0)
