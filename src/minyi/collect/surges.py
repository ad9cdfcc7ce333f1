"""网络民意激增 (surges): a topic's web voices of the last 24 hours against its own baseline.

A topic is a place or a domain (the counted columns of `web_items`), or a keyword some active watch follows (its
title or text contains it). Its baseline is its daily mean of first voices over the `baseline_days` before the last
24 hours; it surges when the last 24 hours hold at least `min_count` voices and at least `factor` times that mean
(a topic never heard before surges once it reaches `min_count`). Only the sources registered before the baseline
began count, in both windows: a source just added brings its whole backlog at once, which is not a surge.

Found by the worker's scheduled `web_surges` task: read (`find_surges`), then written (`record_surges`) as one
`WebSurge` row per topic and China day, whose watches are told once (minyi.watches.web.alert_surges, a notice per
row and watch).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Integer, case, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from minyi.collect.models import SURGE_KINDS, WebItem, WebSource, WebSurge
from minyi.collect.voices import first_voices
from minyi.core.clock import china_today, utcnow
from minyi.core.settings import Settings

log = logging.getLogger(__name__)

RECENT = timedelta(hours=24)
SHOWN = 20  # surges listed on a page
MAX_KEYWORDS = 200  # keywords counted per run (the most watched first)


@dataclass(frozen=True)
class SurgeRules:
    """When a topic surges (MINYI_SURGE_MIN_COUNT, MINYI_SURGE_FACTOR, MINYI_SURGE_BASELINE_DAYS)."""

    min_count: int = 5
    factor: float = 3.0
    baseline_days: int = 14

    @classmethod
    def of(cls, settings: Settings) -> SurgeRules:
        """From the settings."""
        return cls(settings.surge_min_count, settings.surge_factor, settings.surge_baseline_days)

    def surges(self, recent: int, before: int) -> bool:
        """Whether `recent` voices in 24 hours surge over `before` voices in the baseline days."""
        return recent >= self.min_count and recent >= self.factor * before / self.baseline_days


@dataclass(frozen=True)
class SurgeFinding:
    """A topic that surges now: its voices in the last 24 hours and its daily mean before."""

    kind: str  # SURGE_KINDS
    value: str
    recent: int
    baseline: float


def _windows(now: datetime, rules: SurgeRules) -> tuple[datetime, datetime]:
    """(start of the baseline, start of the last 24 hours)."""
    recent_low = now - RECENT
    return recent_low - timedelta(days=rules.baseline_days), recent_low


def _settled(base_low: datetime) -> ColumnElement[bool]:
    """Items of sources registered before the baseline began (the same sources in both windows)."""
    return WebItem.source_id.in_(select(WebSource.id).where(WebSource.created_at < base_low))


def _split(recent_low: datetime) -> tuple[ColumnElement[int], ColumnElement[int]]:
    recent = func.sum(case((WebItem.fetched_at >= recent_low, 1), else_=0)).cast(Integer)
    return recent, func.count()


def _by_column(
    session: Session, column: InstrumentedAttribute[str], now: datetime, rules: SurgeRules
) -> list[tuple[str, int, int]]:
    """(value, voices in the last 24 hours, voices in the baseline days) per value heard in the last 24 hours."""
    base_low, recent_low = _windows(now, rules)
    recent, everything = _split(recent_low)
    query = (
        select(column, recent, everything)
        .where(*first_voices(base_low, now), column != "", _settled(base_low))
        .group_by(column)
        .having(recent >= rules.min_count)
    )
    return [(value, int(r or 0), int(n) - int(r or 0)) for value, r, n in session.execute(query)]


def _escaped(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def keyword_condition(keyword: str) -> ColumnElement[bool]:
    """A web item whose title or text contains `keyword`, ignoring case (also a keyword watch's match:
    minyi.watches.web); ILIKE on PostgreSQL, LIKE (which ignores ASCII case) on SQLite."""
    pattern = _escaped(keyword)
    return or_(WebItem.title.ilike(pattern, escape="\\"), WebItem.clean_text.ilike(pattern, escape="\\"))


def _by_keyword(session: Session, keyword: str, now: datetime, rules: SurgeRules) -> tuple[int, int]:
    base_low, recent_low = _windows(now, rules)
    recent, everything = _split(recent_low)
    where = (*first_voices(base_low, now), keyword_condition(keyword), _settled(base_low))
    row = session.execute(select(recent, everything).where(*where))
    r, n = row.one()
    return int(r or 0), int(n or 0) - int(r or 0)


def find_surges(
    session: Session, *, keywords: Sequence[str] = (), rules: SurgeRules | None = None, now: datetime | None = None
) -> list[SurgeFinding]:
    """Every place, domain and keyword surging now, the highest ratio first (reads only: a reading transaction).

    Reads the first voices of the last `baseline_days` + 1 days through the covering index; a keyword reads their
    titles and texts (one query each, at most MAX_KEYWORDS)."""
    rules, now = rules or SurgeRules(), now or utcnow()
    found = []
    for kind, column in (("place", WebItem.place), ("domain", WebItem.domain)):
        for value, recent, before in _by_column(session, column, now, rules):
            if rules.surges(recent, before):
                found.append(SurgeFinding(kind, value, recent, before / rules.baseline_days))
    for keyword in list(dict.fromkeys(k for k in keywords if k))[:MAX_KEYWORDS]:
        recent, before = _by_keyword(session, keyword, now, rules)
        if rules.surges(recent, before):
            found.append(SurgeFinding("keyword", keyword, recent, before / rules.baseline_days))
    return sorted(found, key=lambda s: (-ratio(s.recent, s.baseline), -s.recent, s.kind, s.value))


def ratio(recent: int, baseline: float) -> float:
    """How many times its daily mean (infinite for a topic not heard before)."""
    return recent / baseline if baseline else float("inf")


def record_surges(session: Session, findings: Sequence[SurgeFinding], *, now: datetime | None = None) -> list[WebSurge]:
    """One row per topic and China day: a new surge inserted, one already found today brought up to date; the rows
    of this run (a writing transaction; a concurrent insert of the same row raises IntegrityError: run it again)."""
    now = now or utcnow()
    day = china_today(now).isoformat()
    rows = []
    for finding in findings:
        row = session.scalar(
            select(WebSurge).where(
                WebSurge.kind == finding.kind, WebSurge.value == finding.value[:200], WebSurge.day == day
            )
        )
        if row is None:
            row = WebSurge(kind=finding.kind, value=finding.value[:200], day=day, detected_at=now)
            session.add(row)
            log.info("网络民意激增: %s %s, %d in 24 h", SURGE_KINDS[finding.kind], finding.value, finding.recent)
        row.recent, row.baseline, row.last_seen_at = finding.recent, finding.baseline, now
        rows.append(row)
    session.flush()
    return rows


@dataclass(frozen=True)
class SurgeRow:
    """A surge as the pages show it."""

    id: int
    kind: str
    kind_label: str
    value: str
    recent: int
    baseline: float
    ratio: float
    detected_at: datetime
    last_seen_at: datetime


def surge_row(r: WebSurge) -> SurgeRow:
    """A stored surge as the pages and the alerts read it."""
    return SurgeRow(
        r.id, r.kind, SURGE_KINDS.get(r.kind, r.kind), r.value, r.recent, r.baseline,
        ratio(r.recent, r.baseline), r.detected_at, r.last_seen_at,
    )  # fmt: skip


def current_surges(session: Session, *, now: datetime | None = None, limit: int = SHOWN) -> list[SurgeRow]:
    """The surges found in the last 24 hours (the latest row of each topic), the highest ratio first."""
    now = now or utcnow()
    rows = session.scalars(
        select(WebSurge)
        .where(WebSurge.last_seen_at >= now - RECENT)
        .order_by(WebSurge.last_seen_at.desc(), WebSurge.id.desc())
        .limit(limit * 4)
    )
    latest: dict[tuple[str, str], WebSurge] = {}
    for row in rows:
        latest.setdefault((row.kind, row.value), row)
    shown = [surge_row(r) for r in latest.values()]
    return sorted(shown, key=lambda s: (-s.ratio, -s.recent, s.kind, s.value))[:limit]
