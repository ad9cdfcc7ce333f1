"""Registered web sources (网络来源) and the items collected from them (网络民意), with each source's health."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import text

from minyi.core.clock import utcnow
from minyi.core.db import Base, UTCDateTime

SOURCE_KINDS = {
    "feed": "RSS/Atom 订阅",
    "list": "列表页",
    "page": "单个页面",
    "sitemap": "网站地图",
    "file": "导出文件",
}
SOURCE_STATUSES = {
    "": "尚未采集",
    "ok": "正常",
    "unchanged": "无更新",
    "partial": "部分出错",
    "failed": "失败",
}
ITEM_KINDS = {"article": "文章", "post": "帖子", "comment": "评论"}


class WebSource(Base):
    """A place on the web an admin registered: what to fetch, how often, for which place, and how it went last."""

    __tablename__ = "web_sources"
    __table_args__ = (Index("ix_web_sources_active_next_run_at", "active", "next_run_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # SOURCE_KINDS
    url: Mapped[str] = mapped_column(String(2000))  # http(s) URL, or a file path for `file` exports
    place: Mapped[str] = mapped_column(String(100), default="")  # jurisdiction / place the source speaks for
    weight: Mapped[int] = mapped_column(Integer, default=1)  # 1–10: how much one voice here counts
    schedule_minutes: Mapped[int] = mapped_column(Integer, default=60)
    keywords: Mapped[str] = mapped_column(String(1000), default="")  # space-separated; empty keeps everything
    max_pages: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # conditional GET of the start URL (a feed, a list page, a sitemap)
    etag: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # health of the last run
    last_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status: Mapped[str] = mapped_column(String(16), default="")  # SOURCE_STATUSES
    items_last_run: Mapped[int] = mapped_column(Integer, default=0)
    errors_last_run: Mapped[int] = mapped_column(Integer, default=0)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")


# 网络民意 at volume (migration 0021 creates the same): the surge search (minyi.collect.surges) groups the first voices
# (repeats excluded) of 15 days on the covering index; the list of a period, newest first, reads (fetched_at, id), or
# (value, fetched_at, id) when filtered by a place, domain or appeal kind. A period's counts read `WebVoiceDay`.
VOICE_INDEXES = (
    Index(
        "ix_web_items_voices",
        "fetched_at", "place", "domain", "appeal_kind", "source_id", "duplicate_of_id",
        sqlite_where=text("duplicate_of_id IS NULL"),
        postgresql_where=text("duplicate_of_id IS NULL"),
    ),
    Index("ix_web_items_fetched_at_id", "fetched_at", "id"),
    Index("ix_web_items_place_fetched_at", "place", "fetched_at", "id"),
    Index("ix_web_items_domain_fetched_at", "domain", "fetched_at", "id"),
    Index("ix_web_items_appeal_kind_fetched_at", "appeal_kind", "fetched_at", "id"),
)  # fmt: skip


class WebItem(Base):
    """One voice on the web — an article, a forum post or a comment — kept as collected (never edited).

    Personal data the page showed stays as it was and is masked when shown. `duplicate_of_id` points to the first
    item that says the same; `parent_id` links a comment to its article or thread.
    """

    __tablename__ = "web_items"
    __table_args__ = (
        Index("ix_web_items_source_id_fetched_at", "source_id", "fetched_at"),
        Index("ix_web_items_urgent_fetched_at", "urgent", "fetched_at"),
        Index("ix_web_items_content_hash", "content_hash"),
        *VOICE_INDEXES,
        Index("ix_web_items_matched_at_id", "matched_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("web_sources.id"))
    url: Mapped[str] = mapped_column(String(2000))
    canonical_url: Mapped[str] = mapped_column(String(2000), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("web_items.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))  # ITEM_KINDS
    title: Mapped[str | None] = mapped_column(String(500), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")  # as extracted from the page
    clean_text: Mapped[str] = mapped_column(Text, default="")  # cleaned as a message is (the analysis read this)
    author: Mapped[str | None] = mapped_column(String(200), nullable=True)
    published: Mapped[str | None] = mapped_column(String(40), nullable=True)  # ISO 8601 as the page gave it
    encoding: Mapped[str | None] = mapped_column(String(32), nullable=True)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the folded clean text
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("web_items.id"), nullable=True)
    analysis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # domain, appeal_kind, urgent, places
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)  # = analysis["urgent"], for the index
    # copies of the analysis for counting in SQL (minyi.collect.voices.voice_columns, set when stored; migration 0021
    # filled them for the items stored before): 领域, 诉求类型, and the first place the text names (else the source's)
    domain: Mapped[str] = mapped_column(String(32), default="", server_default="")
    appeal_kind: Mapped[str] = mapped_column(String(32), default="", server_default="")
    place: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # 转为办件: the case a coordinator opened from this item (its public reply answers the web), or None
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, default=None)
    etag: Mapped[str | None] = mapped_column(String(500), nullable=True)  # of the page, for conditional GET
    last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # when a worker matched it against the open cases (minyi.hot.web_links); NULL until then (migration 0022)
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, default=None)


SURGE_KINDS = {"place": "地点", "domain": "领域", "keyword": "关键词"}


class WebSurge(Base):
    """A topic (a place, a domain, or the keyword of an active watch) whose web voices of the last 24 hours reached
    `factor` times their daily mean of the days before (minyi.collect.surges). One row per topic and China day:
    found again the same day, its figures are brought up to date; its watches are told once (notice per row)."""

    __tablename__ = "web_surges"
    __table_args__ = (
        UniqueConstraint("kind", "value", "day", name="uq_web_surges_kind_value_day"),
        Index("ix_web_surges_last_seen_at", "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # SURGE_KINDS
    value: Mapped[str] = mapped_column(String(200))
    day: Mapped[str] = mapped_column(String(10))  # the China day it was found, YYYY-MM-DD
    recent: Mapped[int] = mapped_column(Integer)  # web voices in the last 24 hours
    baseline: Mapped[float] = mapped_column(Float)  # their daily mean over the baseline days before
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


VOICE_DIMENSIONS = ("all", "place", "domain", "kind", "source")


class WebVoiceDay(Base):
    """How many first web voices were heard on one China day, in all (`all`, value "") and per place, domain,
    appeal kind (`kind`) and source (its id): the aggregate a period's counts read (minyi.collect.voices), kept up to
    date in the transaction that stores the items (`count_new_voices`); migration 0021 counted the items before."""

    __tablename__ = "web_voice_days"

    dimension: Mapped[str] = mapped_column(String(8), primary_key=True)  # VOICE_DIMENSIONS
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[str] = mapped_column(String(100), primary_key=True)
    voices: Mapped[int] = mapped_column(Integer, default=0)


# --- one voice counted once across runs (migration 0022) ---------------------------------------------------------
class WebItemKey(Base):
    """A key a stored item is found again by (`minyi.collect.dedup.Fingerprint`: an LSH band of its MinHash
    signature, or one of its sentences): a later item with the same key is compared with it, never the whole table."""

    __tablename__ = "web_item_keys"

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    web_item_id: Mapped[int] = mapped_column(ForeignKey("web_items.id"), primary_key=True, autoincrement=False)
