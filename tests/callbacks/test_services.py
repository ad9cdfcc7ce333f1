"""记录帮扶 and 回访 through the real services: events, the work list kept with the log, refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from minyi.callbacks import services as callbacks
from minyi.callbacks.models import CallbackTask
from minyi.core.clock import china_today, travel, utcnow
from minyi.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from minyi.stats.facts import facts_of_cases
from minyi.workflow import services as workflow
from minyi.workflow import states
from minyi.workflow.models import CaseEvent
from tests import factories as f


def _closed(db: Session, kind: str = "help", **overrides: object) -> tuple[int, object, object]:
    """A case of `kind` replied and rated by its author (closed); with its coordinator and handler."""
    dept = f.department(db)
    sub, coordinator, handler = f.case_in_progress(db, dept, appeal_kind=kind, **overrides)
    workflow.reply(db, actor=f.actor(handler), case_id=sub.case.id, body="已经上门核实并协调解决，感谢反映。")
    workflow.rate(db, case=f.reload(db, sub.case), level="basically")
    db.flush()
    return sub.case.id, coordinator, handler


def _events(db: Session, case_id: int, kind: str) -> list[CaseEvent]:
    return list(db.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)))


def test_assistance_is_recorded_as_events_by_the_department(db: Session) -> None:
    dept, other = f.department(db), f.department(db, name="市民政局")
    with travel(utcnow() - timedelta(days=3)):
        sub, _coord, handler = f.case_in_progress(db, dept, appeal_kind="help")
    yesterday = china_today() - timedelta(days=1)
    first = callbacks.record_assistance(
        db, actor=f.actor(handler), case_id=sub.case.id, what="送去米面油和过冬棉被", person="李四"
    )
    second = callbacks.record_assistance(
        db,
        actor=f.actor(handler),
        case_id=sub.case.id,
        what="协调民政部门办理临时救助，联系电话13912345678",
        department_id=other.id,
        given_on=yesterday.isoformat(),
    )
    assert [e.id for e in callbacks.assistance_of(db, sub.case)] == [first.id, second.id]
    assert first.payload.department == dept.name and first.payload.person == "李四"
    assert first.payload.given_on == china_today() and first.is_public
    assert second.payload.department_id == other.id and second.payload.given_on == yesterday
    assert f.reload(db, sub.case).status == states.IN_PROGRESS  # no status change


@pytest.mark.parametrize(
    ("what", "given_on", "field"),
    [
        ("", None, "what"),
        ("帮", None, "what"),
        ("送去米面油", "2999-01-01", "given_on"),
        ("送去米面油", "昨天", "given_on"),
    ],
)
def test_bad_assistance_is_refused(db: Session, what: str, given_on: str | None, field: str) -> None:
    sub, _coord, handler = f.case_in_progress(db, f.department(db), appeal_kind="help")
    with pytest.raises(ValidationFailed) as err:
        callbacks.record_assistance(db, actor=f.actor(handler), case_id=sub.case.id, what=what, given_on=given_on)
    assert err.value.field == field
    assert not _events(db, sub.case.id, "assist")


def test_assistance_only_on_help_cases_and_by_their_department(db: Session) -> None:
    dept = f.department(db)
    complaint, coordinator, handler = f.case_in_progress(db, dept)
    with pytest.raises(InvalidTransition):
        callbacks.record_assistance(db, actor=f.actor(handler), case_id=complaint.case.id, what="送去米面油")
    help_case, _c, _h = f.case_in_progress(db, dept, appeal_kind="help")
    stranger = f.user(db, role="handler", dept=f.department(db))
    with pytest.raises(PermissionDenied):
        callbacks.record_assistance(db, actor=f.actor(stranger), case_id=help_case.case.id, what="送去米面油")
    with pytest.raises(PermissionDenied):
        callbacks.record_assistance(db, actor=f.actor(coordinator), case_id=help_case.case.id, what="送去米面油")


def test_closing_a_help_or_complaint_case_puts_it_on_the_callback_list(db: Session) -> None:
    help_id, _c, _h = _closed(db, "help")
    complaint_id, _c2, _h2 = _closed(db, "complaint")
    inquiry_id, _c3, _h3 = _closed(db, "inquiry")
    due = callbacks.callback_list(db, filters=callbacks.parse_callback_filters({}))
    assert [r.case.id for r in due.rows] == [help_id, complaint_id]  # oldest closing first; no inquiry
    assert db.get(CallbackTask, inquiry_id) is None
    only_help = callbacks.callback_list(db, filters=callbacks.parse_callback_filters({"appeal_kind": "help"}))
    assert [r.case.id for r in only_help.rows] == [help_id]


def test_not_reached_stays_due_and_can_be_tried_again(db: Session) -> None:
    case_id, coordinator, _h = _closed(db)
    me = f.actor(coordinator)
    first = callbacks.record_callback(db, actor=me, case_id=case_id, reached=False, note="无人接听")
    assert first.task.state == "due" and first.task.attempts == 1 and not first.event.is_public
    retry = callbacks.callback_list(db, filters=callbacks.parse_callback_filters({"retry": "1"}))
    assert [r.case.id for r in retry.rows] == [case_id]
    done = callbacks.record_callback(
        db, actor=me, case_id=case_id, reached=True, resolved="yes", satisfaction="satisfied", note="群众表示感谢"
    )
    assert done.task.state == "done" and done.task.attempts == 2 and done.task.result == "resolved"
    assert done.event.is_public and done.event.payload.satisfaction_name == "满意"
    assert [e.payload.attempt for e in _events(db, case_id, "callback")] == [1, 2]
    with pytest.raises(InvalidTransition, match="已回访"):
        callbacks.record_callback(db, actor=me, case_id=case_id, reached=True, resolved="yes", satisfaction="satisfied")
    fact = facts_of_cases(db, [case_id])[0]
    assert fact.called_back and fact.callback_reached and fact.callback_resolved == "yes"
    assert fact.callback_satisfaction == "satisfied" and fact.rating == "basically"  # the citizen's own stays apart


def test_reached_needs_the_answers_and_only_coordinators_call_back(db: Session) -> None:
    case_id, coordinator, handler = _closed(db)
    with pytest.raises(ValidationFailed) as err:
        callbacks.record_callback(
            db, actor=f.actor(coordinator), case_id=case_id, reached=True, satisfaction="satisfied"
        )
    assert err.value.field == "resolved"
    with pytest.raises(ValidationFailed) as err:
        callbacks.record_callback(db, actor=f.actor(coordinator), case_id=case_id, reached=True, resolved="yes")
    assert err.value.field == "satisfaction"
    with pytest.raises(PermissionDenied):
        callbacks.record_callback(db, actor=f.actor(handler), case_id=case_id, reached=False)
    assert not _events(db, case_id, "callback")
    assert db.get(CallbackTask, case_id).attempts == 0


def test_unresolved_sends_the_case_back_or_onto_the_supervisors_list(db: Session) -> None:
    reopened_id, coordinator, handler = _closed(db, "complaint")
    me = f.actor(coordinator)
    out = callbacks.record_callback(
        db, actor=me, case_id=reopened_id, reached=True, resolved="no", satisfaction="unsatisfied", reopen=True
    )
    case = _case(db, reopened_id)
    assert out.reopened is not None and case.status == states.IN_PROGRESS and case.reopen_count == 1
    assert case.deadline is not None and f.logged_deadline(db, reopened_id) == case.deadline
    assert db.get(CallbackTask, reopened_id).result == "reopened"
    # replied and closed again: due for a second round
    workflow.reply(db, actor=f.actor(handler), case_id=reopened_id, body="再次上门整改完毕，请您监督。")
    workflow.rate(db, case=f.reload(db, case), level="satisfied")
    db.flush()
    task = db.get(CallbackTask, reopened_id)
    db.refresh(task)
    assert task.state == "due" and task.rounds == 2 and task.attempts == 0
    kept_id, coordinator2, _h = _closed(db, "complaint")
    kept = callbacks.record_callback(
        db, actor=f.actor(coordinator2), case_id=kept_id, reached=True, resolved="no", satisfaction="unsatisfied"
    )
    assert kept.reopened is None and _case(db, kept_id).status == states.CLOSED
    flagged = callbacks.parse_callback_filters({"state": "done", "result": "unresolved"})
    assert [r.case.id for r in callbacks.callback_list(db, filters=flagged).rows] == [kept_id]


def _case(db: Session, case_id: int) -> object:
    return workflow.load_case(db, case_id)


def test_a_citizens_reopen_takes_a_due_case_off_the_list(db: Session) -> None:
    dept = f.department(db)
    sub, _coord, handler = f.case_in_progress(db, dept, appeal_kind="help")
    workflow.reply(db, actor=f.actor(handler), case_id=sub.case.id, body="已经上门核实并协调解决，感谢反映。")
    workflow.rate(db, case=f.reload(db, sub.case), level="unsatisfied")
    db.flush()
    assert db.get(CallbackTask, sub.case.id).state == "due"
    workflow.reopen(db, case=f.reload(db, sub.case), reason="问题没有解决")
    db.flush()
    task = db.get(CallbackTask, sub.case.id)
    db.refresh(task)
    assert task.state == "reopened"
    assert callbacks.callback_list(db, filters=callbacks.parse_callback_filters({})).total == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [({"state": "x"}, "state"), ({"appeal_kind": "inquiry"}, "appeal_kind"), ({"page": "0"}, "page"),
     ({"page": "9999"}, "page"), ({"per_page": "1000"}, "per_page"), ({"department_id": "abc"}, "department_id"),
     ({"result": "maybe"}, "result")],
)  # fmt: skip
def test_bad_list_parameters_are_clear_errors(params: dict, field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        callbacks.parse_callback_filters(params)
    assert err.value.field == field


def test_sqlite_pages_the_callback_list_through_its_indexes(db: Session, connection: Connection) -> None:
    """Every filter of the 回访 list is searched and ordered by an index: no scan of `callback_tasks`, no sort."""
    if connection.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan")
    for params in ({}, {"state": "done"}, {"department_id": "3"}, {"appeal_kind": "help"},
                   {"state": "done", "result": "unresolved"}, {"retry": "1"}):  # fmt: skip
        query = callbacks.page_query(callbacks.parse_callback_filters(params))
        compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
        args = tuple(compiled.params[key] for key in compiled.positiontup or ())
        plan = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", args)]
        assert any(step.startswith("SEARCH callback_tasks USING INDEX") for step in plan), (params, plan)
        assert not any("TEMP B-TREE" in step for step in plan), (params, plan)
