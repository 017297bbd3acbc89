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
module become maxout layers (:meth:`LayerBuilder.max_reduce`), never ReLU neurons.  Which
``torch.nn`` class performs which operation is in :mod:`._torch_modules`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..exceptions import DimensionError, UnsupportedLayerError
from ._builder import LayerBuilder
from ._maxpool import pool_windows

__all__ = ["to_numpy", "tuple_of", "op_maxout", "op_max_reduce"]


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
