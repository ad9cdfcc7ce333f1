"""Hot-issue use cases: support a case (附议), find similar cases, recompute and list hot issues."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from minyi.core.clock import utcnow
from minyi.core.errors import Conflict, InvalidTransition, NotFound, RateLimited
from minyi.hot.models import HotIssue, Support
from minyi.messages.models import Message
from minyi.workflow import states
from minyi.workflow.actors import Actor
from minyi.workflow.models import Case
from minyi.workflow.services import record_event

SUPPORT_LIMIT, SUPPORT_WINDOW = 30, timedelta(minutes=10)
_SUPPORTABLE = frozenset({states.SUBMITTED, states.ASSIGNED, states.IN_PROGRESS, states.REPLIED, states.RETURNED})


def support_case(session: Session, *, case_id: Any, client_hash: str) -> Case:
    """附议: add one client's voice to an open public case instead of opening a new one."""
    try:
        case = session.get(Case, int(case_id))
    except (TypeError, ValueError):
        case = None
    if case is None or not case.message.is_public:
        raise NotFound("办件不存在或未公开")
    if case.status not in _SUPPORTABLE:
        msg = f"办件处于“{states.STATUS_NAMES[case.status]}”状态，不能附议"
        raise InvalidTransition(msg)
    recent = session.scalar(select(func.count(Support.id)).where(
        Support.client_hash == client_hash, Support.created_at >= utcnow() - SUPPORT_WINDOW)) or 0
    if recent >= SUPPORT_LIMIT:
        raise RateLimited("附议过于频繁，请稍后再试")
    if session.scalar(select(Support).where(Support.case_id == case.id, Support.client_hash == client_hash)):
        raise Conflict("您已经附议过这件留言")
    session.add(Support(case_id=case.id, client_hash=client_hash, created_at=utcnow()))
    case.supports += 1
    record_event(session, case=case, kind="supported", actor=Actor(role=states.CITIZEN, label="群众附议"),
                 from_status=case.status, to_status=case.status, data={"supports": case.supports})
    session.flush()
    return case


def current_hot_issues(session: Session) -> list[HotIssue]:
    """The latest stored hot issues, by rank."""
    latest = session.scalar(select(func.max(HotIssue.computed_at)))
    if latest is None:
        return []
    return list(session.scalars(select(HotIssue).where(HotIssue.computed_at == latest).order_by(HotIssue.rank)))


def cases_by_id(session: Session, ids: list[int]) -> dict[int, Case]:
    """Cases for a list of ids (one query)."""
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(ids))).unique()}


def _records(session: Session, *, since_days: int) -> list[dict[str, Any]]:
    since = utcnow() - timedelta(days=since_days)
    rows = session.execute(select(Case.id, Message.title, Message.body, Message.place_text, Message.created_at,
                                  Message.client_hash, Case.supports)
                           .join(Message, Message.id == Case.message_id)
                           .where(Message.is_public.is_(True), Message.created_at >= since,
                                  Case.status.not_in([states.REJECTED]))).all()
    return [{"id": r.id, "title": r.title, "body": r.body, "place": r.place_text, "time": r.created_at,
             "user": r.client_hash or None, "supports": r.supports} for r in rows]


def recompute_hot_issues(session: Session, *, since_days: int = 365, top: int = 20) -> list[HotIssue]:
    """Group the recent public cases into hot issues and replace the stored set (one transaction)."""
    from minyi.nlp.hot import rank_hot_issues

    issues = rank_hot_issues(_records(session, since_days=since_days), now=utcnow(), top=top)
    session.execute(delete(HotIssue))
    now = utcnow()
    stored = [HotIssue(rank=i.rank, score=float(i.score), description=i.description[:200],
                       explanation=i.explanation, start=i.start, end=i.end,
                       case_ids=[int(m) for m in i.members], computed_at=now) for i in issues]
    session.add_all(stored)
    session.flush()
    return stored
