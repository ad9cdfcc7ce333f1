"""Knowledge-base use cases (宣介): entries written by staff or made from a reply, reviewed by a date, searched.

Handlers keep their own department's entries; coordinators and the admin any department's. Every change writes a
`KnowledgeAudit` line (who, what, the values before and after); nothing is deleted: 停用 keeps the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from minyi.accounts.models import Role
from minyi.core.clock import china_today, utcnow
from minyi.core.db import get_by_id
from minyi.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed, collect
from minyi.core.validation import text_field
from minyi.departments.models import Department
from minyi.knowledge.audit import record
from minyi.knowledge.index import index_entry, search_ids, unindex_entry
from minyi.knowledge.models import DRAFT, ENTRY_STATUSES, PUBLISHED, RETIRED, KnowledgeEntry
from minyi.messages.display import public_display
from minyi.workflow import services as workflow
from minyi.workflow.actors import Actor

QUESTION_MAX, DETAILS_MAX, ANSWER_MIN, ANSWER_MAX = 200, 2000, 10, 10000
REVIEW_DAYS = 180  # a new or reviewed entry's next review date, unless the form gives one
REVIEW_MAX_DAYS = 3 * 365
PER_PAGE = 20
PAGE_MAX = 500
EDITORS = frozenset({Role.HANDLER, Role.COORDINATOR, Role.ADMIN})


def _check_editor(actor: Actor, department_id: int | None) -> None:
    if actor.role not in EDITORS:
        raise PermissionDenied("只有承办人、受理员和管理员可以编写知识库")
    if actor.role == Role.HANDLER and (actor.department_id is None or actor.department_id != department_id):
        raise PermissionDenied("承办人只能编写本部门的知识库")


def _review_due(value: Any) -> date:
    today = china_today()
    if value in (None, ""):
        return today + timedelta(days=REVIEW_DAYS)
    try:
        due = date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed("复核日期格式应为 YYYY-MM-DD", field="review_due") from None
    if not today < due <= today + timedelta(days=REVIEW_MAX_DAYS):
        raise ValidationFailed("复核日期应在今天之后、三年之内", field="review_due")
    return due


def _department(session: Session, actor: Actor, value: Any) -> Department:
    raw = actor.department_id if value in (None, "") and actor.role == Role.HANDLER else value
    dept = get_by_id(session, Department, raw)
    if dept is None or not dept.is_active:
        raise ValidationFailed("请选择有效的部门", field="department_id")
    return dept


def _fields(session: Session, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """The form's values checked all at once (each error beside its field)."""
    return collect(
        {
            "question": lambda: text_field(
                data.get("question"), field="question", label="问题", max_len=QUESTION_MAX, min_len=4
            ),
            "details": lambda: text_field(
                data.get("details"), field="details", label="问题说明", max_len=DETAILS_MAX, required=False
            ),
            "answer": lambda: text_field(
                data.get("answer"), field="answer", label="答案", max_len=ANSWER_MAX, min_len=ANSWER_MIN
            ),
            "department": lambda: _department(session, actor, data.get("department_id")),
            "review_due": lambda: _review_due(data.get("review_due")),
        }
    )


def _status(value: Any) -> str:
    return PUBLISHED if value == PUBLISHED else DRAFT


def create_entry(session: Session, *, actor: Actor, data: dict[str, Any]) -> KnowledgeEntry:
    """A new entry (草稿 or 发布); `source_case_id` when it was made from a case's reply (设为常见问题)."""
    values = _fields(session, actor, data)
    _check_editor(actor, values["department"].id)
    source = _source_case(session, actor, data.get("source_case_id"))
    now = utcnow()
    entry = KnowledgeEntry(
        department_id=values["department"].id,
        question=values["question"].strip(),
        details=values["details"].strip(),
        answer=values["answer"].strip(),
        status=_status(data.get("status")),
        review_due=values["review_due"],
        source_case_id=source,
        created_by_id=actor.user_id,
        updated_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    session.flush()
    index_entry(session, entry)
    record(session, entry=entry, actor=actor, kind="created", data={"status": entry.status, "source_case_id": source})
    return entry


def _source_case(session: Session, actor: Actor, case_id: Any) -> int | None:
    if case_id in (None, ""):
        return None
    case = workflow.load_case(session, case_id)
    workflow.ensure_can_see(case, actor)
    return case.id


def load_entry(session: Session, entry_id: Any, *, actor: Actor | None = None) -> KnowledgeEntry:
    """An entry by id; for the public (no actor) only a published one."""
    entry = get_by_id(session, KnowledgeEntry, entry_id)
    if entry is None or (actor is None and entry.status != PUBLISHED):
        raise NotFound("知识条目不存在或未发布")
    return entry


_EDITED = ("question", "details", "answer", "department_id", "review_due")


def update_entry(session: Session, *, actor: Actor, entry_id: Any, data: dict[str, Any]) -> KnowledgeEntry:
    """Edit an entry (the values before and after are audited); its status changes only by publish/retire."""
    entry = load_entry(session, entry_id, actor=actor)
    _check_editor(actor, entry.department_id)
    values = _fields(session, actor, data)
    _check_editor(actor, values["department"].id)
    after = {
        "question": values["question"].strip(),
        "details": values["details"].strip(),
        "answer": values["answer"].strip(),
        "department_id": values["department"].id,
        "review_due": values["review_due"],
    }
    changes = {k: [str(getattr(entry, k)), str(v)] for k, v in after.items() if getattr(entry, k) != v}
    if not changes:
        return entry
    for key, value in after.items():
        setattr(entry, key, value)
    entry.updated_by_id, entry.updated_at = actor.user_id, utcnow()
    index_entry(session, entry)
    record(session, entry=entry, actor=actor, kind="edited", data={"changes": changes})
    return entry


def set_status(session: Session, *, actor: Actor, entry_id: Any, status: Any, reason: str = "") -> KnowledgeEntry:
    """发布 (published), 停用 (retired, with a reason) or back to 草稿."""
    entry = load_entry(session, entry_id, actor=actor)
    _check_editor(actor, entry.department_id)
    if status not in ENTRY_STATUSES:
        raise ValidationFailed("无效的状态", field="status")
    if status == entry.status:
        raise InvalidTransition(f"该条目已是“{ENTRY_STATUSES[status]}”")
    note = text_field(reason, field="reason", label="停用理由", max_len=500, min_len=2, required=status == RETIRED)
    before, entry.status = entry.status, status
    entry.updated_by_id, entry.updated_at = actor.user_id, utcnow()
    if status == PUBLISHED:
        index_entry(session, entry)
    else:
        unindex_entry(session, entry)
    record(session, entry=entry, actor=actor, kind=status, data={"from": before, "to": status, "reason": note})
    return entry


def review_entry(session: Session, *, actor: Actor, entry_id: Any, review_due: Any = None) -> KnowledgeEntry:
    """复核: the entry is still right; the next review date is set. On time when done by the review date."""
    entry = load_entry(session, entry_id, actor=actor)
    _check_editor(actor, entry.department_id)
    if entry.status == RETIRED:
        raise InvalidTransition("已停用的条目无需复核")
    due, today = entry.review_due, china_today()
    entry.review_due = _review_due(review_due)
    entry.reviewed_at = entry.updated_at = utcnow()
    entry.updated_by_id = actor.user_id
    on_time = today <= due
    data = {"was_due": due.isoformat(), "next_due": entry.review_due.isoformat()}
    record(session, entry=entry, actor=actor, kind="reviewed", data=data, on_time=on_time)
    return entry


def count_helpful(session: Session, *, entry_id: Any) -> KnowledgeEntry:
    """这解决了我的问题: one question answered without a case (a counter; nothing about who)."""
    entry = load_entry(session, entry_id)
    session.execute(
        update(KnowledgeEntry)
        .where(KnowledgeEntry.id == entry.id)
        .values(helpful_count=KnowledgeEntry.helpful_count + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(entry)
    return entry


@dataclass(frozen=True)
class EntryDraft:
    """The 设为常见问题 form filled from a replied case: masked question, the reply as answer, its department."""

    question: str
    details: str
    answer: str
    department_id: int | None
    source_case_id: int


def draft_from_case(session: Session, *, actor: Actor, case_id: Any) -> EntryDraft:
    """设为常见问题: a replied case's message (personal data masked) and reply, to edit before saving."""
    case = workflow.load_case(session, case_id)
    workflow.ensure_can_see(case, actor)
    reply = workflow.latest_reply(session, case)
    if reply is None:
        raise InvalidTransition("该办件尚未答复，不能设为常见问题")
    return EntryDraft(
        question=public_display(case.message.title)[:QUESTION_MAX],
        details=public_display(case.message.body)[:DETAILS_MAX],
        answer=public_display(reply.body),
        department_id=case.department_id or actor.department_id,
        source_case_id=case.id,
    )


def search(session: Session, *, text: Any, k: int = 5) -> list[tuple[KnowledgeEntry, float]]:
    """Published entries that answer `text`, best first (the SQL index, `minyi.knowledge.index`)."""
    if not isinstance(text, str) or len(text.strip()) < 2:
        return []
    hits = search_ids(session, text[:2000], k=k)
    rows = {e.id: e for e in session.scalars(select(KnowledgeEntry).where(KnowledgeEntry.id.in_([i for i, _ in hits])))}
    return [(rows[i], score) for i, score in hits if i in rows]


@dataclass
class EntryPage:
    """One page of entries, with the total (paged and counted in SQL)."""

    items: list[KnowledgeEntry]
    total: int
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        """Pages to show (at most PAGE_MAX)."""
        return min(PAGE_MAX, max(1, -(-self.total // self.per_page)))


def page_number(value: Any) -> int:
    try:
        page = int(value or 1)
    except (TypeError, ValueError):
        raise ValidationFailed("页码必须是正整数", field="page") from None
    if not 1 <= page <= PAGE_MAX:
        raise ValidationFailed("页码必须是正整数", field="page")
    return page


def public_entries(session: Session, *, page: Any = 1) -> EntryPage:
    """The public list: published entries, latest first (`ix_knowledge_entries_status_updated`)."""
    number = page_number(page)
    where = KnowledgeEntry.status == PUBLISHED
    total = session.scalar(select(func.count()).select_from(KnowledgeEntry).where(where)) or 0
    rows = session.scalars(
        select(KnowledgeEntry)
        .where(where)
        .order_by(KnowledgeEntry.updated_at.desc(), KnowledgeEntry.id.desc())
        .offset((number - 1) * PER_PAGE)
        .limit(PER_PAGE)
    )
    return EntryPage(list(rows), total, number)


def department_entries(session: Session, *, department_id: int, page: Any = 1, stale_only: bool = False) -> EntryPage:
    """A department's entries (not retired), the stale first by review date (`ix_..._department_status_due`)."""
    number = page_number(page)
    where = [KnowledgeEntry.department_id == department_id, KnowledgeEntry.status.in_((DRAFT, PUBLISHED))]
    if stale_only:
        where += [KnowledgeEntry.status == PUBLISHED, KnowledgeEntry.review_due < china_today()]
    total = session.scalar(select(func.count()).select_from(KnowledgeEntry).where(*where)) or 0
    rows = session.scalars(
        select(KnowledgeEntry)
        .where(*where)
        .order_by(KnowledgeEntry.review_due, KnowledgeEntry.id)
        .offset((number - 1) * PER_PAGE)
        .limit(PER_PAGE)
    )
    return EntryPage(list(rows), total, number)


def stale_count(session: Session, *, department_id: int | None) -> int:
    """Published entries of a department past their review date (待复核), for its staff's work list."""
    if department_id is None:
        return 0
    return (
        session.scalar(
            select(func.count())
            .select_from(KnowledgeEntry)
            .where(
                KnowledgeEntry.department_id == department_id,
                KnowledgeEntry.status == PUBLISHED,
                KnowledgeEntry.review_due < china_today(),
            )
        )
        or 0
    )
