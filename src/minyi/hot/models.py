"""Supports and the stored hot-issue snapshot."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.clock import utcnow
from minyi.core.db import Base, UTCDateTime


class Support(Base):
    """One client's 附议 ("me too") on a case; one per client and case."""

    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("case_id", "client_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    client_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class HotIssue(Base):
    """One hot issue of the latest computation; a recomputation replaces the whole set."""

    __tablename__ = "hot_issues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    description: Mapped[str] = mapped_column(String(200))
    explanation: Mapped[str] = mapped_column(Text, default="")
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    case_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # the voices per channel, each counted once (migration 0022; minyi.hot.voices): 留言 = the board's cases not
    # taken from the web, 网络 = cases taken from the web + web items grouped with it or linked to its cases
    board_voices: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    web_voices: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    web_item_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)

    @property
    def channels(self) -> tuple[int, int]:
        """(留言, 网络) voices; a snapshot stored before migration 0022 counts its cases as 留言."""
        if self.board_voices or self.web_voices:
            return self.board_voices, self.web_voices
        return len(self.case_ids or []), 0


class HotPeriod(Base):
    """The hot issues of one period of China dates (`/hot?from=&to=`), grouped by a worker when first asked for.

    `status` is "pending" until a worker has grouped the period's messages, then "done"; `stamp` says what the
    period's public messages looked like when they were grouped (a later view with another stamp asks again).
    """

    __tablename__ = "hot_periods"
    __table_args__ = (UniqueConstraint("first_day", "last_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    stamp: Mapped[str] = mapped_column(String(64), default="")
    messages: Mapped[int] = mapped_column(Integer, default=0)  # public messages grouped
    issues: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{rank, score, description, ..., case_ids}]
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SimilarIndexSnapshot(Base):
    """The similar-cases index built by a worker (pickled, signed, compressed); web processes only load it."""

    __tablename__ = "similar_index_snapshots"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # "public" or "staff"
    stamp: Mapped[str] = mapped_column(String(128))  # what the cases looked like when it was built
    size: Mapped[int] = mapped_column(Integer)  # cases in the index
    data: Mapped[bytes] = mapped_column(LargeBinary)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebItemLink(Base):
    """A web item that speaks of the same problem as an open case (matched by a worker, minyi.hot.web_links).

    Never deleted: a coordinator who finds it wrong unlinks it (`unlinked_at`, who, why), which the account audit
    trail records too; an unlinked pair is never linked again.
    """

    __tablename__ = "web_item_links"
    __table_args__ = (
        UniqueConstraint("web_item_id", "case_id"),
        Index("ix_web_item_links_case_id_unlinked_at", "case_id", "unlinked_at"),
        Index("ix_web_item_links_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    web_item_id: Mapped[int] = mapped_column(ForeignKey("web_items.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    score: Mapped[float] = mapped_column(Float)  # the similar-cases score when matched
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unlinked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, default=None)
    unlinked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, default=None)
    unlink_reason: Mapped[str] = mapped_column(String(200), default="")
