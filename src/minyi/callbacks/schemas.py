"""JSON shapes of assistance, 回访 and repeated-complaint flags (staff API)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from minyi.callbacks.services import NOTE_MAX, PERSON_MAX, RESOLVED, WHAT_MAX
from minyi.messages.schemas import JsonInt, choice_doc, text_doc
from minyi.workflow.services import RATING_LEVELS


class AssistanceIn(BaseModel):
    """记录帮扶 on a help case: `what` is public (masked on public pages); `person` is internal."""

    model_config = ConfigDict(extra="forbid", strict=True)

    what: str = text_doc(WHAT_MAX, 4, description="帮扶内容（将公开，个人信息自动隐去）")
    department_id: JsonInt | None = None
    person: str = text_doc(PERSON_MAX, default="", description="帮扶人（内部，不公开）")
    given_on: str | None = text_doc(10, default=None, description="帮扶日期 YYYY-MM-DD（默认今天）")


class AssistanceOut(BaseModel):
    """One assistance record (an `assist` event)."""

    event_id: int
    case_id: int
    what: str
    department_id: int | None
    department: str
    person: str
    given_on: date | None
    recorded_by: str
    created_at: datetime


class CallbackIn(BaseModel):
    """回访: `reached`; when reached, `resolved` (yes/no) and `satisfaction`; `note` is internal; `reopen` sends an
    unresolved case back to its department (重办)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    reached: bool
    resolved: str | None = choice_doc(RESOLVED, optional=True, default=None)
    satisfaction: str | None = choice_doc(RATING_LEVELS, optional=True, default=None)
    note: str = text_doc(NOTE_MAX, default="", description="回访备注（内部，不公开）")
    reopen: bool = False


class CallbackOut(BaseModel):
    """A recorded 回访 and where the case stands on the list."""

    event_id: int
    case_id: int
    attempt: int
    reached: bool
    resolved: str | None
    satisfaction: str | None
    state: str
    result: str
    reopened: bool
    case_status: str


class CallbackItem(BaseModel):
    """A line of the 回访 list; `phone` only for the call-back staff (the view is audited)."""

    case_id: int
    title: str
    appeal_kind: str
    department: str | None
    closed_at: datetime
    state: str
    rounds: int
    attempts: int
    result: str
    phone: str | None = None


class CallbackPage(BaseModel):
    """One page of the 回访 list."""

    items: list[CallbackItem]
    total: int
    total_capped: bool
    total_text: str
    page: int
    per_page: int
    pages: int


class RepeatLinkOut(BaseModel):
    """An earlier complaint the case repeats."""

    case_id: int
    title: str
    status: str
    matched_by: list[str]
    score: float


class RepeatOut(BaseModel):
    """A 重复投诉 flag."""

    case_id: int
    title: str
    matched_by: list[str]
    flagged_at: datetime
    earlier: list[RepeatLinkOut]


class RepeatPage(BaseModel):
    """One page of the supervisors' 重复投诉 list."""

    items: list[RepeatOut]
    total: int
    page: int
    pages: int
