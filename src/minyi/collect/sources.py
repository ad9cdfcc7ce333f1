"""Registered web sources (网络来源): add, list, change, deactivate, and collect one source into `web_items`.

`collect_source` works like the job engine's slow tasks (minyi.jobs.runner): it reads the source and the validators
of its pages in a reading transaction, crawls and analyses outside any transaction, and stores the new items and
the source's health in short writing ones. It never raises for a failure of the web: every failure is in the health.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from minyi.collect import source_log
from minyi.collect.alerts import UrgentAlerts
from minyi.collect.crawl import Crawler, CrawlResult, HostHealth, Validators
from minyi.collect.exports import EXPORT_SUFFIXES, read_export
from minyi.collect.extract import Item
from minyi.collect.fetch import Fetcher, Politeness
from minyi.collect.models import SOURCE_KINDS, WebSource
from minyi.collect.services import analyse_items
from minyi.collect.store import store_items
from minyi.collect.urls import is_web_url, normalize_url
from minyi.core.clock import utcnow
from minyi.core.db import get_by_id, transaction
from minyi.core.errors import FieldErrors, NotFound, ValidationFailed
from minyi.core.validation import choice_field, int_field, text_field

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 4000  # the failures of the last run kept on the source
_KEYWORD_SPLIT = re.compile(r"[\s,，、;；]+")


# --- the registry ------------------------------------------------------------------------------------------


def _check(session: Session, values: dict[str, Any], *, source_id: int | None = None) -> dict[str, Any]:
    """Every field checked; all failures reported together (FieldErrors), each beside its field."""
    failures: list[ValidationFailed] = []
    clean: dict[str, Any] = {}
    checks = {
        "name": lambda v: text_field(v, field="name", label="名称", max_len=100).strip(),
        "kind": lambda v: choice_field(v, field="kind", label="来源类型", choices=SOURCE_KINDS),
        "place": lambda v: text_field(v, field="place", label="地区", max_len=100, required=False).strip(),
        "weight": lambda v: int_field(v, field="weight", label="权重", minimum=1, maximum=10),
        "schedule_minutes": lambda v: int_field(
            v, field="schedule_minutes", label="采集间隔（分钟）", minimum=5, maximum=7 * 24 * 60
        ),
        "keywords": lambda v: " ".join(
            k
            for k in _KEYWORD_SPLIT.split(text_field(v, field="keywords", label="关键词", max_len=1000, required=False))
            if k
        ),
        "max_pages": lambda v: int_field(v, field="max_pages", label="每次最多页数", minimum=1, maximum=5000),
    }
    for name, check in checks.items():
        if name in values:
            try:
                clean[name] = check(values[name])
            except ValidationFailed as failure:
                failures.append(failure)
    if "url" in values:
        try:
            clean["url"] = _check_url(values["url"], kind=clean.get("kind") or values.get("kind"))
        except ValidationFailed as failure:
            failures.append(failure)
    if clean.get("name"):
        same = session.scalar(select(WebSource.id).where(WebSource.name == clean["name"]))
        if same is not None and same != source_id:
            failures.append(ValidationFailed(f"已有名为“{clean['name']}”的来源，请换一个名称", field="name"))
    if failures:
        raise FieldErrors(failures)
    return clean


def _check_url(value: Any, *, kind: Any) -> str:
    url = text_field(value, field="url", label="网址或文件路径", max_len=2000).strip()
    if kind == "file":
        path = Path(url)
        if path.suffix.lower() not in EXPORT_SUFFIXES:
            msg = f"导出文件须为 {' / '.join(sorted(EXPORT_SUFFIXES))} 格式"
            raise ValidationFailed(msg, field="url")
        if not path.is_file():
            msg = f"找不到文件：{url}"
            raise ValidationFailed(msg, field="url")
        return str(path.resolve())
    if not is_web_url(url):
        msg = "网址须以 http:// 或 https:// 开头"
        raise ValidationFailed(msg, field="url")
    return url


def add_source(
    session: Session,
    *,
    name: str,
    kind: str,
    url: str,
    place: str = "",
    weight: Any = 1,
    schedule_minutes: Any = 60,
    keywords: str = "",
    max_pages: Any = 100,
    actor: source_log.Actor = source_log.SYSTEM,
    now: datetime | None = None,
) -> WebSource:
    """Register a source; its first run is due at once. Audited with the actor and the source's settings."""
    values = {
        "name": name, "kind": kind, "url": url, "place": place, "weight": weight,
        "schedule_minutes": schedule_minutes, "keywords": keywords, "max_pages": max_pages,
    }  # fmt: skip
    source = WebSource(**_check(session, values), active=True, next_run_at=now or utcnow(), last_error="")
    session.add(source)
    session.flush()
    source_log.record(session, kind="source_added", source=source, actor=actor, detail=source_log.settings_of(source))
    return source


def get_source(session: Session, source_id: Any) -> WebSource:
    """The source, or NotFound."""
    source = get_by_id(session, WebSource, source_id)
    if source is None:
        msg = "没有这个来源"
        raise NotFound(msg)
    return source


def update_source(
    session: Session, *, source_id: Any, actor: source_log.Actor = source_log.SYSTEM, **changes: Any
) -> WebSource:
    """Change some fields of a source (the same checks as when it was added, every failure at once); audited with
    each changed field before → after (nothing is written when nothing changed)."""
    source = get_source(session, source_id)
    if "url" in changes and "kind" not in changes:
        changes["kind"] = source.kind
    before = source_log.fields_of(source)
    for name, value in _check(session, changes, source_id=source.id).items():
        setattr(source, name, value)
    session.flush()
    detail = source_log.changes(before, source_log.fields_of(source))
    if detail:
        source_log.record(session, kind="source_changed", source=source, actor=actor, detail=detail)
    return source


def remove_source(session: Session, *, source_id: Any, actor: source_log.Actor = source_log.SYSTEM) -> WebSource:
    """Deactivate (停用) a source: it is no longer collected; its items stay. Audited."""
    source = get_source(session, source_id)
    if source.active:
        source.active = False
        source.next_run_at = None
        session.flush()
        source_log.record(
            session, kind="source_stopped", source=source, actor=actor, detail="不再采集，已采集的内容保留"
        )
    return source


def resume_source(
    session: Session, *, source_id: Any, actor: source_log.Actor = source_log.SYSTEM, now: datetime | None = None
) -> WebSource:
    """Collect a deactivated source again (恢复): its next run is due at once. Audited."""
    source = get_source(session, source_id)
    if not source.active:
        source.active = True
        source.next_run_at = now or utcnow()
        session.flush()
        source_log.record(
            session, kind="source_resumed", source=source, actor=actor, detail="恢复采集，下次采集立即开始"
        )
    return source


def run_soon(
    session: Session, *, source_id: Any, actor: source_log.Actor = source_log.SYSTEM, now: datetime | None = None
) -> WebSource:
    """Make an active source due now: a worker's `sources_due` queues it within a minute (nothing is fetched in the
    caller's request). Audited."""
    source = get_source(session, source_id)
    if not source.active:
        raise ValidationFailed("来源已停用，不能采集", field="source_id")
    source.next_run_at = now or utcnow()
    session.flush()
    source_log.record(session, kind="source_queued", source=source, actor=actor, detail="排队立即采集")
    return source


def list_sources(session: Session, *, include_inactive: bool = True) -> list[WebSource]:
    """Every source (admins register tens, not thousands), active ones first, then by name."""
    query = select(WebSource).order_by(WebSource.active.desc(), WebSource.name)
    if not include_inactive:
        query = query.where(WebSource.active.is_(True))
    return list(session.scalars(query))


def claim_due(factory: sessionmaker[Session], *, now: datetime | None = None, limit: int = 200) -> list[int]:
    """The active sources whose next run has come, each claimed by moving its next run one schedule on (a
    compare-and-set: of two schedulers, only one claims a source for this run)."""
    now = now or utcnow()
    with transaction(factory, write=False) as session:
        due = session.execute(
            select(WebSource.id, WebSource.next_run_at, WebSource.schedule_minutes)
            .where(WebSource.active.is_(True), WebSource.next_run_at <= now)
            .order_by(WebSource.next_run_at)
            .limit(limit)
        ).all()
    claimed: list[int] = []
    with transaction(factory) as session:
        for source_id, next_run_at, minutes in due:
            moved = session.execute(
                update(WebSource)
                .where(WebSource.id == source_id, WebSource.next_run_at == next_run_at)
                .values(next_run_at=now + timedelta(minutes=minutes))
            )
            if getattr(moved, "rowcount", 0):
                claimed.append(source_id)
    return claimed


# --- one run -----------------------------------------------------------------------------------------------


@dataclass
class SourceRun:
    """What one run of a source did: items stored, the status and failures recorded as its health."""

    source_id: int
    status: str
    items: int = 0
    errors: int = 0
    error_text: str = ""
    hosts: list[HostHealth] = field(default_factory=list)


@dataclass(frozen=True)
class _Snapshot:
    id: int
    kind: str
    url: str
    keywords: list[str]
    max_pages: int
    schedule_minutes: int
    validators: dict[str, Validators]


def collect_source(
    factory: sessionmaker[Session],
    source_id: int,
    *,
    analyzer: Any = None,
    politeness: Politeness | None = None,
    now: datetime | None = None,
    alerts: UrgentAlerts | None = None,
) -> SourceRun | None:
    """Collect one active source: new items stored once (by canonical URL), its health recorded. None when the
    source is unknown or inactive. `alerts`: how its urgent items are told (minyi.collect.alerts)."""
    started = now or utcnow()
    snapshot = _read(factory, source_id)
    if snapshot is None:
        return None
    try:
        items, crawl = _fetch(snapshot, politeness or Politeness())
        items = keep_matching(items, snapshot.keywords)
        records = analyse_items(items, analyzer=analyzer) if items else []
        stored = store_items(
            factory,
            source_id=snapshot.id,
            items=items,
            records=records,
            validators=crawl.validators,
            now=started,
            alerts=alerts,
        )
        run = _run_of(snapshot.id, crawl, stored)
    except Exception as exc:  # never crash a worker: the failure is the source's health
        log.exception("source %s failed", source_id)
        crawl = CrawlResult(items=[], hosts={}, pages=0)
        run = SourceRun(snapshot.id, "failed", errors=1, error_text=f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS])
    _record_health(factory, snapshot, run, crawl, started)
    return run


def _read(factory: sessionmaker[Session], source_id: int) -> _Snapshot | None:
    from minyi.collect.models import WebItem

    with transaction(factory, write=False) as session:
        source = session.get(WebSource, source_id)
        if source is None or not source.active:
            return None
        rows = session.execute(
            select(WebItem.url, WebItem.etag, WebItem.last_modified).where(
                WebItem.source_id == source.id,
                WebItem.parent_id.is_(None),
                or_(WebItem.etag.is_not(None), WebItem.last_modified.is_not(None)),
            )
        ).all()
        validators = {normalize_url(url): (etag, modified) for url, etag, modified in rows}
        if source.etag or source.last_modified:
            validators[normalize_url(source.url) if source.kind != "file" else source.url] = (
                source.etag,
                source.last_modified,
            )
        return _Snapshot(
            id=source.id,
            kind=source.kind,
            url=source.url,
            keywords=source.keywords.split(),
            max_pages=source.max_pages,
            schedule_minutes=source.schedule_minutes,
            validators=validators,
        )


def _fetch(snapshot: _Snapshot, politeness: Politeness) -> tuple[list[Item], CrawlResult]:
    if snapshot.kind == "file":
        health = HostHealth(snapshot.url)
        items = read_export(Path(snapshot.url), health)
        return items, CrawlResult(items=items, hosts={snapshot.url: health}, pages=0)
    crawl = asyncio.run(_crawl(snapshot, politeness))
    return crawl.items, crawl


async def _crawl(snapshot: _Snapshot, politeness: Politeness) -> CrawlResult:
    async with Fetcher(politeness) as fetcher:
        crawler = Crawler(fetcher, max_pages=snapshot.max_pages, validators=snapshot.validators)
        return await crawler.run([snapshot.url])


def keep_matching(items: list[Item], keywords: list[str]) -> list[Item]:
    """The items that name one of `keywords` (title or text), and the comments of those; all when none given."""
    if not keywords:
        return items
    kept: list[Item] = []
    kept_pages: set[str] = set()
    for item in items:
        text = f"{item.title or ''}\n{item.text}"
        if any(k in text for k in keywords) or (item.parent_url is not None and item.parent_url in kept_pages):
            kept.append(item)
            if item.kind != "comment":
                kept_pages.add(item.canonical_url)
    return kept


def _run_of(source_id: int, crawl: CrawlResult, stored: int) -> SourceRun:
    hosts = list(crawl.hosts.values())
    errors = sum(h.errors + h.skipped for h in hosts)
    fetched = sum(h.fetched for h in hosts)
    unchanged = sum(h.unchanged for h in hosts)
    if errors and not (fetched or unchanged):
        status = "failed"
    elif errors:
        status = "partial"
    elif unchanged and not fetched:
        status = "unchanged"
    else:
        status = "ok"
    lines = [f"{url}: {reason}" for h in hosts for url, reason in h.failures]
    return SourceRun(
        source_id, status, items=stored, errors=errors, error_text="\n".join(lines)[:MAX_ERROR_CHARS], hosts=hosts
    )


def _record_health(
    factory: sessionmaker[Session], snapshot: _Snapshot, run: SourceRun, crawl: CrawlResult, started: datetime
) -> None:
    key = snapshot.url if snapshot.kind == "file" else normalize_url(snapshot.url)
    etag, modified = crawl.validators.get(key, (None, None))
    with transaction(factory) as session:
        source = session.get(WebSource, snapshot.id)
        if source is None:
            return
        source.last_fetch_at = started
        source.last_status = run.status
        source.items_last_run = run.items
        source.errors_last_run = run.errors
        source.last_error = run.error_text
        if etag or modified:
            source.etag, source.last_modified = etag, modified
        following = started + timedelta(minutes=snapshot.schedule_minutes)
        if source.active and (source.next_run_at is None or source.next_run_at < following):
            source.next_run_at = following
