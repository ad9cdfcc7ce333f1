"""The dependency arrows of DESIGN.md, checked on the real import graph."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "minyi"
FEATURES = {"messages", "departments", "accounts", "workflow", "jobs", "stats", "ingest", "reports", "hot",
            "privacy"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules(package: str) -> dict[Path, set[str]]:
    return {p: _imports(p) for p in (SRC / package).rglob("*.py")}


def test_nlp_imports_nothing_of_minyi_web_or_sql() -> None:
    for path, names in _modules("nlp").items():
        bad = {n for n in names if (n.startswith("minyi.") and not n.startswith("minyi.nlp"))
               or n.split(".")[0] in {"fastapi", "starlette", "sqlalchemy", "alembic"}}
        assert not bad, f"{path.relative_to(SRC)} imports {bad}"


def test_only_web_imports_fastapi() -> None:
    for path in SRC.rglob("*.py"):
        if "web" in path.relative_to(SRC).parts:
            continue
        bad = {n for n in _imports(path) if n.split(".")[0] in {"fastapi", "starlette"}}
        assert not bad, f"{path.relative_to(SRC)} imports {bad}"


def test_core_knows_no_feature() -> None:
    for path, names in _modules("core").items():
        bad = {n for n in names if n.startswith("minyi.") and n.split(".")[1] in FEATURES | {"web", "nlp"}}
        assert not bad, f"{path.relative_to(SRC)} imports {bad}"


def test_services_and_models_never_import_web_or_cli() -> None:
    for feature in FEATURES:
        if not (SRC / feature).is_dir():
            continue
        for path, names in _modules(feature).items():
            bad = {n for n in names if n.startswith(("minyi.web", "minyi.cli", "minyi.commands"))}
            assert not bad, f"{path.relative_to(SRC)} imports {bad}"


def test_jobs_call_services_not_routes() -> None:
    for path, names in _modules("jobs").items():
        assert not {n for n in names if n.startswith("minyi.web")}, path
