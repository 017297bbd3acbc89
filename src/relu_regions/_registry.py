"""Name -> implementation registries for methods, solvers and formats.

Every user-facing choice ("method", "solver", "format", ...) is a string looked up in
a :class:`Registry`; an unknown name raises :class:`UnknownChoiceError` listing the
valid ones.  No if/elif ladders over method names anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from .exceptions import UnknownChoiceError

T = TypeVar("T")

__all__ = ["Registry"]


class Registry(Generic[T]):
    """A small ordered mapping from names to implementations.

    Parameters
    ----------
    kind:
        What the names denote ("counting method", "LP solver", ...); used in errors.

    Examples
    --------
    >>> methods: Registry[int] = Registry("method")
    >>> methods.add("one", 1)
    >>> methods["one"]
    1
    >>> methods["two"]
    Traceback (most recent call last):
    ...
    relu_regions.exceptions.UnknownChoiceError: unknown method 'two'; choose one of: one
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._help: dict[str, str] = {}

    def add(self, name: str, item: T, *, help: str = "") -> None:
        if name in self._items:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._items[name] = item
        self._help[name] = help

    def register(self, name: str, *, help: str = "") -> Callable[[T], T]:
        """Decorator form of :meth:`add`."""

        def deco(item: T) -> T:
            self.add(name, item, help=help)
            return item

        return deco

    def __getitem__(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise UnknownChoiceError(
                f"unknown {self.kind} {name!r}; choose one of: {', '.join(self._items)}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def names(self) -> list[str]:
        return list(self._items)

    def help(self, name: str) -> str:
        self[name]
        return self._help[name]
