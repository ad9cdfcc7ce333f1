"""A message as the citizen wrote it, and its contact data kept apart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minyi.core.clock import utcnow
from minyi.core.db import Base, UTCDateTime
from minyi.messages.channels import WEBSITE
from minyi.messages.search import place_grams_default, public_search_grams_default, search_grams_default
from minyi.nlp.display import public_search_text


def _public_search_default(context: Any) -> str:
    """Filled on every insert, ORM or Core executemany (the import), from the row's own values."""
    row = context.get_current_parameters()
    return public_search_text(row.get("title") or "", row.get("body") or "", row.get("place_text") or "")


class Message(Base):
    """What a citizen wrote, stored exactly as submitted; never edited, never deleted."""

    __tablename__ = "messages"
    # The public board, newest first, paged and counted on these (minyi.workflow.views; migration 0016).
    __table_args__ = (
        Index("ix_messages_public_created", "is_public", "created_at", "id"),
        Index("ix_messages_public_domain_created", "is_public", "domain", "created_at", "id"),
        Index("ix_messages_public_kind_created", "is_public", "appeal_kind", "created_at", "id"),
        Index("ix_messages_review", "review"),  # the few messages waiting for review, counted on every inbox
        Index("ix_messages_place_text", "place_text"),  # 重复投诉 at the same place (minyi.callbacks.repeats)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    appeal_kind: Mapped[str] = mapped_column(String(32))
    domain: Mapped[str | None] = mapped_column(String(32), default=None)
    place_text: Mapped[str] = mapped_column(String(200), default="")
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    is_anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16), default="web")  # web | api | staff | import | demo
    # How it reached us (minyi.messages.channels): 网站 for citizens' own submissions and every older row.
    channel: Mapped[str] = mapped_column(String(16), default=WEBSITE, server_default=WEBSITE)
    # 审核后公开 (minyi.workflow.review): "" nothing to review, "pending" off the board until a coordinator publishes
    # it, "withheld" kept off after review; `review_flags` why it waits (abuse, accusation; "" for the setting alone).
    review: Mapped[str] = mapped_column(String(16), default="", server_default="")
    review_flags: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # What the citizen addressed (领导留言板): a jurisdiction of the tree and a leader's mailbox of it (书记, 市长);
    # None / "": they let the places decide (minyi.jurisdictions). Never changed after submission. No foreign key
    # (checked when submitted): a reference would cost SQLite's downgrade a copy of the table and its triggers.
    addressed_jurisdiction_id: Mapped[int | None] = mapped_column(Integer, default=None)
    addressed_leader: Mapped[str] = mapped_column(String(16), default="", server_default="")
    external_id: Mapped[str | None] = mapped_column(String(64), default=None)
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    tracking_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Derived from title, body and place (never edited): what the public board's search may match.
    public_search_text: Mapped[str] = mapped_column(Text, default=_public_search_default, server_default="")
    # Derived the same way for staff keyword and place search (minyi.messages.search): character bigrams.
    search_grams: Mapped[str] = mapped_column(Text, default=search_grams_default, server_default="")
    place_grams: Mapped[str] = mapped_column(Text, default=place_grams_default, server_default="")
    # The bigrams of `public_search_text`, for the public board's keyword search (never the original text).
    public_search_grams: Mapped[str] = mapped_column(Text, default=public_search_grams_default, server_default="")

    contact: Mapped[MessageContact | None] = relationship(back_populates="message", uselist=False)


class MessageContact(Base):
    """Personal data (name, phone, e-mail, address): staff-only, never on public pages or exports."""

    __tablename__ = "message_contacts"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str] = mapped_column(String(32), default="", index=True)  # staff search by phone
    email: Mapped[str] = mapped_column(String(254), default="", index=True)  # 重复投诉 by the same e-mail
    address: Mapped[str] = mapped_column(String(200), default="")
    # Erased (fields cleared) past the retention period or at the citizen's request: when and why.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    erasure_reason: Mapped[str] = mapped_column(String(16), default="", server_default="")  # retention | request

    message: Mapped[Message] = relationship(back_populates="contact")


class MessageAnalysis(Base):
    """The text-understanding suggestions for a message (filled in the background)."""

    __tablename__ = "message_analyses"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    clean_text: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    model_version: Mapped[str] = mapped_column(String(64), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MessageLabel(Base):
    """A coordinator's classification of a message (confirming or correcting a suggestion): training data."""

    __tablename__ = "message_labels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    field: Mapped[str] = mapped_column(String(16))  # domain | appeal_kind | department
    value: Mapped[str] = mapped_column(String(100))
    suggested: Mapped[str] = mapped_column(String(100), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
