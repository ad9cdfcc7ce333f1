"""审核后公开: which messages wait for a coordinator before they go on the public board, and the decision.

A message the citizen wants public waits (`Message.review == "pending"`, off the board: `is_public` stays false
until then) when the admin's setting `publish_mode` is "review" (the 领导留言板 practice), or, whatever the
setting, when `minyi.nlp.moderation` reads abuse or a personal accusation in it. A message the citizen chose to
keep private never waits: it is never published. A coordinator (or the admin) then publishes it (`publish`: on
the board, an event `publish`) or keeps it off (`withhold`: an event `withhold` whose reason the citizen reads
on their tracking page). Messages staff enter for a citizen (代录入) and imported history do not wait: staff
entered or published them already. Handling the case goes on meanwhile, whatever the decision.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.core.errors import InvalidTransition, PermissionDenied
from minyi.core.validation import text_field
from minyi.messages.models import Message
from minyi.nlp.moderation import FLAG_NAMES, review_flags
from minyi.workflow import config
from minyi.workflow.actors import Actor
from minyi.workflow.events import PublishPayload, WithholdPayload
from minyi.workflow.models import Case
from minyi.workflow.scope import cases_within
from minyi.workflow.services import in_jurisdiction, load_case, record_event

__all__ = ["DECIDERS", "PENDING", "WITHHELD", "flag_names", "hold_if_needed", "pending_count", "publish", "withhold"]

PENDING, WITHHELD = "pending", "withheld"
DECIDERS = frozenset({"coordinator", "admin"})
REASON_MAX = 500


def hold_if_needed(session: Session, message: Message) -> str:
    """Before its case opens: keep a message that must be reviewed off the board; returns "pending" or ""."""
    if not message.is_public:
        return ""
    flags = review_flags(f"{message.title}\n{message.body}")
    if not flags and config.get_setting(session, "publish_mode") != "review":
        return ""
    message.is_public = False
    message.review = PENDING
    message.review_flags = ",".join(flags)
    session.flush()
    return PENDING


def flag_names(message: Message) -> list[str]:
    """Why a message waits, in words (empty: the admin's setting alone)."""
    return [FLAG_NAMES.get(flag, flag) for flag in message.review_flags.split(",") if flag]


def _decided_case(session: Session, actor: Actor, case_id: Any) -> Case:
    if actor.role not in DECIDERS:
        raise PermissionDenied("只有受理员和管理员可以审核留言是否公开")
    case = load_case(session, case_id)
    if not in_jurisdiction(case, actor):
        raise PermissionDenied("该办件不属于您的辖区")
    if case.message.review != PENDING:
        raise InvalidTransition("这条留言不在待审核公开之列")
    return case


def publish(session: Session, *, actor: Actor, case_id: Any) -> Case:
    """Put a message that waited for review on the public board."""
    case = _decided_case(session, actor, case_id)
    message = case.message
    flags = message.review_flags
    message.is_public, message.review = True, ""
    record_event(
        session,
        case=case,
        payload=PublishPayload(flags=flags),
        actor=actor,
        from_status=case.status,
        to_status=case.status,
        public=True,
    )
    session.flush()
    return case


def withhold(session: Session, *, actor: Actor, case_id: Any, reason: Any) -> Case:
    """Keep a message that waited for review off the board, with the reason the citizen is told."""
    text = text_field(reason, field="reason", label="不公开的理由", max_len=REASON_MAX).strip()
    case = _decided_case(session, actor, case_id)
    case.message.review = WITHHELD
    record_event(
        session,
        case=case,
        payload=WithholdPayload(flags=case.message.review_flags),
        actor=actor,
        from_status=case.status,
        to_status=case.status,
        reason=text,
        public=False,  # the reason is for the citizen (their tracking page reads it), never for the public history
    )
    session.flush()
    return case


def pending_count(session: Session, *, scope: str = "") -> int:
    """Messages waiting for review (the coordinator's inbox shows it), of the cases within `scope` (the viewer's
    jurisdiction and below, `minyi.workflow.scope`)."""
    query = select(func.count()).select_from(Message).where(Message.review == PENDING)
    if scope:
        query = query.join(Case, Case.message_id == Message.id).where(*cases_within(scope))
    return int(session.scalar(query) or 0)
