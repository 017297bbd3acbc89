"""The ONNX operators :func:`~relu_regions.io.from_onnx` reads, one handler per op type.

Each handler takes the graph reader (:mod:`relu_regions.io._onnx`), the node, the
:class:`~relu_regions.io._builder.LayerBuilder` of the network so far and the name of the
running value, and applies the node to the builder; :data:`_HANDLERS` maps op types to
handlers (the supported list is :data:`SUPPORTED_OPS`, the semantics are in the docstring of
:mod:`relu_regions.io._onnx`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import DimensionError, ModelFormatError, UnsupportedLayerError
from ._builder import LayerBuilder

if TYPE_CHECKING:
    from ._onnx import _GraphReader

__all__ = ["SUPPORTED_OPS", "BATCH", "float32_attribute"]


SUPPORTED_OPS = (
    "Gemm, MatMul, Add, Sub, Mul, Div, Relu, LeakyRelu, Flatten, Reshape, Squeeze, Unsqueeze, "
    "Identity, Dropout, BatchNormalization, Conv, AveragePool, GlobalAveragePool, MaxPool, "
    "ReduceMax (maxout), Pad, Constant (and shape arithmetic on constants)"
)

#: The batch size inside constant-folded shape computations (``Shape`` of the running value).
BATCH = -(2**40) + 7



def _gemm(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    a = r.attrs(node)
    if node.input[0] != current:
        raise UnsupportedLayerError(f"{b.where}: Gemm must take the running value as its first input A")
    if a.get("transA", 0):
        raise UnsupportedLayerError(f"{b.where}: Gemm with transA=1 on the running value mixes the batch")
    B = r.const(node.input[1], b.where)
    if B.ndim != 2:
        raise ModelFormatError(f"{b.where}: Gemm B must be a matrix, got shape {B.shape}")
    opB = B.T if a.get("transB", 0) else B  # (K, M)
    W = float(a.get("alpha", 1.0)) * opB.T
    bias = np.zeros(W.shape[0])
    if len(node.input) > 2 and node.input[2]:
        C = r.const(node.input[2], b.where)
        try:
            bias = float(a.get("beta", 1.0)) * np.broadcast_to(C, (1, W.shape[0])).reshape(-1)
        except ValueError:
            raise ModelFormatError(
                f"{b.where}: Gemm C of shape {C.shape} does not broadcast to ({W.shape[0]},)"
            ) from None
    if b.shape is not None and len(b.shape) != 1:
        raise DimensionError(f"{b.where}: Gemm needs a 2-D input (batch, features), got {b.shape} per sample")
    b.linear(W, bias)


def _matmul(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    if node.input[0] != current:
        raise UnsupportedLayerError(f"{b.where}: MatMul must multiply the running value from the left")
    M = r.const(node.input[1], b.where)
    if M.ndim != 2:
        raise UnsupportedLayerError(f"{b.where}: MatMul by a constant of shape {M.shape} (need a matrix)")
    b.linear(M.T, None)


def _arith(kind: str) -> Any:
    def handle(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
        first = node.input[0] == current
        other = node.input[1] if first else node.input[0]
        c = r.const(other, b.where)
        rank = len(b.shape) + 1 if b.shape is not None else 2
        if c.ndim >= rank:  # the constant spells out the batch dimension: it must be 1
            if c.ndim > rank or c.shape[0] != 1:
                raise DimensionError(
                    f"{b.where}: a constant of shape {c.shape} does not broadcast over the batch"
                )
            c = c[0]
        if kind == "Add":
            b.elementwise(1.0, c)
        elif kind == "Sub":
            b.elementwise(*((1.0, -c) if first else (-1.0, c)))
        elif kind == "Mul":
            b.elementwise(c, 0.0)
        elif first:  # Div
            b.elementwise(1.0 / c, 0.0)
        else:
            raise UnsupportedLayerError(f"{b.where}: division by the running value is not affine")

    return handle


def _relu(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    b.activation(0.0)


def float32_attribute(value: float) -> float:
    """The shortest decimal that rounds to the same float32 as ``value``.

    ONNX stores ``LeakyRelu``'s ``alpha`` as a float32, so ``0.1`` arrives as
    ``0.10000000149011612``; the shortest decimal of that float32 (``0.1``) is the value
    the model's author wrote and rounds to the same attribute.

    >>> float32_attribute(0.10000000149011612)
    0.1
    """
    return float(np.format_float_positional(np.float32(value), unique=True, trim="-"))


def _leaky(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    b.activation(float32_attribute(float(r.attrs(node).get("alpha", 0.01))))


def _identity(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    """Identity; Dropout at inference (its optional mask output must stay unused)."""


def _flatten(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    axis = int(r.attrs(node).get("axis", 1))
    rank = len(b.shape) + 1 if b.shape is not None else None
    if axis < 0 and rank is not None:
        axis += rank
    if axis != 1:
        raise UnsupportedLayerError(f"{b.where}: Flatten with axis={axis} mixes the batch (use axis=1)")
    b.flatten(1, -1)


def _reshape(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    target = [int(v) for v in r.const(node.input[1], b.where).reshape(-1)]
    allowzero = int(r.attrs(node).get("allowzero", 0))
    if any(v == BATCH or v < -1 for v in target[1:]):
        raise UnsupportedLayerError(f"{b.where}: Reshape moves or combines the batch dimension")
    head_ok = target and (
        target[0] == BATCH or (target[0] == 0 and not allowzero) or (target[0] == -1 and -1 not in target[1:])
    )
    if not head_ok:
        raise UnsupportedLayerError(
            f"{b.where}: Reshape to {target} does not keep the batch dimension first (use 0 or -1 there)"
        )
    rest = target[1:]
    if any(v == 0 for v in rest):
        if allowzero:
            raise DimensionError(f"{b.where}: Reshape to a zero-sized dimension")
        cur = b._shape()
        rest = [cur[i] if v == 0 else v for i, v in enumerate(rest)]
    if not rest:
        raise UnsupportedLayerError(f"{b.where}: Reshape makes each sample a scalar")
    b.reshape(rest)


def _axes(r: _GraphReader, node: Any, b: LayerBuilder) -> list[int]:
    """A reduction's or (un)squeeze's ``axes``: the attribute, or the constant second input."""
    if len(node.input) > 1 and node.input[1]:
        return [int(v) for v in r.const(node.input[1], b.where).reshape(-1)]
    return [int(v) for v in r.attrs(node).get("axes", [])]


def _reduce_max(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    """``ReduceMax`` over feature axes: a maxout layer (see :meth:`LayerBuilder.max_reduce`)."""
    from ._torch_ops import batch_axes

    a = r.attrs(node)
    axes = _axes(r, node, b)
    if not axes:
        if a.get("noop_with_empty_axes", 0):
            return
        raise UnsupportedLayerError(
            f"{b.where}: ReduceMax without axes reduces the batch dimension too; give the pieces axis"
        )
    b.max_reduce(batch_axes(b, axes, "ReduceMax"), keepdim=bool(a.get("keepdims", 1)))


def _squeeze(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    from ._torch_ops import batch_axes

    axes = _axes(r, node, b)
    if not axes:
        raise UnsupportedLayerError(
            f"{b.where}: Squeeze without axes would also drop a batch of one; give the axes"
        )
    shape = b._shape()
    drop = set(batch_axes(b, axes, "Squeeze"))
    if any(shape[i] != 1 for i in drop):
        raise DimensionError(f"{b.where}: Squeeze of axes {axes} that are not 1 in the shape {shape}")
    rest = [d for i, d in enumerate(shape) if i not in drop]
    if not rest:
        raise UnsupportedLayerError(f"{b.where}: Squeeze makes each sample a scalar")
    b.reshape(rest)


def _unsqueeze(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    axes = _axes(r, node, b)
    shape = list(b._shape())
    rank = len(shape) + 1 + len(axes)
    pos = sorted(v + rank if v < 0 else v for v in axes)
    if not axes or len(set(pos)) != len(pos) or pos[0] < 0 or pos[-1] >= rank:
        raise DimensionError(
            f"{b.where}: Unsqueeze axes {axes} do not fit a value of rank {rank - len(axes)}"
        )
    if pos[0] == 0:
        raise UnsupportedLayerError(f"{b.where}: Unsqueeze in front of the batch dimension moves the batch")
    for p in pos:
        shape.insert(p - 1, 1)
    b.reshape(shape)


def _float_attr(a: dict[str, Any], key: str, default: float) -> float:
    return float32_attribute(float(a[key])) if key in a else default


def _pads(a: dict[str, Any], spatial: Sequence[int], k: Sequence[int], s: Sequence[int],
          d: Sequence[int], where: str) -> tuple[list[int], list[int]]:
    """Begin and end padding per spatial axis, resolving ``auto_pad``."""
    nd = len(spatial)
    auto = a.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else str(auto)
    if auto == "NOTSET":
        pads = [int(v) for v in a.get("pads", [0] * (2 * nd))]
        return pads[:nd], pads[nd:]
    if auto == "VALID":
        return [0] * nd, [0] * nd
    if auto not in ("SAME_UPPER", "SAME_LOWER"):
        raise UnsupportedLayerError(f"{where}: auto_pad={auto} is not supported")
    begin, end = [], []
    for n, kk, ss, dd in zip(spatial, k, s, d, strict=True):
        total = max((-(-n // ss) - 1) * ss + dd * (kk - 1) + 1 - n, 0)
        small, big = total // 2, total - total // 2
        begin.append(small if auto == "SAME_UPPER" else big)
        end.append(big if auto == "SAME_UPPER" else small)
    return begin, end


def _torch_pad_order(begin: Sequence[int], end: Sequence[int]) -> list[int]:
    out: list[int] = []
    for lo, hi in zip(reversed(begin), reversed(end), strict=True):
        out += [lo, hi]
    return out


def _window_params(
    r: _GraphReader, node: Any, b: LayerBuilder, kernel: Sequence[int] | None = None
) -> Any:
    from ._torch_ops import _spatial_rank

    a = r.attrs(node)
    k = [int(v) for v in (kernel if kernel is not None else a["kernel_shape"])]
    nd = len(k)
    shape = _spatial_rank(b, nd, node.op_type)
    s = [int(v) for v in a.get("strides", [1] * nd)]
    d = [int(v) for v in a.get("dilations", [1] * nd)]
    begin, end = _pads(a, shape[1:], k, s, d, b.where)
    return a, shape, k, s, d, begin, end


def _pool_out(n: int, k: int, s: int, d: int, lo: int, hi: int, ceil: bool) -> int:
    span = n + lo + hi - d * (k - 1) - 1
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= n + lo:  # the last window may not start in the end padding
        out -= 1
    return out


def _pool_outs(shape: Sequence[int], *params: Any) -> list[int]:
    k, s, d, begin, end, ceil = params
    return [
        _pool_out(n, kk, ss, dd, lo, hi, ceil)
        for n, kk, ss, dd, lo, hi in zip(shape[1:], k, s, d, begin, end, strict=True)
    ]


def _batchnorm(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    from ._torch_ops import op_batch_norm

    a = r.attrs(node)
    if a.get("training_mode", 0):
        raise UnsupportedLayerError(f"{b.where}: BatchNormalization in training mode uses batch statistics")
    scale, bias, mean, var = (r.const(n, b.where) for n in node.input[1:5])
    op_batch_norm(b, mean, var, scale, bias, _float_attr(a, "epsilon", 1e-5))


def _conv(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    from ._torch_ops import op_conv, op_pad

    W = r.const(node.input[1], b.where)
    bias = r.const(node.input[2], b.where) if len(node.input) > 2 and node.input[2] else None
    kernel = r.attrs(node).get("kernel_shape", W.shape[2:])
    a, _, k, s, d, begin, end = _window_params(r, node, b, kernel=kernel)
    if begin != end:
        op_pad(b, _torch_pad_order(begin, end), "constant", 0.0)
        begin = [0] * len(k)
    op_conv(b, W, bias, s, begin, d, int(a.get("group", 1)))


def _maxpool(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    from ._maxpool import pool_windows

    a, shape, k, s, d, begin, end = _window_params(r, node, b)
    ceil = bool(a.get("ceil_mode", 0))
    out = _pool_outs(shape, k, s, d, begin, end, ceil)
    b.max_pool(pool_windows(shape, out, k, s, begin, d), (shape[0], *out))


def _avgpool(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    from ._torch_ops import op_avg_pool, op_pad

    a, shape, k, s, d, begin, end = _window_params(r, node, b)
    floor = _pool_outs(shape, k, s, d, begin, end, False)
    ceil = _pool_outs(shape, k, s, d, begin, end, True)
    if any(v != 1 for v in d) or (a.get("ceil_mode", 0) and floor != ceil):
        raise UnsupportedLayerError(f"{b.where}: AveragePool with dilations or a ceil_mode that matters")
    if a.get("count_include_pad", 0):
        if any(begin) or any(end):
            op_pad(b, _torch_pad_order(begin, end), "constant", 0.0)
        op_avg_pool(b, k, s, 0, nd=len(k))
    elif begin == end and all(2 * p <= kk for p, kk in zip(begin, k, strict=True)):
        op_avg_pool(b, k, s, begin, False, False, nd=len(k))
    else:
        raise UnsupportedLayerError(f"{b.where}: AveragePool with asymmetric padding excluded from the mean")


def _global_avgpool(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    from ._torch_ops import op_adaptive_avg_pool

    nd = len(b._shape()) - 1
    op_adaptive_avg_pool(b, 1, nd=nd)


def _pad(r: _GraphReader, node: Any, b: LayerBuilder, current: str) -> None:
    from ._torch_ops import op_pad

    a = r.attrs(node)
    mode = a.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else str(mode)
    if len(node.input) > 1 and node.input[1]:
        pads = [int(v) for v in r.const(node.input[1], b.where).reshape(-1)]
        has_value = len(node.input) > 2 and bool(node.input[2])
        value = float(r.const(node.input[2], b.where).reshape(-1)[0]) if has_value else 0.0
    else:  # opset < 11: attributes
        pads, value = [int(v) for v in a["pads"]], float(a.get("value", 0.0))
    if len(node.input) > 3 and node.input[3]:
        raise UnsupportedLayerError(f"{b.where}: Pad with explicit axes is not supported")
    rank = len(pads) // 2
    begin, end = pads[:rank], pads[rank:]
    if begin[0] or end[0] or min(pads) < 0:
        raise UnsupportedLayerError(f"{b.where}: Pad of the batch dimension or negative padding")
    modes = {"constant": "constant", "reflect": "reflect", "edge": "replicate", "wrap": "circular"}
    if mode not in modes:
        raise UnsupportedLayerError(f"{b.where}: Pad mode {mode} is not supported")
    amounts = _torch_pad_order(begin[1:], end[1:])
    while len(amounts) > 2 and amounts[-2:] == [0, 0]:  # unpadded outer axes
        amounts = amounts[:-2]
    op_pad(b, amounts, modes[mode], value)


_HANDLERS = {
    "BatchNormalization": _batchnorm,
    "Conv": _conv,
    "MaxPool": _maxpool,
    "AveragePool": _avgpool,
    "GlobalAveragePool": _global_avgpool,
    "Pad": _pad,
    "Gemm": _gemm,
    "MatMul": _matmul,
    "Add": _arith("Add"),
    "Sub": _arith("Sub"),
    "Mul": _arith("Mul"),
    "Div": _arith("Div"),
    "Relu": _relu,
    "LeakyRelu": _leaky,
    "Identity": _identity,
    "Dropout": _identity,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Squeeze": _squeeze,
    "Unsqueeze": _unsqueeze,
    "ReduceMax": _reduce_max,
}
