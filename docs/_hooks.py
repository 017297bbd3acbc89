"""MkDocs hooks: the CLI reference from the argument parser, the gallery from examples/."""

from __future__ import annotations

import argparse
import ast
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _cli_reference() -> str:
    os.environ["COLUMNS"] = "100"
    from relu_regions.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out = ["```text", parser.format_help().rstrip(), "```", ""]
    for name, p in sub.choices.items():
        out += [f"## `relu-regions {name}`", "", "```text", p.format_help().rstrip(), "```", ""]
        inner = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
        for action in inner:
            for sub_name, q in action.choices.items():
                out += [f"### `relu-regions {name} {sub_name}`", "", "```text", q.format_help().rstrip(),
                        "```", ""]
    return "\n".join(out)


def _gallery() -> str:
    out: list[str] = []
    for path in sorted((ROOT / "examples").glob("*.py")):
        text = path.read_text()
        doc = ast.get_docstring(ast.parse(text)) or ""
        title, _, rest = doc.partition("\n")
        out += [f"## {title.strip() or path.stem}", "", rest.strip(), "",
                f"`examples/{path.name}`:", "", "```python", text.rstrip(), "```", ""]
    return "\n".join(out)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if "<!-- cli-reference -->" in markdown:
        markdown = markdown.replace("<!-- cli-reference -->", _cli_reference())
    if "<!-- gallery -->" in markdown:
        markdown = markdown.replace("<!-- gallery -->", _gallery())
    return markdown
