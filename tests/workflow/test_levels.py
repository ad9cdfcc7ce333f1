"""Routing by place and level: where a new case goes and why, 下派 / 上报 with their events, departments and
deadlines of the case's level, department suggestions of its level only."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import china_today
from minyi.core.errors import FieldErrors, PermissionDenied, ValidationFailed
from minyi.core.workdays import add_workdays
from minyi.departments.models import Department
from minyi.jurisdictions import services as j
from minyi.jurisdictions.models import Jurisdiction
from minyi.messages.models import MessageAnalysis
from minyi.workflow import levels, moves
from minyi.workflow import services as wf
from minyi.workflow.events import SendDownPayload, SendUpPayload, payload_of
from minyi.workflow.models import Case, CaseEvent
from tests import factories as f


def _tree(db: Session) -> dict[str, Jurisdiction]:
    city = f.jurisdiction(db, name="A市", level="city", areas="A市", leaders="书记、市长", slug="a-city")
    east = f.jurisdiction(db, name="A2区", parent=city, areas="雨花区、雨花", leaders="区长", slug="a2")
    west = f.jurisdiction(db, name="A5区", parent=city, areas=["岳麓区"], slug="a5")
    street = f.jurisdiction(db, name="桂花坪街道", parent=east, level="street", areas="桂花坪 幸福里社区", slug="gh")
    return {"city": city, "east": east, "west": west, "street": street}


def _dept(db: Session, name: str, where: Jurisdiction | None) -> Department:
    dept = f.department(db, name=name)
    dept.jurisdiction_id = where.id if where is not None else None
    db.flush()
    return dept


def _events(db: Session, case: Case, kind: str) -> list[CaseEvent]:
    return list(db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)))


# -- at submission ----------------------------------------------------------------------------------------------


def test_a_message_goes_where_its_places_say_with_the_reason(db: Session) -> None:
    t = _tree(db)
    sub = f.message(db, place_text="桂花坪", body="幸福里社区门口的路灯已经坏了两周，请尽快维修。")
    assert sub.case.jurisdiction_id == t["street"].id
    assert sub.case.jurisdiction_reason == "留言提到“桂花坪、幸福里社区”，属于A市A2区桂花坪街道"
    both = f.message(
        db, place_text="", title="雨花区和岳麓区之间的公交线路", body="两区之间没有直达公交，出行很不方便。"
    )
    assert both.case.jurisdiction_id == t["city"].id and "由A市统筹" in both.case.jurisdiction_reason
    nowhere = f.message(db, place_text="", title="希望增加公共自行车", body="希望在更多地方增设公共自行车租赁点。")
    assert nowhere.case.jurisdiction_id is None and nowhere.case.jurisdiction_reason == "未识别地点，由本级受理"
    assert nowhere.message.addressed_jurisdiction_id is None and nowhere.message.addressed_leader == ""


def test_an_address_wins_over_the_places_and_is_kept_on_the_message(db: Session) -> None:
    t = _tree(db)
    sub = f.message(db, place_text="桂花坪", jurisdiction="a-city", leader="市长")
    assert sub.case.jurisdiction_id == t["city"].id
    assert sub.case.jurisdiction_reason == "留言人选择：A市 市长信箱"
    assert (sub.message.addressed_jurisdiction_id, sub.message.addressed_leader) == (t["city"].id, "市长")
    plain = f.message(db, jurisdiction="A2", leader="")  # the slug is read in lower case
    assert plain.case.jurisdiction_id == t["east"].id and plain.case.jurisdiction_reason == "留言人选择：A2区"
    top = f.message(db, jurisdiction=j.root(db).slug)
    assert top.case.jurisdiction_id is None and top.case.jurisdiction_reason == "留言人选择：本级"


@pytest.mark.parametrize(
    ("address", "field", "words"),
    [
        ({"jurisdiction": "nowhere"}, "jurisdiction", "不存在"),
        ({"jurisdiction": 7}, "jurisdiction", "不存在"),
        ({"jurisdiction": "a2", "leader": "市长"}, "leader", "没有“市长信箱”"),
        ({"leader": "市长"}, "leader", "请先选择"),
        ({"jurisdiction": "a5", "leader": "x" * 40}, "leader", "不存在"),
    ],
)
def test_a_bad_address_is_refused_and_nothing_is_stored(
    db: Session, address: dict[str, Any], field: str, words: str
) -> None:
    _tree(db)
    before = db.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
    with pytest.raises(ValidationFailed, match=words) as raised:
        f.message(db, **address)
    assert raised.value.field == field
    assert db.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)) == before


def test_an_inactive_jurisdiction_cannot_be_addressed_and_errors_come_together(db: Session) -> None:
    t = _tree(db)
    t["west"].is_active = False
    db.flush()
    with pytest.raises(ValidationFailed, match="已停用"):
        f.message(db, jurisdiction="a5")
    with pytest.raises(FieldErrors) as raised:
        f.message(db, jurisdiction="nowhere", title="")
    assert {field for field, _ in raised.value.errors} == {"title", "jurisdiction"}


def test_a_staff_entry_is_placed_the_same_way(db: Session) -> None:
    t = _tree(db)
    coordinator = f.user(db, role="coordinator")
    entered = f.entered(db, coordinator, place_text="岳麓区")
    assert entered.submission.case.jurisdiction_id == t["west"].id


def test_the_area_index_is_built_again_only_when_the_tree_changes(db: Session) -> None:
    from minyi.jurisdictions.routing import cached_area_index, index_builds

    t = _tree(db)
    cached_area_index(db)
    built = index_builds()
    cached_area_index(db)
    assert index_builds() == built  # nothing changed: the same index
    revision = t["west"].revision
    j.update_jurisdiction(
        db, jurisdiction_id=t["west"].id, name="A5区", level="district", slug="a5", areas="岳麓区、麓山", leaders=""
    )
    assert t["west"].revision == revision + 1  # every update counts, so that other processes see it
    sub = f.message(db, place_text="麓山", title="麓山南路夜间施工扰民", body="每天夜里施工到凌晨，严重影响休息。")
    assert index_builds() == built + 1 and sub.case.jurisdiction_id == t["west"].id


# -- 下派 and 上报 ------------------------------------------------------------------------------------------------


def test_send_down_to_a_child_with_its_event_and_reason(db: Session) -> None:
    t = _tree(db)
    city_coordinator = f.user(db, role="coordinator", jurisdiction=t["city"])
    sub = f.message(db, jurisdiction="a-city", leader="市长")
    moves.send_down(
        db, actor=f.actor(city_coordinator), case_id=sub.case.id, jurisdiction_id=t["east"].id, note="属地办理"
    )
    case = f.reload(db, sub.case)
    assert case.status == "submitted" and case.jurisdiction_id == t["east"].id
    assert case.jurisdiction_reason == "A市下派至A2区：属地办理"
    [event] = _events(db, case, "send_down")
    assert event.data == {
        "from_jurisdiction_id": t["city"].id,
        "to_jurisdiction_id": t["east"].id,
        "from": "A市",
        "to": "A2区",
    }
    assert payload_of("send_down", event.data) == SendDownPayload(t["city"].id, t["east"].id, "A市", "A2区")
    assert event.reason == "属地办理" and event.is_public and event.actor_id == city_coordinator.id


def test_send_down_only_to_a_child_of_the_current_jurisdiction(db: Session) -> None:
    t = _tree(db)
    coordinator = f.actor(f.user(db, role="coordinator"))
    sub = f.message(db, jurisdiction="a-city")
    for target in (t["street"].id, t["city"].id, j.root(db).id, 99999, "x"):  # a grandchild, itself, above, none
        with pytest.raises(ValidationFailed, match="下级辖区"):
            moves.send_down(db, actor=coordinator, case_id=sub.case.id, jurisdiction_id=target)
    t["west"].is_active = False
    db.flush()
    with pytest.raises(ValidationFailed, match="已停用"):
        moves.send_down(db, actor=coordinator, case_id=sub.case.id, jurisdiction_id=t["west"].id)
    assert f.reload(db, sub.case).jurisdiction_id == t["city"].id and not _events(db, sub.case, "send_down")


def test_send_up_needs_a_reason_and_the_lower_level_loses_sight(db: Session) -> None:
    t = _tree(db)
    district = f.user(db, role="coordinator", jurisdiction=t["east"])
    sub = f.message(db, jurisdiction="a2")
    actor = f.actor(district)
    with pytest.raises(ValidationFailed, match="理由"):
        moves.send_up(db, actor=actor, case_id=sub.case.id, reason=" ")
    moves.send_up(db, actor=actor, case_id=sub.case.id, reason="涉及两区交界，本区无法协调")
    case = f.reload(db, sub.case)
    assert case.jurisdiction_id == t["city"].id and case.status == "submitted"
    assert case.jurisdiction_reason == "A2区上报至A市：涉及两区交界，本区无法协调"
    [event] = _events(db, case, "send_up")
    assert payload_of("send_up", event.data) == SendUpPayload(t["east"].id, t["city"].id, "A2区", "A市")
    assert not wf.can_see(case, actor)
    with pytest.raises(PermissionDenied, match="辖区"):  # and it cannot act on it any more
        moves.send_up(db, actor=actor, case_id=case.id, reason="再次上报")


def test_send_up_from_a_child_of_the_root_stores_the_root_as_null_and_the_root_cannot(db: Session) -> None:
    t = _tree(db)
    admin = f.actor(f.user(db, role="admin"))
    sub = f.message(db, jurisdiction="a-city")
    moves.send_up(db, actor=admin, case_id=sub.case.id, reason="全市范围以外，由本级统筹")
    assert f.reload(db, sub.case).jurisdiction_id is None
    with pytest.raises(ValidationFailed, match="最高一级"):
        moves.send_up(db, actor=admin, case_id=sub.case.id, reason="没有更高一级")
    assert t["city"].id == _events(db, sub.case, "send_up")[0].data["from_jurisdiction_id"]


def test_moves_only_before_a_department_has_the_case_and_only_by_coordinators(db: Session) -> None:
    t = _tree(db)
    dept = _dept(db, "A市住建局", t["city"])
    coordinator = f.actor(f.user(db, role="coordinator"))
    sub = f.message(db, jurisdiction="a-city")
    with pytest.raises(PermissionDenied):
        moves.send_up(db, actor=f.actor(f.user(db, role="handler", dept=dept)), case_id=sub.case.id, reason="越权上报")
    wf.assign(db, actor=coordinator, case_id=sub.case.id, department_id=dept.id)
    with pytest.raises(Exception, match="不能执行"):
        moves.send_down(db, actor=coordinator, case_id=sub.case.id, jurisdiction_id=t["east"].id)


# -- departments and deadlines of the level ---------------------------------------------------------------------


def test_assign_and_transfer_only_to_departments_of_the_cases_jurisdiction(db: Session) -> None:
    t = _tree(db)
    city_dept, district_dept = _dept(db, "A市城管局", t["city"]), _dept(db, "A2区城管局", t["east"])
    root_dept = _dept(db, "本级信访局", None)
    coordinator = f.actor(f.user(db, role="coordinator"))
    sub = f.message(db, jurisdiction="a-city")
    for other in (district_dept, root_dept):
        with pytest.raises(ValidationFailed, match="不属于本办件所在的辖区（A市）") as raised:
            wf.assign(db, actor=coordinator, case_id=sub.case.id, department_id=other.id)
        assert raised.value.field == "department_id"
    wf.assign(db, actor=coordinator, case_id=sub.case.id, department_id=city_dept.id)
    with pytest.raises(ValidationFailed, match="不属于"):
        wf.transfer(db, actor=coordinator, case_id=sub.case.id, department_id=district_dept.id, reason="改派到区")
    at_root = f.message(db, place_text="")
    wf.assign(db, actor=coordinator, case_id=at_root.case.id, department_id=root_dept.id)  # NULL is the root
    menu = {n.department.name for n in _menu(db, t["city"].id)}
    assert "A市城管局" in menu and not menu & {"A2区城管局", "本级信访局"}


def _menu(db: Session, jurisdiction_id: int) -> list[Any]:
    from minyi.departments.services import department_menu

    return department_menu(db, active_only=True, jurisdiction_id=jurisdiction_id, root_id=j.ROOT_ID)


def test_the_deadline_follows_the_level_then_the_nearest_above_then_the_installation(db: Session) -> None:
    t = _tree(db)
    j.update_jurisdiction(
        db, jurisdiction_id=t["city"].id, name="A市", level="city", slug="a-city", areas="A市", leaders="书记、市长",
        deadline_days={"complaint": 7, "inquiry": 2},
    )  # fmt: skip
    j.update_jurisdiction(
        db, jurisdiction_id=t["street"].id, name="桂花坪街道", level="street", slug="gh", areas="桂花坪",
        leaders="", deadline_days={"complaint": 4},
    )  # fmt: skip
    coordinator = f.actor(f.user(db, role="coordinator"))
    cases = {
        name: f.message(db, jurisdiction=slug, place_text="").case
        for name, slug in (("street", "gh"), ("east", "a2"), ("root", j.root(db).slug))
    }
    today = china_today()
    assert levels.level_deadline_days(db, cases["street"], "complaint") == 4  # its own
    assert levels.level_deadline_days(db, cases["street"], "inquiry") == 2  # the city's, two levels up
    assert levels.level_deadline_days(db, cases["east"], "complaint") == 7  # the city's
    assert levels.level_deadline_days(db, cases["root"], "complaint") == 13  # the installation's
    dept = _dept(db, "桂花坪街道办", t["street"])
    wf.assign(db, actor=coordinator, case_id=cases["street"].id, department_id=dept.id, appeal_kind="complaint")
    assert f.reload(db, cases["street"]).deadline == add_workdays(today, 4)
    [assigned] = _events(db, cases["street"], "assign")
    assert assigned.data["deadline"] == add_workdays(today, 4).isoformat()  # logged as every deadline


# -- suggestions -------------------------------------------------------------------------------------------------


def test_suggestions_only_of_the_cases_level_and_its_parent_marked(db: Session) -> None:
    t = _tree(db)
    city, east, west = (
        _dept(db, "A市水务局", t["city"]),
        _dept(db, "A2区水务局", t["east"]),
        _dept(db, "A5区水务局", t["west"]),
    )
    root_dept = _dept(db, "本级水务局", None)
    sub = f.message(db, jurisdiction="a2")
    stored = [{"id": d.id, "name": d.name, "score": 1.0, "keywords": []} for d in (west, city, east, root_dept)]
    shown = levels.level_suggestions(db, sub.case, stored)
    assert [(s["name"], s["upper"]) for s in shown] == [("A市水务局", True), ("A2区水务局", False)]
    moves.send_up(db, actor=f.actor(f.user(db, role="admin")), case_id=sub.case.id, reason="区里无法解决")
    moved = f.reload(db, sub.case)
    assert [(s["name"], s["upper"]) for s in levels.level_suggestions(db, moved, stored)] == [
        ("A市水务局", False),
        ("本级水务局", True),
    ]
    db.add(MessageAnalysis(message_id=sub.message.id, result={"suggested_departments": stored[:1]}))
    db.flush()
    analysis = levels.shown_analysis(db, moved, {"suggested_departments": stored[:1], "department_abstained": False})
    assert analysis == {"suggested_departments": [], "department_abstained": True}  # nothing of its level: by hand


def test_the_forms_menus_are_kept_until_the_tree_changes(db: Session) -> None:
    """The busiest page: the form's 提交到 and 领导信箱 menus are not rebuilt from the tree at every view."""
    from minyi.jurisdictions.routing import address_choices

    t = _tree(db)
    first = address_choices(db)
    assert address_choices(db) is first  # nothing changed: the same menus
    j.update_jurisdiction(
        db, jurisdiction_id=t["west"].id, name="A5区", level="district", slug="a5", areas="岳麓区", leaders="区长"
    )
    again = address_choices(db)
    assert again is not first and "a5:区长" in {c.value for c in again.leaders}
