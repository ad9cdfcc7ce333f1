"""Supports and the stored hot-issue snapshot."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
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
