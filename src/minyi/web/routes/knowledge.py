"""宣介 and 廓清: the public knowledge base (常见问题) and explanations (政策解读 / 辟谣), and the staff pages for them.

Also the JSON the submission form calls while a citizen types (`/api/v1/knowledge/search`, rate-limited per client
in each process) and the count of 这解决了我的问题 (once per entry per browser session: a session cookie).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse

from minyi.accounts.models import Role, User
from minyi.core.db import parse_id
from minyi.core.errors import PermissionDenied, RateLimited, ValidationFailed
from minyi.core.validation import text_field
from minyi.departments.services import department_menu
from minyi.knowledge import audit, explanations, upkeep
from minyi.knowledge import services as kb
from minyi.knowledge.models import ENTRY_STATUSES, KnowledgeEntry
from minyi.messages.display import public_display
from minyi.messages.schemas import text_pattern
from minyi.web.deps import CoordinatorUser, FormDep, SessionDep, StaffUser, client_hash, optional_staff
from minyi.web.openapi import errors
from minyi.web.templating import render
from minyi.workflow.actors import Actor

router = APIRouter(dependencies=[Depends(optional_staff)])
api = APIRouter(prefix="/api/v1", tags=["v1"])
HELPED_COOKIE = "minyi_kb_helped"  # entry ids this browser session said 这解决了我的问题 (no personal data)
SEARCH_MAX = 2000
SUGGESTIONS = 3
ENTRY_FIELDS = ("question", "details", "answer", "department_id", "review_due", "status", "source_case_id")
EXPLANATION_FIELDS = ("kind", "title", "body", "department_id")


class ClientWindow:
    """At most `limit` calls per client in `seconds`, counted in this process (a typing helper, not a write)."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str) -> None:
        """Count a call; RateLimited past the limit."""
        now = time.monotonic()
        with self._lock:
            if len(self._calls) > 10_000:  # forget idle clients
                self._calls = {k: v for k, v in self._calls.items() if v and now - v[-1] < self.seconds}
            calls = self._calls.setdefault(client, deque())
            while calls and now - calls[0] > self.seconds:
                calls.popleft()
            if len(calls) >= self.limit:
                raise RateLimited("查询过于频繁，请稍后再试")
            calls.append(now)


SEARCH_WINDOW = ClientWindow(limit=60, seconds=60.0)


def _helped(request: Request) -> set[str]:
    return set(filter(None, request.cookies.get(HELPED_COOKIE, "").split(".")))


def _count_helpful(request: Request, db: SessionDep, entry_id: str, response: Response) -> tuple[KnowledgeEntry, bool]:
    """Count once per browser session; the session cookie remembers which entries were counted."""
    helped = _helped(request)
    entry = kb.load_entry(db, entry_id)
    if str(entry.id) in helped:
        return entry, False
    entry = kb.count_helpful(db, entry_id=entry.id)
    value = ".".join(sorted(helped | {str(entry.id)})[-200:])
    response.set_cookie(HELPED_COOKIE, value, httponly=True, samesite="lax", path="/")
    return entry, True


# -- public pages --------------------------------------------------------------------------------------------------
@router.get("/knowledge")
def knowledge_list(request: Request, db: SessionDep) -> Response:
    """常见问题: the published entries, newest first, or those answering `q`."""
    q = text_field(request.query_params.get("q", ""), field="q", label="搜索词", max_len=100, required=False).strip()
    hits = kb.search(db, text=q, k=20) if q else []
    page = None if q else kb.public_entries(db, page=request.query_params.get("page"))
    return render(request, "knowledge/list.html", {"q": q, "hits": hits, "page": page})


@router.get("/knowledge/{entry_id}")
def knowledge_entry(request: Request, db: SessionDep, entry_id: str) -> Response:
    """One published entry with its 这解决了我的问题 button."""
    entry = kb.load_entry(db, entry_id)
    context = {"entry": entry, "helped": str(entry.id) in _helped(request)}
    return render(request, "knowledge/entry.html", context)


@router.post("/knowledge/{entry_id}/helpful")
def knowledge_helpful(request: Request, db: SessionDep, entry_id: str) -> Response:
    """这解决了我的问题 (works without JavaScript): counted once per browser session, then back to the entry."""
    response = RedirectResponse(f"/knowledge/{kb.load_entry(db, entry_id).id}?helped=1", status_code=303)
    _count_helpful(request, db, entry_id, response)
    return response


@router.get("/explanations")
def explanation_list(request: Request, db: SessionDep) -> Response:
    """政策解读与辟谣: every explanation, newest first; `kind` filters."""
    params = request.query_params
    page = explanations.public_explanations(db, page=params.get("page"), kind=params.get("kind"))
    return render(request, "knowledge/explanations.html", {"page": page, "kind": params.get("kind") or ""})


@router.get("/explanations/{explanation_id}")
def explanation_page(request: Request, db: SessionDep, explanation_id: str) -> Response:
    """One explanation and the public messages it answered."""
    item = explanations.load_explanation(db, explanation_id)
    cases = explanations.linked_public_cases(db, explanation_id=item.id)
    return render(request, "knowledge/explanation.html", {"item": item, "cases": cases})


# -- staff: the knowledge base -------------------------------------------------------------------------------------
def _editor(user: User) -> Actor:
    if user.role not in kb.EDITORS:
        raise PermissionDenied("只有承办人、受理员和管理员可以编写知识库")
    return Actor.from_user(user)


@router.get("/staff/knowledge")
def staff_knowledge(request: Request, db: SessionDep, user: StaffUser) -> Response:
    """A department's entries, those past their review date first (待复核), with its upkeep figure."""
    _editor(user)
    params = request.query_params
    dept = user.department_id if user.role == Role.HANDLER else parse_id(params.get("department_id"))
    stale_only = params.get("stale") == "1"
    page = (
        kb.department_entries(db, department_id=dept, page=params.get("page"), stale_only=stale_only) if dept else None
    )
    context = {
        "page": page,
        "department_id": dept,
        "stale_only": stale_only,
        "stale": kb.stale_count(db, department_id=dept),
        "upkeep": upkeep.department_upkeep(db, dept) if dept else None,
        "departments": department_menu(db, active_only=True),
        "STATUSES": ENTRY_STATUSES,
    }
    return render(request, "knowledge/staff_list.html", context)


def _entry_form(
    request: Request, db: SessionDep, *, values: dict[str, Any], entry: Any = None, error: Any = None
) -> Response:
    context = {
        "values": values,
        "entry": entry,
        "error": error,
        "departments": department_menu(db, active_only=True),
        "history": audit.history(db, subject="entry", subject_id=entry.id) if entry else [],
        "KIND_NAMES": audit.KIND_NAMES,
        "STATUSES": ENTRY_STATUSES,
    }
    return render(request, "knowledge/staff_entry.html", context, status_code=422 if error else 200)


@router.get("/staff/knowledge/new")
def new_entry(request: Request, db: SessionDep, user: StaffUser, case_id: str = "") -> Response:
    """A new entry; 设为常见问题 (`case_id`): filled from the case's message (masked) and reply, to edit and save."""
    actor = _editor(user)
    values: dict[str, Any] = {"department_id": user.department_id}
    if case_id:
        draft = kb.draft_from_case(db, actor=actor, case_id=case_id)
        values = dict(draft.__dict__)
    return _entry_form(request, db, values=values)


@router.post("/staff/knowledge")
def create_entry(request: Request, db: SessionDep, user: StaffUser, form: FormDep) -> Response:
    """Save a new entry (草稿 or 发布)."""
    values = {k: form.get(k) for k in ENTRY_FIELDS}
    try:
        entry = kb.create_entry(db, actor=_editor(user), data=values)
    except ValidationFailed as exc:
        return _entry_form(request, db, values=values, error=exc)
    return RedirectResponse(f"/staff/knowledge/{entry.id}?saved=1", status_code=303)


@router.get("/staff/knowledge/{entry_id}")
def edit_entry(request: Request, db: SessionDep, user: StaffUser, entry_id: str) -> Response:
    """An entry's form, its status buttons, its review and its audit history."""
    actor = _editor(user)
    entry = kb.load_entry(db, entry_id, actor=actor)
    values = {k: getattr(entry, k) for k in ("question", "details", "answer", "department_id", "review_due")}
    return _entry_form(request, db, values=values, entry=entry)


@router.post("/staff/knowledge/{entry_id}")
def update_entry(request: Request, db: SessionDep, user: StaffUser, form: FormDep, entry_id: str) -> Response:
    """Save an edit (audited)."""
    actor = _editor(user)
    values = {k: form.get(k) for k in ENTRY_FIELDS}
    try:
        entry = kb.update_entry(db, actor=actor, entry_id=entry_id, data=values)
    except ValidationFailed as exc:
        return _entry_form(request, db, values=values, entry=kb.load_entry(db, entry_id, actor=actor), error=exc)
    return RedirectResponse(f"/staff/knowledge/{entry.id}?saved=1", status_code=303)


@router.post("/staff/knowledge/{entry_id}/status")
def entry_status(db: SessionDep, user: StaffUser, form: FormDep, entry_id: str) -> Response:
    """发布 / 停用 / 改为草稿."""
    entry = kb.set_status(
        db, actor=_editor(user), entry_id=entry_id, status=form.get("status"), reason=str(form.get("reason") or "")
    )
    return RedirectResponse(f"/staff/knowledge/{entry.id}?saved=1", status_code=303)


@router.post("/staff/knowledge/{entry_id}/review")
def entry_review(db: SessionDep, user: StaffUser, form: FormDep, entry_id: str) -> Response:
    """复核: still right; the next review date."""
    entry = kb.review_entry(db, actor=_editor(user), entry_id=entry_id, review_due=form.get("next_review_due"))
    return RedirectResponse(f"/staff/knowledge/{entry.id}?reviewed=1", status_code=303)


# -- staff: explanations -------------------------------------------------------------------------------------------
def _explanation_form(
    request: Request, db: SessionDep, user: User, *, values: dict[str, Any], item: Any = None, error: Any = None
) -> Response:
    actor = Actor.from_user(user)
    context = {
        "values": values,
        "item": item,
        "error": error,
        "departments": department_menu(db, active_only=True),
        "candidates": explanations.candidates(db, actor=actor, explanation=item) if item else [],
        "cases": explanations.linked_public_cases(db, explanation_id=item.id) if item else [],
        "history": audit.history(db, subject="explanation", subject_id=item.id) if item else [],
        "KIND_NAMES": audit.KIND_NAMES,
    }
    return render(request, "knowledge/staff_explanation.html", context, status_code=422 if error else 200)


@router.get("/staff/explanations")
def staff_explanations(request: Request, db: SessionDep, user: CoordinatorUser) -> Response:
    """The explanations written, and the form for a new one."""
    page = explanations.public_explanations(db, page=request.query_params.get("page"))
    return render(request, "knowledge/staff_explanations.html", {"page": page, "departments": department_menu(db)})


@router.post("/staff/explanations")
def create_explanation(request: Request, db: SessionDep, user: CoordinatorUser, form: FormDep) -> Response:
    """Publish a new explanation, then choose the messages it answers."""
    values = {k: form.get(k) for k in EXPLANATION_FIELDS}
    try:
        item = explanations.create_explanation(db, actor=Actor.from_user(user), data=values)
    except ValidationFailed as exc:
        return _explanation_form(request, db, user, values=values, error=exc)
    return RedirectResponse(f"/staff/explanations/{item.id}?saved=1", status_code=303)


@router.get("/staff/explanations/{explanation_id}")
def edit_explanation(request: Request, db: SessionDep, user: CoordinatorUser, explanation_id: str) -> Response:
    """An explanation's form and the open messages it may answer (tick, or 全选, then 答复所选留言)."""
    item = explanations.load_explanation(db, explanation_id)
    values = {k: getattr(item, k) for k in EXPLANATION_FIELDS}
    return _explanation_form(request, db, user, values=values, item=item)


@router.post("/staff/explanations/{explanation_id}")
def update_explanation(
    request: Request, db: SessionDep, user: CoordinatorUser, form: FormDep, explanation_id: str
) -> Response:
    """Save an edit (audited)."""
    values = {k: form.get(k) for k in EXPLANATION_FIELDS}
    try:
        item = explanations.update_explanation(
            db, actor=Actor.from_user(user), explanation_id=explanation_id, data=values
        )
    except ValidationFailed as exc:
        item = explanations.load_explanation(db, explanation_id)
        return _explanation_form(request, db, user, values=values, item=item, error=exc)
    return RedirectResponse(f"/staff/explanations/{item.id}?saved=1", status_code=303)


@router.post("/staff/explanations/{explanation_id}/link")
def link_cases(db: SessionDep, user: CoordinatorUser, form: FormDep, explanation_id: str) -> Response:
    """Answer the ticked messages by this explanation."""
    ids = [str(v) for v in form.getlist("case_ids")]
    answered = explanations.link_cases(db, actor=Actor.from_user(user), explanation_id=explanation_id, case_ids=ids)
    query = urlencode({"linked": len(answered)})
    return RedirectResponse(f"/staff/explanations/{int(explanation_id)}?{query}#linked", status_code=303)


# -- JSON for the submission form ----------------------------------------------------------------------------------
SEARCH_DOC = {"maxLength": SEARCH_MAX, "pattern": text_pattern(required=False)}


@api.get("/knowledge/search", responses=errors(429))
def search_api(
    request: Request, db: SessionDep, text: Annotated[str, Query(json_schema_extra=SEARCH_DOC)] = ""
) -> list[dict[str, Any]]:
    """Published knowledge-base entries that answer `text` (called while a citizen types; rate-limited)."""
    SEARCH_WINDOW.hit(client_hash(request))
    text = text_field(text, field="text", label="查询文本", max_len=SEARCH_MAX, required=False)
    return [
        {
            "id": e.id,
            "question": public_display(e.question),
            "answer": public_display(e.answer)[:300],
            "department": e.department.name if e.department else "",
            "url": f"/knowledge/{e.id}",
            "helpful": e.helpful_count,
            "score": round(score, 3),
        }
        for e, score in kb.search(db, text=text, k=SUGGESTIONS)
    ]


@api.post("/knowledge/{entry_id}/helpful", responses=errors(404))
def helpful_api(request: Request, db: SessionDep, entry_id: str, response: Response) -> dict[str, Any]:
    """这解决了我的问题: counted once per browser session (a session cookie); answers the entry's count."""
    entry, counted = _count_helpful(request, db, entry_id, response)
    return {"id": entry.id, "helpful": entry.helpful_count, "counted": counted}
