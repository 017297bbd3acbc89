"""Dask for work that outgrows one process: an ``Executor`` for ``executor=`` arguments.

``count_regions(..., executor=...)`` and ``enumerate_regions`` split the domain into cells
along first-layer hyperplanes (which cut no region) and run the cells on any
``concurrent.futures.Executor``; :func:`dask_executor` gives one backed by a Dask cluster,
:func:`relu_regions.stability.stable_neurons` and :func:`~relu_regions.stability.compress`
run ``auto``'s sign MILPs on it (chunks of a layer's undecided neurons), and
:func:`relu_regions.experiments.run_all` farms out experiment runs to it.

What ships to a worker: the network's weights and biases (a few arrays), the cell's
half-space description and the engine options; what comes back: the cell's regions
(patterns, interior points, optional geometry).  For stability, the network on the
domain's chart (scattered once per run), the earlier layers' bounds and the chunk's
neurons go out; proven signs and witness candidates come back.  A task is one cell
(counting), one chunk of sign MILPs (stability) or one run (experiments), ideally seconds
to minutes of work: Dask's per-task round trip measured 11-12 ms on 2 shared cores (4-7 ms
per task when 200 go at once; ``benchmarks/results/dask.txt``).  A worker that dies costs only its task: Dask
reschedules it.

The ``spec`` strings:

* ``"local"`` or ``"local:N"``: a ``distributed.LocalCluster`` on this machine with N
  single-threaded worker processes (default: the number of CPUs), closed afterwards;
* ``"tcp://HOST:PORT"`` (any scheduler address): connect to a running cluster, e.g. one
  started by ``dask-jobqueue`` on SLURM or by the Dask Kubernetes operator.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from ._deps import require
from .exceptions import OptionError

__all__ = ["dask_executor", "parse_dask_spec"]


def parse_dask_spec(spec: str) -> tuple[str, int | None]:
    """``("local", N)`` or ``(address, None)``; a clear error for anything else.

    >>> parse_dask_spec("local:2"), parse_dask_spec("tcp://10.0.0.5:8786")
    (('local', 2), ('tcp://10.0.0.5:8786', None))
    """
    spec = spec.strip()
    if spec == "local" or spec.startswith("local:"):
        n_text = spec.partition(":")[2]
        try:
            n = int(n_text) if n_text else (os.cpu_count() or 1)
        except ValueError:
            raise OptionError(f"--dask local:N needs an integer N, got {spec!r}") from None
        if n < 1:
            raise OptionError(f"--dask local:N needs N >= 1, got {n}")
        return "local", n
    if "://" in spec:
        return spec, None
    raise OptionError(
        f"--dask must be local, local:N or a scheduler address like tcp://HOST:8786, got {spec!r}"
    )


@contextlib.contextmanager
def dask_executor(spec: str = "local") -> Iterator[Any]:
    """A ``concurrent.futures.Executor`` on a Dask cluster (see the module docstring).

    Examples
    --------
    >>> from relu_regions import random_network, count_regions
    >>> with dask_executor("local:2") as ex:                       # doctest: +SKIP
    ...     count_regions(random_network([3, 8, 8, 1], seed=0), "box:-1,1", executor=ex)
    """
    target, n = parse_dask_spec(spec)
    distributed = require("distributed")
    if target == "local":
        cluster = distributed.LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
        client = distributed.Client(cluster)
    else:
        cluster = None
        client = distributed.Client(target)
    try:
        yield client.get_executor()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
