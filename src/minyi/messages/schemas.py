"""JSON shapes of the public API: what a citizen sends, what the public may read (never contact data)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class MessageIn(BaseModel):
    """A citizen's submission. Lengths are checked by the service with clear Chinese errors."""

    model_config = ConfigDict(extra="forbid")

    title: str
    body: str
    appeal_kind: str = Field(description="suggestion | help | inquiry | confusion | complaint | misconception | praise")
    domain: str | None = None
    place_text: str = ""
    is_public: bool = True
    is_anonymous: bool = False
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    contact_address: str = ""
    submission_key: str | None = Field(default=None, description="idempotency key: the same key is stored once")


class SubmittedOut(BaseModel):
    """The answer to a submission: the tracking token is shown only here, once."""

    id: int
    status: str
    tracking_token: str
    tracking_url: str


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
    """One page of the public board."""

    items: list[PublicCase]
    total: int
    page: int
    pages: int
