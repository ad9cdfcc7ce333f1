"""The jurisdiction tree: each node's level, place names (its area), public address and deadline settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.clock import utcnow
from minyi.core.db import Base, UTCDateTime

# The levels of a jurisdiction (any depth: a level may repeat or be skipped, e.g. a county-level city).
LEVELS: dict[str, str] = {
    "province": "省",
    "city": "市",
    "district": "区/县",
    "street": "街道/乡镇",
    "other": "其他",
}


class Jurisdiction(Base):
    """One level of government that receives and handles messages (a province, a city, a district, a street).

    `path` is the ids from the root down to this node ("/1/4/9/"): the subtree of a node is every node whose path
    starts with its path, one indexed range scan. The root (no parent) is the installation's own level; a case,
    department or user whose `jurisdiction_id` is NULL belongs to the root.
    """

    __tablename__ = "jurisdictions"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_jurisdictions_parent_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16), default="other")
    slug: Mapped[str] = mapped_column(String(40), unique=True)  # the public address: /j/<slug>/board
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), default=None, index=True)
    path: Mapped[str] = mapped_column(String(255), default="", index=True)
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)  # aliases and sub-areas (places in it)
    leaders: Mapped[list[str]] = mapped_column(JSON, default=list)  # mailboxes a citizen may address: 书记, 市长
    deadline_days: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # appeal kind -> workdays; {} inherit
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # One more on every update of the row: with the row count, tells a process its area index is out of date
    # (minyi.jurisdictions.routing.cached_area_index).
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0", onupdate=text("revision + 1"))

    @property
    def level_name(self) -> str:
        """The level in Chinese."""
        return LEVELS.get(self.level, self.level)

    @property
    def depth(self) -> int:
        """0 for the root, 1 for its children, …"""
        return max(0, self.path.count("/") - 2)
