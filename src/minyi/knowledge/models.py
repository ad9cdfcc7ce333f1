"""Knowledge-base entries with their inverted index, public explanations with the cases they answer, and the audit
log of both."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minyi.core.clock import utcnow
from minyi.core.db import Base, UTCDateTime

DRAFT, PUBLISHED, RETIRED = "draft", "published", "retired"
ENTRY_STATUSES: dict[str, str] = {DRAFT: "草稿", PUBLISHED: "已发布", RETIRED: "已停用"}
POLICY, RUMOUR = "policy", "rumour"
EXPLANATION_KINDS: dict[str, str] = {POLICY: "政策解读", RUMOUR: "辟谣"}


class KnowledgeEntry(Base):
    """A question and its answer (常见问题) kept by a department, reviewed by a date. Never deleted: 停用 keeps it."""

    __tablename__ = "knowledge_entries"
    __table_args__ = (
        Index("ix_knowledge_entries_status_updated", "status", "updated_at", "id"),  # the public list, newest first
        Index("ix_knowledge_entries_department_status_due", "department_id", "status", "review_due"),  # stale list
        Index("ix_knowledge_entries_status_due", "status", "review_due"),
        Index("ix_knowledge_entries_status_length", "status", "term_length"),  # BM25's count and average length
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    question: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")  # the question in more words (public text)
    answer: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    review_due: Mapped[date] = mapped_column(Date)
    source_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None, index=True)
    helpful_count: Mapped[int] = mapped_column(Integer, default=0)  # 这解决了我的问题: answered without a case
    term_length: Mapped[float] = mapped_column(Float, default=0.0)  # BM25's document length (published only)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    department = relationship("Department", lazy="joined")


class KnowledgeTerm(Base):
    """One posting of the inverted index: a term of a published entry and its weighted frequency."""

    __tablename__ = "knowledge_terms"

    term: Mapped[str] = mapped_column(String(16), primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("knowledge_entries.id"), primary_key=True, index=True)
    tf: Mapped[float] = mapped_column(Float)
    length: Mapped[float] = mapped_column(Float)  # the entry's length (BM25 normalises by it), read with the posting


class KnowledgeTermCount(Base):
    """How many published entries hold a term (BM25's document frequency), kept with the postings."""

    __tablename__ = "knowledge_term_counts"

    term: Mapped[str] = mapped_column(String(16), primary_key=True)
    entries: Mapped[int] = mapped_column(Integer, default=0)


class Explanation(Base):
    """A public explanation (政策解读 or 辟谣) written once and linked to every message it answers."""

    __tablename__ = "explanations"
    __table_args__ = (
        Index("ix_explanations_created", "created_at", "id"),
        Index("ix_explanations_kind_created", "kind", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), default=None, index=True)
    linked_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department = relationship("Department", lazy="joined")


class ExplanationLink(Base):
    """A case answered by an explanation (one explanation per case); the reply event references it too."""

    __tablename__ = "explanation_links"
    __table_args__ = (Index("ix_explanation_links_explanation", "explanation_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    explanation_id: Mapped[int] = mapped_column(ForeignKey("explanations.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KnowledgeAudit(Base):
    """Append-only audit line of every change to an entry or an explanation: who, what, when, the values changed."""

    __tablename__ = "knowledge_audit"
    __table_args__ = (
        Index("ix_knowledge_audit_subject", "subject", "subject_id", "id"),
        Index("ix_knowledge_audit_department_kind", "department_id", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(16))  # "entry" | "explanation"
    subject_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))  # created, edited, published, retired, reviewed, linked, …
    department_id: Mapped[int | None] = mapped_column(Integer, default=None)
    on_time: Mapped[bool | None] = mapped_column(Boolean, default=None)  # a review: on or before its review date
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    actor_label: Mapped[str] = mapped_column(String(100), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
