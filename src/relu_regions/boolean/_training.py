"""Train many small (leaky-)ReLU classifiers at once, one per (problem, seed).

Sattelberg's Sec. 3.4 and 4.2 train thousands of tiny networks (e.g. 222 NPN classes x
100 seeds per architecture).  Training them one by one on a 2-core machine is dominated by
Python overhead, so :func:`train_batched` keeps ``B`` independent networks in stacked
weight tensors ``W_l`` of shape ``(B, n_in, n_out)`` and trains them together: the loss is
the *sum* of the per-network mean losses, so each network's gradient, and Adam's
element-wise update of it, are exactly those of training it alone.

The setup follows Sec. 3.4: one output logit, binary cross-entropy with logits (or mean
squared error against targets ``+-1``), Adam, He-Kaiming normal weights
(``N(0, 2 / fan_in)``) and PyTorch's default biases (``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``),
float64.  Network ``b`` is initialised from ``seeds[b]`` alone (so a seed gives the same
initial weights for every problem: common random numbers across problems).  Success is
"every training point classified correctly" (Sec. 3.4, Boolean functions) or "at least
``success_accuracy`` of them" (Sec. 4.2.1, 95%); a network counts as successful at the first
epoch it gets there ("up to 4,000 epochs").  With ``stop_when_all_succeed`` the batch stops
once every network has succeeded, so the *final weights* of a network depend on its
batch-mates; its success flag and first-success epoch do not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._budget import Budget
from .._registry import Registry
from .._results import FrozenResult
from .._typing import FloatArray
from ..exceptions import TrainingError
from ..network import Network

__all__ = ["BatchTraining", "LOSSES", "train_batched", "init_weights"]

LOSSES: Registry[str] = Registry("loss")
LOSSES.add("bce", "bce", help="binary cross-entropy with logits, targets 0/1 (threshold 0)")
LOSSES.add("mse", "mse", help="mean squared error against targets -1/+1 (threshold 0)")


def init_weights(
    dims: Sequence[int], seed: int
) -> list[tuple[FloatArray, FloatArray]]:
    """He-normal weights ``(in, out)`` and PyTorch-default biases for one network."""
    rng = np.random.default_rng(seed)
    out = []
    for a, b in zip(dims[:-1], dims[1:], strict=True):
        W = rng.normal(0.0, np.sqrt(2.0 / a), size=(a, b))
        bias = rng.uniform(-1.0 / np.sqrt(a), 1.0 / np.sqrt(a), size=b)
        out.append((W, bias))
    return out


@dataclasses.dataclass(frozen=True)
class BatchTraining(FrozenResult):
    """Outcome of :func:`train_batched` for ``B`` networks.

    ``success[b]`` whether network ``b`` reached the success accuracy; ``first_success[b]``
    the epoch it did (``-1`` if never); ``accuracy`` the final training accuracy.
    """

    success: tuple[bool, ...]
    first_success: tuple[int, ...]
    accuracy: tuple[float, ...]
    final_loss: tuple[float, ...]
    epochs_run: int
    partial: bool
    params: list[list[tuple[Any, Any]]] = dataclasses.field(metadata={"json": False})

    def network(self, b: int, *, negative_slope: float, name: str = "") -> Network:
        """Network ``b`` as a :class:`~relu_regions.network.Network` (weights ``(out, in)``)."""
        layers = self.params[b]
        return Network([W.T for W, _ in layers], [bias for _, bias in layers],
                       negative_slope=negative_slope, name=name)


def train_batched(
    X: Any,
    targets: Any,
    hidden: Sequence[int],
    *,
    seeds: Sequence[int],
    problem: Sequence[int] | None = None,
    init: Sequence[list[tuple[Any, Any]]] | None = None,
    negative_slope: float = 0.1,
    loss: str = "bce",
    lr: float = 0.025,
    epochs: int = 4000,
    batch_size: int | None = None,
    success_accuracy: float = 1.0,
    stop_when_all_succeed: bool = True,
    time_limit: float | None = None,
) -> BatchTraining:
    """Train ``len(seeds)`` networks ``n -> hidden -> 1``; network ``b`` fits ``targets[problem[b]]``.

    Parameters
    ----------
    X:
        Inputs ``(m, n)`` shared by every problem.
    targets:
        0/1 labels ``(P, m)``, one row per problem.
    seeds, problem:
        Per network: initialisation seed and problem row (default ``0`` for all).
    init:
        Per network, initial ``[(W (in, out), b), ...]`` instead of seeded random weights
        (fine-tuning of subnetworks).
    batch_size:
        ``None`` for full-batch gradient descent; else every network draws its own
        shuffled minibatches (seeded by its seed) each epoch.

    Examples
    --------
    >>> X = np.array([[-1., -1.], [-1., 1.], [1., -1.], [1., 1.]])
    >>> res = train_batched(X, [[0, 1, 1, 0]], [4], seeds=range(4), epochs=400)
    >>> sum(res.success) >= 2
    True
    """
    import torch

    if loss not in LOSSES:
        LOSSES[loss]
    Xn = np.asarray(X, dtype=np.float64)
    T = np.atleast_2d(np.asarray(targets))
    if Xn.ndim != 2 or T.shape[1] != Xn.shape[0]:
        raise TrainingError(f"targets must be (problems, {Xn.shape[0]}) for X of shape {Xn.shape}")
    seeds = [int(s) for s in seeds]
    B = len(seeds)
    prob = np.zeros(B, dtype=np.int64) if problem is None else np.asarray(problem, dtype=np.int64)
    if prob.shape != (B,) or B == 0:
        raise TrainingError("need one problem index per seed and at least one network")
    if not 0 <= negative_slope < 1 or epochs < 1 or lr <= 0:
        raise TrainingError("invalid negative_slope, epochs or lr")
    dims = [Xn.shape[1], *[int(h) for h in hidden], 1]
    budget = Budget(time_limit)
    m = Xn.shape[0]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        layers = init if init is not None else [init_weights(dims, s) for s in seeds]
        params: list[Any] = []
        for li in range(len(dims) - 1):
            W = torch.tensor(np.stack([np.asarray(layers[b][li][0]) for b in range(B)]),
                             dtype=torch.float64, requires_grad=True)
            bias = torch.tensor(np.stack([np.asarray(layers[b][li][1]) for b in range(B)]),
                                dtype=torch.float64, requires_grad=True)
            params += [W, bias]
        opt = torch.optim.Adam(params, lr=lr)
        Xt = torch.tensor(Xn)
        Yt = torch.tensor(T[prob], dtype=torch.float64)  # (B, m)
        signs = 2.0 * Yt - 1.0
        gens = [np.random.default_rng(s + 1_000_003) for s in seeds]
        alpha = float(negative_slope)

        n_in = Xn.shape[1]

        def forward(xb: Any) -> Any:  # xb (k, n) shared by all networks, or (B, k, n)
            W1, b1 = params[0], params[1]
            if xb.dim() == 2:  # one GEMM for all networks' first layers
                w = W1.shape[2]
                h = (xb @ W1.permute(1, 0, 2).reshape(n_in, B * w)).reshape(-1, B, w)
                h = h.permute(1, 0, 2) + b1[:, None, :]
            else:
                h = torch.matmul(xb, W1) + b1[:, None, :]
            for li in range(2, len(params), 2):
                h = torch.nn.functional.leaky_relu(h, alpha) if alpha else torch.relu(h)
                if li == len(params) - 2:
                    return (h * params[li][:, None, :, 0]).sum(-1) + params[li + 1]
                h = torch.matmul(h, params[li]) + params[li + 1][:, None, :]
            raise AssertionError("unreachable")  # pragma: no cover

        def loss_of(logits: Any, y: Any) -> Any:
            if loss == "bce":
                per = torch.nn.functional.binary_cross_entropy_with_logits(
                    logits, y, reduction="none")
            else:
                per = (logits - (2.0 * y - 1.0)) ** 2
            return per.mean(dim=1)

        first = np.full(B, -1, dtype=np.int64)
        epochs_run = 0
        for epoch in range(1, epochs + 1):
            if budget.stop:
                break
            batches: list[Any]
            if batch_size is None or batch_size >= m:
                batches = [None]
            else:
                perms = np.stack([g.permutation(m) for g in gens])
                batches = [perms[:, k:k + batch_size] for k in range(0, m, batch_size)]
            acc = None
            for idx in batches:
                if idx is None:
                    logits = forward(Xt)
                    yb = Yt
                    with torch.no_grad():  # accuracy of the weights before this step
                        acc = ((logits * signs) > 0).double().mean(dim=1).numpy()
                else:
                    it = torch.as_tensor(idx)
                    logits = forward(Xt[it])
                    yb = torch.gather(Yt, 1, it)
                total = loss_of(logits, yb).sum()
                opt.zero_grad()
                total.backward()
                opt.step()
            if acc is None:
                with torch.no_grad():
                    acc = ((forward(Xt) * signs) > 0).double().mean(dim=1).numpy()
            epochs_run = epoch
            newly = (first < 0) & (acc >= success_accuracy - 1e-12)
            first[newly] = epoch
            if stop_when_all_succeed and np.all(first >= 0):
                break
        with torch.no_grad():
            logits = forward(Xt)
            acc = ((logits * signs) > 0).double().mean(dim=1).numpy()
            final = loss_of(logits, Yt).numpy()
        out_params = [
            [(params[2 * li].detach().numpy()[b].copy(), params[2 * li + 1].detach().numpy()[b].copy())
             for li in range(len(dims) - 1)]
            for b in range(B)
        ]
    return BatchTraining(
        success=tuple(bool(f >= 0) for f in first),
        first_success=tuple(int(f) for f in first),
        accuracy=tuple(float(a) for a in acc),
        final_loss=tuple(float(v) for v in final),
        epochs_run=epochs_run,
        partial=epochs_run < epochs and not np.all(first >= 0),
        params=out_params,
    )
