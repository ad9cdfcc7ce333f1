"""Staff work lists: the coordinator inbox, a department's inbox, the supervisor's deadline view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import china_today
from minyi.messages.models import Message, MessageAnalysis
from minyi.workflow import states
from minyi.workflow.config import get_setting
from minyi.workflow.deadlines import DeadlineInfo, deadline_info
from minyi.workflow.models import Case, ExtensionRequest

INBOX_LIMIT = 200


@dataclass
class InboxRow:
    """A case in a work list, with its deadline and analysis."""

    case: Case
    deadline: DeadlineInfo
    analysis: MessageAnalysis | None


def _rows(session: Session, cases: list[Case], near_days: int) -> list[InboxRow]:
    ids = [c.message_id for c in cases]
    analyses = (
        {a.message_id: a for a in session.scalars(select(MessageAnalysis).where(MessageAnalysis.message_id.in_(ids)))}
        if ids
        else {}
    )
    today = china_today()
    return [InboxRow(c, deadline_info(c, today=today, near_days=near_days), analyses.get(c.message_id)) for c in cases]


def coordinator_inbox(session: Session) -> list[InboxRow]:
    """New and returned messages; urgent ones pinned first, then oldest first."""
    cases = list(
        session.scalars(
            select(Case)
            .join(Message)
            .where(Case.status.in_([states.SUBMITTED, states.RETURNED]))
            .order_by(Message.created_at)
            .limit(INBOX_LIMIT)
        ).unique()
    )
    rows = _rows(session, cases, int(get_setting(session, "near_deadline_workdays")))
    rows.sort(key=lambda r: not (r.analysis is not None and r.analysis.urgent))  # stable: keeps age order
    return rows


def department_inbox(session: Session, *, department_id: int) -> list[InboxRow]:
    """A department's open and recently replied cases, nearest deadline first."""
    cases = list(
        session.scalars(
            select(Case)
            .where(
                Case.department_id == department_id,
                Case.status.in_([states.ASSIGNED, states.IN_PROGRESS, states.REPLIED]),
            )
            .order_by(Case.deadline, Case.id)
            .limit(INBOX_LIMIT)
        ).unique()
    )
    rows = _rows(session, cases, int(get_setting(session, "near_deadline_workdays")))
    rows.sort(key=lambda r: (r.case.status == states.REPLIED, not r.deadline.overdue, r.case.deadline or date.max))
    return rows


def deadline_watch(session: Session) -> list[InboxRow]:
    """Every overdue or near-deadline open case across departments, most overdue first."""
    cases = list(
        session.scalars(
            select(Case).where(Case.status.in_(list(states.OPEN_STATUSES))).order_by(Case.deadline)
        ).unique()
    )
    rows = [
        r
        for r in _rows(session, cases, int(get_setting(session, "near_deadline_workdays")))
        if r.deadline.overdue or r.deadline.near
    ]
    return rows


def pending_extensions(session: Session) -> list[ExtensionRequest]:
    """Extension requests waiting for a decision."""
    return list(
        session.scalars(
            select(ExtensionRequest).where(ExtensionRequest.status == "pending").order_by(ExtensionRequest.created_at)
        )
    )
