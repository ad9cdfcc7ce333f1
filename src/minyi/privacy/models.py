"""Citizens' requests about their contact data, and the audit log of staff access to contact data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minyi.core.clock import utcnow
from minyi.core.db import Base, UTCDateTime

REQUEST_KINDS = {"correct": "更正联系方式", "delete": "删除联系方式"}
REQUEST_STATUSES = {"pending": "待处理", "applied": "已办理", "declined": "不予办理"}
ERASURE_REASONS = {"retention": "超过保存期限", "request": "应本人申请删除"}


class ContactRequest(Base):
    """A citizen's request (through the tracking link) to correct or delete their contact data.

    The requested new values are personal data too: they are cleared once the request is decided
    (copied to the contact when applied); `fields` keeps which fields were concerned.
    """

    __tablename__ = "contact_requests"
    __table_args__ = (Index("ix_contact_requests_status_created_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # correct | delete
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | applied | declined
    fields: Mapped[list[Any]] = mapped_column(JSON, default=list)
    new_name: Mapped[str] = mapped_column(String(64), default="")
    new_phone: Mapped[str] = mapped_column(String(32), default="")
    new_email: Mapped[str] = mapped_column(String(254), default="")
    new_address: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")  # the citizen's explanation (staff only)
    decision_reason: Mapped[str] = mapped_column(Text, default="")  # shown to the citizen
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    case = relationship("Case", lazy="joined")


class ContactAccess(Base):
    """One staff view or export of a case's contact data: who, which case, what, when, from which route."""

    __tablename__ = "contact_access_log"
    __table_args__ = (
        Index("ix_contact_access_log_user_id_created_at", "user_id", "created_at"),
        Index("ix_contact_access_log_case_id_created_at", "case_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    what: Mapped[str] = mapped_column(String(32))  # see ACCESS_KINDS in services
    fields: Mapped[str] = mapped_column(String(64))  # the contact fields shown, e.g. "name,phone"
    route: Mapped[str] = mapped_column(String(200))  # e.g. "GET /staff/cases/{case_id}"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user = relationship("User", lazy="joined")
