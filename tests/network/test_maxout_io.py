"""Maxout networks in and out: PyTorch (modules, TorchScript, state dicts), ONNX, ``.npz``, CLI.

Evidence, not decoration: every loaded network is compared with the model's *own* runtime
(PyTorch's forward, onnxruntime) on random float64 inputs to 1e-10, and the piece/unit
order is checked against an independent oracle (the ``Linear`` rows the reshape groups, and
the arg-max indices ``torch.max`` itself returns), because the forward pass alone cannot
see a permutation of pieces within a unit.
"""

from __future__ import annotations

import json
import os
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from relu_regions import (  # noqa: E402
    DimensionError,
    ModelFormatError,
    UnsupportedLayerError,
    from_onnx,
    from_state_dict,
    from_torch,
    load_network,
    random_network,
    save_network,
    to_onnx,
    to_torch,
    to_torchscript,
)
from relu_regions.cli import main  # noqa: E402
from relu_regions.network import Maxout  # noqa: E402

nn = torch.nn
TOL = 1e-10
CORPUS = os.path.join(os.path.dirname(__file__), "data")


def xs(n_in: int, n: int = 300, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, n_in))


def torch_out(model, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.from_numpy(x)).numpy()


def run_ort(model, x: np.ndarray) -> np.ndarray:
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: x})[0]


# --------------------------------------------------------------------------- PyTorch layouts
class ViewMax(nn.Module):
    """(m, k) layout: ``Linear(n, m*k)``, ``view(B, m, k)``, ``max(dim=2)[0]``."""

    def __init__(self, n=3, m=4, k=3):
        super().__init__()
        self.m, self.k = m, k
        self.lin, self.out = nn.Linear(n, m * k), nn.Linear(m, 2)

    def pieces(self):
        W = self.lin.weight.detach().numpy().reshape(self.m, self.k, -1)
        return W.transpose(1, 0, 2), self.lin.bias.detach().numpy().reshape(self.m, self.k).T

    def hidden(self, x):
        return self.lin(x).view(x.size(0), self.m, self.k)

    def forward(self, x):
        return self.out(self.hidden(x).max(dim=2)[0])


class UnflattenAmax(ViewMax):
    """(k, m) layout: ``unflatten(1, (k, m))``, ``torch.amax(dim=1)``."""

    def pieces(self):
        W = self.lin.weight.detach().numpy().reshape(self.k, self.m, -1)
        return W, self.lin.bias.detach().numpy().reshape(self.k, self.m)

    def hidden(self, x):
        return self.lin(x).unflatten(1, (self.k, self.m))

    def forward(self, x):
        return self.out(torch.amax(self.hidden(x), dim=1))


class ReshapeValues(ViewMax):
    """(m, k) layout with ``reshape(-1, m, k)`` and ``.max(-1).values``."""

    def hidden(self, x):
        return self.lin(x).reshape(-1, self.m, self.k)

    def forward(self, x):
        return self.out(self.hidden(x).max(-1).values)


class KeepdimKM(UnflattenAmax):
    """(k, m) layout, ``max(dim=-2, keepdim=True)`` then ``flatten(1)``."""

    def forward(self, x):
        return self.out(torch.max(self.hidden(x), dim=-2, keepdim=True)[0].flatten(1))


class KeepdimSqueeze(ViewMax):
    """(m, k) layout, ``max(-1, keepdim=True)[0].squeeze(-1)``."""

    def forward(self, x):
        return self.out(self.hidden(x).max(-1, keepdim=True)[0].squeeze(-1))


class UnsqueezeAmax(UnflattenAmax):
    """(k, m) layout through ``unsqueeze``: ``amax`` over dim 2 of ``(B, 1, k, m)``."""

    def forward(self, x):
        return self.out(torch.amax(self.hidden(x).unsqueeze(1), dim=2).squeeze(1))


LAYOUTS = [ViewMax, UnflattenAmax, ReshapeValues, KeepdimKM, KeepdimSqueeze, UnsqueezeAmax]


def piece_axis(cls) -> int:
    return 1 if issubclass(cls, UnflattenAmax) else 2


@pytest.mark.parametrize("cls", LAYOUTS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("form", ["module", "torchscript"])
def test_torch_layouts_give_the_right_pieces(cls, form):
    torch.manual_seed(1)
    model = cls().double().eval()
    net = from_torch(model if form == "module" else torch.jit.script(model))
    assert net.maxout_ranks == (3,) and net.widths == (3, 4, 2)
    x = xs(3)
    np.testing.assert_allclose(net.forward(x), torch_out(model, x), rtol=0, atol=TOL)
    # piece p of unit j is the Linear row that the reshape puts at that position
    W, b = model.pieces()
    np.testing.assert_array_equal(net.layers[0].weight, W)
    np.testing.assert_array_equal(net.layers[0].bias, b)
    # ... so the arg-max piece index is the one torch.max reports
    with torch.no_grad():
        idx = torch.max(model.hidden(torch.from_numpy(x)), dim=piece_axis(cls))[1].numpy()
    np.testing.assert_array_equal(net.activation_patterns(x)[0], idx)


@settings(max_examples=60, deadline=None)
@given(
    shape=st.lists(st.integers(1, 3), min_size=1, max_size=4),
    data=st.data(),
    after=st.sampled_from([None, 0.0, 0.2]),
)
def test_builder_max_over_any_axes_equals_numpy_amax(shape, data, after):
    """The builder's maxout layer equals ``np.amax`` of the reshaped affine map, for any axes.

    ``after`` puts a (leaky) ReLU between the affine map and the max, which the builder moves
    behind the max (``max_p sigma(z_p) = sigma(max_p z_p)``).
    """
    from relu_regions.io._builder import LayerBuilder

    axes = data.draw(st.sets(st.integers(0, len(shape) - 1), min_size=1))
    keepdim = data.draw(st.booleans())
    rng = np.random.default_rng(len(shape) * 7 + sum(shape))
    n_in, n = 3, int(np.prod(shape))
    W, c = rng.normal(size=(n, n_in)), rng.normal(size=n)
    b = LayerBuilder((n_in,))
    b.linear(W, c)
    if after is not None:
        b.activation(after)
    b.reshape(shape)
    b.max_reduce(sorted(axes), keepdim=keepdim)
    b.flatten()
    net = b.finish()
    x = xs(n_in, 50)
    z = x @ W.T + c
    if after is not None:
        z = np.maximum(z, after * z)
    expected = np.amax(z.reshape(-1, *shape), axis=tuple(a + 1 for a in axes), keepdims=keepdim)
    np.testing.assert_allclose(net.forward(x), expected.reshape(len(x), -1), rtol=0, atol=1e-12)
    k = int(np.prod([shape[a] for a in axes]))
    if k > 1:
        extra = 0 if after is None else (1 if after == 0.0 else k)
        assert net.maxout_ranks == (k + extra,)


def test_both_layouts_of_the_same_rows_give_the_same_network():
    torch.manual_seed(2)
    a = ViewMax().double().eval()
    b = UnflattenAmax().double().eval()
    with torch.no_grad():  # permute b's Linear rows so that it groups the same rows as a
        perm = torch.arange(12).reshape(4, 3).T.reshape(-1)
        b.lin.weight.copy_(a.lin.weight[perm])
        b.lin.bias.copy_(a.lin.bias[perm])
        b.out.load_state_dict(a.out.state_dict())
    assert from_torch(a).allclose(from_torch(b), rtol=0)


class MaxoutInside(nn.Module):
    """Our Maxout module inside a custom forward (torch.fx keeps it as one leaf call)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 5)
        self.mx = Maxout(5, 4, 3)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(self.mx(torch.relu(self.fc(x))) * 0.5)


def test_maxout_module_through_walker_fx_and_torchscript():
    torch.manual_seed(3)
    seq = nn.Sequential(nn.Linear(3, 5), nn.LeakyReLU(0.1), Maxout(5, 4, 3), nn.Linear(4, 6), nn.ReLU(),
                        Maxout(6, 3, 2), nn.Linear(3, 2)).double().eval()
    custom = MaxoutInside().double().eval()
    x = xs(3)
    for model in (seq, custom):
        expected = torch_out(model, x)
        for form in (model, torch.jit.script(model)):
            net = from_torch(form)
            np.testing.assert_allclose(net.forward(x), expected, rtol=0, atol=TOL)
    net = from_torch(seq)
    assert net.maxout_ranks == (1, 3, 1, 2)
    np.testing.assert_array_equal(net.layers[1].weight, seq[2].weight.detach().numpy())
    np.testing.assert_array_equal(net.layers[3].bias, seq[5].bias.detach().numpy())
    assert from_torch(custom).maxout_ranks == (1, 3)


def test_maxout_module_validates_and_is_lazy():
    with pytest.raises(ValueError, match="k must be an integer >= 2"):
        Maxout(3, 2, 1)
    with pytest.raises(ValueError, match="out_features"):
        Maxout(3, 0, 2)
    layer = Maxout(3, 2, 4, dtype=torch.float64)
    assert layer.weight.shape == (4, 2, 3) and layer.bias.shape == (4, 2)
    assert "k=4" in repr(layer)
    import relu_regions

    assert relu_regions.Maxout is Maxout


@pytest.mark.parametrize("slope", [0.0, 0.3])
def test_activation_before_or_after_a_max_folds_into_the_pieces(slope):
    """max_p sigma(z_p) = sigma(max_p z_p); relu adds a zero piece, LeakyReLU doubles them."""


    class Before(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin, self.out = nn.Linear(3, 8), nn.Linear(4, 1)
            self.act = nn.ReLU() if slope == 0 else nn.LeakyReLU(slope)

        def forward(self, x):
            return self.out(self.act(self.lin(x)).view(-1, 4, 2).amax(-1))

    class After(Before):
        def forward(self, x):
            return self.out(self.act(self.lin(x).view(-1, 4, 2).amax(-1)))

    torch.manual_seed(4)
    x = xs(3)
    for cls in (Before, After):
        model = cls().double().eval()
        net = from_torch(model)
        assert net.maxout_ranks == ((3,) if slope == 0 else (4,))
        np.testing.assert_allclose(net.forward(x), torch_out(model, x), rtol=0, atol=TOL)
        np.testing.assert_allclose(from_torch(torch.jit.script(model)).forward(x), torch_out(model, x),
                                   rtol=0, atol=TOL)


def test_max_of_maxout_units_and_max_over_the_input():
    torch.manual_seed(5)

    class Nested(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin, self.out = nn.Linear(3, 8), nn.Linear(2, 1)

        def forward(self, x):
            return self.out(self.lin(x).view(-1, 2, 2, 2).amax(-1).amax(-1))

    class OnInput(nn.Module):
        def __init__(self):
            super().__init__()
            self.out = nn.Linear(2, 1)

        def forward(self, x):
            return self.out(x.view(-1, 2, 2).amax(1))

    for model, n_in, ranks in ((Nested(), 3, (4,)), (OnInput(), 4, (2,))):
        model = model.double().eval()
        net = from_torch(model, input_shape=(n_in,))
        assert net.maxout_ranks == ranks
        x = xs(n_in)
        np.testing.assert_allclose(net.forward(x), torch_out(model, x), rtol=0, atol=TOL)


def test_shapes_of_earlier_values_and_a_max_over_all_features():
    torch.manual_seed(15)

    class Sizes(nn.Module):  # x.size(1) is the *input's* width, not the running value's
        def __init__(self):
            super().__init__()
            self.lin, self.out = nn.Linear(3, 8), nn.Linear(4, 1)

        def forward(self, x):
            return self.out(self.lin(x).view(x.size(0), x.size(1) + 1, 2).amax(-1))

    class AllFeatures(Sizes):  # one maxout unit of rank 8, output shape (batch,)
        def forward(self, x):
            return self.lin(x).amax(1)

    x = xs(3)
    for model in (Sizes().double().eval(), AllFeatures().double().eval()):
        for form in (model, torch.jit.script(model)):
            net = from_torch(form)
            np.testing.assert_allclose(net.forward(x).reshape(len(x), -1),
                                       torch_out(model, x).reshape(len(x), -1), rtol=0, atol=TOL)
    assert from_torch(AllFeatures()).maxout_ranks == (8,)


def test_global_max_over_spatial_axes_is_one_maxout_layer(tmp_path):
    """``amax`` over (H, W) after a ReLU: rank H*W + 1 (the ReLU's zero piece), no ReLU blow-up."""
    torch.manual_seed(16)

    class GlobalMax(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.out = nn.Conv2d(1, 2, 2), nn.Linear(2, 1)

        def forward(self, x):
            return self.out(torch.relu(self.conv(x)).amax(dim=(2, 3)))

    model = GlobalMax().double().eval()
    x = xs(9)
    expected = torch_out(model, x.reshape(-1, 1, 3, 3))
    path = tmp_path / "g.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(2, 1, 3, 3, dtype=torch.float64),), str(path), dynamo=False,
                          input_names=["x"], dynamic_axes={"x": {0: "N"}})
    for net in (from_torch(model, input_shape=(1, 3, 3)), from_torch(torch.jit.script(model), input_shape=(1, 3, 3)),
                load_network(path)):
        assert net.maxout_ranks == (5,) and net.hidden_widths == (2,)
        np.testing.assert_allclose(net.forward(x), expected, rtol=0, atol=TOL)


def test_a_model_ending_in_a_max_gets_an_identity_output_layer():
    torch.manual_seed(6)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), Maxout(4, 2, 3)).double().eval()
    net = from_torch(model)
    assert net.maxout_ranks == (1, 3) and not net.output_relu
    np.testing.assert_array_equal(net.layers[-1].weight, np.eye(2))
    x = xs(3)
    np.testing.assert_allclose(net.forward(x), torch_out(model, x), rtol=0, atol=TOL)


def test_max_pooling_still_becomes_relu_neurons():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Unflatten(1, (1, 4)), nn.MaxPool1d(2), nn.Flatten(),
                          nn.Linear(2, 1)).double().eval()
    net = from_torch(model)
    assert not net.has_maxout and net.hidden_widths == (4, 4)  # the ReLU, one tournament level
    x = xs(3)
    np.testing.assert_allclose(net.forward(x), torch_out(model, x), rtol=0, atol=TOL)


@pytest.mark.parametrize(
    "forward, message",
    [
        (lambda s, x: s.out(s.lin(x).view(-1, 4, 2).max(2)[1].double()), "arg-max"),
        (lambda s, x: s.out(s.lin(x).view(-1, 4, 2).max(2).indices.double()), "arg-max"),
        (lambda s, x: s.out(torch.max(s.lin(x), torch.zeros(8, dtype=torch.float64))[:, :4]), "max"),
        (lambda s, x: s.out(s.lin(x).view(-1, 4, 2).amax(0)), "batch"),
        (lambda s, x: s.out(s.lin(x).amax(dim=(0, 1))), "batch"),
    ],
    ids=["indices", "indices-attr", "elementwise", "batch", "all"],
)
def test_unsupported_maxes_are_refused_in_one_line(forward, message):
    class Bad(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin, self.out = nn.Linear(3, 8), nn.Linear(4, 1)

    Bad.forward = forward
    with pytest.raises(UnsupportedLayerError, match=message) as info:
        from_torch(Bad().double().eval())
    assert "\n" not in str(info.value)


def test_torchscript_max_indices_and_batch_are_refused():
    class Idx(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 8)

        def forward(self, x):
            v, i = self.lin(x).view(-1, 4, 2).max(2)
            return v + i.double()

    class Batch(Idx):
        def forward(self, x):
            return self.lin(x).amax(0, keepdim=True)

    with pytest.raises(UnsupportedLayerError, match="arg-max"):
        from_torch(torch.jit.script(Idx().double()))
    with pytest.raises(UnsupportedLayerError, match="batch"):
        from_torch(torch.jit.script(Batch().double()))


def test_state_dict_with_a_maxout_layer():
    torch.manual_seed(7)
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), Maxout(5, 4, 2), nn.Linear(4, 3), nn.ReLU(),
                          nn.Linear(3, 1)).double().eval()
    with pytest.warns(UserWarning, match=r"2 \(Maxout 5->4, k=2\).*Maxout layer is its own activation"):
        net = from_state_dict(model.state_dict())
    # a ReLU is assumed between consecutive Linear layers only: Linear, Maxout, Linear, ReLU, Linear
    assert net.maxout_ranks == (2, 1)
    x = xs(3)
    ref = nn.Sequential(*list(model)[:1], *list(model)[2:])  # the state dict cannot know the first ReLU
    np.testing.assert_allclose(net.forward(x), torch_out(ref, x), rtol=0, atol=TOL)


# --------------------------------------------------------------------------- round trips
MIXED = [
    ([3, 5, 4, 2], [3, 1]),
    ([2, 6, 5, 4, 1], [2, 4, 1]),
    ([4, 3, 3, 2], [1, 5]),
]


@pytest.mark.parametrize("widths, ranks", MIXED)
def test_round_trips_torch_onnx_npz(widths, ranks, tmp_path):
    net = random_network(widths, maxout_rank=ranks, seed=sum(ranks), negative_slope=0.0)
    x = xs(widths[0])
    expected = net.forward(x)
    model = to_torch(net)
    assert sum(isinstance(m, Maxout) for m in model) == sum(k > 1 for k in ranks)
    np.testing.assert_allclose(torch_out(model, x), expected, rtol=0, atol=TOL)
    assert from_torch(model).allclose(net, rtol=0)
    script = to_torchscript(net)
    np.testing.assert_allclose(torch_out(script, x), expected, rtol=0, atol=TOL)
    assert from_torch(script).allclose(net, rtol=0)
    proto = to_onnx(net)
    assert [n.op_type for n in proto.graph.node].count("ReduceMax") == sum(k > 1 for k in ranks)
    np.testing.assert_allclose(run_ort(proto, x), expected, rtol=0, atol=TOL)
    assert from_onnx(proto).allclose(net, rtol=0)
    # a chain through the files: ours -> .pt -> .onnx -> .npz -> ours
    a = save_network(net, tmp_path / "m.pt")
    b = save_network(load_network(a), tmp_path / "m.onnx")
    c = save_network(load_network(b), tmp_path / "m.npz")
    back = load_network(c)
    assert back.allclose(net, rtol=0) and back.maxout_ranks == net.maxout_ranks
    with np.load(c) as arrays:
        shapes = {k: arrays[k].shape for k in arrays.files}
    for i, layer in enumerate(net.layers):
        assert shapes[f"W{i}"] == layer.weight.shape and shapes[f"b{i}"] == layer.bias.shape
    assert "negative_slopes" not in shapes


def test_leaky_relu_mixed_with_maxout_round_trips(tmp_path):
    net = random_network([2, 4, 3, 1], maxout_rank=[1, 3], negative_slope=0.25, seed=14)
    assert net.negative_slopes == (0.25, 0.0)
    x = xs(2)
    for path in ("m.npz", "m.pt", "m.onnx"):
        back = load_network(save_network(net, tmp_path / path))
        assert back.allclose(net, rtol=0) and back.negative_slopes == (0.25, 0.0)
        np.testing.assert_allclose(back.forward(x), net.forward(x), rtol=0, atol=TOL)


def test_torch_save_of_a_model_with_maxout(tmp_path):
    torch.manual_seed(8)
    model = nn.Sequential(Maxout(3, 4, 2), nn.Linear(4, 1)).double().eval()
    torch.save(model, tmp_path / "whole.pt")
    net = load_network(tmp_path / "whole.pt", trust_pickle=True)
    x = xs(3)
    np.testing.assert_allclose(net.forward(x), torch_out(model, x), rtol=0, atol=TOL)


def test_float32_export_stays_close():
    net = random_network([3, 5, 2], maxout_rank=4, seed=9)
    x = xs(3)
    model = to_onnx(net, dtype="float32")
    np.testing.assert_allclose(run_ort(model, x.astype(np.float32)), net.forward(x), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(torch_out(to_torch(net, dtype="float64"), x), net.forward(x), atol=TOL)


# --------------------------------------------------------------------------- ONNX graphs
def onnx_model(nodes, inits, n_in, n_out, opset=17):
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", n_in])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["N", n_out])],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def _maxout_graph(layout, opset, keepdims, matmul):
    rng = np.random.default_rng(10)
    m, k, n = 4, 3, 3
    W, c = rng.normal(size=(m * k, n)), rng.normal(size=m * k)
    shape = [0, m, k] if layout == "mk" else [0, k, m]
    axis = 2 if layout == "mk" else 1
    inits = {"W": W, "c": c, "s": np.array(shape, dtype=np.int64), "V": rng.normal(size=(2, m)),
             "d": rng.normal(size=2)}
    nodes = ([helper.make_node("MatMul", ["x", "Wt"], ["z0"]), helper.make_node("Add", ["z0", "c"], ["z"])]
             if matmul else [helper.make_node("Gemm", ["x", "W", "c"], ["z"], transB=1)])
    if matmul:
        inits["Wt"] = W.T
    nodes.append(helper.make_node("Reshape", ["z", "s"], ["r"]))
    red = {"keepdims": keepdims}
    if opset >= 18:
        inits["axes"] = np.array([axis], dtype=np.int64)
        nodes.append(helper.make_node("ReduceMax", ["r", "axes"], ["h"], **red))
    else:
        nodes.append(helper.make_node("ReduceMax", ["r"], ["h"], axes=[axis], **red))
    if keepdims:
        inits["sq"] = np.array([axis], dtype=np.int64)
        nodes.append(helper.make_node("Squeeze", ["h", "sq"], ["h2"]))
        nodes.append(helper.make_node("Gemm", ["h2", "V", "d"], ["y"], transB=1))
    else:
        nodes.append(helper.make_node("Gemm", ["h", "V", "d"], ["y"], transB=1))
    Wr = W.reshape(m, k, n).transpose(1, 0, 2) if layout == "mk" else W.reshape(k, m, n)
    return onnx_model(nodes, inits, n, 2, opset=opset), Wr


@pytest.mark.parametrize("layout", ["mk", "km"])
@pytest.mark.parametrize("opset, keepdims, matmul", [(17, 0, False), (18, 0, True), (18, 1, False),
                                                      (13, 1, True)])
def test_onnx_reducemax_graphs_match_onnxruntime(layout, opset, keepdims, matmul):
    model, W = _maxout_graph(layout, opset, keepdims, matmul)
    net = from_onnx(model)
    assert net.maxout_ranks == (3,)
    np.testing.assert_allclose(net.layers[0].weight, W, rtol=0, atol=0)
    x = xs(3)
    np.testing.assert_allclose(net.forward(x), run_ort(model, x), rtol=0, atol=TOL)


@pytest.mark.parametrize("opset", [13, 17, 18])
@pytest.mark.parametrize("cls", [ViewMax, UnflattenAmax, KeepdimSqueeze, MaxoutInside], ids=lambda c: c.__name__)
def test_torch_onnx_export_of_maxout_models(cls, opset, tmp_path):
    torch.manual_seed(11)
    model = cls().double().eval()
    path = tmp_path / "m.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(2, 3, dtype=torch.float64),), str(path), dynamo=False,
                          opset_version=opset, input_names=["x"], dynamic_axes={"x": {0: "N"}})
    net = load_network(path)
    assert net.has_maxout
    x = xs(3)
    np.testing.assert_allclose(net.forward(x), torch_out(model, x), rtol=0, atol=TOL)


@pytest.mark.parametrize(
    "reduce, message",
    [
        (dict(axes=[0]), "over the batch dimension"),
        (dict(axes=[3]), "over dimension 3"),
        (dict(), "without axes reduces the batch"),
    ],
)
def test_onnx_reducemax_over_unsupported_axes(reduce, message):
    inits = {"W": np.ones((6, 3)), "c": np.zeros(6), "s": np.array([0, 2, 3], dtype=np.int64)}
    nodes = [helper.make_node("Gemm", ["x", "W", "c"], ["z"], transB=1),
             helper.make_node("Reshape", ["z", "s"], ["r"]),
             helper.make_node("ReduceMax", ["r"], ["y"], keepdims=0, **reduce)]
    with pytest.raises((UnsupportedLayerError, DimensionError), match=message) as info:
        from_onnx(onnx_model(nodes, inits, 3, 2))
    assert "\n" not in str(info.value) and "ReduceMax" in str(info.value)


def test_onnx_squeeze_of_a_real_axis_is_refused():
    inits = {"W": np.ones((6, 3)), "c": np.zeros(6), "s": np.array([0, 2, 3], dtype=np.int64),
             "q": np.array([1], dtype=np.int64)}
    nodes = [helper.make_node("Gemm", ["x", "W", "c"], ["z"], transB=1),
             helper.make_node("Reshape", ["z", "s"], ["r"]),
             helper.make_node("Squeeze", ["r", "q"], ["y"])]
    with pytest.raises(DimensionError, match="not 1"):
        from_onnx(onnx_model(nodes, inits, 3, 2))


# --------------------------------------------------------------------------- .npz errors
def _bad(path, **arrays):
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize(
    "arrays, message",
    [
        (dict(W0=np.ones((3, 4, 2)), b0=np.zeros((2, 4)), W1=np.ones((1, 4)), b1=np.zeros(1)),
         r"b0 has shape \(2, 4\), expected \(3, 4\)"),
        (dict(W0=np.ones((3, 4, 2)), b0=np.zeros(4), W1=np.ones((1, 4)), b1=np.zeros(1)),
         r"b0 has shape \(4,\), expected \(3, 4\)"),
        (dict(W0=np.ones((3, 4, 2)), b0=np.zeros((3, 4))), "output layer must be affine"),
        (dict(W0=np.ones((1, 4, 2)), b0=np.zeros((1, 4)), W1=np.ones((1, 4)), b1=np.zeros(1)), "k >= 2"),
        (dict(W0=np.ones((2, 2, 4, 2)), b0=np.zeros((2, 4)), W1=np.ones((1, 4)), b1=np.zeros(1)),
         "maxout stack"),
        (dict(W0=np.ones((3, 4, 2)), b0=np.zeros((3, 4)), W1=np.ones((1, 5)), b1=np.zeros(1)),
         "W1 expects 5 inputs"),
    ],
    ids=["k-mismatch", "bias-1d", "maxout-output", "k1", "4d", "in-mismatch"],
)
def test_malformed_maxout_npz_is_one_line(arrays, message, tmp_path):
    path = _bad(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ModelFormatError, match=message) as info:
        load_network(path)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


def test_fuzz_corpus_files_are_the_malformed_models_they_claim():
    """tests/network/data/maxout_*: the files ``tests/test_fuzz_corpus.py`` feeds the CLI."""
    with np.load(os.path.join(CORPUS, "maxout_k_mismatch.npz")) as a:
        assert a["W0"].shape == (3, 4, 3) and a["b0"].shape == (2, 4)
    with np.load(os.path.join(CORPUS, "maxout_output_layer.npz")) as a:
        assert a["W0"].ndim == 3 and set(a.files) == {"W0", "b0"}
    model = onnx.load(os.path.join(CORPUS, "maxout_reducemax_batch.onnx"))
    (red,) = [n for n in model.graph.node if n.op_type == "ReduceMax"]
    assert helper.get_attribute_value(red.attribute[0]) == [0]
    for name in ("maxout_k_mismatch.npz", "maxout_output_layer.npz", "maxout_reducemax_batch.onnx"):
        with pytest.raises(ModelFormatError):
            load_network(os.path.join(CORPUS, name))


# --------------------------------------------------------------------------- CLI
@pytest.mark.parametrize("chain", [("npz", "onnx", "pt", "npz"), ("npz", "pt", "onnx", "npz")])
def test_cli_convert_round_trips_maxout(chain, tmp_path, capsys):
    net = random_network([3, 6, 4, 2], maxout_rank=[3, 2], seed=12)
    src = save_network(net, tmp_path / f"m0.{chain[0]}")
    for i, ext in enumerate(chain[1:], start=1):
        out = tmp_path / f"m{i}.{ext}"
        assert main(["convert", str(src), str(out), "--json"]) == 0
        res = json.loads(capsys.readouterr().out)
        assert res["architecture"]["maxout_ranks"] == [3, 2]
        check = res["check"]
        assert check["output"]["same_weights"] and check["output"]["reloaded_max_abs_difference"] <= TOL
        for diff in (check["source_max_abs_difference"], check["output"]["runtime_max_abs_difference"]):
            assert diff is None or diff <= TOL
        src = out
    assert load_network(src).allclose(net, rtol=0)
    assert main(["convert", str(src), str(tmp_path / "t.onnx")]) == 0
    (row,) = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("maxout ranks")]
    assert row.split()[-1] == "3-2"


def test_cli_info_shows_the_rank_per_layer(tmp_path, capsys):
    path = save_network(random_network([3, 6, 4, 5, 2], maxout_rank=[3, 1, 2], seed=13), tmp_path / "m.onnx")
    assert main(["info", str(path), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["maxout_ranks"] == [3, 1, 2] and res["hidden_widths"] == [6, 4, 5]
    assert res["activation"] == "mixed (maxout, relu)"
    assert main(["info", str(path)]) == 0
    assert "maxout_ranks" in capsys.readouterr().out
