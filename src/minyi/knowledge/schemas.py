"""JSON shapes of the knowledge base and of explanations (public read, staff write)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from minyi.knowledge.explanations import BODY_MAX, LINK_MAX, TITLE_MAX
from minyi.knowledge.models import ENTRY_STATUSES, EXPLANATION_KINDS, Explanation, KnowledgeEntry
from minyi.knowledge.services import ANSWER_MAX, DETAILS_MAX, QUESTION_MAX
from minyi.messages.display import public_display
from minyi.messages.schemas import JsonInt, choice_doc, text_doc


class EntryIn(BaseModel):
    """A knowledge-base entry as staff write it."""

    model_config = ConfigDict(strict=True)

    question: str = text_doc(QUESTION_MAX, 4)
    details: str = text_doc(DETAILS_MAX, default="")
    answer: str = text_doc(ANSWER_MAX, 10)
    department_id: JsonInt | None = None
    review_due: str = Field(default="", description="复核日期 YYYY-MM-DD（空：180 天后）")
    status: str = choice_doc(("draft", "published"), default="draft")
    source_case_id: JsonInt | None = None


class StatusIn(BaseModel):
    """发布 / 停用 / 改为草稿."""

    model_config = ConfigDict(strict=True)

    status: str = choice_doc(ENTRY_STATUSES)
    reason: str = text_doc(500, default="")


class ReviewIn(BaseModel):
    """复核: the next review date (empty: 180 days on)."""

    model_config = ConfigDict(strict=True)

    review_due: str = ""


class EntryOut(BaseModel):
    """An entry as the public reads it (staff also see its status and review date)."""

    id: int
    question: str
    details: str
    answer: str
    department: str
    status: str
    review_due: date
    helpful: int
    updated_at: datetime

    @classmethod
    def of(cls, entry: KnowledgeEntry, *, public: bool = True) -> EntryOut:
        """The JSON shape of an entry (for the public, personal data masked as on every public page)."""
        shown = public_display if public else str
        return cls(
            id=entry.id,
            question=shown(entry.question),
            details=shown(entry.details),
            answer=shown(entry.answer),
            department=entry.department.name if entry.department else "",
            status=entry.status,
            review_due=entry.review_due,
            helpful=entry.helpful_count,
            updated_at=entry.updated_at,
        )


class ExplanationIn(BaseModel):
    """A public explanation (政策解读 policy / 辟谣 rumour)."""

    model_config = ConfigDict(strict=True)

    kind: str = choice_doc(EXPLANATION_KINDS)
    title: str = text_doc(TITLE_MAX, 4)
    body: str = text_doc(BODY_MAX, 20)
    department_id: JsonInt | None = None


class LinkIn(BaseModel):
    """The open cases an explanation answers."""

    model_config = ConfigDict(strict=True)

    case_ids: list[JsonInt] = Field(min_length=1, max_length=LINK_MAX)


class ExplanationOut(BaseModel):
    """An explanation as the public reads it."""

    id: int
    kind: str
    kind_name: str
    title: str
    body: str
    department: str
    linked: int
    created_at: datetime

    @classmethod
    def of(cls, item: Explanation) -> ExplanationOut:
        """The JSON shape of an explanation."""
        return cls(
            id=item.id,
            kind=item.kind,
            kind_name=EXPLANATION_KINDS[item.kind],
            title=public_display(item.title),
            body=public_display(item.body),
            department=item.department.name if item.department else "",
            linked=item.linked_count,
            created_at=item.created_at,
        )


def page_out(items: list[Any], total: int, page: int, pages: int) -> dict[str, Any]:
    """A page of JSON items."""
    return {"items": items, "total": total, "page": page, "pages": pages}
