"""JSON shapes of cases: what the public may read (never contact data), what staff see and send."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from minyi.messages.channels import CHANNELS
from minyi.messages.schemas import JsonInt, choice_doc, text_doc
from minyi.nlp.labels import APPEAL_KINDS, DOMAINS
from minyi.workflow.services import RATING_LEVELS, REASON_MAX, REPLY_MAX


class RateIn(BaseModel):
    """A citizen's rating of the reply."""

    model_config = ConfigDict(strict=True)

    level: str = choice_doc(
        RATING_LEVELS, description="满意度：" + "、".join(f"{k} {v}" for k, v in RATING_LEVELS.items())
    )
    comment: str = text_doc(REASON_MAX, default="")


class ReopenIn(BaseModel):
    """A citizen's request to handle the case again."""

    model_config = ConfigDict(strict=True)

    reason: str = text_doc(REASON_MAX, 2)


class SubmittedOut(BaseModel):
    """The answer to a submission: the tracking token is shown only here, once."""

    id: int
    status: str
    tracking_token: str
    tracking_url: str
    publication: str = Field(
        description="public (on the board now), pending_review (审核后公开: after a coordinator's review) or private"
    )


class PublicCase(BaseModel):
    """A case on the public board."""

    id: int
    title: str
    appeal_kind: str
    domain: str | None
    place_text: str
    status: str
    status_name: str
    department: str | None
    deadline: date | None
    created_at: datetime
    supports: int


class PublicEvent(BaseModel):
    """A public step of a case's history."""

    kind: str
    label: str
    status: str | None
    reason: str
    created_at: datetime


class PublicReply(BaseModel):
    """A published reply."""

    department: str | None
    body: str
    created_at: datetime


class PublicRating(BaseModel):
    """A citizen's rating."""

    level: str
    comment: str
    created_at: datetime


class PublicCaseDetail(PublicCase):
    """A public case with the message text and its public history."""

    body: str
    public_reason: str
    merged_into_id: int | None
    events: list[PublicEvent]
    replies: list[PublicReply]
    ratings: list[PublicRating]


class BoardOut(BaseModel):
    """One page of the public board: `total` is exact up to 10,000; beyond, 10,000 with `total_capped` true."""

    items: list[PublicCase]
    total: int
    total_capped: bool = Field(description="true when more than 10,000 cases match (counting stopped there)")
    total_text: str = Field(description='"1,234" or "10,000+"')
    page: int
    pages: int = Field(description="at most 500: a page beyond has no items (narrow the search or the filters)")


class Contact(BaseModel):
    """Personal data, for staff only."""

    name: str
    phone: str
    email: str
    address: str


class StaffEvent(BaseModel):
    """A full event-log entry."""

    kind: str
    from_status: str | None
    to_status: str | None
    actor: str
    reason: str
    is_public: bool
    data: dict[str, Any]
    created_at: datetime


class StaffCase(PublicCaseDetail):
    """Everything staff may see about a case."""

    is_public: bool
    is_anonymous: bool
    channel: str = choice_doc(CHANNELS, description="受理渠道：" + "、".join(f"{k} {v}" for k, v in CHANNELS.items()))
    channel_name: str
    contact: Contact | None
    overdue: bool
    log: list[StaffEvent]
    analysis: dict[str, Any] | None
    jurisdiction_id: int | None = Field(None, description="所属辖区（null：本级，即根辖区）")
    jurisdiction_reason: str = Field("", description="为何在此辖区：留言人选择、留言提到的地名，或下派/上报")


class CaseMovedOut(BaseModel):
    """The answer to an action after which the caller no longer sees the case (上报 from a lower level)."""

    id: int
    status: str
    jurisdiction_id: int | None = Field(description="办件现在所属的辖区（null：本级）")
    jurisdiction: str = Field(description="辖区名称")
    message: str


class InboxItem(BaseModel):
    """A row of a work list."""

    id: int
    title: str
    status: str
    department: str | None
    deadline: date | None
    overdue: bool
    near_deadline: bool
    urgent: bool
    created_at: datetime


class InboxPage(BaseModel):
    """One page of a work list: `total` is exact up to 10,000; beyond, 10,000 with `total_capped` true."""

    name: str = Field(
        description="the list: triage 待受理 · department 本部门 · deadlines 超期与临期 · complaints 不满意与重办"
    )
    items: list[InboxItem]
    total: int
    total_capped: bool
    total_text: str = Field(description='"1,234" or "10,000+"')
    page: int
    per_page: int
    pages: int


class ActionIn(BaseModel):
    """Fields of a staff action; which ones are needed depends on the action (strict JSON types)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    department_id: JsonInt | None = None
    suggested_department_id: JsonInt | None = None
    into_case_id: JsonInt | None = None
    extension_id: JsonInt | None = None
    approve: bool | None = None
    days: JsonInt | None = Field(None, json_schema_extra={"minimum": 1, "maximum": 30}, description="延期工作日数")
    domain: str | None = choice_doc(DOMAINS, optional=True, default=None)
    appeal_kind: str | None = choice_doc(APPEAL_KINDS, optional=True, default=None)
    jurisdiction_id: JsonInt | None = Field(None, description="下派（send_down）的目标：本办件所属辖区的直接下级")
    reason: str | None = text_doc(REASON_MAX, default=None)
    note: str | None = text_doc(REASON_MAX, default=None)
    body: str | None = text_doc(REPLY_MAX, default=None, description="答复内容（reply），10 字以上")
