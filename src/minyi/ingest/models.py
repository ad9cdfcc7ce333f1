"""Which external message became which message: the key that makes an import idempotent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.clock import utcnow
from minyi.core.db import Base, UTCDateTime


class ImportRecord(Base):
    """One imported row: (source, external id) is unique, so importing a file twice changes nothing."""

    __tablename__ = "import_records"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100))  # the file's stem, or --source
    external_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    source_user: Mapped[str] = mapped_column(String(64), default="")  # the source platform's user id: staff-only
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
