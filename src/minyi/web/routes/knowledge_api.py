"""JSON API of the knowledge base and of explanations: public read, staff write (bearer tokens)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from minyi.accounts.models import Role
from minyi.core.db import parse_id
from minyi.core.errors import PermissionDenied, ValidationFailed
from minyi.knowledge import explanations
from minyi.knowledge import services as kb
from minyi.knowledge.schemas import (
    EntryIn,
    EntryOut,
    ExplanationIn,
    ExplanationOut,
    LinkIn,
    ReviewIn,
    StatusIn,
    page_out,
)
from minyi.web.deps import ApiUser, SessionDep
from minyi.web.openapi import errors
from minyi.workflow.actors import Actor

router = APIRouter(prefix="/api/v1", tags=["v1"])


def _editor(user: Any) -> Actor:
    if user.role not in kb.EDITORS:
        raise PermissionDenied("只有承办人、受理员和管理员可以编写知识库")
    return Actor.from_user(user)


@router.get("/knowledge", responses=errors(422))
def entries(db: SessionDep, page: str = "1") -> dict[str, Any]:
    """常见问题: published entries, newest first, 20 a page."""
    found = kb.public_entries(db, page=page)
    return page_out([EntryOut.of(e) for e in found.items], found.total, found.page, found.pages)


@router.get("/knowledge/{entry_id}", responses=errors(404))
def entry(db: SessionDep, entry_id: str) -> EntryOut:
    """One published entry."""
    return EntryOut.of(kb.load_entry(db, entry_id))


@router.get("/staff/knowledge", responses=errors(422))
def staff_entries(
    db: SessionDep, user: ApiUser, department_id: str = "", stale: str = "", page: str = "1"
) -> dict[str, Any]:
    """A department's entries (a handler: their own), those past their review date first; `stale=1`: only those."""
    actor = _editor(user)
    dept = actor.department_id if user.role == Role.HANDLER else parse_id(department_id)
    if dept is None:
        raise ValidationFailed("请选择部门", field="department_id")
    found = kb.department_entries(db, department_id=dept, page=page, stale_only=stale == "1")
    items = [EntryOut.of(e, public=False) for e in found.items]
    return page_out(items, found.total, found.page, found.pages) | {"stale": kb.stale_count(db, department_id=dept)}


@router.get("/staff/knowledge/{entry_id}", responses=errors(404))
def staff_entry(db: SessionDep, user: ApiUser, entry_id: str) -> EntryOut:
    """Any entry (draft and retired too), for staff."""
    return EntryOut.of(kb.load_entry(db, entry_id, actor=_editor(user)), public=False)


@router.post("/staff/knowledge", status_code=201, responses=errors(404, 409))
async def create_entry(db: SessionDep, user: ApiUser, body: EntryIn) -> EntryOut:
    """A new entry (草稿 or 发布; `source_case_id`: made from that case's reply)."""
    return await run_in_threadpool(
        lambda: EntryOut.of(kb.create_entry(db, actor=_editor(user), data=body.model_dump()), public=False)
    )


@router.put("/staff/knowledge/{entry_id}", responses=errors(404))
async def update_entry(db: SessionDep, user: ApiUser, entry_id: str, body: EntryIn) -> EntryOut:
    """Edit an entry (its status changes by /status)."""
    return await run_in_threadpool(
        lambda: EntryOut.of(
            kb.update_entry(db, actor=_editor(user), entry_id=entry_id, data=body.model_dump()), public=False
        )
    )


@router.post("/staff/knowledge/{entry_id}/status", responses=errors(404, 409))
async def entry_status(db: SessionDep, user: ApiUser, entry_id: str, body: StatusIn) -> EntryOut:
    """发布 / 停用 (with a reason) / 改为草稿."""
    return await run_in_threadpool(
        lambda: EntryOut.of(
            kb.set_status(db, actor=_editor(user), entry_id=entry_id, status=body.status, reason=body.reason),
            public=False,
        )
    )


@router.post("/staff/knowledge/{entry_id}/review", responses=errors(404, 409))
async def entry_review(db: SessionDep, user: ApiUser, entry_id: str, body: ReviewIn) -> EntryOut:
    """复核: the entry is still right; the next review date."""
    return await run_in_threadpool(
        lambda: EntryOut.of(
            kb.review_entry(db, actor=_editor(user), entry_id=entry_id, review_due=body.review_due), public=False
        )
    )


@router.get("/explanations", responses=errors(422))
def explanation_list(db: SessionDep, page: str = "1", kind: str = "") -> dict[str, Any]:
    """政策解读与辟谣, newest first; `kind` policy or rumour."""
    found = explanations.public_explanations(db, page=page, kind=kind)
    return page_out([ExplanationOut.of(e) for e in found.items], found.total, found.page, found.pages)


@router.get("/explanations/{explanation_id}", responses=errors(404))
def explanation(db: SessionDep, explanation_id: str) -> dict[str, Any]:
    """One explanation and the public cases it answered."""
    item = explanations.load_explanation(db, explanation_id)
    cases = explanations.linked_public_cases(db, explanation_id=item.id)
    return ExplanationOut.of(item).model_dump(mode="json") | {"case_ids": [c.id for c in cases]}


@router.post("/staff/explanations", status_code=201)
async def create_explanation(db: SessionDep, user: ApiUser, body: ExplanationIn) -> ExplanationOut:
    """Publish an explanation (coordinators and the admin)."""
    return await run_in_threadpool(
        lambda: ExplanationOut.of(
            explanations.create_explanation(db, actor=Actor.from_user(user), data=body.model_dump())
        )
    )


@router.put("/staff/explanations/{explanation_id}", responses=errors(404))
async def update_explanation(db: SessionDep, user: ApiUser, explanation_id: str, body: ExplanationIn) -> ExplanationOut:
    """Edit an explanation (audited; replies already sent keep their text)."""
    return await run_in_threadpool(
        lambda: ExplanationOut.of(
            explanations.update_explanation(
                db, actor=Actor.from_user(user), explanation_id=explanation_id, data=body.model_dump()
            )
        )
    )


@router.post("/staff/explanations/{explanation_id}/links", responses=errors(404, 409))
async def link_cases(
    request: Request, db: SessionDep, user: ApiUser, explanation_id: str, body: LinkIn
) -> dict[str, Any]:
    """Answer these open cases by the explanation (all or none); answers their ids and new status."""

    def work() -> dict[str, Any]:
        answered = explanations.link_cases(
            db, actor=Actor.from_user(user), explanation_id=explanation_id, case_ids=list(body.case_ids)
        )
        return {"explanation_id": int(explanation_id), "cases": [{"id": c.id, "status": c.status} for c in answered]}

    return await run_in_threadpool(work)
