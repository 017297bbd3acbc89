"""Errors of the pruning package."""

from __future__ import annotations

from ..exceptions import ReluRegionsError

__all__ = ["PruningError"]


class PruningError(ReluRegionsError, ValueError):
    """A pruning request is invalid (density outside (0, 1], no prunable layer, bad layer list)."""
