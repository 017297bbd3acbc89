"""``Maxout``: a rank-``k`` maxout layer as a PyTorch module (imports torch; load lazily).

Unit ``j`` of a :class:`Maxout` layer outputs the largest of ``k`` affine functions of the
input (Goodfellow et al. 2013, "Maxout networks"; the units of Serra, Tjandraatmadja &
Ramalingam 2018, Sec. 3.3),

.. math::

    h_j = \\max_{p = 0, \\dots, k-1} \\; W[p, j] \\, x + b[p, j],

with the parameters stored as in a :class:`~relu_regions.network.Network`'s maxout layer:
``weight`` of shape ``(k, out_features, in_features)`` and ``bias`` of shape
``(k, out_features)``.  The forward pass is written with ``linear``, ``unflatten`` and
``amax`` only, so the module scripts (``torch.jit.script``), exports to ONNX
(``Gemm`` + ``Reshape`` + ``ReduceMax``) and reads back into relu-regions from any of
these forms.
"""

from __future__ import annotations

import math

import torch

__all__ = ["Maxout"]


class Maxout(torch.nn.Module):
    """A rank-``k`` maxout layer: ``y[..., j] = max_p (x @ weight[p, j] + bias[p, j])``.

    Parameters
    ----------
    in_features, out_features:
        Sizes of the input and of the output (the number of maxout units).
    k:
        The rank: the number of affine pieces per unit, at least 2.
    device, dtype:
        As for ``torch.nn.Linear``.

    The parameters are initialised like ``torch.nn.Linear``'s, from
    :math:`U(-1/\\sqrt{n_{in}}, 1/\\sqrt{n_{in}})`.

    Examples
    --------
    >>> import torch
    >>> from relu_regions.network import Maxout, from_torch
    >>> layer = Maxout(3, 2, k=4)
    >>> layer(torch.zeros(5, 3)).shape
    torch.Size([5, 2])
    >>> from_torch(torch.nn.Sequential(layer, torch.nn.Linear(2, 1)))
    Network(3-2-1, maxout ranks 4)
    """

    __constants__ = ["in_features", "out_features", "k"]

    in_features: int
    out_features: int
    k: int

    def __init__(
        self,
        in_features: int,
        out_features: int,
        k: int,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        sizes = {"in_features": in_features, "out_features": out_features, "k": k}
        for key, v in sizes.items():
            if isinstance(v, bool) or not isinstance(v, int) or v < (2 if key == "k" else 1):
                least = 2 if key == "k" else 1
                raise ValueError(f"Maxout {key} must be an integer >= {least}, got {v!r}")
        self.in_features = in_features
        self.out_features = out_features
        self.k = k
        shape = (k, out_features, in_features)
        self.weight = torch.nn.Parameter(torch.empty(shape, device=device, dtype=dtype))
        self.bias = torch.nn.Parameter(torch.empty(shape[:2], device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.in_features)
        torch.nn.init.uniform_(self.weight, -bound, bound)
        torch.nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = torch.nn.functional.linear(
            x, self.weight.reshape(self.k * self.out_features, self.in_features), self.bias.reshape(-1)
        )
        return z.unflatten(-1, (self.k, self.out_features)).amax(dim=-2)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, k={self.k}"
