"""`minyi sources add|list|edit|remove|resume` (registered web sources; every change audited with the command line
and the system user as the actor) and `minyi collect --once` (every due source, now)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from minyi.collect.models import SOURCE_KINDS, SOURCE_STATUSES
from minyi.core.clock import to_china

if TYPE_CHECKING:
    from minyi.collect.alerts import UrgentAlerts


def _factory() -> Any:
    from minyi.core.db import make_engine, make_session_factory
    from minyi.core.settings import get_settings

    return make_session_factory(make_engine(get_settings().database_url))


@click.group("sources")
def sources() -> None:
    """Registered web sources (网络来源): feeds, list pages, pages, sitemaps, file exports (see docs/collect.md)."""


@sources.command("add")
@click.argument("name")
@click.argument("url")
@click.option("--kind", type=click.Choice(list(SOURCE_KINDS)), default="feed", show_default=True)
@click.option("--place", default="", help="Jurisdiction or place the source speaks for (地区)")
@click.option("--weight", default=1, show_default=True, help="1–10: how much one voice here counts")
@click.option("--schedule", "schedule_minutes", default=60, show_default=True, help="Minutes between two runs")
@click.option("--keywords", default="", help="Keep only items naming one of these (space-separated)")
@click.option("--max-pages", default=100, show_default=True, help="At most this many requests a run")
def add(name: str, url: str, **fields: Any) -> None:
    """Register a source (URL, or a .jsonl/.json/.csv file path with --kind file); its first run is due at once."""
    from minyi.collect.source_log import command_line
    from minyi.collect.sources import add_source
    from minyi.core.db import transaction
    from minyi.core.errors import ValidationFailed

    try:
        with transaction(_factory()) as session:
            source = add_source(session, name=name, url=url, **fields, actor=command_line())
            source_id = source.id
    except ValidationFailed as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"added source {source_id}: {name} ({fields['kind']})")


@sources.command("list")
@click.option("--all", "include_inactive", is_flag=True, help="Deactivated sources too")
def list_(include_inactive: bool) -> None:
    """Every source with its health: last fetch, status, items and errors of the last run, next run."""
    from minyi.collect.sources import list_sources
    from minyi.core.db import transaction

    with transaction(_factory(), write=False) as session:
        for source in list_sources(session, include_inactive=include_inactive):
            click.echo(_line(source))


@sources.command("edit")
@click.argument("source_id", type=int)
@click.option("--name", default=None)
@click.option("--url", default=None, help="URL, or the file path of a `file` source")
@click.option("--kind", type=click.Choice(list(SOURCE_KINDS)), default=None)
@click.option("--place", default=None)
@click.option("--weight", default=None, type=int)
@click.option("--schedule", "schedule_minutes", default=None, type=int)
@click.option("--keywords", default=None)
@click.option("--max-pages", default=None, type=int)
def edit(source_id: int, **fields: Any) -> None:
    """Change some settings of a source (the options given; the same checks as `add`, every failure at once)."""
    from minyi.collect.source_log import command_line
    from minyi.collect.sources import update_source
    from minyi.core.db import transaction
    from minyi.core.errors import DomainError

    changes = {name: value for name, value in fields.items() if value is not None}
    if not changes:
        raise click.UsageError("nothing to change: give at least one option (see --help)")
    try:
        with transaction(_factory()) as session:
            name = update_source(session, source_id=source_id, actor=command_line(), **changes).name
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"changed source {source_id}: {name}")


@sources.command("remove")
@click.argument("source_id", type=int)
def remove(source_id: int) -> None:
    """Deactivate a source (停用): no longer collected; its items are kept."""
    _switch(source_id, active=False)


@sources.command("resume")
@click.argument("source_id", type=int)
def resume(source_id: int) -> None:
    """Collect a deactivated source again (恢复): its next run is due at once."""
    _switch(source_id, active=True)


def _switch(source_id: int, *, active: bool) -> None:
    from minyi.collect.source_log import command_line
    from minyi.collect.sources import remove_source, resume_source
    from minyi.core.db import transaction
    from minyi.core.errors import DomainError

    change = resume_source if active else remove_source
    try:
        with transaction(_factory()) as session:
            name = change(session, source_id=source_id, actor=command_line()).name
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(
        f"resumed source {source_id}: {name}"
        if active
        else f"deactivated source {source_id}: {name} (its items are kept)"
    )


def _when(moment: Any) -> str:
    return "-" if moment is None else to_china(moment).strftime("%Y-%m-%d %H:%M")


def _line(source: Any) -> str:
    state = "" if source.active else " [停用]"
    return (
        f"{source.id}\t{source.name}{state}\t{source.kind}\t{source.url}\n"
        f"\t上次采集 {_when(source.last_fetch_at)} {SOURCE_STATUSES.get(source.last_status, source.last_status)}，"
        f"新增 {source.items_last_run} 条，错误 {source.errors_last_run} 个，下次 {_when(source.next_run_at)}"
        + (f"\n\t{source.last_error.splitlines()[0]}" if source.last_error else "")
    )


def collect_once() -> None:
    """Collect every due active source now, one after the other, and print each source's health."""
    from minyi.collect.sources import claim_due, collect_source, get_source
    from minyi.core.db import transaction

    factory = _factory()
    source_ids = claim_due(factory)
    if not source_ids:
        click.echo("no source is due")
        return
    analyzer = None
    for source_id in source_ids:
        if analyzer is None:
            from minyi.nlp.pipeline import load_default_analyzer

            analyzer = load_default_analyzer()
        collect_source(factory, source_id, analyzer=analyzer, alerts=_urgent_alerts())
        with transaction(factory, write=False) as session:
            click.echo(_line(get_source(session, source_id)))


def _urgent_alerts() -> UrgentAlerts:
    """Urgent items told at once, as the worker tells them (minyi.collect.alerts, with the watches)."""
    from minyi.collect.alerts import UrgentAlerts
    from minyi.core.settings import get_settings
    from minyi.notifications.services import Outbound
    from minyi.watches.web import web_watchers

    return UrgentAlerts(outbound=Outbound.of(get_settings()), watchers=web_watchers)


def register(group: click.Group) -> None:
    group.add_command(sources)
