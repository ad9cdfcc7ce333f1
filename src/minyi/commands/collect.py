"""`minyi collect URL... --out OUT.jsonl [--max-pages N]`: crawl the open web politely, without a database;
`minyi collect --once`: collect every due registered source now, into the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from minyi.commands.hot import _write_all


@click.command("collect")
@click.argument("urls", metavar="URL...", nargs=-1)
@click.option(
    "--once",
    is_flag=True,
    help="Instead of URLs: collect every due registered source now (minyi sources) and print each one's health",
)
@click.option(
    "--out",
    "out",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON lines file to write, one item (article, post or comment) a line",
)
@click.option(
    "--max-pages", default=100, show_default=True, type=click.IntRange(min=1), help="At most this many requests"
)
@click.option(
    "--delay",
    default=0.5,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds between two requests to one host",
)
@click.option(
    "--concurrency",
    default=2,
    show_default=True,
    type=click.IntRange(min=1, max=16),
    help="Requests at once to one host",
)
@click.option(
    "--timeout", default=10.0, show_default=True, type=click.FloatRange(min=0.1), help="Seconds for one request"
)
@click.option(
    "--max-bytes",
    default=5_000_000,
    show_default=True,
    type=click.IntRange(min=1024),
    help="A page is not read past this size",
)
@click.option("--user-agent", default=None, help="User agent (default: minyi-collect/1 with the docs URL)")
@click.option("--progress/--no-progress", default=True, show_default=True, help="A progress bar on stderr")
def collect(
    urls: tuple[str, ...],
    once: bool,
    out: Path | None,
    max_pages: int,
    delay: float,
    concurrency: int,
    timeout: float,
    max_bytes: int,
    user_agent: str | None,
    progress: bool,
) -> None:
    """Collect pages, feeds and sitemaps from the start URLs into items with their analysis (see docs/collect.md).

    robots.txt is obeyed; each host gets at most CONCURRENCY requests at once, DELAY seconds apart.
    The health of every host (pages fetched, items, errors) is printed at the end."""
    from minyi.collect.fetch import DEFAULT_USER_AGENT, Politeness
    from minyi.collect.services import collect_urls
    from minyi.collect.urls import is_web_url

    if once:
        if urls or out:
            raise click.UsageError("--once collects the registered sources: give no URL and no --out")
        from minyi.commands.sources import collect_once

        collect_once()
        return
    if not urls or out is None:
        raise click.UsageError("give URL... and --out OUT.jsonl, or --once")
    bad = [u for u in urls if not is_web_url(u)]
    if bad:
        raise click.BadParameter(f"not an http(s) URL: {', '.join(bad)}", param_hint="URL")
    if out.parent and not out.parent.exists():
        raise click.ClickException(f"cannot write {out}: folder {out.parent} does not exist")
    politeness = Politeness(
        user_agent=user_agent or DEFAULT_USER_AGENT,
        delay=delay,
        concurrency=concurrency,
        timeout=timeout,
        max_bytes=max_bytes,
    )
    bar = _bar(max_pages, "fetching", progress)
    result = collect_urls(
        urls=list(urls),
        max_pages=max_pages,
        politeness=politeness,
        on_page=lambda _url, _ok: bar.update(1),
    )
    bar.close()
    _write_all([(out, lambda tmp: _write_jsonl(tmp, result.items))])
    _report(result)


def _bar(total: int, desc: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="page", disable=not enabled, leave=False, mininterval=0.5)


def _write_jsonl(tmp: Path, items: list[dict[str, Any]]) -> None:
    with tmp.open("w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")


def _report(result: Any) -> None:
    """Each host's health on stderr, then a one-line total."""
    for host in result.hosts:
        click.echo(
            f"{host.host}: {host.fetched} fetched, {host.items} items, {host.errors} errors, "
            f"{host.skipped} skipped (robots.txt)",
            err=True,
        )
        for url, reason in host.failures:
            click.echo(f"    {url}: {reason}", err=True)
    duplicates = sum(1 for item in result.items if item["duplicate_of"])
    click.echo(
        f"{len(result.items)} items ({duplicates} duplicates) from {result.pages} requests; {result.errors} errors",
        err=True,
    )


def register(group: click.Group) -> None:
    group.add_command(collect)
