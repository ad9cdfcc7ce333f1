"""网络民意: the web items collected from the registered sources, as staff read them — newest first (by the time they
were heard), paged in the database, personal data masked on display (the items themselves stay as collected).

The list shows one period (minyi.collect.voices: today, 7 or 30 days, or from/to), optionally one source, the urgent
ones only, or one place, domain or appeal kind (each served by its index on (value, fetched_at, id))."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from minyi.collect.models import ITEM_KINDS, WebItem, WebSource
from minyi.collect.retention import is_purged
from minyi.collect.surges import SurgeRow, current_surges
from minyi.collect.voices import Period, VoiceCounts, VoiceFilters, count_voices, parse_period, parse_voice_filters
from minyi.core.errors import ValidationFailed
from minyi.nlp.display import public_display
from minyi.nlp.labels import APPEAL_KINDS
from minyi.workflow.models import Case
from minyi.workflow.states import CLOSED, REPLIED

__all__ = [
    "PER_PAGE",
    "ROWS_MAX",
    "WebItemRow",
    "WebItemsPage",
    "WebListQuery",
    "list_web_items",
    "parse_web_list",
    "web_items_page",
    "web_voices_view",
]

PER_PAGE = 20
ROWS_MAX = 10_000  # pages reach this far; the total is exact up to here, "10,000+" beyond (as the work lists)
EXCERPT = 160
ANSWERED = frozenset({REPLIED, CLOSED})
TITLE_CHARS = 30  # a comment's first characters stand for its title


@dataclass(frozen=True)
class WebItemRow:
    """One item as a list shows it: masked title and excerpt, its source, its analysis in words."""

    id: int
    url: str
    kind: str
    title: str
    excerpt: str
    author: str
    published: str
    fetched_at: Any
    source: str
    place: str
    domain: str
    appeal_kind: str
    urgent: bool
    places: list[str]
    duplicate: bool
    case_id: int | None  # 转为办件: the case opened from it
    answered: bool  # its case has a public reply (回应网民关切)
    purged: bool = False  # its words cleared past the retention period (minyi.collect.retention)


@dataclass(frozen=True)
class WebItemsPage:
    rows: list[WebItemRow]
    total: int
    capped: bool
    page: int
    pages: int


def _int(raw: Any, field: str, label: str, high: int) -> int | None:
    if raw in (None, ""):
        return None
    text = str(raw).strip()
    if not text.isdigit() or not 1 <= int(text) <= high:
        raise ValidationFailed(f"{label}必须是 1 到 {high} 之间的整数", field=field)
    return int(text)


def _title(item: WebItem, text: str, purged: bool) -> str:
    if purged:
        return "（正文已按保留期限清除）"
    if item.title:
        return public_display(item.title)
    if item.kind == "comment" and text:  # a comment has no title of its own: its first words
        return f"评论：{text[:TITLE_CHARS]}" + ("…" if len(text) > TITLE_CHARS else "")
    return "（无标题）"


def _row(item: WebItem, source: WebSource, case_status: str | None) -> WebItemRow:
    analysis = item.analysis or {}
    text = public_display(" ".join((item.text or "").split()))
    kind = str(analysis.get("appeal_kind") or "")
    purged = is_purged(item)
    return WebItemRow(
        id=item.id,
        url=item.url,
        kind=ITEM_KINDS.get(item.kind, item.kind),
        title=_title(item, text, purged),
        excerpt=text[:EXCERPT] + ("…" if len(text) > EXCERPT else ""),
        author=public_display(item.author or ""),
        published=item.published or "",
        fetched_at=item.fetched_at,
        source=source.name,
        place=source.place,
        domain=str(analysis.get("domain") or ""),
        appeal_kind=APPEAL_KINDS.get(kind, kind),
        urgent=item.urgent,
        places=[public_display(str(p)) for p in analysis.get("places") or []],
        duplicate=item.duplicate_of_id is not None,
        case_id=item.case_id,
        answered=case_status in ANSWERED,
        purged=purged,
    )


@dataclass(frozen=True)
class WebListQuery:
    """The 网络民意 list's query, checked: period, source, urgent only, a counted value."""

    period: Period
    source_id: int | None
    urgent: bool
    filters: VoiceFilters
    page: int

    def conditions(self) -> list[ColumnElement[bool]]:
        low, high = self.period.bounds
        where = [WebItem.fetched_at >= low, WebItem.fetched_at < high, *self.filters.conditions()]
        if self.source_id is not None:
            where.append(WebItem.source_id == self.source_id)
        if self.urgent:
            where.append(WebItem.urgent.is_(True))
        return where

    def query(self, **changes: Any) -> dict[str, Any]:
        """The query parameters of this list (with `changes`), for links that keep it."""
        keep: dict[str, Any] = self.period.query() | self.filters.query()
        if self.source_id is not None:
            keep["source"] = self.source_id
        if self.urgent:
            keep["urgent"] = 1
        return {k: v for k, v in (keep | changes).items() if v not in (None, "")}

    def with_period(self, key: str) -> dict[str, Any]:
        """This list over another preset period (today, 7d, 30d), from its first page."""
        keep = self.query(page=None)
        keep.pop("from", None)
        keep.pop("to", None)
        return keep | {"period": key}


def parse_web_list(params: dict[str, Any]) -> WebListQuery:
    """Check the list's query parameters; each problem is a clear error (ValidationFailed)."""
    return WebListQuery(
        period=parse_period(params),
        source_id=_int(params.get("source"), "source", "来源", 10**9),
        urgent=params.get("urgent") == "1",
        filters=parse_voice_filters(params),
        page=_int(params.get("page"), "page", "页码", ROWS_MAX // PER_PAGE) or 1,
    )


def web_items_page(session: Session, *, where: Sequence[ColumnElement[bool]], page: int) -> WebItemsPage:
    """A page of the web items matching `where`, newest heard first; the total is exact up to ROWS_MAX."""
    ids = select(WebItem.id).where(*where)
    total = session.scalar(select(func.count()).select_from(ids.limit(ROWS_MAX + 1).subquery())) or 0
    query = (
        select(WebItem, WebSource, Case.status)
        .join(WebSource, WebSource.id == WebItem.source_id)
        .outerjoin(Case, Case.id == WebItem.case_id)
        .where(*where)
        .order_by(WebItem.fetched_at.desc(), WebItem.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    )
    rows = [_row(item, source, status) for item, source, status in session.execute(query)]
    shown = min(total, ROWS_MAX)
    return WebItemsPage(rows=rows, total=shown, capped=total > ROWS_MAX, page=page, pages=max(1, -(-shown // PER_PAGE)))


def list_web_items(session: Session, query: WebListQuery) -> WebItemsPage:
    """A page of web items of the query's period, newest first, optionally of one source, the urgent ones, or one
    place / domain / appeal kind (each indexed)."""
    return web_items_page(session, where=query.conditions(), page=query.page)


@dataclass(frozen=True)
class WebVoicesView:
    """The 网络民意 page: its query, the period's counts, the current surges, a page of items."""

    query: WebListQuery
    counts: VoiceCounts
    surges: list[SurgeRow]
    page: WebItemsPage


def web_voices_view(session: Session, params: dict[str, Any]) -> WebVoicesView:
    """Everything the 网络民意 page shows for these query parameters (ValidationFailed for a bad one)."""
    query = parse_web_list(params)
    return WebVoicesView(
        query, count_voices(session, query.period), current_surges(session), list_web_items(session, query)
    )
