"""Built-in ``torch.nn`` layers (and relu-regions' ``Maxout``) as :class:`LayerBuilder` operations.

:data:`MODULE_OPS` maps each supported ``torch.nn`` class name to the operation of
:mod:`relu_regions.io._torch_ops` it performs (evaluation-mode semantics);
:func:`apply_module` applies one layer and :func:`unsupported` is the one-line error for
any other (:data:`SUPPORTED_LAYERS` lists the supported ones).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..exceptions import UnsupportedLayerError
from ._builder import LayerBuilder
from ._torch_ops import (
    op_adaptive_avg_pool,
    op_avg_pool,
    op_batch_norm,
    op_conv,
    op_flatten,
    op_identity,
    op_leaky_relu,
    op_linear,
    op_max_pool,
    op_maxout,
    op_pad,
    op_prelu,
    op_relu,
    op_unflatten,
)

__all__ = [
    "MODULE_OPS",
    "apply_module",
    "SUPPORTED_LAYERS",
    "is_maxout_module",
    "is_torch_layer",
    "unsupported",
]


SUPPORTED_LAYERS = (
    "Linear, ReLU, LeakyReLU, PReLU (one slope), Flatten, Unflatten, Dropout, Identity, "
    "BatchNorm1d/2d, Conv1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d, MaxPool1d/2d, ZeroPad2d, "
    "ConstantPad1d/2d, relu_regions.network.Maxout, max/amax over a feature axis (maxout)"
)



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
