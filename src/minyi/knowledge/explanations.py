"""廓清 / 引导纠正: public explanations (政策解读 / 辟谣) written once and linked to every message they answer.

Coordinators (and the admin) write them; on the explanation's page they see similar open messages (the similar-cases
index of `minyi.hot`) and the open messages classified 模糊认识 / 错误看法, and answer the ones they tick: each case
gets a reply event naming the explanation (`minyi.workflow.services.reply_by_explanation`), closing it the way a reply
does (the citizen can still rate it), and an `ExplanationLink`; all the ticked cases or none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.accounts.models import Role
from minyi.core.clock import utcnow
from minyi.core.db import get_by_id, parse_id
from minyi.core.errors import NotFound, PermissionDenied, ValidationFailed, collect
from minyi.core.validation import choice_field, text_field
from minyi.departments.models import Department
from minyi.hot import services as hot
from minyi.knowledge.audit import record
from minyi.knowledge.models import EXPLANATION_KINDS, Explanation, ExplanationLink
from minyi.knowledge.services import PER_PAGE, page_number
from minyi.messages.models import Message
from minyi.nlp.text import join_text
from minyi.workflow import services as workflow
from minyi.workflow import states
from minyi.workflow.actors import Actor
from minyi.workflow.models import Case
from minyi.workflow.scope import cases_within

TITLE_MAX, BODY_MIN, BODY_MAX = 200, 20, 20000
LINK_MAX = 200  # cases answered in one go
WRITERS = frozenset({Role.COORDINATOR, Role.ADMIN})
# The appeal kinds an explanation answers (issue 16: 模糊认识 → 廓清, 错误看法 → 引导纠正; 不了解情况 → 宣介 is the
# knowledge base's, but a 政策解读 answers inquiries too).
EXPLAINED_KINDS = ("confusion", "misconception", "inquiry")
ANSWERABLE = tuple(sorted(states.EXPLAIN.sources))


def _check_writer(actor: Actor) -> None:
    if actor.role not in WRITERS:
        raise PermissionDenied("只有受理员和管理员可以发布政策解读和辟谣")


def _fields(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    def department() -> int | None:
        raw = data.get("department_id")
        if raw in (None, ""):
            return None
        dept = get_by_id(session, Department, raw)
        if dept is None or not dept.is_active:
            raise ValidationFailed("请选择有效的部门", field="department_id")
        return dept.id

    return collect(
        {
            "kind": lambda: choice_field(data.get("kind"), field="kind", label="类别", choices=EXPLANATION_KINDS),
            "title": lambda: text_field(data.get("title"), field="title", label="标题", max_len=TITLE_MAX, min_len=4),
            "body": lambda: text_field(
                data.get("body"), field="body", label="正文", max_len=BODY_MAX, min_len=BODY_MIN
            ),
            "department_id": department,
        }
    )


def create_explanation(session: Session, *, actor: Actor, data: dict[str, Any]) -> Explanation:
    """A new public explanation (published at once: it is written to be read)."""
    _check_writer(actor)
    values = _fields(session, data)
    now = utcnow()
    item = Explanation(
        kind=values["kind"],
        title=values["title"].strip(),
        body=values["body"].strip(),
        department_id=values["department_id"],
        created_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    record(session, explanation=item, actor=actor, kind="created", data={"kind": item.kind, "title": item.title})
    return item


def update_explanation(session: Session, *, actor: Actor, explanation_id: Any, data: dict[str, Any]) -> Explanation:
    """Edit an explanation; the values before and after are audited (replies already sent keep their text)."""
    _check_writer(actor)
    item = load_explanation(session, explanation_id)
    values = _fields(session, data)
    after = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    changes = {k: [str(getattr(item, k)), str(v)] for k, v in after.items() if getattr(item, k) != v}
    if changes:
        for key, value in after.items():
            setattr(item, key, value)
        item.updated_at = utcnow()
        record(session, explanation=item, actor=actor, kind="edited", data={"changes": changes})
    return item


def load_explanation(session: Session, explanation_id: Any) -> Explanation:
    """An explanation by id (they are all public)."""
    item = get_by_id(session, Explanation, explanation_id)
    if item is None:
        raise NotFound("解读不存在")
    return item


def reply_text(item: Explanation) -> str:
    """The reply each linked case gets: the explanation itself, named."""
    return f"【{EXPLANATION_KINDS[item.kind]}】{item.title}\n\n{item.body}"


@dataclass(frozen=True)
class Candidate:
    """An open message the explanation may answer: why it is offered (similarity, or its appeal kind)."""

    case: Case
    score: float | None


def candidates(session: Session, *, actor: Actor, explanation: Explanation, k: int = 20) -> list[Candidate]:
    """Open messages like the explanation (similar-cases index) and open 模糊认识/错误看法 ones, not yet answered —
    of the actor's jurisdiction and those below it only."""
    _check_writer(actor)
    found: dict[int, Candidate] = {}
    text = join_text(explanation.title, explanation.body)
    for case, score in hot.similar_cases(session, text=text, k=k, public_only=False):
        if case.status in ANSWERABLE and workflow.in_jurisdiction(case, actor):
            found[case.id] = Candidate(case, score)
    recent = (
        select(Case)
        .join(Message, Message.id == Case.message_id)
        .where(
            Case.status.in_(ANSWERABLE),
            Message.appeal_kind.in_(EXPLAINED_KINDS[:2]),
            *cases_within(actor.jurisdiction_path),
        )
        .order_by(Case.received_at.desc(), Case.id.desc())
        .limit(k)
    )
    for case in session.scalars(recent).unique():
        found.setdefault(case.id, Candidate(case, None))
    return list(found.values())


def link_cases(session: Session, *, actor: Actor, explanation_id: Any, case_ids: list[Any]) -> list[Case]:
    """Answer the ticked cases by the explanation: a reply event naming it on each, all of them or none."""
    _check_writer(actor)
    item = load_explanation(session, explanation_id)
    ids = sorted({key for key in (parse_id(c) for c in case_ids) if key is not None})
    if not ids:
        raise ValidationFailed("请至少勾选一条留言", field="case_ids")
    if len(ids) > LINK_MAX:
        raise ValidationFailed(f"一次最多答复 {LINK_MAX} 条留言", field="case_ids")
    body, now, answered = reply_text(item), utcnow(), []
    for case_id in ids:
        if not workflow.in_jurisdiction(workflow.load_case(session, case_id), actor):
            raise PermissionDenied("该办件不属于您的辖区")
        workflow.reply_by_explanation(session, actor=actor, case_id=case_id, body=body, explanation_id=item.id)
        session.add(
            ExplanationLink(explanation_id=item.id, case_id=case_id, linked_by_id=actor.user_id, created_at=now)
        )
        answered.append(workflow.load_case(session, case_id))
    item.linked_count += len(ids)
    session.flush()
    record(session, explanation=item, actor=actor, kind="linked", data={"case_ids": ids})
    return answered


@dataclass
class ExplanationPage:
    """One page of explanations."""

    items: list[Explanation]
    total: int
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        """Pages to show."""
        return max(1, -(-self.total // self.per_page))


def public_explanations(session: Session, *, page: Any = 1, kind: Any = None) -> ExplanationPage:
    """The public list, newest first (`ix_explanations_created` / `ix_explanations_kind_created`)."""
    number = page_number(page)
    chosen = choice_field(kind or None, field="kind", label="类别", choices=EXPLANATION_KINDS, required=False)
    where = [Explanation.kind == chosen] if chosen else []
    total = session.scalar(select(func.count()).select_from(Explanation).where(*where)) or 0
    rows = session.scalars(
        select(Explanation)
        .where(*where)
        .order_by(Explanation.created_at.desc(), Explanation.id.desc())
        .offset((number - 1) * PER_PAGE)
        .limit(PER_PAGE)
    )
    return ExplanationPage(list(rows), total, number)


def linked_public_cases(session: Session, *, explanation_id: int, limit: int = 50) -> list[Case]:
    """The public cases an explanation answered, latest first (`ix_explanation_links_explanation`)."""
    rows = (
        select(Case)
        .join(ExplanationLink, ExplanationLink.case_id == Case.id)
        .join(Message, Message.id == Case.message_id)
        .where(ExplanationLink.explanation_id == explanation_id, Message.is_public.is_(True))
        .order_by(ExplanationLink.case_id.desc())
        .limit(limit)
    )
    return list(session.scalars(rows).unique())


def explanations_of(session: Session, case_ids: list[int]) -> dict[int, Explanation]:
    """The explanation that answered each of these cases (for the board and the case pages; one query)."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(ExplanationLink.case_id, Explanation)
        .join(Explanation, Explanation.id == ExplanationLink.explanation_id)
        .where(ExplanationLink.case_id.in_(case_ids))
    ).tuples()
    return dict(rows.all())
