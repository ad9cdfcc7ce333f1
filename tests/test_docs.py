"""Documentation stays true: every command, setting and make target is documented."""

from __future__ import annotations

import re
from pathlib import Path

from minyi.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _read(*names: str) -> str:
    return "\n".join((ROOT / n).read_text(encoding="utf-8") for n in names)


def test_every_cli_command_is_in_the_readme_or_docs() -> None:
    text = _read("README.md", *[str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")])
    missing = [name for name in main.commands if f"minyi {name}" not in text]
    assert not missing, f"undocumented commands: {missing}"


def test_every_setting_is_documented() -> None:
    source = (ROOT / "src" / "minyi" / "core" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r'"(MINYI_[A-Z_]+)"', source))
    doc = _read("docs/settings.md")
    assert names and not [n for n in names if n not in doc]


def test_readme_shows_the_two_setup_commands_and_screenshots() -> None:
    readme = _read("README.md")
    assert "make demo" in readme and "make test" in readme
    for image in re.findall(r"\((docs/screenshots/[^)]+)\)", readme):
        assert (ROOT / image).exists(), image


def test_every_make_target_documents_itself() -> None:
    makefile = _read("Makefile")
    targets = re.findall(r"^([a-z-]+):", makefile, flags=re.MULTILINE)
    assert targets
    assert all(re.search(rf"^{t}:.*## ", makefile, flags=re.MULTILINE) for t in targets)


def test_every_package_is_in_the_architecture_map() -> None:
    doc = _read("docs/architecture.md")
    packages = [p.name for p in (ROOT / "src" / "minyi").iterdir() if (p / "__init__.py").exists()]
    assert not [p for p in packages if f"minyi.{p}" not in doc]


def _modules(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.py") if p.name != "__init__.py" and not p.name.startswith("_"))


def test_the_architecture_map_names_every_module_route_and_job() -> None:
    """docs/architecture.md stays true to the code: nlp's and web's modules, every route module, every top-level
    module and every scheduled task the runner reports."""
    doc = _read("docs/architecture.md")
    src = ROOT / "src" / "minyi"
    missing = [f"nlp/{m}" for m in _modules(src / "nlp") if f"`{m}`" not in doc]
    missing += [f"web/{m}" for m in _modules(src / "web") if f"`{m}`" not in doc]
    missing += [f"routes/{m}" for m in _modules(src / "web" / "routes") if f"{m}`" not in doc]
    missing += [f"minyi.{m[:-3]}" for m in _modules(src) if f"`minyi.{m[:-3]}`" not in doc and m != "cli.py"]
    runner = (src / "jobs" / "runner.py").read_text(encoding="utf-8")
    tasks = re.findall(r'return \{"([a-z_]+)": ', runner)  # what each scheduled task reports
    tasks += re.findall(r'^    "([a-z_]+)": [a-z_]+,$', runner, flags=re.MULTILINE)  # the schedule's task names
    notifications = (src / "notifications" / "services.py").read_text(encoding="utf-8")
    tasks += re.findall(r'"(reminders|escalations|delivered|delivery_failures)"', notifications)
    missing += [f"task {t}" for t in sorted(set(tasks)) if f"`{t}`" not in doc]
    assert tasks and not missing, f"not in docs/architecture.md: {missing}"
