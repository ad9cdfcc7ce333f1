"""Web items that speak of the same problem as an open case, linked to it without opening a case (issue 15, item 4).

A worker matches each new web item once (`match_new_web_items`, after a source's run and in the periodic hot-issue
task): the staff similar-cases index (`minyi.hot.services`, the one 可能相同的问题 reads) proposes cases, a case is
linked when it is open, its score reaches `LINK_MIN_SCORE` and, when both name a fine place, a district or an
organisation, they name the same one (`minyi.nlp.hot.same_problem_places`, the grouping's rule). Only first items are
matched: a repeat counts with its first item, and an item taken up as a case (转为办件) is that case.

Read, compute, write: the pending items and the index are read in a reading transaction, the index is queried and
places compared outside any, and the links and `matched_at` are written in a short writing one. A coordinator
unlinks a wrong link (`unlink_web_item`): the link stays with who, when and why, and the account audit trail has a
line; the pair is never linked again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from minyi.accounts import audit
from minyi.accounts.models import Role, User
from minyi.collect.models import WebItem, WebSource
from minyi.core.clock import utcnow
from minyi.core.db import get_by_id, transaction
from minyi.core.errors import NotFound, PermissionDenied
from minyi.core.validation import text_field
from minyi.hot.models import WebItemLink
from minyi.hot.services import SUPPORTABLE, similar_index
from minyi.messages.models import Message
from minyi.nlp.display import public_display
from minyi.nlp.hot import same_problem_places
from minyi.nlp.text import join_text
from minyi.workflow.actors import Actor
from minyi.workflow.models import Case
from minyi.workflow.scope import case_ids_within
from minyi.workflow.services import in_jurisdiction

log = logging.getLogger(__name__)

LINK_MIN_SCORE = 0.3  # the similar-cases score (TF-IDF cosine) a link needs; see docs/hot-issues.md for its figures
CANDIDATES = 5  # cases proposed by the index per item
MATCH_BATCH = 200  # items matched per reading/writing round
MATCH_MAX = 2000  # items matched per call (a backlog drains over the next calls)
QUERY_CHARS = 2000
UNLINK_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})
SHOWN_ON_CASE = 10  # web items listed on a staff case page (the others are counted)
EXCERPT = 120


@dataclass(frozen=True)
class _Match:
    item_id: int
    case_id: int
    score: float


def match_new_web_items(factory: sessionmaker[Session], *, limit: int = MATCH_MAX) -> int:
    """Match the web items not matched yet against the open cases; how many links were made. Nothing is marked
    matched before a worker has built the similar-cases index (the items wait for it)."""
    linked = done = 0
    while done < limit:
        with transaction(factory, write=False) as session:
            index = similar_index(session, public_only=False)
            if index is None:
                return linked
            pending = session.execute(
                select(WebItem.id, WebItem.title, WebItem.clean_text, WebItem.duplicate_of_id, WebItem.case_id)
                .where(WebItem.matched_at.is_(None))
                .order_by(WebItem.matched_at, WebItem.id)
                .limit(min(MATCH_BATCH, limit - done))
            ).all()
        if not pending:
            break
        texts = {
            r.id: join_text(r.title or "", r.clean_text or "")[:QUERY_CHARS]
            for r in pending
            if r.duplicate_of_id is None and r.case_id is None
        }
        proposed = {item_id: index.query(text, CANDIDATES) for item_id, text in texts.items()}  # no transaction
        with transaction(factory, write=False) as session:
            cases = _open_cases(session, {cid for hits in proposed.values() for cid, _ in hits})
            refused = _unlinked_pairs(session, list(proposed))
        matches = _choose(proposed, texts, cases, refused)
        linked += _write(factory, [r.id for r in pending], matches)
        done += len(pending)
    return linked


def _open_cases(session: Session, case_ids: set[int]) -> dict[int, str]:
    """The open ones among `case_ids` (what a citizen may still support), with their text."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(Case.id, Message.title, Message.body)
        .join(Message, Message.id == Case.message_id)
        .where(Case.id.in_(sorted(case_ids)), Case.status.in_(sorted(SUPPORTABLE)))
    )
    return {r.id: join_text(r.title, r.body) for r in rows}


def _unlinked_pairs(session: Session, item_ids: list[int]) -> set[tuple[int, int]]:
    if not item_ids:
        return set()
    rows = session.execute(
        select(WebItemLink.web_item_id, WebItemLink.case_id).where(WebItemLink.web_item_id.in_(item_ids))
    )
    return {(item_id, case_id) for item_id, case_id in rows}


def _choose(
    proposed: dict[int, list[tuple[Any, float]]],
    texts: dict[int, str],
    cases: dict[int, str],
    refused: set[tuple[int, int]],
) -> list[_Match]:
    """Per item, the best open case above the score whose places and organisations agree (pure)."""
    matches = []
    for item_id, hits in proposed.items():
        fit = [
            (int(cid), score)
            for cid, score in hits
            if score >= LINK_MIN_SCORE and cid in cases and (item_id, cid) not in refused
        ]
        if not fit:
            continue
        agree = same_problem_places(texts[item_id], [cases[cid] for cid, _ in fit])
        best = next(((cid, score) for (cid, score), ok in zip(fit, agree, strict=True) if ok), None)
        if best is not None:
            matches.append(_Match(item_id, best[0], float(best[1])))
    return matches


def _write(factory: sessionmaker[Session], item_ids: list[int], matches: list[_Match]) -> int:
    """The links and `matched_at` of the round (short); a link another worker wrote meanwhile is kept."""
    now = utcnow()

    def step(session: Session) -> int:
        existing = _unlinked_pairs(session, [m.item_id for m in matches])
        new = [m for m in matches if (m.item_id, m.case_id) not in existing]
        session.add_all(
            WebItemLink(web_item_id=m.item_id, case_id=m.case_id, score=round(m.score, 4), created_at=now) for m in new
        )
        session.execute(
            update(WebItem).where(WebItem.id.in_(item_ids), WebItem.matched_at.is_(None)).values(matched_at=now)
        )
        session.flush()
        return len(new)

    try:
        with transaction(factory) as session:
            return step(session)
    except IntegrityError:
        log.info("another worker linked some of these items first; checking again")
        with transaction(factory) as session:
            return step(session)


def unlink_web_item(session: Session, *, user: User, link_id: Any, reason: Any = "", client: str = "") -> WebItemLink:
    """A coordinator finds a link wrong: it is kept as unlinked (who, when, why) and audited; done once."""
    if user.role not in UNLINK_ROLES:
        raise PermissionDenied("只有受理员和管理员可以取消关联")
    link = get_by_id(session, WebItemLink, link_id)
    if link is None:
        raise NotFound("没有这条关联")
    case = session.get(Case, link.case_id)
    if case is None or not in_jurisdiction(case, Actor.from_user(user)):
        raise PermissionDenied("该办件不属于您的辖区")
    why = text_field(reason, field="reason", label="取消关联的原因", max_len=200, required=False).strip()
    if link.unlinked_at is not None:
        return link
    link.unlinked_at, link.unlinked_by_id, link.unlink_reason = utcnow(), user.id, why
    detail = f"办件 {link.case_id} · 网络民意 {link.web_item_id}" + (f"：{why}" if why else "")
    audit.record(session, kind="web_link_removed", username=user.username, user=user, client=client, detail=detail)
    session.flush()
    return link


# --- what the pages show ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebVoice:
    """A web item linked to a case as the staff case page lists it (personal data masked)."""

    link_id: int
    item_id: int
    title: str
    excerpt: str
    author: str
    source: str
    url: str
    fetched_at: datetime
    score: float


@dataclass(frozen=True)
class CaseWebVoices:
    """网络上的相关声音 of a case: how many web items are linked to it, and the newest few."""

    total: int
    items: list[WebVoice]


def web_voices_of_case(session: Session, *, case_id: int, limit: int = SHOWN_ON_CASE) -> CaseWebVoices:
    """The web items linked to a case and not unlinked, newest link first (served by the links' case index)."""
    active = (WebItemLink.case_id == case_id, WebItemLink.unlinked_at.is_(None))
    total = session.scalar(select(func.count(WebItemLink.id)).where(*active)) or 0
    if not total:
        return CaseWebVoices(0, [])
    rows = session.execute(
        select(WebItemLink, WebItem, WebSource.name)
        .join(WebItem, WebItem.id == WebItemLink.web_item_id)
        .join(WebSource, WebSource.id == WebItem.source_id)
        .where(*active)
        .order_by(WebItemLink.id.desc())
        .limit(limit)
    )
    items = []
    for link, item, source in rows:
        text = public_display(" ".join((item.text or "").split()))
        items.append(
            WebVoice(
                link_id=link.id,
                item_id=item.id,
                title=public_display(item.title or "") or "（无标题）",
                excerpt=text[:EXCERPT] + ("…" if len(text) > EXCERPT else ""),
                author=public_display(item.author or ""),
                source=source,
                url=item.url,
                fetched_at=item.fetched_at,
                score=link.score,
            )
        )
    return CaseWebVoices(total, items)


def related_cases(session: Session, item_ids: list[int], *, scope: str = "") -> dict[int, list[int]]:
    """相关办件 of the web items on a page: item id -> the cases it is linked to (not unlinked), those within `scope`
    (the viewer's jurisdiction and below, `minyi.workflow.scope`) only."""
    if not item_ids:
        return {}
    rows = session.execute(
        select(WebItemLink.web_item_id, WebItemLink.case_id)
        .where(
            WebItemLink.web_item_id.in_(item_ids),
            WebItemLink.unlinked_at.is_(None),
            *case_ids_within(WebItemLink.case_id, scope),
        )
        .order_by(WebItemLink.web_item_id, WebItemLink.case_id)
    )
    out: dict[int, list[int]] = {}
    for item_id, case_id in rows:
        out.setdefault(item_id, []).append(case_id)
    return out
