"""Stored periodic reports: generated once per period (by the scheduler or on request) and listed for supervisors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.clock import utcnow
from minyi.core.db import Base, UTCDateTime


class StoredReport(Base):
    """One report of one period (`2019-11`, `2019-W45`) and jurisdiction: its printable HTML, its workbook and its key
    figures (of the jurisdiction's subtree)."""

    __tablename__ = "stored_reports"
    # one report per period and jurisdiction (migration 0030; the root's id 1 for the installation's own level)
    __table_args__ = (UniqueConstraint("period", "jurisdiction_id", name="uq_stored_reports_period_jurisdiction"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(16))
    jurisdiction_id: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    kind: Mapped[str] = mapped_column(String(8))  # month | week
    title: Mapped[str] = mapped_column(String(100))
    html: Mapped[str] = mapped_column(Text)
    xlsx: Mapped[bytes] = mapped_column(LargeBinary)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
