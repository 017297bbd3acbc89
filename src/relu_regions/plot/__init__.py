"""Public figures (matplotlib, imported lazily inside each function).

Every function takes ``ax=None`` (a new figure is made only when it is ``None``) and returns
the Axes, so figures compose; the ``analyze`` report draws with these same functions.
"""

from __future__ import annotations

__all__: list[str] = []
