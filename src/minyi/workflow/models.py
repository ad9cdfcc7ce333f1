"""Case, its append-only event log, replies, ratings, extension requests and settings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    false,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from minyi.core.clock import utcnow
from minyi.core.db import Base, UTCDateTime, append_only
from minyi.jurisdictions.models import Jurisdiction  # noqa: F401 - the relationship below names it
from minyi.messages.models import Message, MessageAnalysis
from minyi.workflow.events import Payload, payload_of


def _received_at(context: Any) -> datetime | None:
    """When the message came in (its `created_at`), for any insert that does not give it (one lookup by key)."""
    message_id = context.get_current_parameters().get("message_id")
    return context.connection.scalar(select(Message.created_at).where(Message.id == message_id))


class Case(Base):
    """The handling of one message (办件); its status changes only through workflow.services."""

    __tablename__ = "cases"
    __table_args__ = (  # the work lists (minyi.workflow.inbox): each filtered by these, ordered urgent first
        Index("ix_cases_status_urgent_deadline", "status", "urgent", "deadline", "received_at"),
        Index("ix_cases_department_status_urgent", "department_id", "status", "urgent", "deadline", "received_at"),
        Index("ix_cases_status_deadline", "status", "deadline"),
        Index("ix_cases_reopen_count", "reopen_count"),
        # a jurisdiction's work lists (a district's coordinator): its cases by status, urgent first
        Index("ix_cases_jurisdiction_status_urgent", "jurisdiction_id", "status", "urgent", "deadline", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    deadline: Mapped[date | None] = mapped_column(Date, default=None)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    public_reason: Mapped[str] = mapped_column(Text, default="")
    supports: Mapped[int] = mapped_column(Integer, default=0)
    # MessageAnalysis.urgent copied here in the same flush (`_copy_urgent`), so that lists order by it in one table.
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The latest rating is 不满意, set in the flush that stores it (`_copy_rating`): the complaints list's index.
    rated_unsatisfied: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The message's `created_at`, copied at insert: the lists' "age" without a join (filled on every insert).
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=_received_at)
    # The jurisdiction that holds the case (minyi.jurisdictions; NULL: the root) and why it was placed there.
    jurisdiction_id: Mapped[int | None] = mapped_column(Integer, default=None)  # no foreign key: migration 0028
    jurisdiction_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    message = relationship("Message", lazy="joined")
    department = relationship("Department", lazy="joined")
    jurisdiction = relationship(
        "Jurisdiction", primaryjoin="foreign(Case.jurisdiction_id) == Jurisdiction.id", lazy="joined"
    )


@event.listens_for(MessageAnalysis, "after_insert")
def _copy_first_urgent(_mapper: Mapper[MessageAnalysis], connection: Connection, target: MessageAnalysis) -> None:
    """A message's first analysis: only an urgent one changes its case (`Case.urgent` starts False)."""
    if target.urgent:
        _copy_urgent(_mapper, connection, target)


@event.listens_for(MessageAnalysis, "after_update")
def _copy_urgent(_mapper: Mapper[MessageAnalysis], connection: Connection, target: MessageAnalysis) -> None:
    """Keep `Case.urgent` equal to its message's analysis, in the transaction that stores the analysis.

    A listener here rather than a write in `minyi.messages.analysis`: messages import nothing of the workflow.
    Writes of `message_analyses` that bypass the ORM (Core inserts) must set `cases.urgent` themselves.
    """
    connection.execute(update(Case).where(Case.message_id == target.message_id).values(urgent=bool(target.urgent)))


class CaseEvent(Base):
    """One entry of the append-only event log: who did what, when, from which state to which, why."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16), default=None)
    to_status: Mapped[str | None] = mapped_column(String(16), default=None)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    actor_label: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    @property
    def payload(self) -> Payload:
        """`data` read back as the typed payload of its kind (`minyi.workflow.events`)."""
        return payload_of(self.kind, self.data)


append_only(CaseEvent)


class Reply(Base):
    """A department's public answer (答复)."""

    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department = relationship("Department", lazy="joined")


class Rating(Base):
    """The citizen's satisfaction with a reply (满意度评价)."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id"), unique=True)
    level: Mapped[str] = mapped_column(String(16))  # satisfied | basically | unsatisfied
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(Rating, "after_insert")
def _copy_rating(_mapper: Mapper[Rating], connection: Connection, target: Rating) -> None:
    """Keep `Case.rated_unsatisfied` equal to the case's latest rating, in the transaction that stores it."""
    unsatisfied = target.level == "unsatisfied"
    connection.execute(update(Case).where(Case.id == target.case_id).values(rated_unsatisfied=unsatisfied))


class ExtensionRequest(Base):
    """A department's request for more working days (延期)."""

    __tablename__ = "extension_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | approved | refused
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class SystemSetting(Base):
    """An admin-editable setting stored as JSON (deadline days, auto-close days, reopen window)."""

    __tablename__ = "system_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The public board of each jurisdiction, kept by a flush hook wherever cases are written (imported last: it
# reads `Case` above).
from minyi.workflow import jurisdiction_board  # noqa: E402, F401
