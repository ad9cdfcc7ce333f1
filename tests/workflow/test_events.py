"""The event log's schema: a payload per kind, the stored JSON form of every release read back, every deadline
change logged."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import travel, utcnow
from minyi.workflow import services as wf
from minyi.workflow import states
from minyi.workflow.events import (
    PAYLOADS,
    ApproveExtensionPayload,
    AssignPayload,
    Change,
    EventKind,
    Payload,
    ReopenPayload,
    ReturnPayload,
    SupportedPayload,
    deadline_after,
    payload_of,
)
from minyi.workflow.models import Case, CaseEvent
from tests import factories as f


def test_every_action_and_kind_has_a_payload() -> None:
    assert set(PAYLOADS) == set(EventKind)
    assert {name for name in states.ACTIONS} <= {kind.value for kind in EventKind}
    assert all(kind == cls.KIND for kind, cls in PAYLOADS.items())


@pytest.mark.parametrize(
    "payload",
    [
        AssignPayload(
            department_id=3,
            department="住建局",
            appeal_kind=Change("inquiry", "complaint"),
            domain=Change(None, "城乡建设"),
            deadline=date(2024, 6, 12),
        ),
        ReturnPayload(
            department_id=3, suggested_department_id=4, suggested_department="交通局", transfer_requested=True
        ),
        SupportedPayload(imported=True, likes=0, dislikes=2),
        ReopenPayload(department_id=3, deadline=date(2024, 7, 1)),
    ],
)
def test_payloads_read_back_what_they_store(payload: Payload) -> None:
    assert payload_of(payload.KIND, payload.to_json()) == payload


def test_the_stored_form_is_the_one_older_releases_wrote_and_read() -> None:
    assert payload_of("a_later_release_kind", {"x": 1}).to_json() == {}  # unknown: read as nothing, never a crash
    # (and reading one first leaves the other kinds' decoding intact)
    old = {
        "department_id": 3,
        "department": "住建局",
        "deadline": "2024-06-12",
        "appeal_kind": {"from": "inquiry", "to": "complaint"},
    }
    payload = payload_of("assign", old)
    assert isinstance(payload, AssignPayload) and payload.deadline == date(2024, 6, 12)
    assert payload.to_json() == old  # nothing renamed, no `"imported": false` added
    assert payload_of("assign", {"deadline": "2024-02-30"}) == AssignPayload()  # unreadable: no deadline
    assert payload_of("reopen", {"department_id": 3}) == ReopenPayload(department_id=3)  # before reopens logged it
    assert payload_of("accept", None).to_json() == {}


def test_deadline_in_force_follows_the_events() -> None:
    day = date(2024, 6, 12)
    assert deadline_after(AssignPayload(deadline=day), None) == day
    assert deadline_after(ApproveExtensionPayload(deadline=day + timedelta(days=3)), day) == day + timedelta(days=3)
    assert deadline_after(ReturnPayload(), day) is None
    assert deadline_after(payload_of("transfer", {"department_id": 4}), day) == day


def _fold(db: Session, case: Case) -> date | None:
    return f.logged_deadline(db, case.id)


def test_every_deadline_change_is_logged_including_the_reopen(db: Session) -> None:
    dept = f.department(db)
    sub, _coordinator, handler = f.case_in_progress(db, dept)
    case, supervisor = sub.case, f.user(db, role="supervisor")
    assert _fold(db, case) == case.deadline is not None
    request = wf.request_extension(db, actor=f.actor(handler), case_id=case.id, days=4, reason="需要现场勘查")
    wf.decide_extension(db, actor=f.actor(supervisor), extension_id=request.id, approve=True)
    assert _fold(db, case) == case.deadline
    wf.reply(db, actor=f.actor(handler), case_id=case.id, body="已安排维修，预计三日内完成。")
    wf.rate(db, case=case, level="unsatisfied", comment="还没修好")
    first = case.deadline
    with travel(utcnow() + timedelta(days=10)):  # a new deadline from the reopen's day
        wf.reopen(db, case=case, reason="路灯仍然不亮")
        assert case.deadline is not None and case.deadline >= first
        assert _fold(db, case) == case.deadline
        reopen = db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "reopen")).one()
        assert reopen.data["deadline"] == case.deadline.isoformat()
        wf.return_case(db, actor=f.actor(handler), case_id=case.id, reason="不属于本部门职责")
        assert _fold(db, case) is case.deadline is None
