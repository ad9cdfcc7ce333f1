"""`case_facts`: each case's folded facts, rewritten in the transaction that appends any of its events.

The statistics read aggregates of this table (`minyi.stats.aggregates`), never a fold of the log per request.
One hook keeps it exact: whenever events are appended — an ORM flush (`workflow.services.record_event`) or a
Core insert through a session (`minyi.ingest`, `minyi.privacy`) — the touched cases are folded again from
their whole log (`facts.facts_of_cases`, the same fold as `facts.fold_period`) and their rows replaced. A case's
log is a handful of events, read by its index, so the cost is per event, not per case in the database.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Connection, Date, Index, Insert, Integer, String, delete, event, false, insert, inspect
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, UOWTransaction, mapped_column

from minyi.core.db import Base, UTCDateTime, table_of
from minyi.messages.channels import WEBSITE
from minyi.stats.facts import IN_CHUNK, facts_of_cases
from minyi.stats.figures import CaseFacts, month_key, week_key
from minyi.workflow.models import Case, CaseEvent


class CaseFactsRow(Base):
    """One case's facts as of its newest event (the definitions: docs/statistics.md)."""

    __tablename__ = "case_facts"
    __table_args__ = (  # every statistics query filters by the received day, overall or for one department
        Index("ix_case_facts_received_on", "received_on"),
        Index("ix_case_facts_department_received", "department_id", "received_on"),
        # a jurisdiction's figures (issue 17): its subtree's ids, each a range of received days (migration 0030)
        Index("ix_case_facts_jurisdiction_received", "jurisdiction_id", "received_on"),
    )

    case_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_on: Mapped[date] = mapped_column(Date)  # China's date of the `submit` event
    received_month: Mapped[str] = mapped_column(String(7))  # 2024-05
    received_week: Mapped[str] = mapped_column(String(8))  # 2024-W19
    department_id: Mapped[int | None] = mapped_column(Integer)
    jurisdiction_id: Mapped[int | None] = mapped_column(Integer, default=None)  # the case's (NULL: the root)
    status: Mapped[str] = mapped_column(String(16))
    domain: Mapped[str | None] = mapped_column(String(32))
    appeal_kind: Mapped[str] = mapped_column(String(32))
    place: Mapped[str] = mapped_column(String(200))  # as written (the public label is `place_label`)
    place_label: Mapped[str] = mapped_column(String(40))
    is_public: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(16), server_default=WEBSITE)  # 受理渠道 (the `submit` event's)
    deadline: Mapped[date | None] = mapped_column(Date)  # the first round's deadline in force (until the reply)
    first_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_on: Mapped[date | None] = mapped_column(Date)
    deadline_at_reply: Mapped[date | None] = mapped_column(Date)
    reply_days: Mapped[int | None] = mapped_column(Integer)  # working days from received_on to replied_on
    extensions: Mapped[int] = mapped_column(Integer)
    escalations: Mapped[int] = mapped_column(Integer)
    reopened: Mapped[bool] = mapped_column(Boolean)
    rating: Mapped[str | None] = mapped_column(String(16))  # the latest rating's level
    adoption: Mapped[str | None] = mapped_column(String(16), default=None)  # 吸纳: the `adopt` event's decision
    # 回访 (minyi.callbacks; migration 0024): attempted, reached, the latest reached call-back's answers
    called_back: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    callback_reached: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    callback_resolved: Mapped[str | None] = mapped_column(String(8), default=None)
    callback_satisfaction: Mapped[str | None] = mapped_column(String(16), default=None)

    def to_facts(self) -> CaseFacts:
        """The stored row as the dataclass the fold gives (settled)."""
        return CaseFacts(**{name: getattr(self, name) for name in FIELDS})


FIELDS = (
    "case_id", "received_at", "received_on", "domain", "appeal_kind", "place", "place_label", "is_public", "channel",
    "status", "department_id", "jurisdiction_id", "deadline", "first_reply_at", "replied_on", "deadline_at_reply",
    "reply_days",
    "extensions", "escalations", "reopened", "rating", "adoption",
    "called_back", "callback_reached", "callback_resolved", "callback_satisfaction",
)  # fmt: skip


def row_of(fact: CaseFacts) -> dict[str, Any]:
    """A folded (settled) case as its `case_facts` row."""
    return {name: getattr(fact, name) for name in FIELDS} | {
        "received_month": month_key(fact.received_on),
        "received_week": week_key(fact.received_on),
    }


def refresh_facts(connection: Connection | Session, case_ids: Iterable[int]) -> int:
    """Fold these cases again from their log and replace their rows; returns how many rows were written."""
    ordered = sorted(set(case_ids))
    table = table_of(CaseFactsRow)
    written = 0
    for i in range(0, len(ordered), IN_CHUNK):
        chunk = ordered[i : i + IN_CHUNK]
        rows = [row_of(f) for f in facts_of_cases(connection, chunk)]
        connection.execute(delete(table).where(table.c.case_id.in_(chunk)))
        if rows:
            connection.execute(insert(table), rows)
        written += len(rows)
    return written


def _moved_case_ids(session: Session) -> set[int]:
    """Cases of this flush whose jurisdiction changed (下派/上报 or any other edit of the row): their facts follow
    the case row even when no event came with the change."""
    return {
        obj.id
        for obj in session.dirty
        if isinstance(obj, Case) and inspect(obj).attrs.jurisdiction_id.history.has_changes()
    }


@event.listens_for(Session, "after_flush")
def _refresh_after_flush(session: Session, _flush: UOWTransaction) -> None:
    """Events added as objects (`record_event`), and cases moved to another jurisdiction: their cases' facts, in the
    same transaction."""
    case_ids = {obj.case_id for obj in session.new if isinstance(obj, CaseEvent)} | _moved_case_ids(session)
    if case_ids:
        refresh_facts(session.connection(), case_ids)


def _inserted_case_ids(state: ORMExecuteState, statement: Insert) -> Collection[int]:
    params = state.parameters
    rows: list[Any] = list(params) if isinstance(params, list | tuple) else [params] if params else []
    found = {int(row["case_id"]) for row in rows if row.get("case_id") is not None}
    if not found:  # values written into the statement itself: insert(CaseEvent).values(...)
        compiled = statement.compile().params
        found = {int(v) for k, v in compiled.items() if k.startswith("case_id") and v is not None}
    return found


@event.listens_for(Session, "do_orm_execute")
def _refresh_after_insert(state: ORMExecuteState) -> Any:
    """Events inserted in bulk through a session (`session.execute(insert(CaseEvent), rows)`): the same."""
    statement = state.statement
    if not (state.is_insert and isinstance(statement, Insert) and statement.table.name == CaseEvent.__tablename__):
        return None
    result = state.invoke_statement()
    refresh_facts(state.session.connection(), _inserted_case_ids(state, statement))
    return result
