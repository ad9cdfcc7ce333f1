"""Web items kept only as long as needed: past `MINYI_WEB_RETENTION_DAYS` days, what an item quoted from the web —
its text, title and author — is cleared, unless it became a case or is linked to one (相关办件). The row stays
(docs/collect.md: why purge, not delete).

Kept whole: an item that became a case (转为办件, `case_id`), the article or thread such an item answers (its
`parent_id`), and the items whose parent or first voice (`duplicate_of_id`) became a case — a case's context. What
stays of a purged item is what the statistics and the collector need: its source, kind, place in the thread and among
repeats, when it was published and fetched, its analysis (domain, appeal kind, urgency, places), its canonical URL
(a page still in its feed is not collected again) and its text's hash (a repost is still counted as a repeat).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import column, or_, select, table, update
from sqlalchemy.orm import Session, sessionmaker

from minyi.accounts import audit
from minyi.collect.models import WebItem
from minyi.core.clock import utcnow
from minyi.core.db import transaction

BATCH_SIZE = 2000  # items purged in one writing transaction (one audit line each)
_IN_CHUNK = 500  # ids in one IN (...) list
PURGED: dict[str, Any] = {"title": None, "text": "", "clean_text": "", "author": None, "etag": None}
SYSTEM = "系统"


def is_purged(item: WebItem) -> bool:
    """Whether this task cleared the item's words (its text and title): shown as such, never turned into a case."""
    return not item.text and not item.clean_text and not item.title


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start : start + _IN_CHUNK]


# minyi.hot.web_links' table (web items that speak of an open case), named here: collect cannot import hot (cycle)
_LINKS = table("web_item_links", column("web_item_id"), column("unlinked_at"))


def linked_to_cases(session: Session) -> set[int]:
    """Ids of the items kept whole: those that became cases, their parents, the items answering or repeating
    them, and the items linked to a case (相关办件, unless a coordinator undid the link). Read by a worker's task,
    never a request."""
    cased = session.execute(select(WebItem.id, WebItem.parent_id).where(WebItem.case_id.is_not(None))).all()
    case_items = [row.id for row in cased]
    kept = set(case_items) | {row.parent_id for row in cased if row.parent_id is not None}
    for chunk in _chunks(case_items):
        near = select(WebItem.id).where(or_(WebItem.parent_id.in_(chunk), WebItem.duplicate_of_id.in_(chunk)))
        kept.update(session.scalars(near))
    kept.update(session.scalars(select(_LINKS.c.web_item_id).where(_LINKS.c.unlinked_at.is_(None))))
    return kept


def purge_batch(
    session: Session, *, retention_days: int, kept: set[int], after: int = 0, limit: int = BATCH_SIZE, now: datetime
) -> tuple[int, int | None]:
    """Clear up to `limit` expired items with an id above `after`: (how many were cleared, the last id looked at, or
    None when no expired item is left). The update checks again that the item has not become a case meanwhile."""
    cutoff = now - timedelta(days=retention_days)
    ids = list(
        session.scalars(
            select(WebItem.id)
            .where(WebItem.id > after, WebItem.fetched_at < cutoff, WebItem.case_id.is_(None), WebItem.text != "")
            .order_by(WebItem.id)
            .limit(limit)
        )
    )
    if not ids:
        return 0, None
    due = [i for i in ids if i not in kept]
    cleared = 0
    for chunk in _chunks(due):
        result = session.execute(
            update(WebItem)
            .where(WebItem.id.in_(chunk), WebItem.case_id.is_(None))
            .values(**PURGED)
            .execution_options(synchronize_session=False)
        )
        cleared += int(getattr(result, "rowcount", 0) or 0)
    if cleared:
        detail = f"{cleared} 条网络条目采集超过 {retention_days} 天且未转为办件：正文、标题和作者已清除，分析和统计保留"
        audit.record(session, kind="web_items_purged", username=SYSTEM, detail=detail)
    return cleared, ids[-1]


def purge_expired(
    factory: sessionmaker[Session], *, retention_days: int, batch_size: int = BATCH_SIZE, now: datetime | None = None
) -> int:
    """The scheduled task: clear every expired item, one short writing transaction per batch; returns how many.
    Running it again changes nothing (cleared items have no text left); 0 days keeps everything."""
    if retention_days <= 0:
        return 0
    now = now or utcnow()
    with transaction(factory, write=False) as session:
        kept = linked_to_cases(session)
    total, after = 0, 0
    while True:
        with transaction(factory) as session:
            cleared, last = purge_batch(
                session, retention_days=retention_days, kept=kept, after=after, limit=batch_size, now=now
            )
        total += cleared
        if last is None:
            return total
        after = last
