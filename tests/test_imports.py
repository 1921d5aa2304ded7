"""Every module imports on its own, and no two modules import each other, even lazily.

The graph counts every import a module states -- at the top, inside functions and under
TYPE_CHECKING -- because a circle of any kind means two modules cannot be read, tested or
moved apart. A module that needs a name from a module that needs it back moves the shared
part one layer down.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"agentmem": "agentmem", "stores": "agentmem.stores", "adapters": "agentmem.adapters"}


def _modules() -> dict[str, Path]:
    found = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT / folder).with_suffix("")
            if "migrations" in rel.parts:  # Alembic scripts, loaded by Alembic
                continue
            parts = [p for p in rel.parts if p != "__init__"]
            found[".".join([package, *parts])] = path
    return found


MODULES = _modules()


def _package_of(name: str, path: Path) -> list[str]:
    return name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]


def _imported(name: str, path: Path) -> set[str]:
    """The agentmem modules `name` imports anywhere in its source."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = _package_of(name, path)
                base = package[: len(package) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            submodules = [f"{source}.{a.name}" for a in node.names]
            submodules = [m for m in submodules if m in MODULES]
            out.update(submodules)
            if len(submodules) < len(node.names):  # a name defined in `source` itself
                out.add(source)
    return {m for m in out if m in MODULES and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            child = next(edges, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_module_graph_has_no_circles():
    graph = {name: _imported(name, path) for name, path in MODULES.items()}
    assert sum(len(edges) for edges in graph.values()) > len(graph)  # the parser sees imports
    assert _cycles(graph) == []


def test_the_circle_finder_finds_circles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert _cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("name", [m for m in MODULES if not m.endswith("__main__")])
def test_every_module_imports(name):
    importlib.import_module(name)


# Imports run one way: a module may import its own layer and the layers before it. Modules
# outside these packages (config, types, prompts, llm, kv, ...) are not ranked.
LAYERS = (
    ("agentmem.stores",),
    ("agentmem.long_term",),
    ("agentmem.facts",),
    ("agentmem.consolidation", "agentmem.context"),
    ("agentmem.manager", "agentmem.facade"),
    ("agentmem.server", "agentmem.cli"),
)


def _rank(name: str) -> int | None:
    for rank, prefixes in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return rank
    return None


def _upward(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports from a layer into a later one."""
    out = []
    for name, edges in graph.items():
        for target in edges:
            low, high = _rank(name), _rank(target)
            if low is not None and high is not None and high > low:
                out.append((name, target))
    return sorted(out)


def test_imports_run_down_the_layers():
    graph = {name: _imported(name, path) for name, path in MODULES.items()}
    assert {_rank(m) for m in graph} >= set(range(len(LAYERS) - 1))  # every layer is seen
    assert _upward(graph) == []


def test_the_layer_check_finds_an_upward_import():
    graph = {
        "agentmem.long_term.plans": {"agentmem.facts.conflicts", "agentmem.stores.sql"},
        "agentmem.facts.resolver": {"agentmem.long_term.plans", "agentmem.types"},
    }
    assert _upward(graph) == [("agentmem.long_term.plans", "agentmem.facts.conflicts")]


def _reaches_store(path: Path) -> list[int]:
    """Lines that use `<...>.long_term.sql` or the index behind LongTermMemory's back."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ("sql", "_index", "_sql"):
            owner = node.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if name == "long_term":
                lines.append(node.lineno)
    return lines


def test_only_long_term_holds_the_sql_store():
    outside = {
        name: found
        for name, path in MODULES.items()
        if not name.startswith(("agentmem.long_term", "agentmem.stores"))
        and (found := _reaches_store(path))
    }
    assert outside == {}


def test_the_store_check_finds_a_reach(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f(mem):\n    return mem.long_term.sql.begin(), mem.long_term.engine\n")
    assert _reaches_store(source) == [2]
