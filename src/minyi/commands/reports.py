"""`minyi report --period 2019-11|2019-W45 [--out DIR] [--store]`: the periodic 民意 report (see docs/reports.md)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from minyi.core.db import begin_write, make_engine, make_session_factory
from minyi.core.errors import ValidationFailed
from minyi.core.settings import get_settings


@click.command("report")
@click.option(
    "--period",
    required=True,
    metavar="YYYY-MM|YYYY-Www",
    help="A month (2019-11) or an ISO week (2019-W45, Monday to Sunday)",
)
@click.option(
    "--out",
    "out_dir",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the .html and .xlsx files",
)
@click.option(
    "--store/--no-store",
    default=False,
    show_default=True,
    help="Also keep (or replace) the report in the database, listed on /staff/reports",
)
def report(period: str, out_dir: Path, store: bool) -> None:
    """Build the printable HTML report and the XLSX of one week or month from the data alone."""
    from minyi.reports.content import parse_period
    from minyi.reports.render import render_html, render_xlsx, show, show_change
    from minyi.reports.services import build_period_report, store_report

    try:
        parsed = parse_period(period)
    except ValidationFailed as exc:
        raise click.BadParameter(exc.message, param_hint="--period") from None
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.ClickException(f"cannot create {out_dir}: {exc.strerror}") from None
    session = make_session_factory(make_engine(get_settings().database_url))()
    try:
        if store:
            begin_write(session)
        built = build_period_report(session, period=parsed)
        if store:
            store_report(session, period=parsed, replace=True, report=built)
            session.commit()
    finally:
        session.close()
    base = out_dir / f"minyi-report-{parsed.key}"
    for suffix, content in ((".html", render_html(built).encode("utf-8")), (".xlsx", render_xlsx(built))):
        target = base.with_suffix(suffix)
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(content)
        os.replace(partial, target)  # never a half-written report
        click.echo(f"wrote {target}")
    click.echo(f"{parsed.title} ({parsed.start.isoformat()} – {parsed.end.isoformat()})")
    for note in built.notices:
        click.echo(f"  {note}")
    for k in built.key_figures:
        click.echo(
            f"  {k.label}: {show(k.key, k.value)} (上期 {show(k.key, k.previous)}, {show_change(k.key, k.change)})"
        )
    click.echo(f"  热点问题 {len(built.hot_issues)} 个，超期部门 {len(built.late_departments)} 个")


def register(group: click.Group) -> None:
    """Add these commands to the CLI."""
    group.add_command(report)
