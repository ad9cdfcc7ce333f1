"""The dependency arrows of DESIGN.md, checked on the real import graph (imports inside functions included).

Packages are derived from the folders (and the top-level modules), so a new feature is checked the day it
appears: no package cycle, no import of another package's private names, and the direction
web -> features -> core/nlp, with nlp and core knowing nothing of the features.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "minyi"
INFRASTRUCTURE = {"core", "nlp"}
EDGES = {"web", "commands", "cli"}  # entry points: may import any feature; nothing imports them but each other


def _package(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _sources() -> list[Path]:
    return [p for p in SRC.rglob("*.py") if "migrations" not in p.relative_to(SRC).parts]


@cache
def _imports(path: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(module, names imported from it) for every absolute import in the file, at any depth."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, tuple(alias.name for alias in node.names)))
    return tuple(found)


def _minyi_imports(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    return [(m, n) for m, n in _imports(path) if m.startswith("minyi.") and m != "minyi.__init__"]


def package_graph() -> dict[str, set[str]]:
    """Package -> the other minyi packages it imports."""
    graph: dict[str, set[str]] = {}
    for path in _sources():
        me = _package(path)
        graph.setdefault(me, set())
        for module, _names in _minyi_imports(path):
            other = module.split(".")[1]
            if other != me:
                graph[me].add(other)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_package_cycle() -> None:
    assert cycles(package_graph()) == []


def test_no_import_of_another_package_private_names() -> None:
    bad = []
    for path in _sources():
        me = _package(path)
        for module, names in _minyi_imports(path):
            parts = module.split(".")
            if parts[1] == me:
                continue
            private = [p for p in parts[2:] if p.startswith("_")] + [n for n in names if n.startswith("_")]
            if private:
                bad.append(f"{path.relative_to(SRC)} imports {module}: {private}")
    assert not bad, bad


def test_nlp_and_core_know_no_feature_web_or_sql() -> None:
    for path in _sources():
        me = _package(path)
        if me not in INFRASTRUCTURE:
            continue
        others = {m.split(".")[1] for m, _ in _minyi_imports(path)} - {me}
        assert not others, f"{path.relative_to(SRC)} imports minyi.{others}"
        if me == "nlp":
            third = {m.split(".")[0] for m, _ in _imports(path)} & {"fastapi", "starlette", "sqlalchemy", "alembic"}
            assert not third, f"{path.relative_to(SRC)} imports {third}"


def test_features_never_import_the_edges() -> None:
    for path in _sources():
        me = _package(path)
        if me in EDGES:
            continue
        bad = {m for m, _ in _minyi_imports(path) if m.split(".")[1] in EDGES}
        assert not bad, f"{path.relative_to(SRC)} imports {bad}"


def test_web_reaches_nlp_only_through_services() -> None:
    for path in (SRC / "web").rglob("*.py"):
        bad = {m for m, _ in _minyi_imports(path) if m.startswith("minyi.nlp")}
        assert not bad, f"{path.relative_to(SRC)} imports {bad}"


def test_only_web_imports_fastapi() -> None:
    for path in _sources():
        if _package(path) == "web":
            continue
        bad = {m for m, _ in _imports(path) if m.split(".")[0] in {"fastapi", "starlette"}}
        assert not bad, f"{path.relative_to(SRC)} imports {bad}"
