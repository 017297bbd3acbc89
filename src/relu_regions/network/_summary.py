""":class:`NetworkSummary`: the architecture facts of :meth:`Network.summary`, printable as a table."""

from __future__ import annotations

from typing import Any

__all__ = ["NetworkSummary"]


class NetworkSummary(dict):  # type: ignore[type-arg]
    """A network's architecture facts: a plain ``dict`` that prints as a table.

    ``str()`` gives an aligned two-column table for terminals, ``_repr_html_`` an HTML table
    for Jupyter; ``json.dumps`` and ``dict`` access work as for any dictionary.
    """

    def _rows(self) -> list[tuple[str, str]]:
        def fmt(v: Any) -> str:
            if isinstance(v, list):
                return "-".join(map(str, v)) if v and all(isinstance(x, int) for x in v) else str(v)
            if isinstance(v, int) and not isinstance(v, bool):
                return f"{v:,}"
            return str(v)

        return [
            (k.replace("_", " "), "x".join(map(str, v)) if k == "input_shape" and v else fmt(v))
            for k, v in self.items()
        ]

    def __str__(self) -> str:
        rows = self._rows()
        w = max(len(k) for k, _ in rows)
        return "\n".join(f"{k.ljust(w)}  {v}" for k, v in rows)

    def _repr_html_(self) -> str:
        import html

        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in self._rows()
        )
        return f"<table>{body}</table>"
