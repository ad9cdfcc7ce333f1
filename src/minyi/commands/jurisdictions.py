"""`minyi jurisdictions list|import FILE`: the jurisdiction tree on the command line (every change audited with the
command line and the system user as the actor, as `minyi sources` does)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


def _factory() -> Any:
    from minyi.core.db import make_engine, make_session_factory
    from minyi.core.settings import get_settings

    return make_session_factory(make_engine(get_settings().database_url))


@click.group("jurisdictions")
def jurisdictions() -> None:
    """The jurisdiction tree (辖区): 省 → 市 → 区/县 → 街道/乡镇 (see docs/jurisdictions.md)."""


@jurisdictions.command("list")
@click.option("--all", "include_inactive", is_flag=True, help="Deactivated jurisdictions too")
def list_(include_inactive: bool) -> None:
    """The tree, indented: name, level, public address, area names and leaders' mailboxes of each."""
    from minyi.console.jurisdictions import tree_rows
    from minyi.core.db import transaction

    with transaction(_factory(), write=False) as session:
        for row in tree_rows(session, scope=""):
            node = row.node
            if not node.is_active and not include_inactive:
                continue
            state = "" if node.is_active else " [停用]"
            leaders = "、".join(node.leaders) or "-"
            click.echo(
                f"{node.id}\t{'  ' * row.depth}{node.name}{state}\t{node.level_name}\t/j/{node.slug}\t"
                f"地名 {len(node.areas)} 个\t领导信箱 {leaders}\t部门 {row.departments}\t工作人员 {row.staff}"
            )


@jurisdictions.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(file: Path) -> None:
    """Create or complete jurisdictions from a CSV file (名称,级别,上级,网址代号,地名,领导信箱): all or nothing,
    every bad row listed with its line number."""
    from minyi.accounts.jurisdiction_admin import import_file
    from minyi.collect.source_log import command_line
    from minyi.core.db import transaction
    from minyi.core.errors import DomainError

    content = _read(file)
    rows = max(0, content.count("\n") - 1)
    click.echo(f"importing {file.name}: about {rows} rows …")

    def progress(done: int) -> None:
        click.echo(f"  {done} rows read …")

    try:
        with transaction(_factory()) as session:
            result = import_file(session, actor=command_line(), content=content, filename=file.name, progress=progress)
    except DomainError as exc:
        failures = getattr(exc, "errors", [(None, exc.message)])
        lines = "\n".join(f"  {message}" for _field, message in failures)
        raise click.ClickException(f"{file.name} was not imported ({len(failures)} errors):\n{lines}") from None
    click.echo(f"imported {file.name}: {result.created} created, {result.updated} updated (area names or leaders)")


def _read(file: Path) -> str:
    raw = file.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise click.ClickException(f"{file.name}: not UTF-8 (nor GB18030) text")


def register(group: click.Group) -> None:
    group.add_command(jurisdictions)
