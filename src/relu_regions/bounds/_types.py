"""Result types of the bounds, the method registry and the condition error.

What the bounds bound
---------------------
Every bound is about the number of *activation regions* (full-dimensional sets of
inputs sharing one activation pattern, see :mod:`relu_regions.regions._types`).  Linear
regions are unions of activation regions (Hanin & Rolnick 2019, Lemma 3), so an upper
bound on activation regions is also one on linear regions.

* ``kind="upper"``: holds for *every* choice of weights of the architecture (or, for
  ``network_aware``, for the given weights on the given domain).
* ``kind="lower"``: some choice of weights attains at least this many regions; it bounds
  the *maximum* over weights from below, not the count of any particular network.
* ``kind="expected"``: a bound on (or estimate of) an expectation over random weights or
  random pruning; individual networks may exceed it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from .._registry import Registry
from .._results import FrozenResult
from ..exceptions import ReluRegionsError
from ._numbers import as_float, log10_number

__all__ = [
    "Bound",
    "BoundReport",
    "BoundMethod",
    "BOUND_METHODS",
    "BoundConditionError",
    "KINDS",
    "make_bound",
]

KINDS = ("upper", "lower", "expected")


class BoundConditionError(ReluRegionsError, ValueError):
    """A bound's hypothesis does not hold for the given architecture (e.g. a width condition)."""


@dataclasses.dataclass(frozen=True)
class Bound(FrozenResult):
    """One bound on the number of regions.

    Attributes
    ----------
    name:
        The method name (``serra2018``, ``cai2023``, ...).
    value:
        The bound: an exact ``int`` for integer bounds (however large), a ``float`` for
        expected bounds, or ``None`` when a float bound exceeds the float range (then read
        ``log10``).
    log10:
        ``log10(value)``, always finite for a positive bound, so astronomically large values
        stay readable.
    kind:
        ``"upper"``, ``"lower"`` or ``"expected"`` (see the module docstring).
    reference:
        The paper and statement the formula comes from.
    exact:
        True when ``value`` is the exact value of the formula (an integer); False for
        floating-point values (expected bounds, sampled probabilities).
    formula:
        The formula in words/LaTeX-lite, for the report.
    details:
        Method-specific inputs and statistics (ranks, stable neurons, rank distributions).
    """

    name: str
    value: int | float | None
    log10: float
    kind: str
    reference: str
    exact: bool
    formula: str = ""
    details: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"bound kind must be one of {KINDS}, got {self.kind!r}")

    def __int__(self) -> int:
        if not isinstance(self.value, int):
            raise TypeError(f"the {self.name} bound is not an integer; use .value or .log10")
        return self.value


def make_bound(
    name: str,
    value: int | Fraction | float,
    *,
    kind: str,
    reference: str,
    formula: str = "",
    log10: float | None = None,
    details: dict[str, Any] | None = None,
) -> Bound:
    """Build a :class:`Bound`: exact ints stay ints, expected bounds become floats, ``log10`` exact."""
    if isinstance(value, bool):
        raise TypeError("a bound value cannot be a bool")
    lg = log10_number(value) if log10 is None else log10
    out: int | float | None
    if kind == "expected" or isinstance(value, float):
        # expected bounds are floats (None beyond the float range; log10 stays exact)
        out, exact = as_float(value), False
    elif isinstance(value, int):
        out, exact = value, True
    elif value.denominator == 1:
        out, exact = value.numerator, True
    else:
        out, exact = as_float(value), False
    return Bound(
        name=name,
        value=out,
        log10=lg,
        kind=kind,
        reference=reference,
        exact=exact,
        formula=formula,
        details=details or {},
    )


@dataclasses.dataclass(frozen=True)
class BoundReport(FrozenResult):
    """Several bounds for one architecture or network.

    ``bounds`` maps method names to :class:`Bound`; ``skipped`` maps the names of methods
    that do not apply (a failed width condition, a missing model or constant) to the reason.
    """

    widths: tuple[int, ...]
    bounds: dict[str, Bound]
    skipped: dict[str, str]
    seconds: float
    source: str = "architecture"  # or the model's name / "model"
    domain_dim: int | None = None

    def __getitem__(self, name: str) -> Bound:
        try:
            return self.bounds[name]
        except KeyError:
            why = self.skipped.get(name)
            raise KeyError(f"{name!r} was not computed" + (f": {why}" if why else "")) from None

    def ordered(self) -> list[Bound]:
        """Tightest first: upper and expected bounds ascending, then lower bounds descending."""
        rank = {"upper": 0, "expected": 1, "lower": 2}
        return sorted(
            self.bounds.values(),
            key=lambda b: (rank[b.kind], -b.log10 if b.kind == "lower" else b.log10, b.name),
        )


@dataclasses.dataclass(frozen=True)
class BoundMethod:
    """A registered bound: ``function(ctx) -> Bound`` and what it needs."""

    function: Callable[[Any], Bound]
    kind: str
    reference: str
    needs_network: bool = False
    relu_only: bool = True
    description: str = ""


#: name -> :class:`BoundMethod`; filled by :mod:`relu_regions.bounds._api`.
BOUND_METHODS: Registry[BoundMethod] = Registry("bound method")
