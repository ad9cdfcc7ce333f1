"""An adoption decision per suggestion, its commitments and their progress updates (all public, append-only
apart from a commitment's current percent and status, each change of which is an event and an update row)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    inspect,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from minyi.core.clock import utcnow
from minyi.core.db import Base, UTCDateTime
from minyi.messages.models import Message
from minyi.workflow.models import Case


class Adoption(Base):
    """The department's decision on a suggestion (采纳 / 部分采纳 / 已有安排 / 暂不采纳), once per case."""

    __tablename__ = "adoptions"
    __table_args__ = (  # the public 建言采纳 page: public adopted ones newest first, by status, by department
        Index("ix_adoptions_public", "public", "adopting", "decided_at", "id"),
        Index("ix_adoptions_public_status", "public", "adopting", "status", "decided_at", "id"),
        Index("ix_adoptions_department", "department_id", "public", "adopting", "status", "decided_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    decision: Mapped[str] = mapped_column(String(16))
    adopting: Mapped[bool] = mapped_column(Boolean)  # 采纳 or 部分采纳: listed on the public page
    # The message's `is_public`, copied in the flush that changes it (`_copy_public`): the list needs no join.
    public: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)  # public
    # open: a commitment is not done yet; done: all are (an adopting decision has at least one)
    status: Mapped[str] = mapped_column(String(8), default="open")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case = relationship("Case", lazy="joined")
    department = relationship("Department", lazy="joined")


class Commitment(Base):
    """承诺事项: what a department will do for an adopted suggestion, by when; its progress is public."""

    __tablename__ = "commitments"
    __table_args__ = (  # overdue lists: open ones by date, overall (supervisor) and per department
        Index("ix_commitments_status_due", "status", "due_on", "id"),
        Index("ix_commitments_department_status_due", "department_id", "status", "due_on", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    adoption_id: Mapped[int] = mapped_column(ForeignKey("adoptions.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    what: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")
    percent: Mapped[int] = mapped_column(Integer, default=0)  # of the latest update
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    department = relationship("Department", lazy="joined")


class CommitmentUpdate(Base):
    """One dated public progress update of a commitment (the last one of a done commitment says so)."""

    __tablename__ = "commitment_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    percent: Mapped[int] = mapped_column(Integer)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(Message, "after_update")
def _copy_public(_mapper: Mapper[Message], connection: Connection, target: Message) -> None:
    """Keep `Adoption.public` equal to its message's `is_public` (审核后公开 may publish or withhold it at any time),
    in the transaction that changes it; a write of `messages.is_public` that bypasses the ORM must do the same."""
    if not inspect(target).attrs.is_public.history.has_changes():
        return
    cases = select(Case.id).where(Case.message_id == target.id).scalar_subquery()
    connection.execute(update(Adoption).where(Adoption.case_id == cases).values(public=bool(target.is_public)))
