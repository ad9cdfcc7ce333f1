"""Case use cases on a real database: the lifecycle, side paths, illegal moves and the event log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import china_today, utcnow
from minyi.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from minyi.core.workdays import add_workdays
from minyi.workflow import services as wf
from minyi.workflow.actors import Actor
from minyi.workflow.config import update_settings
from minyi.workflow.models import CaseEvent, ExtensionRequest
from tests import factories as f


def _events(db: Session, case_id: int) -> list[CaseEvent]:
    return list(db.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


def test_full_loop_with_reopen_records_every_step(db: Session) -> None:
    dept = f.department(db)
    sub, _coordinator, handler = f.case_in_progress(db, dept)
    case = sub.case
    assert case.status == "in_progress"
    assert case.deadline == add_workdays(china_today(), 13)
    wf.reply(db, actor=f.actor(handler), case_id=case.id, body="已安排维修，预计三日内完成。")
    wf.rate(db, case=case, level="unsatisfied", comment="三天过去了还没修")
    assert case.status == "closed"
    wf.reopen(db, case=case, reason="路灯仍然不亮")
    assert (case.status, case.reopen_count) == ("in_progress", 1)
    wf.reply(db, actor=f.actor(handler), case_id=case.id, body="已更换灯具并复查，路灯恢复正常。")
    wf.rate(db, case=case, level="satisfied")
    kinds = [(e.kind, e.from_status, e.to_status) for e in _events(db, case.id)]
    assert kinds == [
        ("submit", None, "submitted"),
        ("assign", "submitted", "assigned"),
        ("accept", "assigned", "in_progress"),
        ("reply", "in_progress", "replied"),
        ("rate", "replied", "closed"),
        ("reopen", "closed", "in_progress"),
        ("reply", "in_progress", "replied"),
        ("rate", "replied", "closed"),
    ]
    assert _events(db, case.id)[5].reason == "路灯仍然不亮"
    assert all(e.actor_label for e in _events(db, case.id))


def test_reopen_only_once_and_only_after_unsatisfied(db: Session) -> None:
    dept = f.department(db)
    sub, _handler = f.replied_case(db, dept)
    wf.rate(db, case=sub.case, level="satisfied")
    with pytest.raises(InvalidTransition, match="不满意"):
        wf.reopen(db, case=sub.case, reason="再看看")
    sub2, handler2 = f.replied_case(db, dept)
    wf.rate(db, case=sub2.case, level="unsatisfied")
    wf.reopen(db, case=sub2.case, reason="没有解决")
    wf.reply(db, actor=f.actor(handler2), case_id=sub2.case.id, body="再次核实后已经彻底解决问题。")
    wf.rate(db, case=sub2.case, level="unsatisfied")
    with pytest.raises(InvalidTransition, match="只能申请重办一次"):
        wf.reopen(db, case=sub2.case, reason="还是没有解决")


def test_reopen_window_closes(db: Session) -> None:
    sub, _ = f.replied_case(db, f.department(db))
    wf.rate(db, case=sub.case, level="unsatisfied")
    sub.case.closed_at = utcnow() - timedelta(days=16)
    with pytest.raises(InvalidTransition, match="15 天"):
        wf.reopen(db, case=sub.case, reason="太晚了")


def test_illegal_transition_changes_nothing(db: Session) -> None:
    dept = f.department(db)
    sub = f.message(db)
    handler = f.user(db, role="handler", dept=dept)
    before = len(_events(db, sub.case.id))
    with pytest.raises(PermissionDenied, match="不属于您的部门"):  # not yet the department's: 403 before any 409
        wf.reply(db, actor=f.actor(handler), case_id=sub.case.id, body="还没受理就答复，这是不允许的。")
    with pytest.raises(PermissionDenied):
        wf.assign(db, actor=f.actor(handler), case_id=sub.case.id, department_id=dept.id)
    assert sub.case.status == "submitted"
    assert len(_events(db, sub.case.id)) == before


def test_handler_of_another_department_cannot_act(db: Session) -> None:
    mine, other = f.department(db), f.department(db)
    sub, _coord, _handler = f.case_in_progress(db, mine)
    outsider = f.user(db, role="handler", dept=other)
    with pytest.raises(PermissionDenied, match="不属于您的部门"):
        wf.reply(db, actor=f.actor(outsider), case_id=sub.case.id, body="我是别的部门的，不应该能答复。")
    with pytest.raises(PermissionDenied):
        wf.return_case(db, actor=f.actor(outsider), case_id=sub.case.id, reason="不归我们管")


def test_reject_needs_a_public_reason(db: Session) -> None:
    sub = f.message(db)
    coordinator = f.user(db, role="coordinator")
    with pytest.raises(ValidationFailed, match="理由"):
        wf.reject(db, actor=f.actor(coordinator), case_id=sub.case.id, reason="  ")
    wf.reject(db, actor=f.actor(coordinator), case_id=sub.case.id, reason="该事项属于司法程序，请通过诉讼途径解决。")
    assert sub.case.status == "rejected"
    assert sub.case.public_reason.startswith("该事项属于司法程序")


def test_return_with_transfer_request_then_reassign(db: Session) -> None:
    mine, other = f.department(db), f.department(db)
    sub, coordinator, handler = f.case_in_progress(db, mine)
    wf.return_case(
        db, actor=f.actor(handler), case_id=sub.case.id, reason="此事归其他部门管理", suggested_department_id=other.id
    )
    assert (sub.case.status, sub.case.department_id) == ("returned", None)
    last = _events(db, sub.case.id)[-1]
    assert (last.kind, last.is_public, last.data["suggested_department_id"]) == ("return", False, other.id)
    wf.assign(db, actor=f.actor(coordinator), case_id=sub.case.id, department_id=other.id)
    assert (sub.case.status, sub.case.department_id) == ("assigned", other.id)


def test_transfer_keeps_the_deadline(db: Session) -> None:
    mine, other = f.department(db), f.department(db)
    sub, coordinator, _handler = f.case_in_progress(db, mine)
    deadline = sub.case.deadline
    with pytest.raises(ValidationFailed, match="相同"):
        wf.transfer(db, actor=f.actor(coordinator), case_id=sub.case.id, department_id=mine.id, reason="同部门")
    wf.transfer(db, actor=f.actor(coordinator), case_id=sub.case.id, department_id=other.id, reason="职责调整")
    assert (sub.case.status, sub.case.department_id, sub.case.deadline) == ("assigned", other.id, deadline)


def test_merge_points_the_duplicate_at_its_target(db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    first, second = f.message(db), f.message(db)
    wf.merge(db, actor=f.actor(coordinator), case_id=second.case.id, into_case_id=first.case.id)
    assert (second.case.status, second.case.merged_into_id) == ("merged", first.case.id)
    assert str(first.case.id) in second.case.public_reason
    assert first.case.supports == 1
    with pytest.raises(ValidationFailed, match="自身"):
        wf.merge(db, actor=f.actor(coordinator), case_id=first.case.id, into_case_id=first.case.id)
    with pytest.raises(ValidationFailed, match="合并目标"):
        wf.merge(db, actor=f.actor(coordinator), case_id=first.case.id, into_case_id=second.case.id)


def test_extension_approved_moves_the_deadline_refused_keeps_it(db: Session) -> None:
    dept = f.department(db)
    sub, _coord, handler = f.case_in_progress(db, dept)
    supervisor = f.user(db, role="supervisor")
    deadline = sub.case.deadline
    req = wf.request_extension(db, actor=f.actor(handler), case_id=sub.case.id, days=5, reason="需要现场勘查")
    with pytest.raises(InvalidTransition, match="待审批"):
        wf.request_extension(db, actor=f.actor(handler), case_id=sub.case.id, days=2, reason="再延")
    with pytest.raises(PermissionDenied):
        wf.decide_extension(db, actor=f.actor(handler), extension_id=req.id, approve=True)
    wf.decide_extension(db, actor=f.actor(supervisor), extension_id=req.id, approve=True)
    assert sub.case.deadline == add_workdays(deadline, 5)
    with pytest.raises(InvalidTransition, match="已处理"):
        wf.decide_extension(db, actor=f.actor(supervisor), extension_id=req.id, approve=True)
    req2 = wf.request_extension(db, actor=f.actor(handler), case_id=sub.case.id, days=3, reason="还需要时间")
    with pytest.raises(ValidationFailed, match="理由"):
        wf.decide_extension(db, actor=f.actor(supervisor), extension_id=req2.id, approve=False, note="")
    wf.decide_extension(db, actor=f.actor(supervisor), extension_id=req2.id, approve=False, note="理由不充分")
    assert sub.case.deadline == add_workdays(deadline, 5)
    assert db.get(ExtensionRequest, req2.id).status == "refused"


def test_deadline_depends_on_appeal_kind_and_settings(db: Session) -> None:
    dept = f.department(db)
    sub, _c, _h = f.case_in_progress(db, dept, appeal_kind="inquiry")
    assert sub.case.deadline == add_workdays(china_today(), 3)
    update_settings(db, deadline_days={"inquiry": 5}, auto_close_days=7, reopen_window_days=15)
    sub2, _c, _h = f.case_in_progress(db, dept, appeal_kind="inquiry")
    assert sub2.case.deadline == add_workdays(china_today(), 5)
    with pytest.raises(ValidationFailed):
        update_settings(db, deadline_days={"inquiry": 0}, auto_close_days=7, reopen_window_days=15)
    with pytest.raises(ValidationFailed, match="未知"):
        update_settings(db, deadline_days={"nonsense": 3}, auto_close_days=7, reopen_window_days=15)


def test_auto_close_after_the_configured_days(db: Session) -> None:
    sub, _ = f.replied_case(db, f.department(db))
    assert wf.auto_close_due(db) == 0
    sub.case.replied_at = utcnow() - timedelta(days=8)
    db.flush()
    assert wf.auto_close_due(db) == 1
    assert sub.case.status == "closed"
    last = _events(db, sub.case.id)[-1]
    assert (last.kind, last.actor_label) == ("auto_close", "系统")


def test_escalate_by_supervisor_only(db: Session) -> None:
    sub, coordinator, _h = f.case_in_progress(db, f.department(db))
    with pytest.raises(PermissionDenied):
        wf.escalate(db, actor=f.actor(coordinator), case_id=sub.case.id, reason="快点")
    wf.escalate(db, actor=f.actor(f.user(db, role="supervisor")), case_id=sub.case.id, reason="请加快办理")
    assert sub.case.escalated


def test_event_log_is_append_only(db: Session) -> None:
    sub = f.message(db)
    entry = _events(db, sub.case.id)[0]
    entry.reason = "tampered"
    with pytest.raises(RuntimeError, match="append-only"):
        db.flush()
    db.rollback()


def test_unknown_case_and_bad_ids(db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    for bad in (999999, "abc", None):
        with pytest.raises(Exception, match="不存在"):
            wf.accept(db, actor=Actor.from_user(coordinator), case_id=bad)


def test_deadline_label_only_for_running_deadlines(db: Session) -> None:
    from minyi.workflow.deadlines import deadline_info

    sub, _handler = f.replied_case(db, f.department(db))
    info = deadline_info(sub.case)
    assert info.deadline is not None and info.label == "" and not info.overdue
    open_sub, _c, _h = f.case_in_progress(db, f.department(db))
    assert deadline_info(open_sub.case).label.startswith("剩 ")


def test_a_reopen_checks_the_case_as_committed_not_as_first_read(db: Session, session_factory) -> None:  # type: ignore[no-untyped-def]
    """Two tracking pages open, both ask for 重办: the second request, holding the case as it read it before the
    first committed, is refused (the case is locked and read again before the check)."""
    sub, _handler = f.replied_case(db, f.department(db))
    wf.rate(db, case=sub.case, level="unsatisfied")
    db.commit()
    stale = sub.case  # what the second page read
    other = session_factory()
    wf.reopen(other, case=other.get(type(stale), stale.id), reason="第一次申请重办")
    other.commit()
    with pytest.raises(InvalidTransition):
        wf.reopen(db, case=stale, reason="同时点了第二次")
    assert stale.reopen_count == 1
