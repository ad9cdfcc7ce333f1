"""帮助 and 回访 use cases: assistance recorded on a help case, a call-back after closing, the 回访 work list.

Each checks the request, changes state in the caller's transaction and appends its event (`minyi.workflow.events`):
`assist` (记录帮扶), `callback` (回访) and, when a call-back finds the problem unresolved and the caller asks for it,
`callback_reopen` (回访未解决，重办). Decisions and definitions: docs/callbacks.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from minyi.callbacks.models import CALLBACK_KINDS, DONE, DUE, CallbackTask
from minyi.core.clock import china_today, to_china, utcnow
from minyi.core.db import get_by_id, parse_id
from minyi.core.errors import InvalidTransition, ValidationFailed
from minyi.core.validation import bool_field, choice_field, text_field
from minyi.core.workdays import add_workdays
from minyi.departments.models import Department
from minyi.nlp.labels import APPEAL_KINDS
from minyi.workflow import states
from minyi.workflow.actors import Actor
from minyi.workflow.events import AssistPayload, CallbackPayload, CallbackReopenPayload
from minyi.workflow.levels import level_deadline_days
from minyi.workflow.models import Case, CaseEvent
from minyi.workflow.scope import case_ids_within
from minyi.workflow.services import RATING_LEVELS, load_case_for, record_event

WHAT_MAX, PERSON_MAX, NOTE_MAX = 1000, 100, 2000
RESOLVED = {"yes": "已解决", "no": "未解决"}
PER_PAGE, ROWS_MAX = 20, 10_000
STATES = {DUE: "待回访", DONE: "已回访"}
RESULTS = {"resolved": "已解决", "unresolved": "未解决（未重办，请督办）", "reopened": "未解决，已重办"}


def _touch(case: Case) -> None:
    case.updated_at = utcnow()


def _given_on(value: Any, *, received: date) -> date:
    if value in (None, ""):
        return china_today()
    try:
        day = date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed("帮扶日期格式不正确：应为 YYYY-MM-DD", field="given_on") from None
    if day > china_today():
        raise ValidationFailed("帮扶日期不能晚于今天", field="given_on")
    if day < received:
        raise ValidationFailed("帮扶日期不能早于留言日期", field="given_on")
    return day


def record_assistance(
    session: Session,
    *,
    actor: Actor,
    case_id: Any,
    what: Any,
    department_id: Any = None,
    person: Any = "",
    given_on: Any = None,
) -> CaseEvent:
    """记录帮扶: what the case's department did to help (public, masked), by which department and person, when."""
    case, action = load_case_for(session, case_id=case_id, actor=actor, action="assist")
    states.check_status(action, status=case.status)
    if case.message.appeal_kind != "help":
        raise InvalidTransition("只有“求助”类办件可以记录帮扶情况")
    what = text_field(what, field="what", label="帮扶内容", max_len=WHAT_MAX, min_len=4)
    person = text_field(person, field="person", label="帮扶人", max_len=PERSON_MAX, required=False)
    dept = case.department if department_id in (None, "") else get_by_id(session, Department, department_id)
    if dept is None or not dept.is_active:
        raise ValidationFailed("请选择有效的帮扶部门", field="department_id")
    day = _given_on(given_on, received=to_china(case.message.created_at).date())
    payload = AssistPayload(department_id=dept.id, department=dept.name, person=person.strip(), given_on=day)
    _touch(case)
    entry = record_event(
        session, case=case, payload=payload, actor=actor, from_status=case.status, to_status=case.status, reason=what
    )
    session.flush()
    return entry


def assistance_of(session: Session, case: Case) -> list[CaseEvent]:
    """The assistance recorded on a case, oldest first."""
    where = (CaseEvent.case_id == case.id, CaseEvent.kind == "assist")
    return list(session.scalars(select(CaseEvent).where(*where).order_by(CaseEvent.created_at, CaseEvent.id)))


@dataclass(frozen=True)
class CallbackOutcome:
    """What a call-back recorded: its event, the task as it stands, and the reopen event when it sent the case back."""

    event: CaseEvent
    task: CallbackTask
    reopened: CaseEvent | None = None


def _due_task(session: Session, case: Case) -> CallbackTask:
    task = session.get(CallbackTask, case.id, with_for_update=True, populate_existing=True)
    if task is None:
        raise InvalidTransition("该办件不在回访名单中：只回访办结的求助、投诉类办件")
    if task.state != DUE:
        raise InvalidTransition("该办件本轮已回访" if task.state == DONE else "该办件已重办，办结后再回访")
    return task


def record_callback(
    session: Session,
    *,
    actor: Actor,
    case_id: Any,
    reached: Any,
    resolved: Any = None,
    satisfaction: Any = None,
    note: Any = "",
    reopen: Any = False,
) -> CallbackOutcome:
    """回访: reached or not (not reached: the case stays on the list for another attempt); when reached, resolved
    or not and satisfied or not. Unresolved with `reopen`: the case goes back to its department (重办) with a new
    deadline; unresolved without it: on the supervisors' 回访未解决 list."""
    case, action = load_case_for(session, case_id=case_id, actor=actor, action="callback")
    states.check_status(action, status=case.status)
    task = _due_task(session, case)
    was_reached = bool_field(reached)
    answer = verdict = None
    if was_reached:
        answer = choice_field(resolved, field="resolved", label="是否解决", choices=RESOLVED)
        verdict = choice_field(satisfaction, field="satisfaction", label="回访满意度", choices=RATING_LEVELS)
    note = text_field(note, field="note", label="回访备注", max_len=NOTE_MAX, required=False)
    send_back = was_reached and answer == "no" and bool_field(reopen)
    task.attempts += 1
    task.last_attempt_at = utcnow()
    task.updated_at = task.last_attempt_at
    if was_reached:
        task.state = DONE
        task.result = "resolved" if answer == "yes" else "reopened" if send_back else "unresolved"
    payload = CallbackPayload(
        attempt=task.attempts,
        reached=was_reached,
        resolved=answer,
        satisfaction=verdict,
        satisfaction_name=RATING_LEVELS[verdict] if verdict else None,
    )
    _touch(case)
    entry = record_event(
        session,
        case=case,
        payload=payload,
        actor=actor,
        from_status=case.status,
        to_status=case.status,
        reason=note,
        public=was_reached,  # the result is public once the citizen was reached; the note never (internal)
    )
    session.flush()
    again = _callback_reopen(session, case=case, actor=actor, note=note) if send_back else None
    return CallbackOutcome(entry, task, again)


def _callback_reopen(session: Session, *, case: Case, actor: Actor, note: str) -> CaseEvent:
    """回访未解决，重办: the case back to its department with a new deadline, counted as its one reopen."""
    action = states.check_actor("callback_reopen", actor=actor.role)
    states.check_status(action, status=case.status)
    before = case.status
    case.status = states.IN_PROGRESS
    case.deadline = add_workdays(china_today(), level_deadline_days(session, case, case.message.appeal_kind))
    case.reopen_count += 1  # the supervisors' 不满意与重办 list shows it
    case.closed_at = None
    case.escalated = False
    _touch(case)
    entry = record_event(
        session,
        case=case,
        payload=CallbackReopenPayload(department_id=case.department_id, deadline=case.deadline),
        actor=actor,
        from_status=before,
        to_status=case.status,
        reason=note or "回访时群众反映问题未解决",
    )
    session.flush()
    return entry


@dataclass(frozen=True)
class CallbackFilters:
    """The 回访 list's filters, already checked."""

    state: str = DUE
    department_id: int | None = None
    appeal_kind: str | None = None
    retry: bool = False  # due cases tried before without reaching the citizen
    result: str | None = None  # done cases by result (unresolved: the supervisors' list)
    page: int = 1
    per_page: int = PER_PAGE

    def query(self, **changes: Any) -> dict[str, Any]:
        """The filters as query parameters (for links), with some changed."""
        values = {
            "state": self.state, "department_id": self.department_id or "", "appeal_kind": self.appeal_kind or "",
            "retry": "1" if self.retry else "", "result": self.result or "", "page": self.page,
        } | changes  # fmt: skip
        return {k: v for k, v in values.items() if v not in ("", None)}


def parse_callback_filters(params: dict[str, Any]) -> CallbackFilters:
    """Check the list's query parameters; a bad value is a clear error."""
    state = choice_field(params.get("state") or DUE, field="state", label="回访状态", choices=STATES)
    kinds = {k: APPEAL_KINDS[k] for k in CALLBACK_KINDS}
    raw_kind, raw_result = params.get("appeal_kind") or None, params.get("result") or None
    kind = choice_field(raw_kind, field="appeal_kind", label="诉求类型", choices=kinds, required=False)
    result = choice_field(raw_result, field="result", label="回访结果", choices=RESULTS, required=False)
    department_id = None
    if params.get("department_id") not in (None, ""):
        department_id = parse_id(params.get("department_id"))
        if department_id is None:
            raise ValidationFailed("部门参数无效", field="department_id")
    page = _bounded(params.get("page"), field="page", label="页码", default=1, maximum=ROWS_MAX)
    per_page = _bounded(params.get("per_page"), field="per_page", label="每页条数", default=PER_PAGE, maximum=100)
    if (page - 1) * per_page >= ROWS_MAX:
        raise ValidationFailed(f"只能翻阅前 {ROWS_MAX:,} 条，请用筛选缩小范围", field="page")
    retry = str(params.get("retry") or "").strip()
    if retry not in ("", "0", "1"):
        raise ValidationFailed("“仅看未联系上”只能是 0 或 1", field="retry")
    return CallbackFilters(
        state=state,
        department_id=department_id,
        appeal_kind=kind,
        retry=retry == "1",
        result=result,
        page=page,
        per_page=per_page,
    )


def _bounded(value: Any, *, field: str, label: str, default: int, maximum: int) -> int:
    if value in (None, ""):
        return default
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= maximum:
        raise ValidationFailed(f"{label}必须是 1 到 {maximum} 之间的整数", field=field)
    return int(text)


@dataclass(frozen=True)
class CallbackRow:
    """One line of the 回访 list."""

    task: CallbackTask
    case: Case


@dataclass(frozen=True)
class CallbackList:
    """One page of the 回访 list and how many match (exact up to ROWS_MAX, `capped` beyond)."""

    rows: list[CallbackRow]
    total: int
    capped: bool
    filters: CallbackFilters

    @property
    def pages(self) -> int:
        """Pages to show (at most the first ROWS_MAX rows)."""
        return max(1, -(-self.total // self.filters.per_page))

    @property
    def total_text(self) -> str:
        """ "1,234", or "10,000+" when counting stopped."""
        return f"{self.total:,}+" if self.capped else f"{self.total:,}"


def _where(filters: CallbackFilters, scope: str) -> list[ColumnElement[bool]]:
    t = CallbackTask
    where: list[ColumnElement[bool]] = [t.state == filters.state, *case_ids_within(t.case_id, scope)]
    if filters.department_id is not None:
        where.append(t.department_id == filters.department_id)
    if filters.appeal_kind:
        where.append(t.appeal_kind == filters.appeal_kind)
    if filters.retry:
        where.append(t.attempts > 0)
    if filters.result:
        where.append(t.result == filters.result)
    return where


def page_query(filters: CallbackFilters, *, scope: str = "") -> Select[CallbackTask]:
    """One page of the list: the filters, oldest closing first, then case id (served by the state's indexes)."""
    return (
        select(CallbackTask)
        .where(*_where(filters, scope))
        .order_by(CallbackTask.closed_at, CallbackTask.case_id)
        .offset((filters.page - 1) * filters.per_page)
        .limit(filters.per_page)
    )


def callback_list(session: Session, *, filters: CallbackFilters, scope: str = "") -> CallbackList:
    """The 回访 list of the cases within `scope` (`minyi.workflow.scope`): oldest closing first (then case id),
    paged and counted in SQL (the count stops past ROWS_MAX)."""
    ids = select(CallbackTask.case_id).where(*_where(filters, scope))
    count = session.scalar(select(func.count()).select_from(ids.limit(ROWS_MAX + 1).subquery())) or 0
    page = session.scalars(page_query(filters, scope=scope)).all()
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_([t.case_id for t in page])))}
    rows = [CallbackRow(t, cases[t.case_id]) for t in page]
    return CallbackList(rows, min(count, ROWS_MAX), count > ROWS_MAX, filters)


def callback_task(session: Session, case: Case) -> CallbackTask | None:
    """The case's place on the 回访 list, if it has one."""
    return session.get(CallbackTask, case.id)


def callbacks_of(session: Session, case: Case) -> list[CaseEvent]:
    """The call-backs recorded on a case, oldest first."""
    where = (CaseEvent.case_id == case.id, CaseEvent.kind == "callback")
    return list(session.scalars(select(CaseEvent).where(*where).order_by(CaseEvent.created_at, CaseEvent.id)))
