"""JSON shapes of 在线访谈: a session, its public questions with answers (masked), and the staff requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from minyi.interviews.models import QUESTION_STATES, STATUSES
from minyi.interviews.services import ANSWER_MAX, ANSWER_MIN, ASKER_MAX, QUESTION_MAX, QUESTION_MIN, REASON_MAX
from minyi.messages.schemas import JsonInt, choice_doc, text_doc

LOCAL_TIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$"


class InterviewIn(BaseModel):
    """A session to schedule; times in China's time (`2026-12-05T10:00`)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    title: str = text_doc(120, 4, description="访谈主题")
    summary: str = text_doc(2000, default="", description="访谈简介")
    leader: str = text_doc(100, 1, description="出席领导")
    guests: str = text_doc(300, default="", description="嘉宾（逗号分隔）")
    departments: str = text_doc(300, default="", description="参与部门（逗号分隔）")
    starts_at: str = Field(json_schema_extra={"pattern": LOCAL_TIME}, description="开始时间（北京时间）")
    ends_at: str = Field(json_schema_extra={"pattern": LOCAL_TIME}, description="结束时间（北京时间）")


class QuestionIn(BaseModel):
    """A citizen's question; the name is optional and shown masked."""

    model_config = ConfigDict(extra="forbid", strict=True)

    body: str = text_doc(QUESTION_MAX, QUESTION_MIN, description="问题")
    asker: str = text_doc(ASKER_MAX, default="", description="称呼（可不填，公开时遮盖）")


class ModerationIn(BaseModel):
    """The fields an action needs: `reason` (hide), `into_id` (merge), `direction` (move), `position`
    (priority), `body` and `guest` (answer)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    reason: str = text_doc(REASON_MAX, default="", description="隐藏理由（内部）")
    into_id: JsonInt | None = None
    direction: str | None = choice_doc(["up", "down"], optional=True, default="")
    position: JsonInt | None = None
    body: str = text_doc(ANSWER_MAX, default="", description=f"答复（公开，至少 {ANSWER_MIN} 字）")
    guest: str = text_doc(100, default="", description="答复嘉宾（默认为本人姓名）")


class AskedOut(BaseModel):
    """A question received: it is public once a moderator approves it."""

    id: int
    state: str = choice_doc(QUESTION_STATES)


class InterviewOut(BaseModel):
    """A session as the public sees it."""

    id: int
    title: str
    summary: str
    leader: str
    guests: str
    departments: str
    starts_at: datetime
    ends_at: datetime
    status: str = choice_doc(STATUSES)
    status_name: str


class InterviewList(BaseModel):
    """One page of sessions, the latest first."""

    items: list[InterviewOut]
    total: int
    page: int
    pages: int


class InterviewDetail(InterviewOut):
    """A session with one page of its public questions (in order) and answers; `last_event_id` is where to start
    the live stream (`/interviews/{id}/events?after=`)."""

    questions: list[dict[str, Any]]
    questions_total: int
    page: int
    pages: int
    last_event_id: int


class QueueQuestionOut(BaseModel):
    """A question in the moderators' queue (staff: the text as written, the hiding reason)."""

    id: int
    body: str
    asker: str
    state: str = choice_doc(QUESTION_STATES)
    position: int
    reason: str
    merged_into_id: int | None
    merged_count: int
    answer_count: int
    case_id: int | None
    created_at: datetime


class QueuePage(BaseModel):
    """One page of the queue."""

    items: list[QueueQuestionOut]
    total: int
    page: int
    pages: int
