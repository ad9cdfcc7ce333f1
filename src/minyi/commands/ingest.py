"""`minyi import`: load historical messages from .jsonl/.csv/.xlsx files (see docs/import.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from minyi.core.db import make_engine, make_session_factory
from minyi.core.settings import get_settings
from minyi.nlp.labels import APPEAL_KINDS

if TYPE_CHECKING:
    from minyi.ingest.services import FileReport

MAX_PROBLEMS_SHOWN = 50


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _summary(report: FileReport) -> str:
    parts = [
        f"{report.rows} rows",
        f"{report.imported} imported ({report.replied} with a reply)",
        f"{report.already_present} already present",
    ]
    added = [
        text
        for n, text in (
            (report.replies_added, _count(report.replies_added, "reply", "replies")),
            (report.votes_added, f"the votes of {_count(report.votes_added, 'message')}"),
            (report.domains_added, _count(report.domains_added, "domain")),
        )
        if n
    ]
    if added:
        parts.append(f"{', '.join(added)} added to existing cases")
    if report.duplicates:
        parts.append(f"{report.duplicates} identical duplicate rows skipped")
    if report.skipped_bad:
        parts.append(f"{report.skipped_bad} bad rows skipped")
    if report.archived:
        parts.append(f"{report.archived} archived (历史未办结: unreplied and older than the archive age)")
    if report.queued_for_analysis:
        parts.append(f"{report.queued_for_analysis} queued for analysis (minyi worker)")
    if report.departments_created:
        parts.append(f"{len(report.departments_created)} departments created (inactive)")
    return ", ".join(parts)


@click.command("import")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
)
@click.option(
    "--source",
    default=None,
    help="Name of the source system; rows are keyed by (source, id). Default: each file's name without "
    "extension. Give one name to files that share an id space (so overlaps are imported once).",
)
@click.option(
    "--appeal-kind",
    default="complaint",
    show_default=True,
    type=click.Choice(list(APPEAL_KINDS)),
    help="Appeal kind given to every imported message (it sets the deadline).",
)
@click.option(
    "--batch-size",
    default=500,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Rows per batch: one multi-row INSERT per table and one transaction per batch.",
)
@click.option("--skip-bad-rows", is_flag=True, help="Import the good rows of a file that has bad ones (listed).")
@click.option("--dry-run", is_flag=True, help="Check and count everything, then roll back.")
@click.option(
    "--archive-after-days",
    type=click.IntRange(0, 100_000),
    default=None,
    help="Unreplied messages older than this many days are imported as 历史未办结 (archived); 0 = never. "
    "Default: MINYI_IMPORT_ARCHIVE_DAYS (365).",
)
def import_messages(
    paths: tuple[Path, ...],
    source: str | None,
    appeal_kind: str,
    batch_size: int,
    skip_bad_rows: bool,
    dry_run: bool,
    archive_after_days: int | None,
) -> None:
    """Import historical messages (with replies, votes and categories) from IN files as cases with their events."""
    from tqdm import tqdm  # imported here: only this command draws a progress bar

    from minyi.ingest.services import import_file
    from minyi.jobs.tasks import Jobs

    settings = get_settings()
    factory = make_session_factory(make_engine(settings.database_url))
    jobs = Jobs(settings, factory)  # each committed batch is queued for the workers' analysis
    failed = False
    for path in paths:
        with tqdm(desc=path.name, unit="msg", file=sys.stderr, leave=False, disable=None) as bar:

            def progress(done: int, total: int, bar: tqdm = bar) -> None:
                bar.total = total
                bar.update(done - bar.n)

            session = factory()
            try:
                report = import_file(
                    session,
                    path=path,
                    source=source,
                    appeal_kind=appeal_kind,
                    batch_size=batch_size,
                    skip_bad_rows=skip_bad_rows,
                    dry_run=dry_run,
                    progress=progress,
                    archive_days=settings.import_archive_days if archive_after_days is None else archive_after_days,
                    analyse=jobs.analyse_batch,
                )
            except Exception as exc:
                msg = (
                    f"{path}: stopped ({type(exc).__name__}: {exc}); the batches written before stay, "
                    "importing the file again completes it"
                )
                raise click.ClickException(msg) from exc
            finally:
                session.close()
        if report.unreadable:
            failed = True
            click.echo(f"{path}: cannot be read, nothing written:", err=True)
        elif report.problems and not report.written:
            failed = True
            click.echo(
                f"{path}: {len({p.row for p in report.problems})} bad rows, nothing written "
                "(fix them, or import the others with --skip-bad-rows):",
                err=True,
            )
        else:
            note = " (dry run: nothing written)" if dry_run else ""
            click.echo(f"{path} [{report.source}]: {_summary(report)}{note}")
        for problem in report.problems[:MAX_PROBLEMS_SHOWN]:
            click.echo(f"  {problem}", err=True)
        if len(report.problems) > MAX_PROBLEMS_SHOWN:
            click.echo(f"  … and {len(report.problems) - MAX_PROBLEMS_SHOWN} more", err=True)
        for remark in report.notes[:MAX_PROBLEMS_SHOWN]:
            click.echo(f"  note: {remark}", err=True)
        if len(report.notes) > MAX_PROBLEMS_SHOWN:
            click.echo(f"  … and {len(report.notes) - MAX_PROBLEMS_SHOWN} more notes", err=True)
    if failed:
        sys.exit(1)


def register(group: click.Group) -> None:
    """Add these commands to the CLI."""
    group.add_command(import_messages)
