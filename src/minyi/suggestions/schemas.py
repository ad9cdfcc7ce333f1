"""JSON shapes of 吸纳: a decision with its commitments, progress, and what the public reads (no personal data)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from minyi.messages.schemas import JsonInt, choice_doc, text_doc
from minyi.suggestions.decisions import DECISIONS
from minyi.suggestions.services import REASON_MAX, REASON_MIN, UPDATE_MAX, UPDATE_MIN, WHAT_MAX, WHAT_MIN

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


class CommitmentIn(BaseModel):
    """承诺事项: what, which department (default: the case's), by when (YYYY-MM-DD, today or later)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    what: str = text_doc(WHAT_MAX, WHAT_MIN)
    department_id: JsonInt | None = None
    due_on: str = Field(json_schema_extra={"pattern": DATE_PATTERN, "format": "date"}, description="承诺完成日期")


class AdoptionIn(BaseModel):
    """采纳决定 with its public reason; 采纳 and 部分采纳 need at least one commitment."""

    model_config = ConfigDict(extra="forbid", strict=True)

    decision: str = choice_doc(DECISIONS, description="、".join(f"{k} {v}" for k, v in DECISIONS.items()))
    reason: str = text_doc(REASON_MAX, REASON_MIN, description="决定理由（公开）")
    commitments: list[CommitmentIn] = Field(default_factory=list, max_length=10)


class ProgressIn(BaseModel):
    """A public progress update: text and how far along (0–99; 100 is marking it done)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    body: str = text_doc(UPDATE_MAX, UPDATE_MIN)
    percent: JsonInt = Field(json_schema_extra={"minimum": 0, "maximum": 99})


class DoneIn(BaseModel):
    """Marking a commitment done, with a public note of what was done."""

    model_config = ConfigDict(extra="forbid", strict=True)

    body: str = text_doc(UPDATE_MAX, UPDATE_MIN)


class UpdateOut(BaseModel):
    """One progress update."""

    body: str
    percent: int
    done: bool
    created_at: datetime


class CommitmentOut(BaseModel):
    """A commitment with its progress."""

    id: int
    case_id: int
    what: str
    department_id: int
    department: str
    due_on: date
    status: str
    status_name: str
    percent: int
    overdue: bool
    updates: list[UpdateOut]


class SuggestionOut(BaseModel):
    """A decided suggestion: the decision, its reason and commitments (public text masked)."""

    case_id: int
    title: str
    department: str | None
    decision: str
    decision_name: str
    reason: str
    status: str
    decided_at: datetime
    commitments: list[CommitmentOut]


class SuggestionPage(BaseModel):
    """One page of the public 建言采纳 list."""

    items: list[SuggestionOut]
    total: int
    total_capped: bool
    page: int
    pages: int


class CommitmentPage(BaseModel):
    """One page of open (or overdue) commitments."""

    items: list[CommitmentOut]
    total: int
    total_capped: bool
    page: int
    pages: int
