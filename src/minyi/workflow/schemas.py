"""JSON shapes of the staff API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from minyi.messages.schemas import PublicCaseDetail


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
    contact: Contact | None
    overdue: bool
    log: list[StaffEvent]
    analysis: dict[str, Any] | None


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


class ActionIn(BaseModel):
    """Fields of a staff action; which ones are needed depends on the action."""

    model_config = ConfigDict(extra="forbid")

    department_id: int | None = None
    suggested_department_id: int | None = None
    into_case_id: int | None = None
    extension_id: int | None = None
    approve: bool | None = None
    days: int | None = None
    domain: str | None = None
    appeal_kind: str | None = None
    reason: str | None = None
    note: str | None = None
    body: str | None = None


