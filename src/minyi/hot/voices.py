"""A hot issue's voices per channel, each counted once: 留言 (the board) and 网络 (the open web).

The grouping reads the board's public cases and the web's first items of the same window together
(`web_records`): a web item that raises the same problem joins the issue as a member. A case's record also carries
the web items linked to it (`attach_links`, minyi.hot.web_links). Then, per issue (`count_voices`):

- 留言: its cases, except those opened from a web item (channel 网络民意);
- 网络: its cases opened from a web item, and the web items grouped with it or linked to one of its cases.

A web item counts once in all: a repeat is never a record (only first items are), an item taken up as a case is
counted as that case, and an item linked to a case of one issue and grouped with another counts for the issue of
its case (the link is the stronger, staff-checked tie). A group without any case is no hot issue (the web's own
topics are on 网络民意); a group needs `MIN_MEMBERS` members, cases and web items together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.collect.models import WebItem
from minyi.hot.models import WebItemLink
from minyi.messages.channels import ONLINE

WEB_PREFIX = "web:"  # the record id of a web item: "web:<id>" (cases keep their integer id)
WEB_RECORDS_MAX = 10_000  # web items grouped with a window's cases: the newest first items
WEB_BODY_CHARS = 2000


def is_web(member: Any) -> bool:
    """Whether a grouped record id is a web item's."""
    return isinstance(member, str) and member.startswith(WEB_PREFIX)


def web_records(session: Session, *, start: datetime, end: datetime | None = None) -> list[dict[str, Any]]:
    """The web's first items collected in [start, end) and not taken up as cases, as `rank_hot_issues` reads them
    (the newest `WEB_RECORDS_MAX`, read backwards along the primary key)."""
    query = select(WebItem.id, WebItem.title, WebItem.clean_text, WebItem.author, WebItem.fetched_at).where(
        WebItem.duplicate_of_id.is_(None), WebItem.case_id.is_(None), WebItem.fetched_at >= start
    )
    if end is not None:
        query = query.where(WebItem.fetched_at < end)
    rows = session.execute(query.order_by(WebItem.id.desc()).limit(WEB_RECORDS_MAX))
    return [
        {
            "id": f"{WEB_PREFIX}{r.id}",
            "title": (r.title or "")[:200],
            "body": (r.clean_text or "")[:WEB_BODY_CHARS],
            "time": r.fetched_at,
            "user": f"web:{r.author}" if r.author else None,  # a web author is one person; anonymous ones each
            "supports": 0,
            "channel": "web",
        }
        for r in reversed(rows.all())
    ]


def attach_links(session: Session, records: Sequence[dict[str, Any]], *, start: datetime) -> None:
    """Give each case record its linked web items (`web`: ids), first items not taken up as cases, not unlinked.

    A link is made after its case was received, so the links made since `start` are all those of the window's
    cases (served by the links' time index)."""
    by_case: dict[int, list[int]] = {}
    rows = session.execute(
        select(WebItemLink.case_id, WebItemLink.web_item_id)
        .join(WebItem, WebItem.id == WebItemLink.web_item_id)
        .where(
            WebItemLink.created_at >= start,
            WebItemLink.unlinked_at.is_(None),
            WebItem.duplicate_of_id.is_(None),
            WebItem.case_id.is_(None),
        )
        .order_by(WebItemLink.web_item_id)
    )
    for case_id, item_id in rows:
        by_case.setdefault(case_id, []).append(item_id)
    for record in records:
        if not is_web(record["id"]):
            record["web"] = by_case.get(record["id"], [])


@dataclass(frozen=True)
class Voices:
    """One issue's members by channel and its voices counted once per channel."""

    case_ids: list[int]
    web_item_ids: list[int]
    board: int  # 留言
    web: int  # 网络

    @property
    def total(self) -> int:
        return self.board + self.web


def is_hot(members: Sequence[Any], *, min_members: int) -> bool:
    """A hot issue has at least one case and `min_members` members in all."""
    return len(members) >= min_members and any(not is_web(m) for m in members)


def count_voices(groups: Sequence[Sequence[Any]], records: Sequence[dict[str, Any]]) -> list[Voices]:
    """The voices of each group of record ids (issues in rank order), each web item in one issue only."""
    by_id = {r["id"]: r for r in records}
    owner: dict[int, int] = {}  # web item -> the issue it counts for
    for k, members in enumerate(groups):  # links first: an item counts with its case
        for m in members:
            if not is_web(m):
                for item_id in by_id[m].get("web", ()):
                    owner.setdefault(int(item_id), k)
    for k, members in enumerate(groups):
        for m in members:
            if is_web(m):
                owner.setdefault(int(m[len(WEB_PREFIX) :]), k)
    owned: dict[int, list[int]] = {}
    for item_id, k in owner.items():
        owned.setdefault(k, []).append(item_id)
    out = []
    for k, members in enumerate(groups):
        cases = [int(m) for m in members if not is_web(m)]
        web_ids = sorted(owned.get(k, []))
        from_web = sum(by_id[c].get("channel") == ONLINE for c in cases)
        out.append(Voices(cases, web_ids, board=len(cases) - from_web, web=from_web + len(web_ids)))
    return out
