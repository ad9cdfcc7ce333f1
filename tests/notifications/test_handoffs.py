"""Hand-offs told: each one reaches exactly the people with new work, once, in the change's own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from minyi.accounts.models import Role, User
from minyi.core.clock import CHINA_TZ, travel
from minyi.core.db import transaction
from minyi.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from minyi.departments.models import Department
from minyi.notifications import handoffs
from minyi.notifications import services as notes
from minyi.notifications.models import Delivery, Notice, Notification
from minyi.workflow import services as workflow
from minyi.workflow.actors import Actor
from minyi.workflow.models import Case, CaseEvent
from tests import factories as f

START = datetime(2024, 3, 4, 10, 0, tzinfo=CHINA_TZ)  # a Monday
OUT = notes.Outbound()
PHONE_IN_TITLE = "13912345678"


@dataclass
class World:
    """Two departments and everyone who could be told, and a new case whose title holds a phone number."""

    city: Department
    water: Department
    users: dict[str, User]
    case: Case

    def __getattr__(self, name: str) -> User:
        return self.users[name]


@pytest.fixture
def world(db: Session) -> World:
    city, water = f.department(db, name="市城管局"), f.department(db, name="市水务局")
    users = {
        "coordinator": f.user(db, role="coordinator"),
        "coordinator2": f.user(db, role="coordinator"),
        "supervisor": f.user(db, role="supervisor"),
        "handler": f.user(db, role="handler", dept=city),
        "handler2": f.user(db, role="handler", dept=city),
        "gone": f.user(db, role="handler", dept=city),
        "water_handler": f.user(db, role="handler", dept=water),
    }
    users["gone"].is_active = False
    with travel(START):
        sub = f.message(db, title=f"幸福路路灯不亮，有事打{PHONE_IN_TITLE}")
    db.flush()
    return World(city, water, users, sub.case)


def _act(db: Session, who: User, action: str, case: Case, outbound: notes.Outbound = OUT, **fields: Any) -> Any:
    with travel(START):
        return handoffs.perform(
            db, actor=f.actor(who), case_id=case.id, action=action, fields=fields, outbound=outbound
        )


def _assigned(db: Session, w: World, dept: Department | None = None) -> None:
    _act(db, w.coordinator, "assign", w.case, department_id=str((dept or w.city).id))


def _kinds(db: Session, w: World) -> dict[str, list[str]]:
    """Each user's notice kinds, newest first; only the users who have any."""
    found = {name: [n.notice.kind for n in notes.list_notifications(db, user_id=u.id)] for name, u in w.users.items()}
    return {name: kinds for name, kinds in found.items() if kinds}


def _notice(db: Session, kind: str) -> Notice:
    [notice] = db.scalars(select(Notice).where(Notice.kind == kind)).all()
    return notice


def _count(db: Session, model: type[Any]) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_assign_tells_the_departments_active_handlers_once_and_nothing_private(db: Session, world: World) -> None:
    _assigned(db, world)
    both = [notes.ASSIGNED]
    assert _kinds(db, world) == {"handler": both, "handler2": both}  # not the inactive one, nor anyone else
    notice = _notice(db, notes.ASSIGNED)
    case = f.reload(db, world.case)
    assert notice.title == f"【转办】办件 {case.id} 已转办到市城管局"
    assert notice.link == f"/staff/cases/{case.id}" and notice.case_id == case.id
    assert notice.dedup_key.startswith(f"assign:{case.id}:event:")
    assert f"办件 {case.id}「幸福路路灯不亮" in notice.body and case.deadline.isoformat() in notice.body
    assert "（操作人：受理员 " in notice.body
    assert "139****5678" in notice.body  # the title as the public sees it
    for private in (PHONE_IN_TITLE, "13800138000", "张三"):  # the title's number, the contact data
        assert private not in notice.title + notice.body


def test_transfer_tells_the_new_department_only(db: Session, world: World) -> None:
    _assigned(db, world)
    _act(db, world.handler, "accept", world.case)
    _act(db, world.coordinator, "transfer", world.case, department_id=str(world.water.id), reason="职责调整")
    assert _kinds(db, world) == {
        "handler": [notes.ASSIGNED],
        "handler2": [notes.ASSIGNED],
        "water_handler": [notes.TRANSFERRED],
    }
    notice = _notice(db, notes.TRANSFERRED)
    assert notice.title == f"【改派】办件 {world.case.id} 已改派到市水务局"
    assert "已从市城管局改派到市水务局" in notice.body and "职责调整" not in notice.body  # reasons stay internal


def test_return_tells_the_coordinators_and_the_next_assign_tells_again(db: Session, world: World) -> None:
    _assigned(db, world)
    _act(
        db,
        world.handler,
        "return",
        world.case,
        reason="不属于本部门职责",
        suggested_department_id=str(world.water.id),
    )
    returned = [notes.RETURNED]
    assert _kinds(db, world) == {
        "coordinator": returned,
        "coordinator2": returned,
        "handler": [notes.ASSIGNED],  # the actor is not told of the return
        "handler2": [notes.ASSIGNED],
    }
    notice = _notice(db, notes.RETURNED)
    assert notice.title == f"【退回】办件 {world.case.id} 被市城管局退回"
    assert "建议改派到市水务局" in notice.body and "不属于本部门职责" not in notice.body
    _assigned(db, world, world.water)  # a second, genuine hand-off of the same case
    now = _kinds(db, world)
    assert now["water_handler"] == [notes.ASSIGNED] and now["handler"] == [notes.ASSIGNED]
    assert _count(db, Notice) == 3


def test_reopen_tells_the_departments_handlers(db: Session, world: World) -> None:
    _assigned(db, world)
    _act(db, world.handler, "accept", world.case)
    _act(db, world.handler, "reply", world.case, body="经核实，路灯已于今日修复，感谢您的反映。")
    with travel(START):
        workflow.rate(db, case=f.reload(db, world.case), level="unsatisfied", comment="没修好")
        handoffs.reopen(db, case=f.reload(db, world.case), reason="还是不亮，打13800138000", outbound=OUT)
    again = [notes.REOPENED, notes.ASSIGNED]
    assert _kinds(db, world) == {"handler": again, "handler2": again}
    notice = _notice(db, notes.REOPENED)
    case = f.reload(db, world.case)
    assert notice.title == f"【重办】办件 {case.id} 群众申请重办"
    assert f"新的办理时限为 {case.deadline.isoformat()}" in notice.body
    assert "13800138000" not in notice.body and "还是不亮" not in notice.body and "操作人" not in notice.body


def test_manual_escalation_tells_the_handlers_each_time(db: Session, world: World) -> None:
    _assigned(db, world)
    _act(db, world.supervisor, "escalate", world.case, reason="群众反映强烈，请加快办理")
    urged = [notes.ESCALATION, notes.ASSIGNED]
    assert _kinds(db, world) == {"handler": urged, "handler2": urged}  # not the supervisor who pressed
    notice = _notice(db, notes.ESCALATION)
    assert notice.title == f"【督办】办件 {world.case.id} 被督办" and "群众反映强烈" not in notice.body
    _act(db, world.supervisor, "escalate", world.case, reason="仍未答复，再次督办")  # a second 督办: a new event
    assert _kinds(db, world)["handler"] == [notes.ESCALATION, notes.ESCALATION, notes.ASSIGNED]


def test_extension_requests_go_to_the_supervisors_and_decisions_to_the_handlers(db: Session, world: World) -> None:
    _assigned(db, world)
    _act(db, world.handler, "accept", world.case)
    request = _act(db, world.handler, "request_extension", world.case, days="5", reason="需要现场勘查")
    assert _kinds(db, world) == {
        "supervisor": [notes.EXTENSION_REQUESTED],
        "handler": [notes.ASSIGNED],  # the requester is not told of their own request
        "handler2": [notes.ASSIGNED],
    }
    assert _notice(db, notes.EXTENSION_REQUESTED).title == f"【延期申请】办件 {world.case.id} 申请延期 5 个工作日"
    _act(db, world.supervisor, "decide_extension", world.case, extension_id=str(request.id), approve="1")
    deadline = f.reload(db, world.case).deadline
    assert f"新的办理时限为 {deadline.isoformat()}" in _notice(db, notes.EXTENSION_APPROVED).body
    request = _act(db, world.handler2, "request_extension", world.case, days="3", reason="还需协调")
    _act(db, world.supervisor, "decide_extension", world.case, extension_id=str(request.id), approve="0", note="不行")
    decided = [notes.EXTENSION_REFUSED, notes.EXTENSION_APPROVED, notes.ASSIGNED]
    assert _kinds(db, world) == {
        "supervisor": [notes.EXTENSION_REQUESTED, notes.EXTENSION_REQUESTED],
        "handler": decided,
        "handler2": decided,
    }
    refused = _notice(db, notes.EXTENSION_REFUSED)
    assert f"办理时限仍为 {deadline.isoformat()}" in refused.body and "不行" not in refused.body


def test_without_supervisors_or_coordinators_the_admins_are_told(db: Session, world: World) -> None:
    world.users["admin"] = f.user(db, role="admin")
    _assigned(db, world)
    _act(db, world.handler, "accept", world.case)
    for name in ("supervisor", "coordinator", "coordinator2"):
        world.users[name].is_active = False
    db.flush()
    _act(db, world.handler, "request_extension", world.case, days="2", reason="需要现场勘查")
    _act(db, world.handler, "return", world.case, reason="不属于本部门职责")
    assert _kinds(db, world) == {
        "admin": [notes.RETURNED, notes.EXTENSION_REQUESTED],
        "handler": [notes.ASSIGNED],
        "handler2": [notes.ASSIGNED],
    }


def test_actions_that_hand_nothing_over_tell_nobody(db: Session, world: World) -> None:
    _assigned(db, world)
    _act(db, world.handler, "accept", world.case)
    _act(db, world.handler, "reply", world.case, body="经核实，路灯已于今日修复，感谢您的反映。")
    duplicate, spam = f.message(db).case, f.message(db).case
    _act(db, world.coordinator, "merge", duplicate, into_case_id=str(world.case.id))
    _act(db, world.coordinator, "reject", spam, reason="与政务无关的广告内容")
    assert [n.kind for n in db.scalars(select(Notice))] == [notes.ASSIGNED]


def test_an_outbound_copy_is_queued_for_configured_channels_and_willing_recipients(db: Session, world: World) -> None:
    notes.update_preferences(db, user_id=world.handler.id, email="handler@example.org", email_enabled="1")
    notes.update_preferences(db, user_id=world.handler2.id, email="handler2@example.org", email_enabled="")
    notes.update_preferences(db, user_id=world.water_handler.id, email="water@example.org", email_enabled="1")
    outbound = notes.Outbound(email=True, webhook_url="http://127.0.0.1:9/hook")
    _act(db, world.coordinator, "assign", world.case, outbound=outbound, department_id=str(world.city.id))
    rows = {(d.channel, d.recipient, d.status, d.notice.kind) for d in db.scalars(select(Delivery))}
    assert rows == {
        ("email", "handler@example.org", "pending", notes.ASSIGNED),
        ("webhook", "http://127.0.0.1:9/hook", "pending", notes.ASSIGNED),
    }
    _act(db, world.handler, "accept", world.case)
    _act(db, world.supervisor, "escalate", world.case, reason="请加快")  # no channel configured: inbox only
    assert _count(db, Delivery) == 2 and _count(db, Notice) == 2


def test_a_failed_action_tells_nobody(db: Session, world: World) -> None:
    with pytest.raises(ValidationFailed):
        _act(db, world.coordinator, "assign", world.case, department_id="999999")
    with pytest.raises(InvalidTransition):  # not closed, never rated
        handoffs.reopen(db, case=world.case, reason="还是不亮", outbound=OUT)
    _assigned(db, world)
    with pytest.raises(PermissionDenied):  # another department's handler
        _act(db, world.water_handler, "return", world.case, reason="不属于本部门职责")
    with pytest.raises(NotFound):
        _act(db, world.supervisor, "decide_extension", world.case, extension_id="999999", approve="1")
    with pytest.raises(InvalidTransition):  # the same assign again: the case is assigned already
        _assigned(db, world)
    assert [n.kind for n in db.scalars(select(Notice))] == [notes.ASSIGNED]


def test_a_rolled_back_change_leaves_no_notice_and_no_delivery(
    session_factory: sessionmaker[Session], db: Session, world: World
) -> None:
    notes.update_preferences(db, user_id=world.handler.id, email="handler@example.org", email_enabled="1")
    db.commit()
    outbound = notes.Outbound(email=True, webhook_url="http://127.0.0.1:9/hook")
    with pytest.raises(RuntimeError, match="after the notice"), transaction(session_factory) as session:
        coordinator = session.get(User, world.coordinator.id)
        assert coordinator is not None
        fields = {"department_id": str(world.city.id)}
        handoffs.perform(
            session,
            actor=f.actor(coordinator),
            case_id=world.case.id,
            action="assign",
            fields=fields,
            outbound=outbound,
        )
        assert session.scalar(select(func.count(Delivery.id))) == 2  # told, inside the transaction
        msg = "a failure after the notice"
        raise RuntimeError(msg)
    db.expire_all()
    assert (_count(db, Notice), _count(db, Notification), _count(db, Delivery)) == (0, 0, 0)
    assert db.get(Case, world.case.id).status == "submitted"


def test_telling_the_same_event_again_sends_nothing(db: Session, world: World) -> None:
    _assigned(db, world)
    event = db.scalars(select(CaseEvent).where(CaseEvent.case_id == world.case.id, CaseEvent.kind == "assign")).one()
    assert handoffs.notify_handoff(db, event=event, outbound=OUT) is None
    assert (_count(db, Notice), _count(db, Notification)) == (1, 2)


def test_events_that_are_no_hand_off_are_not_told(db: Session, world: World) -> None:
    _assigned(db, world)
    _act(db, world.handler, "accept", world.case)
    with travel(START):  # the scheduler's 督办 is told by services.escalate_planned, not as a hand-off
        workflow.escalate(db, actor=Actor.system(), case_id=world.case.id, reason="超过办理时限，系统自动督办")
    for kind in ("accept", "escalate", "submit"):
        event = db.scalars(select(CaseEvent).where(CaseEvent.case_id == world.case.id, CaseEvent.kind == kind)).one()
        assert handoffs.notify_handoff(db, event=event, outbound=OUT) is None
    assert _count(db, Notice) == 1


def test_the_actor_is_never_told_of_their_own_action(db: Session, world: World) -> None:
    # The roles keep actors out of their own recipients today (a handler never assigns, a supervisor is no
    # handler); the rule holds whatever the roles: here a handler of the department acts as a supervisor.
    _assigned(db, world)
    acting = Actor(role=Role.SUPERVISOR, user_id=world.handler.id, department_id=world.city.id, label="督办员 兼任")
    with travel(START):
        handoffs.perform(
            db, actor=acting, case_id=world.case.id, action="escalate", fields={"reason": "请加快"}, outbound=OUT
        )
    assert _kinds(db, world) == {"handler": [notes.ASSIGNED], "handler2": [notes.ESCALATION, notes.ASSIGNED]}
