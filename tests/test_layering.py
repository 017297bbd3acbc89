"""The import graph of ``src/relu_regions`` is a layered DAG (STYLE.md, "Layout").

Imports are read with :mod:`ast` (function bodies included, ``if TYPE_CHECKING:`` blocks
excluded: they never run).  Packages are the first component under ``relu_regions``
(``relu_regions.regions._lp`` belongs to ``regions``; ``relu_regions.domain`` is its own
package).  Rules:

1. Each package sits in a layer and imports only from lower layers.  Inside the floor, only
   ``polytope -> solvers`` is allowed; the engines may import each other (e.g. ``stability``
   uses ``regions.count_regions``) but ``regions`` and ``bounds`` never import ``stability``.
2. No module imports a private module (``_x``) or a private name of another package; the
   root's own ``_typing``, ``_budget``, ``_registry``, ``_results``, ``_deps`` are the shared
   base and are exempt.
3. No cycles between packages.

:data:`ALLOWED` lists the few upward edges kept on purpose, each with its reason.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT_PACKAGE = "relu_regions"

#: Shared base: every package may import these (root-level helpers and the error hierarchy).
BASE = frozenset({"exceptions", "_typing", "_budget", "_registry", "_results", "_deps"})

#: Layer of each package; a package imports only packages of a strictly lower layer
#: (plus :data:`SAME_LAYER_OK` and :data:`ALLOWED`).
LAYERS: dict[str, int] = {
    **{name: 0 for name in BASE},
    # the floor: representation, geometry, solvers
    "network": 1,
    "polytope": 1,
    "solvers": 1,
    # data types and readers built on the floor
    "domain": 2,
    "io": 2,
    # relaxations shared by the engines
    "relax": 3,
    # datasets and the trainer, used by engines and experiments
    "data": 4,
    "train": 5,
    "cluster": 5,
    # the engines
    "bounds": 6,
    "regions": 6,
    "stability": 6,
    "pruning": 6,
    "linearity": 6,
    "boolean": 6,
    # on top: figures, experiments, the report, the CLI, the package's own lazy exports
    "plot": 7,
    "experiments": 8,
    "report": 8,
    "cli": 9,
    "__main__": 10,
    "": 10,
}

#: Same-layer edges that are fine (every other same-layer edge is an error).
SAME_LAYER_OK = frozenset({
    ("polytope", "solvers"),
    *((a, b) for a in ("bounds", "regions", "stability", "pruning", "linearity", "boolean")
      for b in ("bounds", "regions", "stability", "pruning", "linearity", "boolean") if a != b),
})

#: Pairs that are forbidden even where the layers would allow them.
FORBIDDEN = frozenset({("regions", "stability"), ("bounds", "stability")})

#: Upward edges kept on purpose: ``(importer, imported) -> reason``.
ALLOWED: dict[tuple[str, str], str] = {
    ("network", "io"): "network/__init__ serves the moved loader names (load_network, from_torch, ...) "
                       "lazily through PEP 562 __getattr__, for compatibility; no network module uses io",
    ("data", "train"): "data.default_model.train_default_model re-trains the bundled model with "
                       "train_network (only when the bundled file is rebuilt)",
}


@dataclasses.dataclass(frozen=True)
class Edge:
    """``importer`` (a module) imports ``module`` (and from it ``name``, when given)."""

    importer: str
    module: str
    name: str | None
    line: int


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterable[ast.AST]:
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)
                continue
            stack.append(child)


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.lru_cache(maxsize=4)
def import_edges(src: Path = SRC) -> tuple[Edge, ...]:
    """Every runtime import inside the package at ``src / relu_regions``."""
    modules = {module_name(p, src): p for p in (src / ROOT_PACKAGE).rglob("*.py")}
    edges: list[Edge] = []
    for mod, path in sorted(modules.items()):
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                edges += [Edge(mod, a.name, None, node.lineno) for a in node.names
                          if a.name.split(".")[0] == ROOT_PACKAGE]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if target.split(".")[0] != ROOT_PACKAGE:
                    continue
                for a in node.names:
                    sub = f"{target}.{a.name}"
                    if sub in modules:  # ``from .. import io``: the submodule itself
                        edges.append(Edge(mod, sub, None, node.lineno))
                    else:
                        edges.append(Edge(mod, target, a.name, node.lineno))
    return tuple(edges)


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _private(part: str) -> bool:
    return part.startswith("_") and not part.startswith("__")


def violations(
    edges: Iterable[Edge],
    *,
    layers: Mapping[str, int] = LAYERS,
    allowed: Mapping[tuple[str, str], str] = ALLOWED,
) -> list[str]:
    """Human-readable rule violations of ``edges`` (empty when the graph is layered)."""
    out = []
    graph: dict[str, set[str]] = {}
    for e in edges:
        a, b = package_of(e.importer), package_of(e.module)
        where = f"{e.importer}:{e.line} imports {e.module}" + (f".{e.name}" if e.name else "")
        if a == b or b in BASE or (b == "" and e.name == "__version__"):
            continue
        if (a, b) in allowed:
            continue
        graph.setdefault(a, set()).add(b)
        sub = e.module.split(".")[2:]
        if any(_private(p) for p in sub) or (e.name is not None and _private(e.name)):
            out.append(f"private import across packages: {where}")
        if a not in layers or b not in layers:
            out.append(f"package without a layer ({a if a not in layers else b}): {where}")
            continue
        if (a, b) in FORBIDDEN:
            out.append(f"forbidden edge {a} -> {b}: {where}")
        elif layers[b] > layers[a] or (layers[b] == layers[a] and (a, b) not in SAME_LAYER_OK):
            out.append(f"upward edge {a} (layer {layers[a]}) -> {b} (layer {layers[b]}): {where}")
    for cycle in _cycles(graph):
        out.append("import cycle between packages: " + " -> ".join([*cycle, cycle[0]]))
    return out


def _cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


# ----------------------------------------------------------------------------- the tree
def test_source_tree_is_layered():
    problems = violations(import_edges())
    assert not problems, "\n".join(problems)


def test_every_package_has_a_layer():
    packages = {package_of(module_name(p, SRC)) for p in (SRC / ROOT_PACKAGE).rglob("*.py")}
    assert packages <= set(LAYERS), sorted(packages - set(LAYERS))


def test_allowed_exceptions_are_still_needed():
    """An allowance nobody uses any more is removed, so it cannot hide a new edge."""
    used = {(package_of(e.importer), package_of(e.module)) for e in import_edges()}
    assert set(ALLOWED) <= used, sorted(set(ALLOWED) - used)


def test_the_network_module_imports_only_the_base():
    """network/_network.py, the representation, imports nothing but the shared base."""
    for e in import_edges():
        if e.importer == "relu_regions.network._network":
            assert package_of(e.module) in BASE | {"network"}, e


# ----------------------------------------------------------------------------- the checker
def E(importer: str, module: str, name: str | None = None) -> Edge:
    return Edge(f"relu_regions.{importer}", f"relu_regions.{module}", name, 1)


@pytest.mark.parametrize(
    "edge, message",
    [
        (E("network._network", "regions", "count_regions"), "upward edge network"),
        (E("solvers._highs", "network", "Network"), "upward edge solvers"),
        (E("regions._lp", "stability", "stable_neurons"), "forbidden edge regions -> stability"),
        (E("bounds._api", "stability"), "forbidden edge bounds -> stability"),
        (E("regions._api", "cli._common", "load"), "upward edge regions"),
        (E("stability._local", "report", "build_report"), "upward edge stability"),
        (E("linearity._maps", "plot", "plot_regions"), "upward edge linearity"),
        (E("cli.verbs.count", "regions._linear", "summarize_linear"), "private import"),
        (E("report.sections.x", "domain", "_sample_chart"), "private import"),
        (E("relax._setup", "io._formats", "load_network"), "private import"),
        (E("polytope._chart", "domain", "Box"), "upward edge polytope"),
        (E("domain", "relax", "prepare"), "upward edge domain"),
    ],
)
def test_checker_flags_a_planted_violation(edge, message):
    problems = violations([*import_edges(), edge])
    assert any(message in p for p in problems), problems


def test_checker_flags_cycles_between_engines():
    problems = violations([E("stability._local", "linearity", "f"), E("linearity._maps", "stability", "g")])
    assert any("import cycle between packages: linearity -> stability" in p for p in problems), problems


def test_checker_reads_a_planted_file(tmp_path):
    """End to end on a temporary tree: a private cross-package import in real source is caught."""
    pkg = tmp_path / ROOT_PACKAGE
    for rel, text in {
        "__init__.py": "",
        "exceptions.py": "",
        "network/__init__.py": "from ._network import Network\n",
        "network/_network.py": "from ..exceptions import ReluRegionsError\n",
        "regions/__init__.py": "",
        "regions/_lp.py": "def f():\n    from ..stability._crown import crown_layer\n",
        "stability/__init__.py": "",
        "stability/_crown.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                               "    from ..cli import main\n",
    }.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text(text)
    edges = import_edges(tmp_path)
    assert Edge("relu_regions.regions._lp", "relu_regions.stability._crown", "crown_layer", 2) in edges
    assert not any(e.importer == "relu_regions.stability._crown" for e in edges)  # TYPE_CHECKING only
    problems = violations(edges)
    assert any(p.startswith("private import across packages: relu_regions.regions._lp:2") for p in problems)
    assert any(p.startswith("forbidden edge regions -> stability") for p in problems)
