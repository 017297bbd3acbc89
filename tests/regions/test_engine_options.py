"""Every option key an engine reads is documented in ENGINE_OPTIONS, and every documented key is read."""

from __future__ import annotations

import ast
from pathlib import Path

import relu_regions.regions as regions_pkg
from relu_regions.regions import ENGINE_OPTIONS

REGIONS = Path(regions_pkg.__file__).parent
OPTION_DICTS = {"options", "sub_options"}


def _keys_read(tree: ast.AST) -> set[str]:
    keys = set()
    for node in ast.walk(tree):
        # options["key"], options.get("key", ...), options.pop("key")
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in OPTION_DICTS:
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                keys.add(node.slice.value)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in ("get", "pop") and isinstance(node.func.value, ast.Name)
              and node.func.value.id in OPTION_DICTS and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            keys.add(node.args[0].value)
        # {**options, "key": value}
        elif isinstance(node, ast.Dict) and any(
            k is None and isinstance(v, ast.Name) and v.id in OPTION_DICTS for k, v in zip(node.keys, node.values, strict=True)
        ):
            keys |= {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return keys


def _all_keys() -> set[str]:
    keys: set[str] = set()
    for path in REGIONS.glob("*.py"):
        keys |= _keys_read(ast.parse(path.read_text()))
    return keys


def test_every_option_read_is_documented():
    undocumented = _all_keys() - set(ENGINE_OPTIONS)
    assert not undocumented, f"document these engine options in regions/_options.py: {sorted(undocumented)}"


def test_every_documented_option_is_read():
    assert not set(ENGINE_OPTIONS) - _all_keys(), sorted(set(ENGINE_OPTIONS) - _all_keys())


def test_the_scanner_sees_a_hidden_key():
    code = 'def f(options):\n    x = options.get("_hidden")\n    run(options={**options, "_also": 1})\n'
    assert _keys_read(ast.parse(code)) == {"_hidden", "_also"}
