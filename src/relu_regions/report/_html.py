"""HTML helpers for report sections and the self-contained ``index.html`` page."""

from __future__ import annotations

import html as _html
from collections.abc import Sequence
from typing import Any

__all__ = ["esc", "table_html", "figure_html", "note_html", "fmt", "page_html"]


def esc(text: Any) -> str:
    """HTML-escape ``str(text)``."""
    return _html.escape(str(text), quote=True)


def fmt(v: Any) -> str:
    """A compact human form of a number (exact for ints, with thousands separators)."""
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def table_html(rows: Sequence[Sequence[Any]], headers: Sequence[str] | None = None, *, cls: str = "") -> str:
    """A simple table; cells are escaped and numbers formatted with :func:`fmt`."""
    head = ""
    if headers:
        head = "<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in headers) + "</tr></thead>"
    body = "".join("<tr>" + "".join(f"<td>{esc(fmt(c))}</td>" for c in r) + "</tr>" for r in rows)
    klass = f' class="{esc(cls)}"' if cls else ""
    return f"<table{klass}>{head}<tbody>{body}</tbody></table>"


def figure_html(src: str, caption: str, *, alt: str = "") -> str:
    """A figure with its caption; ``src`` is relative to the report directory."""
    return (
        f'<figure><img src="{esc(src)}" alt="{esc(alt or caption)}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def note_html(text: str, kind: str = "info") -> str:
    """A coloured note box: ``kind`` is ``info``, ``warn`` or ``error``."""
    return f'<div class="note {esc(kind)}">{text}</div>'


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:980px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
.meta{color:#555}table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ddd;padding:.25em .6em;
text-align:left;vertical-align:top}th{background:#f4f4f4}figure{margin:1em 0}img{max-width:100%}
figcaption{font-size:.92em;color:#444;margin-top:.3em}.note{padding:.6em .9em;border-radius:4px;margin:.6em 0}
.info{background:#eef5fb;border-left:4px solid #4a90c2}.warn{background:#fff8e5;border-left:4px solid #e0a800}
.error{background:#fdecea;border-left:4px solid #c0392b}.status-ok{color:#1e7e34}.status-failed{color:#c0392b;
font-weight:bold}.status-skipped{color:#777}pre{background:#f7f7f7;padding:.6em;overflow-x:auto;font-size:.85em}
code{background:#f4f4f4;padding:0 .2em}
"""


def page_html(title: str, header: str, toc: str, body: str) -> str:
    """The complete, self-contained page (inline CSS; figures are PNG files next to it)."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{esc(title)}</h1>{header}{toc}{body}</body></html>\n"
    )
