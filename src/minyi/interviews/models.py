"""An online interview (在线访谈), the questions citizens ask in it, the guests' answers and the event log.

The event log (`InterviewEvent`) is both the audit trail (who, what, when, why) and the live feed: its id is the
monotonic sequence the web processes poll to push new answers to connected browsers (`minyi.interviews.feed`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from minyi.core.clock import utcnow
from minyi.core.db import Base, UTCDateTime, append_only

SCHEDULED, LIVE, ENDED = "scheduled", "live", "ended"
STATUSES: dict[str, str] = {SCHEDULED: "预告", LIVE: "进行中", ENDED: "已结束"}
PENDING, APPROVED, HIDDEN, MERGED = "pending", "approved", "hidden", "merged"
QUESTION_STATES: dict[str, str] = {PENDING: "待审核", APPROVED: "已通过", HIDDEN: "已隐藏", MERGED: "已合并"}
QUEUED = (PENDING, APPROVED)  # the moderators' queue; approved ones are public


class Interview(Base):
    """A scheduled session with a leader, guests and departments; its transcript stays published after it ends."""

    __tablename__ = "interviews"
    __table_args__ = (
        Index("ix_interviews_starts", "starts_at", "id"),  # the public list, newest first
        Index("ix_interviews_status_ends", "status", "ends_at"),  # the worker's sessions left open past their end
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(Text, default="")
    leader: Mapped[str] = mapped_column(String(100))  # 领导 (public: named on the announcement)
    guests: Mapped[str] = mapped_column(String(300), default="")  # 嘉宾, comma-separated names
    departments: Mapped[str] = mapped_column(String(300), default="")  # 参与部门, comma-separated names
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=SCHEDULED)
    cases_made_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)  # unanswered → cases, once
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InterviewQuestion(Base):
    """A citizen's question, kept as written: moderation changes its state (with a reason), never its text."""

    __tablename__ = "interview_questions"
    __table_args__ = (
        Index("ix_interview_questions_queue", "interview_id", "state", "position", "id"),  # queue and public page
        Index("ix_interview_questions_client", "client_hash", "created_at"),  # the per-client rate limit
        Index("ix_interview_questions_merged", "merged_into_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"))
    body: Mapped[str] = mapped_column(Text)
    asker: Mapped[str] = mapped_column(String(30), default="")  # a name the citizen chose (masked on display)
    client_hash: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    position: Mapped[int] = mapped_column(Integer, default=0)  # queue order: lower first, then id
    reason: Mapped[str] = mapped_column(String(200), default="")  # why hidden (internal)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("interview_questions.id"), default=None)
    merged_count: Mapped[int] = mapped_column(Integer, default=0)  # similar questions merged into this one
    answer_count: Mapped[int] = mapped_column(Integer, default=0)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)  # made when left unanswered
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InterviewAnswer(Base):
    """A guest's answer to a question, public as soon as it is posted."""

    __tablename__ = "interview_answers"
    __table_args__ = (Index("ix_interview_answers_question", "question_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("interview_questions.id"))
    body: Mapped[str] = mapped_column(Text)
    guest: Mapped[str] = mapped_column(String(100))  # who answers, as shown in public
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InterviewEvent(Base):
    """Append-only: every change to an interview or a question (who, what, when, why); its id is the live feed's
    sequence."""

    __tablename__ = "interview_events"
    __table_args__ = (Index("ix_interview_events_interview", "interview_id", "id"),)  # replay after Last-Event-ID

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"))
    question_id: Mapped[int | None] = mapped_column(Integer, default=None)
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    actor_label: Mapped[str] = mapped_column(String(100), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


append_only(InterviewEvent)
append_only(InterviewAnswer, InterviewQuestion, updates=False)  # moderated and answered, never deleted
