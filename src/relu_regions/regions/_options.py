"""Every key an engine may find in its ``options`` dict (the engine contract of :mod:`._types`).

``count_regions(net, domain, *, method, time_limit, workers, executor, progress, **options)``
passes ``options`` to the engine as a dict, after the API has added its own entries.  Keys
without a leading underscore come from the caller (``**options`` or the named arguments);
keys with one are set by the library itself and never by users.  ``tests/regions/
test_engine_options.py`` fails when an engine reads a key that is not listed here, so no
option stays undocumented.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["ENGINE_OPTIONS"]

_OPTIONS: dict[str, str] = {
    # --- set by count_regions / enumerate_regions for every engine
    "progress": "a progress bar or None (set by the API from its `progress` argument); engines add their "
                "work to `total` and call `update(n)`",
    "collect": "return per-region geometry (enumerate_regions sets it)",
    "adjacency": "return which regions share a facet (geometric, lp)",
    "points": "given data points in chart coordinates, shape (N, k) (the API converts them from input "
              "coordinates); the sample engine counts their patterns",
    "workers": "number of processes for engines that run in parallel (EngineInfo.parallel); 1 = serial",
    "executor": "a concurrent.futures executor to run the parallel cells on (instead of `workers`)",
    "pieces": "number of first-layer cells a parallel run splits the domain into (default 4 per worker)",
    # --- engine-specific, from the caller
    "samples": "sample: number of uniform points (default 100,000)",
    "seed": "sample, lp, milp: seed of the random points/interior seeds (default 0)",
    "facets": "lp: facet finder, one of interval (1-D), qhull, lp (default by dimension)",
    "volumes": "lp: compute region volumes (default: dimension <= 2, bounded domains only)",
    "batch": "lp: regions whose facets are found per round (default 64; 8 with the LP finder)",
    "stable_prefilter": "lp with the LP finder: drop rows of neurons stable on the domain (default True)",
    "box_bounds": "lp with the LP finder: pass the domain's box as column bounds (default: high dimension)",
    "solver": "milp: the MILP solver (highs, scip, gurobi)",
    "solver_options": "milp: extra options handed to the solver",
    "audit_samples": "milp: sampled points that audit the enumeration for missed patterns",
    "reduce_rank": "lp: decide facets in the first layer's row space when the domain is a box (or a ball "
                   "or a cell of one) in more than 16 dimensions and rank(W1) <= k/4 (default True)",
    "sink": "geometric (bounded 2-D): a callable receiving finished regions chunk by chunk instead of "
            "keeping them in memory (set by stream_regions)",
    "chunk_size": "geometric with a sink: pieces per independent part of the streamed walk "
                  "(default 20,000; bounds the memory)",
    # --- set by the library, never by users
    "_pullback": "(W0, b0, origin, basis): the first layer's terms before the chart pull-back cancelled "
                 "them, for round-off tolerances relative to the original weights (set by the API)",
    "_scale": "length scale of the whole domain, so the cells of a parallel run use the tolerances of the "
              "undivided domain (set by run_parallel for its sub-runs)",
    "_radius": "geometric: the in-radius tolerance of the whole window, handed to the cells of a parallel "
               "run of an unbounded domain's window (set by the geometric engine itself)",
    "_cell": "skeleton: this run is one first-layer cell of a degenerate domain (set by the skeleton engine "
             "itself; a still-degenerate cell goes to lp)",
}

#: Option name -> what it means and who sets it (read-only).
ENGINE_OPTIONS: Mapping[str, str] = MappingProxyType(_OPTIONS)
