"""Exception hierarchy of relu-regions.

Every error raised on bad user input is a :class:`ReluRegionsError`; the CLI turns
these into one-line messages on stderr and a non-zero exit code.  Where a builtin
exception is the natural category the subclass also derives from it, so
``except ValueError`` keeps working for users who do not know our hierarchy.
"""

from __future__ import annotations

__all__ = [
    "ReluRegionsError",
    "ModelFormatError",
    "UnsupportedLayerError",
    "UntrustedPickleError",
    "DimensionError",
    "DomainError",
    "EmptyDomainError",
    "UnknownChoiceError",
    "OptionError",
    "SolverError",
    "SolverUnavailableError",
    "MissingDependencyError",
    "DatasetError",
    "TrainingError",
    "UnsupportedNetworkError",
]


class ReluRegionsError(Exception):
    """Base class of every error raised by relu-regions on bad input or state."""


class ModelFormatError(ReluRegionsError, ValueError):
    """A model file is corrupt, truncated, of an unknown format or structurally wrong."""


class UnsupportedLayerError(ModelFormatError):
    """A model contains a layer that is not piecewise linear or cannot be folded exactly."""


class UntrustedPickleError(ModelFormatError):
    """Loading the file would execute pickled code and the user did not opt in."""


class DimensionError(ReluRegionsError, ValueError):
    """Array shapes do not fit together (input dimension, layer sizes, point shape)."""


class DomainError(ReluRegionsError, ValueError):
    """An input domain is malformed (bad JSON, lower > upper, wrong keys)."""


class EmptyDomainError(DomainError):
    """An input domain contains no point (or no full-dimensional part)."""


class UnknownChoiceError(ReluRegionsError, ValueError):
    """A method/solver/format name is not in its registry; the message lists valid names."""


class OptionError(ReluRegionsError, ValueError):
    """An option's value is out of its range (a negative time limit, zero check points, ...)."""


class SolverError(ReluRegionsError, RuntimeError):
    """An LP/MILP solver failed in a way that leaves the result undetermined."""


class SolverUnavailableError(SolverError):
    """The requested solver backend is not installed or not licensed."""


class MissingDependencyError(ReluRegionsError, ImportError):
    """An optional dependency needed for the requested feature is not installed."""


class DatasetError(ReluRegionsError, ValueError):
    """A dataset is malformed, unknown, or its files are not available offline."""


class TrainingError(ReluRegionsError, ValueError):
    """A training configuration is invalid (hyperparameters, layer sizes, data/model mismatch)."""


class UnsupportedNetworkError(ReluRegionsError, ValueError):
    """An algorithm does not support this kind of network (e.g. maxout layers) yet."""
