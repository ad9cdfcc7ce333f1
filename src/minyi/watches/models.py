"""A staff member's watch (网上蹲点) on a place, a keyword, a domain or a hot issue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.clock import utcnow
from minyi.core.db import Base, UTCDateTime


class Watch(Base):
    """What one user follows; `last_message_id` / `last_web_item_id`: the newest message / web item already scanned
    (alerts fire once)."""

    __tablename__ = "watches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # place | keyword | domain | hot_issue
    value: Mapped[str] = mapped_column(String(200))
    case_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)  # a hot issue's cases when it was saved
    last_message_id: Mapped[int] = mapped_column(Integer, default=0)
    # the newest web item already scanned (minyi.watches.web; migration 0021), advanced by compare-and-set
    last_web_item_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_scan_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
