"""The 回访 work list (`CallbackTask`, kept by a flush hook on the event log) and the repeated-complaint flags.

What happened is in the case's event log (`assist`, `callback`, `callback_reopen`, `repeat_flagged` events); these
tables only serve the lists, paged and ordered in SQL by their indexes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, event, insert, select, update
from sqlalchemy.orm import Mapped, Session, UOWTransaction, mapped_column

from minyi.core.clock import utcnow
from minyi.core.db import Base, UTCDateTime, table_of
from minyi.messages.models import Message
from minyi.workflow import states
from minyi.workflow.events import EventKind
from minyi.workflow.models import Case, CaseEvent

CALLBACK_KINDS = ("help", "complaint")  # 求助 and 投诉 are called back after closing (docs/callbacks.md)
DUE, DONE, REOPENED = "due", "done", "reopened"
CLOSING_KINDS = frozenset({EventKind.RATE.value, EventKind.AUTO_CLOSE.value})
REOPENING_KINDS = frozenset({EventKind.REOPEN.value, EventKind.CALLBACK_REOPEN.value})


class CallbackTask(Base):
    """One closed help or complaint case to call back: due (never reached yet), done, or reopened meanwhile."""

    __tablename__ = "callback_tasks"
    __table_args__ = (  # the 回访 list: one state, maybe one department or appeal kind, oldest closing first
        Index("ix_callback_tasks_state_closed", "state", "closed_at", "case_id"),
        Index("ix_callback_tasks_state_department_closed", "state", "department_id", "closed_at", "case_id"),
        Index("ix_callback_tasks_state_kind_closed", "state", "appeal_kind", "closed_at", "case_id"),
        Index("ix_callback_tasks_state_result_closed", "state", "result", "closed_at", "case_id"),  # 回访未解决
    )

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(String(16))  # due | done | reopened
    appeal_kind: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the latest closing (rating or automatic)
    rounds: Mapped[int] = mapped_column(Integer, default=1)  # closings so far: a reopened case is called back again
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # attempts in this round (not reached: tried again)
    result: Mapped[str] = mapped_column(String(16), default="")  # "" | resolved | unresolved | reopened
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RepeatFlag(Base):
    """重复投诉: a complaint with earlier complaints on the same problem (the links), flagged to the supervisor."""

    __tablename__ = "repeat_flags"
    __table_args__ = (Index("ix_repeat_flags_flagged", "flagged_at", "case_id"),)  # the supervisor's list, newest

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True, autoincrement=False)
    matched_by: Mapped[str] = mapped_column(String(32))  # phone, email, place (comma-separated)
    earlier: Mapped[int] = mapped_column(Integer)  # how many earlier complaints
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RepeatLink(Base):
    """One earlier complaint a flagged case repeats, how it was matched and how similar its text is."""

    __tablename__ = "repeat_links"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True, autoincrement=False)
    earlier_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True, autoincrement=False)
    matched_by: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)


def _closed(session: Session, closings: dict[int, datetime]) -> None:
    """Closed help and complaint cases: due for a call-back (a new round when they had one before)."""
    connection = session.connection()
    rows = connection.execute(
        select(Case.id, Case.department_id, Message.appeal_kind)
        .join(Message, Message.id == Case.message_id)
        .where(Case.id.in_(sorted(closings)), Message.appeal_kind.in_(CALLBACK_KINDS))
    ).all()
    table = table_of(CallbackTask)
    known = set(connection.scalars(select(table.c.case_id).where(table.c.case_id.in_([r.id for r in rows]))))
    now = utcnow()
    for case_id, department_id, kind in rows:
        values: dict[str, Any] = {
            "state": DUE, "appeal_kind": kind, "department_id": department_id, "closed_at": closings[case_id],
            "attempts": 0, "result": "", "last_attempt_at": None, "updated_at": now,
        }  # fmt: skip
        if case_id in known:
            connection.execute(
                update(table).where(table.c.case_id == case_id).values(rounds=table.c.rounds + 1, **values)
            )
        else:
            connection.execute(insert(table).values(case_id=case_id, rounds=1, **values))


@event.listens_for(Session, "after_flush")
def _follow_closings(session: Session, _flush: UOWTransaction) -> None:
    """Keep the 回访 list with the log, in the transaction that appends the events: a closing makes a help or
    complaint case due, a reopening takes it off until it closes again. Imported history (Core inserts of
    events, `minyi.ingest`) is never called back."""
    closings: dict[int, datetime] = {}
    reopened: set[int] = set()
    for obj in session.new:
        if not isinstance(obj, CaseEvent):
            continue
        if obj.kind in CLOSING_KINDS and obj.to_status == states.CLOSED:
            closings[obj.case_id] = obj.created_at
            reopened.discard(obj.case_id)
        elif obj.kind in REOPENING_KINDS:
            reopened.add(obj.case_id)
            closings.pop(obj.case_id, None)
    if closings:
        _closed(session, closings)
    if reopened:
        table = table_of(CallbackTask)
        session.connection().execute(
            update(table)
            .where(table.c.case_id.in_(sorted(reopened)), table.c.state == DUE)
            .values(state=REOPENED, updated_at=utcnow())
        )
