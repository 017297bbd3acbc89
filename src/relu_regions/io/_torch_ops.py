"""What each supported PyTorch layer and tensor operation does to a :class:`LayerBuilder`.

One function per operation, shared by the three PyTorch readers (``nn.Module`` trees,
``torch.fx`` graphs and TorchScript graphs).  Operations are interpreted with their
evaluation-mode semantics (``model.eval()``): dropout is the identity and batch norm uses
its running statistics,

.. math::

    \\mathrm{BN}(x)_c = \\gamma_c \\frac{x_c - \\mu_c}{\\sqrt{\\sigma^2_c + \\epsilon}} + \\beta_c .

Convolutions, average pooling and padding are linear and become exact dense matrices
(:meth:`LayerBuilder.probe`); max pooling becomes ReLU layers (:mod:`._maxpool`); a
maximum over a feature axis (``amax``, ``max(dim)``) and relu-regions' own ``Maxout``
module become maxout layers (:meth:`LayerBuilder.max_reduce`), never ReLU neurons.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..exceptions import DimensionError, UnsupportedLayerError
from ._builder import LayerBuilder
from ._maxpool import pool_windows

__all__ = ["MODULE_OPS", "apply_module", "SUPPORTED_LAYERS", "to_numpy", "tuple_of", "op_maxout",
           "op_max_reduce", "is_maxout_module"]

SUPPORTED_LAYERS = (
    "Linear, ReLU, LeakyReLU, PReLU (one slope), Flatten, Unflatten, Dropout, Identity, "
    "BatchNorm1d/2d, Conv1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d, MaxPool1d/2d, ZeroPad2d, "
    "ConstantPad1d/2d, relu_regions.network.Maxout, max/amax over a feature axis (maxout)"
)


def to_numpy(t: Any) -> np.ndarray:
    """A tensor, number or sequence as a float64 array (exact upcast)."""
    import torch

    if isinstance(t, torch.Tensor):
        return t.detach().to(device="cpu", dtype=torch.float64).numpy()  # type: ignore[no-any-return]
    return np.asarray(t, dtype=np.float64)


def tuple_of(v: Any, n: int) -> tuple[int, ...]:
    """``v`` (an int or a sequence of ints) as an ``n``-tuple, as torch's ``_ntuple``."""
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    out = tuple(int(x) for x in v)
    if len(out) == 1:
        return out * n
    return out


def _weight(t: Any) -> Any:
    import torch

    if isinstance(t, torch.Tensor):
        return t.detach().to(device="cpu", dtype=torch.float64)
    return torch.from_numpy(np.array(t, dtype=np.float64))


def _spatial_rank(b: LayerBuilder, nd: int, what: str) -> tuple[int, ...]:
    shape = b._shape()
    if len(shape) != nd + 1:
        want = "(C, L)" if nd == 1 else "(C, H, W)" if nd == 2 else f"(C, {nd} spatial dims)"
        raise DimensionError(
            f"{b.where}: {what} needs one input of shape {want}, but the value has shape "
            f"{shape}; pass the right input_shape (CLI: --input-shape)"
        )
    return shape


def _probe(b: LayerBuilder, fn: Callable[[Any], Any], *, keeps_sign: bool = False) -> None:
    try:
        b.probe(fn, keeps_sign=keeps_sign)
    except RuntimeError as exc:  # torch's shape errors
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DimensionError(f"{b.where} does not fit a value of shape {b.shape}: {msg}") from None


# --------------------------------------------------------------------------- operations
def op_linear(b: LayerBuilder, weight: Any, bias: Any = None) -> None:
    b.linear(to_numpy(weight), None if bias is None else to_numpy(bias))


def op_relu(b: LayerBuilder) -> None:
    b.activation(0.0)


def op_leaky_relu(b: LayerBuilder, negative_slope: float = 0.01) -> None:
    b.activation(float(negative_slope))


def op_prelu(b: LayerBuilder, weight: Any) -> None:
    w = to_numpy(weight).reshape(-1)
    if w.size != 1:
        raise UnsupportedLayerError(
            f"{b.where}: PReLU with {w.size} per-channel slopes is not supported (one slope per "
            "layer only)"
        )
    b.activation(float(w[0]))


def op_identity(b: LayerBuilder) -> None:
    """Dropout (evaluation mode), Identity, contiguous/clone/detach."""


def op_flatten(b: LayerBuilder, start_dim: int = 1, end_dim: int = -1) -> None:
    b.flatten(int(start_dim), int(end_dim))


def op_unflatten(b: LayerBuilder, dim: int, sizes: Sequence[int]) -> None:
    shape = b._shape()
    d = int(dim) - 1 if int(dim) > 0 else len(shape) + int(dim)
    if not 0 <= d < len(shape):
        raise DimensionError(f"{b.where}: cannot unflatten dimension {dim} of shape {shape}")
    sizes = [int(s) for s in sizes]
    if -1 in sizes:
        known = math.prod(s for s in sizes if s != -1)
        sizes[sizes.index(-1)] = shape[d] // max(known, 1)
    b.reshape((*shape[:d], *sizes, *shape[d + 1 :]))


def op_batch_norm(
    b: LayerBuilder,
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
    ranks: Sequence[int] | None = None,
) -> None:
    if running_mean is None or running_var is None:
        raise UnsupportedLayerError(
            f"{b.where} normalises with batch statistics (track_running_stats=False), which is "
            "not an affine map"
        )
    mean, var = to_numpy(running_mean), to_numpy(running_var)
    gamma = np.ones_like(mean) if weight is None else to_numpy(weight)
    beta = np.zeros_like(mean) if bias is None else to_numpy(bias)
    if ranks is not None and b.shape is not None and len(b.shape) not in ranks:
        raise DimensionError(
            f"{b.where} expects a value with {' or '.join(str(r + 1) for r in ranks)} dimensions "
            f"(batch included) but gets one of shape {b.shape} per sample"
        )
    scale = gamma / np.sqrt(var + float(eps))
    b.channel_affine(scale, beta - mean * scale)


def op_conv(
    b: LayerBuilder,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
) -> None:
    import torch.nn.functional as F

    w = _weight(weight)
    nd = w.ndim - 2
    if nd not in (1, 2):
        raise UnsupportedLayerError(f"{b.where}: {nd}-d convolutions are not supported")
    _spatial_rank(b, nd, f"Conv{nd}d")
    conv = F.conv1d if nd == 1 else F.conv2d
    kernel = tuple(w.shape[2:])
    dil = tuple_of(dilation, nd)
    pad: Any = padding if isinstance(padding, str) else tuple_of(padding, nd)
    if padding_mode != "zeros":
        amounts: list[int] = []
        for i in reversed(range(nd)):  # F.pad lists the last dimension first
            if pad == "valid":
                lo = hi = 0
            elif pad == "same":
                total = dil[i] * (kernel[i] - 1)
                lo, hi = total // 2, total - total // 2
            else:
                lo = hi = pad[i]
            amounts += [lo, hi]
        mode = padding_mode

        def fn(x: Any) -> Any:
            return conv(F.pad(x, amounts, mode=mode), w, None, stride, 0, dil, int(groups))

    else:

        def fn(x: Any) -> Any:
            return conv(x, w, None, stride, pad, dil, int(groups))

    _probe(b, fn)
    if bias is not None:
        beta = to_numpy(bias)
        b.channel_affine(np.ones_like(beta), beta)


def op_avg_pool(
    b: LayerBuilder,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: Any = None,
    *,
    nd: int = 2,
) -> None:
    import torch.nn.functional as F

    _spatial_rank(b, nd, f"AvgPool{nd}d")
    stride = kernel_size if stride is None or (isinstance(stride, (list, tuple)) and not stride) else stride
    if nd == 1:
        if divisor_override is not None:
            raise UnsupportedLayerError(f"{b.where}: avg_pool1d has no divisor_override")

        def fn(x: Any) -> Any:
            return F.avg_pool1d(x, kernel_size, stride, padding, bool(ceil_mode), bool(count_include_pad))

    else:

        def fn(x: Any) -> Any:
            return F.avg_pool2d(
                x, kernel_size, stride, padding, bool(ceil_mode), bool(count_include_pad), divisor_override
            )

    _probe(b, fn, keeps_sign=True)


def op_adaptive_avg_pool(b: LayerBuilder, output_size: Any, *, nd: int = 2) -> None:
    import torch.nn.functional as F

    _spatial_rank(b, nd, f"AdaptiveAvgPool{nd}d")
    pool = F.adaptive_avg_pool1d if nd == 1 else F.adaptive_avg_pool2d
    _probe(b, lambda x: pool(x, output_size), keeps_sign=True)


def op_max_pool(
    b: LayerBuilder,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
    *,
    nd: int = 2,
) -> None:
    import torch
    import torch.nn.functional as F

    if return_indices:
        raise UnsupportedLayerError(f"{b.where}: max pooling with return_indices=True is not supported")
    shape = _spatial_rank(b, nd, f"MaxPool{nd}d")
    k = tuple_of(kernel_size, nd)
    s = k if stride is None or (isinstance(stride, (list, tuple)) and not stride) else tuple_of(stride, nd)
    p, d = tuple_of(padding, nd), tuple_of(dilation, nd)
    pool = F.max_pool1d if nd == 1 else F.max_pool2d
    try:
        out = pool(torch.zeros((1, *shape)), k, s, p, d, bool(ceil_mode)).shape[1:]
    except RuntimeError as exc:
        raise DimensionError(f"{b.where} does not fit a value of shape {shape}: {exc}") from None
    windows = pool_windows(shape, tuple(out[1:]), k, s, p, d)
    b.max_pool(windows, tuple(out))


def batch_axes(b: LayerBuilder, dims: Any, what: str) -> list[int]:
    """Batched dimension indices (``dim`` of a torch call, negative allowed) as per-sample axes."""
    rank = len(b._shape()) + 1
    raw = [dims] if isinstance(dims, (int, np.integer)) else list(dims)
    axes = []
    for d in raw:
        a = int(d) + rank if int(d) < 0 else int(d)
        if not 0 <= a < rank:
            raise DimensionError(f"{b.where}: {what} over dimension {d} of a value of rank {rank}")
        if a == 0:
            raise UnsupportedLayerError(
                f"{b.where}: {what} over the batch dimension mixes samples; reduce over a feature axis"
            )
        axes.append(a - 1)
    if not axes:
        raise UnsupportedLayerError(f"{b.where}: {what} over all dimensions mixes samples")
    return axes


def op_max_reduce(b: LayerBuilder, dim: Any, keepdim: Any = False, *, what: str = "max") -> None:
    """``torch.amax(x, dim, keepdim)`` / the values of ``torch.max(x, dim, keepdim)``: a maxout layer.

    Over the pieces axis of ``Linear(n, m*k)`` reshaped to ``(m, k)`` or ``(k, m)`` this
    is a rank-``k`` maxout layer (see :meth:`LayerBuilder.max_reduce`).
    """
    if dim is None:
        raise UnsupportedLayerError(
            f"{b.where}: {what} without dim reduces the whole batch to one number; use dim=-1"
        )
    b.max_reduce(batch_axes(b, dim, what), keepdim=bool(keepdim))


def op_squeeze(b: LayerBuilder, dim: Any = None) -> None:
    """``squeeze(dim)`` of per-sample axes of size 1 (as torch, other sizes are left alone).

    Without ``dim`` every per-sample axis of size 1 goes; the batch axis always stays (torch
    would drop a batch of one too).  A sample squeezed to a scalar keeps the shape ``(1,)``.
    """
    shape = b._shape()
    axes = range(len(shape)) if dim is None else batch_axes(b, dim, "squeeze")
    drop = {a for a in axes if shape[a] == 1}
    b.reshape([d for i, d in enumerate(shape) if i not in drop] or [1])


def op_unsqueeze(b: LayerBuilder, dim: Any) -> None:
    """``unsqueeze(dim)``: a new axis of size 1 (not in front of the batch)."""
    shape = list(b._shape())
    rank = len(shape) + 2  # of the result, batch included
    d = int(dim) + rank if int(dim) < 0 else int(dim)
    if not 0 <= d < rank:
        raise DimensionError(f"{b.where}: unsqueeze({dim}) of a value of rank {rank - 1}")
    if d == 0:
        raise UnsupportedLayerError(f"{b.where}: unsqueeze(0) puts a new axis in front of the batch")
    shape.insert(d - 1, 1)
    b.reshape(shape)


def op_maxout(b: LayerBuilder, weight: Any, bias: Any) -> None:
    """A maxout layer from weight ``(k, out, in)`` and bias ``(k, out)`` (relu-regions' ``Maxout``)."""
    W, c = to_numpy(weight), to_numpy(bias)
    if W.ndim != 3 or W.shape[0] < 2 or c.shape != W.shape[:2]:
        raise DimensionError(
            f"{b.where}: a maxout layer needs weight (k, out, in) with k >= 2 and bias (k, out); got "
            f"weight {W.shape} and bias {c.shape}"
        )
    k, out, n_in = W.shape
    b.linear(W.reshape(k * out, n_in), c.reshape(k * out))
    b.reshape((*b._shape()[:-1], k, out))
    b.max_reduce([len(b._shape()) - 2])


def op_pad(b: LayerBuilder, pad: Sequence[int], mode: str = "constant", value: Any = None) -> None:
    import torch
    import torch.nn.functional as F

    amounts = [int(v) for v in pad]
    shape = b._shape()
    if len(amounts) // 2 > len(shape) - (0 if mode == "constant" else 1):
        raise DimensionError(f"{b.where}: padding {amounts} does not fit a value of shape {shape}")
    _probe(b, lambda x: F.pad(x, amounts, mode=mode), keeps_sign=True)
    if mode == "constant" and value:
        fill = F.pad(torch.zeros((1, *shape), dtype=torch.float64), amounts, value=float(value))
        b.elementwise(1.0, fill[0].numpy())


# --------------------------------------------------------------------------- modules
def _module_ops() -> dict[str, Callable[[LayerBuilder, Any], None]]:
    """Handlers by ``torch.nn`` class name (exact classes only, see :func:`apply_module`)."""

    def bn(ranks: Sequence[int]) -> Callable[[LayerBuilder, Any], None]:
        def handle(b: LayerBuilder, m: Any) -> None:
            op_batch_norm(b, m.running_mean, m.running_var, m.weight, m.bias, m.eps, ranks=ranks)

        return handle

    def conv(b: LayerBuilder, m: Any) -> None:
        op_conv(b, m.weight, m.bias, m.stride, m.padding, m.dilation, m.groups, m.padding_mode)

    def avg(nd: int) -> Callable[[LayerBuilder, Any], None]:
        def handle(b: LayerBuilder, m: Any) -> None:
            extra = {} if nd == 1 else {"divisor_override": m.divisor_override}
            op_avg_pool(
                b, m.kernel_size, m.stride, m.padding, m.ceil_mode, m.count_include_pad, nd=nd, **extra
            )

        return handle

    def maxp(nd: int) -> Callable[[LayerBuilder, Any], None]:
        def handle(b: LayerBuilder, m: Any) -> None:
            op_max_pool(
                b, m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode, m.return_indices, nd=nd
            )

        return handle

    def pad(b: LayerBuilder, m: Any) -> None:
        op_pad(b, m.padding, "constant", getattr(m, "value", 0.0))

    def identity(b: LayerBuilder, m: Any) -> None:
        op_identity(b)

    return {
        "Linear": lambda b, m: op_linear(b, m.weight, m.bias),
        "ReLU": lambda b, m: op_relu(b),
        "LeakyReLU": lambda b, m: op_leaky_relu(b, m.negative_slope),
        "PReLU": lambda b, m: op_prelu(b, m.weight),
        "Flatten": lambda b, m: op_flatten(b, m.start_dim, m.end_dim),
        "Unflatten": lambda b, m: op_unflatten(b, m.dim, m.unflattened_size),
        "Identity": identity,
        "Dropout": identity,
        "Dropout1d": identity,
        "Dropout2d": identity,
        "AlphaDropout": identity,
        "BatchNorm1d": bn((1, 2)),
        "BatchNorm2d": bn((3,)),
        "Conv1d": conv,
        "Conv2d": conv,
        "AvgPool1d": avg(1),
        "AvgPool2d": avg(2),
        "AdaptiveAvgPool1d": lambda b, m: op_adaptive_avg_pool(b, m.output_size, nd=1),
        "AdaptiveAvgPool2d": lambda b, m: op_adaptive_avg_pool(b, m.output_size, nd=2),
        "MaxPool1d": maxp(1),
        "MaxPool2d": maxp(2),
        "ZeroPad2d": pad,
        "ConstantPad1d": pad,
        "ConstantPad2d": pad,
    }


MODULE_OPS = _module_ops()

#: Hints for common layers that are not piecewise linear.
_HINTS = {
    "Softmax": "drop it and convert the logits (the argmax is unchanged)",
    "LogSoftmax": "drop it and convert the logits (the argmax is unchanged)",
    "Sigmoid": "it is not piecewise linear",
    "Tanh": "it is not piecewise linear",
}


def is_torch_layer(module: Any) -> bool:
    """Whether ``module`` is a class from ``torch.nn`` itself (not a user subclass)."""
    mod = type(module).__module__
    return mod.startswith("torch.nn.") or mod.startswith("torch.ao.nn.")


def is_maxout_module(module: Any) -> bool:
    """Whether ``module`` is relu-regions' :class:`~relu_regions.network.Maxout` (forward not overridden)."""
    from ._torch_maxout import Maxout

    return isinstance(module, Maxout) and type(module).forward is Maxout.forward


def apply_module(b: LayerBuilder, module: Any) -> bool:
    """Apply a built-in ``torch.nn`` layer or our ``Maxout``; ``False`` for any other module."""
    if is_maxout_module(module):
        op_maxout(b, module.weight, module.bias)
        return True
    cls = type(module).__name__
    handler = MODULE_OPS.get(cls)
    if handler is None or not is_torch_layer(module):
        return False
    handler(b, module)
    return True


def unsupported(where: str, what: str) -> UnsupportedLayerError:
    """The one-line error for a layer or operation relu-regions cannot convert."""
    hint = _HINTS.get(what, "it is not an affine or (leaky) ReLU layer")
    return UnsupportedLayerError(
        f"unsupported layer {what} at {where}: {hint}; supported layers: {SUPPORTED_LAYERS}"
    )
