"""Reproduced paper experiments: one module per experiment, each driven by the public API.

Every experiment is a function ``run_<name>(out_dir, *, ..., workers=1, time_limit=None,
progress=None) -> ExperimentResult`` that

- writes ``results.json`` (every count labelled ``exact``) and its figures into ``out_dir``;
- is resumable: each finished run is a JSON record in ``out_dir/runs/`` (:class:`RunStore`),
  so the same call after an interruption computes only what is missing;
- says in its result (``comparison``, ``scaled_down``) where its numbers agree with the
  paper's, where they differ, and how much it was scaled down for a small machine.

On the command line: ``relu-regions experiment NAME [options] -o DIR [--json]``; each
experiment's options live in :mod:`relu_regions.cli.experiments`.
"""

from __future__ import annotations

from ._store import (
    ExperimentResult,
    RunOutcome,
    RunStore,
    RunTask,
    atomic_write_text,
    run_all,
    use_executor,
)

__all__ = [
    "ExperimentResult",
    "RunOutcome",
    "RunStore",
    "RunTask",
    "atomic_write_text",
    "run_all",
    "use_executor",
]
