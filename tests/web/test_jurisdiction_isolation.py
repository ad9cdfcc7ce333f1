"""Isolation by jurisdiction (issue 17): staff see their jurisdiction and those below it, never a sibling's or a
parent's private cases or contact data — on every staff route and API, found from the app itself.

A市 has two districts, east and west, and a street under east; each holds private cases whose title, contact
phone and name are markers. West's staff of every role open every staff route: a route that takes a case (or an
object tied to one) answers them 403 or 404 where east's own staff of the same role get through, and no page,
list, API answer or export shows them a marker of a case outside west. A staff route added later falls in one of
these classes or the test fails until it is classified (or exempted below, with its reason).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.callbacks import repeats
from minyi.core.clock import china_today
from minyi.departments.models import Department
from minyi.hot.models import WebItemLink
from minyi.jurisdictions.models import Jurisdiction
from minyi.suggestions import services as suggestions
from minyi.workflow import services as workflow
from minyi.workflow.dispatch import STAFF_ACTIONS
from minyi.workflow.models import Case, ExtensionRequest
from tests import factories as f
from tests.hot.test_web_links import web_item, web_source

PHONE, NAME = "13911112222", "东区李四"  # the contact data of every case outside west
ROLES = ("coordinator", "handler", "supervisor", "admin")

# Staff routes that hold no case of anyone else, with the reason (prefixes; keep this list short).
EXEMPT = {
    "/staff/login": "the login form",
    "/staff/logout": "ends one's own session",
    "/staff/account": "one's own account, second factor and tokens",
    "/api/v1/auth/": "one's own API tokens",
    "/staff/admin/": "the admin's configuration (part A of issue 17 scopes users and departments)",
    "/staff/reports": "figures, rolled up per jurisdiction by part S of issue 17",
    "/staff/notifications": "notices addressed to the user (addressed by jurisdiction: tested below)",
    "/staff/reply-templates": "a department's reply templates, no case",
    "/staff/knowledge": "the knowledge base answers everyone; an entry made from a case checks the case (tested)",
    "/api/v1/staff/knowledge": "the same, as JSON",
    "/staff/explanations": "政策解读 answer everyone; linking a case checks the case (tested below)",
    "/api/v1/staff/explanations": "the same, as JSON",
    "/staff/interviews": "在线访谈 are the platform's public sessions, tied to no case",
    "/staff/interview-questions/": "their questions, public once approved",
    "/api/v1/staff/interview": "the same, as JSON",
    "/staff/watches/{watch_id}": "one's own watch (its matches are scoped: tested below)",
    "POST /staff/watches": "adds a watch of one's own",
    "/staff/dashboard/web/{item_id}/case": "web items (网络民意) belong to no jurisdiction (docs/jurisdictions.md)",
    "/staff/entry": "代录入 opens a new case in the user's own jurisdiction",
}
API_BODIES: dict[str, dict[str, Any]] = {  # a valid JSON body for each write of the API that takes a case
    "/api/v1/staff/cases/{case_id}/actions/{action}": {},
    "/api/v1/staff/cases/{case_id}/callback": {"reached": False},
    "/api/v1/staff/cases/{case_id}/assistance": {"what": "上门送去米面油"},
    "/api/v1/staff/cases/{case_id}/reply-check": {"body": "答复草稿的内容在这里"},
    "/api/v1/staff/cases/{case_id}/adoption": {"decision": "not_adopted", "reason": "暂不具备条件，理由如下"},
    "/api/v1/staff/cases/{case_id}/commitments": {"what": "增设公交站台一处", "due_on": "2030-01-01"},
    "/api/v1/staff/commitments/{commitment_id}/progress": {"body": "已完成前期勘察工作", "percent": 10},
    "/api/v1/staff/commitments/{commitment_id}/done": {"body": "站台已建成并投入使用"},
}
FORMS: dict[str, dict[str, str]] = {  # form fields a page's write needs before it reads the case
    "/staff/cases/{case_id}/review": {"decision": "publish"},
}
LIST_QUERIES = ("", "?status=all", f"?phone={PHONE}", "?q=机密", "?overdue=0&page=1")


def _routes(routes: Iterable[Any]) -> Iterator[tuple[str, str]]:
    """(method, path) of every route, through included routers (FastAPI keeps them as nodes)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield from ((m, route.path) for m in route.methods)
        elif hasattr(route, "effective_route_contexts"):
            yield from ((m, c.path) for c in route.effective_route_contexts() for m in c.methods)


def _is_staff(path: str) -> bool:
    return path == "/staff" or path.startswith(("/staff/", "/api/v1/staff/", "/api/v1/auth/"))


def _exempt(method: str, path: str) -> bool:
    return f"{method} {path}" in EXEMPT or any(path == prefix or path.startswith(prefix) for prefix in EXEMPT)


@dataclass
class Tree:
    """A市, its districts east and west, the street under east; a department in each district and the markers of
    every case west must not see."""

    city: Jurisdiction
    east: Jurisdiction
    west: Jurisdiction
    street: Jurisdiction
    east_dept: Department
    west_dept: Department
    objects: dict[str, int]  # path parameter -> the id of an east object
    repeated: int  # east's repeated complaint (the 重复投诉 routes read its flag)
    cases: dict[str, int]  # where -> a case there
    hidden: tuple[str, ...]  # what west must never read


def _place(db: Session, case_id: int, where: Jurisdiction | None) -> None:
    case = db.get(Case, case_id)
    assert case is not None
    case.jurisdiction = where
    db.flush()


def _private(db: Session, marker: str, where: Jurisdiction | None, **fields: Any) -> int:
    sub = f.message(
        db,
        title=f"{marker}路灯不亮",
        body=f"{marker}小区门口的路灯坏了一个月，晚上出行很不方便，请尽快修理。",
        is_public=False,
        contact_phone=fields.pop("contact_phone", PHONE),
        contact_name=fields.pop("contact_name", NAME),
        **fields,
    )
    _place(db, sub.case.id, where)
    return sub.case.id


def _dept(db: Session, name: str, where: Jurisdiction) -> Department:
    dept = f.department(db, name=name)
    dept.jurisdiction_id = where.id
    db.flush()
    return dept


def _staff(db: Session, where: Jurisdiction | None, dept: Department | None, role: str) -> Any:
    return f.user(db, role=role, dept=dept if role == "handler" else None, jurisdiction=where)


@pytest.fixture
def tree(db: Session) -> Tree:
    city = f.jurisdiction(db, name="A市", level="city")
    east = f.jurisdiction(db, name="东区", parent=city)
    west = f.jurisdiction(db, name="西区", parent=city)
    street = f.jurisdiction(db, name="东区甲街道", parent=east, level="street")
    east_dept, west_dept = _dept(db, "东区住建局", east), _dept(db, "西区住建局", west)
    coordinator = _staff(db, None, None, "coordinator")
    handler = _staff(db, east, east_dept, "handler")
    actor, acting = f.actor(coordinator), f.actor(handler)
    # east's main case: assigned to its department and accepted, urgent, an extension asked, a contact request
    main = _private(db, "东区机密", east, appeal_kind="help")
    workflow.assign(db, actor=actor, case_id=main, department_id=east_dept.id)
    workflow.accept(db, actor=acting, case_id=main)
    workflow.request_extension(db, actor=acting, case_id=main, days=3, reason="需要协调供电部门")
    main_case = db.get(Case, main)
    assert main_case is not None
    main_case.urgent = True
    request = f.contact_request(db, main_case)
    link = WebItemLink(web_item_id=web_item(db, web_source(db), "east", "网帖", "东区路灯").id, case_id=main, score=0.9)
    db.add(link)
    # a suggestion adopted with a commitment, a closed complaint on the call-back list, a repeated complaint
    idea = _private(db, "东区建议机密", east, appeal_kind="suggestion")
    workflow.assign(db, actor=actor, case_id=idea, department_id=east_dept.id)
    workflow.accept(db, actor=acting, case_id=idea)
    workflow.reply(db, actor=acting, case_id=idea, body="感谢您的建议，经研究答复如下。")
    due = (china_today() + timedelta(days=30)).isoformat()
    commitment = {"what": "在东区增设公交站台一处", "department_id": east_dept.id, "due_on": due}
    suggestions.decide(
        db, actor=acting, case_id=idea, decision="adopted", reason="建议可行，已纳入计划。", commitments=[commitment]
    )
    closed = _private(db, "东区回访机密", east, appeal_kind="complaint")
    workflow.assign(db, actor=actor, case_id=closed, department_id=east_dept.id)
    workflow.accept(db, actor=acting, case_id=closed)
    workflow.reply(db, actor=acting, case_id=closed, body="已经上门核实并协调解决，感谢反映。")
    closed_case = db.get(Case, closed)
    assert closed_case is not None
    workflow.rate(db, case=closed_case, level="satisfied")
    again = _private(db, "东区重复机密", east, appeal_kind="complaint", review="pending")
    message_id = db.get(Case, again).message_id  # type: ignore[union-attr]
    assert repeats.check_repeats(db, message_id=message_id) is not None
    cases = {
        "street": _private(db, "街道机密", street),
        "city": _private(db, "市级机密", city),
        "root": _private(db, "本级机密", None),
        "west": _private(db, "西区自己", west, contact_phone="13700007777", contact_name="西区王五"),
        "east": main,
    }
    db.commit()
    objects = {"case_id": main, "commitment_id": _commitment_id(db, idea), "request_id": request.id}
    objects["link_id"] = link.id
    hidden = (
        "东区机密",
        "东区建议机密",
        "东区回访机密",
        "东区重复机密",
        "街道机密",
        "市级机密",
        "本级机密",
        PHONE,
        NAME,
    )
    return Tree(city, east, west, street, east_dept, west_dept, objects, again, cases, hidden)


def _commitment_id(db: Session, case_id: int) -> int:
    from minyi.suggestions.models import Commitment

    found = db.scalar(select(Commitment.id).where(Commitment.case_id == case_id))
    assert found is not None
    return found


class Staff:
    """One logged-in account: its own browser (cookies) and its API token."""

    def __init__(self, client: TestClient, user: Any) -> None:
        self.client = TestClient(client.app)
        f.login(self.client, user)
        issued = self.client.post("/api/v1/auth/token", json={"username": user.username, "password": f.PASSWORD})
        assert issued.status_code == 200, issued.text
        self.headers = {"Authorization": f"Bearer {issued.json()['token']}"}

    def call(self, method: str, url: str, template: str) -> Any:
        if url.startswith("/api/"):
            body = API_BODIES.get(template) if method in {"POST", "PUT", "PATCH"} else None
            return self.client.request(method, url, json=body, headers=self.headers, follow_redirects=False)
        data = {"csrf_token": f.csrf(self.client), **FORMS.get(template, {})} if method != "GET" else None
        return self.client.request(method, url, data=data, follow_redirects=False)


def _staff_of(client: TestClient, db: Session, where: Jurisdiction | None, dept: Department | None) -> dict[str, Staff]:
    users = {role: _staff(db, where, dept, role) for role in ROLES}
    db.commit()
    return {role: Staff(client, user) for role, user in users.items()}


def _urls(path: str, tree: Tree) -> list[str]:
    """The concrete URLs of a route template that takes east's objects ({action}: every action)."""
    url = path
    objects = tree.objects | ({"case_id": tree.repeated} if path.endswith("/repeat") else {})
    for name, value in objects.items():
        url = url.replace("{" + name + "}", str(value))
    if "{action}" in url:
        return [url.replace("{action}", name) for name in sorted(STAFF_ACTIONS)]
    return [url]


def _leaks(text: str, hidden: tuple[str, ...]) -> list[str]:
    return [marker for marker in hidden if marker in text]


def test_every_staff_route_keeps_west_out_of_east(client: TestClient, db: Session, tree: Tree) -> None:
    west = _staff_of(client, db, tree.west, tree.west_dept)
    east = _staff_of(client, db, tree.east, tree.east_dept)
    staff_routes = sorted({(m, p) for m, p in _routes(client.app.routes) if _is_staff(p) and not _exempt(m, p)})
    assert len(staff_routes) > 25  # the walk sees the whole app
    unclassified, object_routes, list_routes = [], [], []
    for method, path in staff_routes:
        params = set(re.findall(r"\{([^}]+)\}", path))
        if params and params <= {*tree.objects, "action"}:
            object_routes.append((method, path))
        elif path == "/staff/export/{name}.{fmt}":
            list_routes.extend((method, f"/staff/export/{name}.csv") for name in ("triage", "department", "deadlines"))
            list_routes.append((method, "/staff/export/complaints.csv"))
        elif not params and method == "GET":
            list_routes.append((method, path))
        else:
            unclassified.append((method, path))
    assert not unclassified, f"classify these staff routes (or exempt them with a reason): {unclassified}"
    reached = _check_object_routes(object_routes, west, east, tree)
    assert {p for _m, p in object_routes} <= reached, "no role of east gets through these: fix their sample"
    for method, path in list_routes:
        for role, staff in west.items():
            for query in LIST_QUERIES:
                answer = staff.call(method, path + query, path)
                assert answer.status_code < 500, (path, query, role)
                hidden = tuple(h for h in tree.hidden if h not in query)  # a search box shows what was asked
                assert not _leaks(answer.text, hidden), (path, query, role, _leaks(answer.text, hidden))


def _check_object_routes(
    routes: list[tuple[str, str]], west: dict[str, Staff], east: dict[str, Staff], tree: Tree
) -> set[str]:
    """West is refused every object of east; the routes where east's staff of some role got through."""
    reached: set[str] = set()
    for method, path in routes:
        for url in _urls(path, tree):
            for role in ROLES:
                refused = west[role].call(method, url, path)
                assert refused.status_code in {403, 404}, (method, url, role, refused.status_code, refused.text[:300])
                assert not _leaks(refused.text, tree.hidden), (method, url, role)
                if east[role].call(method, url, path).status_code not in {401, 403, 404}:
                    reached.add(path)
    return reached


def test_each_level_sees_its_own_cases_and_those_below(client: TestClient, db: Session, tree: Tree) -> None:
    title = {where: f"{marker}路灯不亮" for where, marker in {"street": "街道机密", "city": "市级机密"}.items()}
    title |= {"root": "本级机密路灯不亮", "west": "西区自己路灯不亮", "east": "东区机密路灯不亮"}
    seen_by = {
        None: {"root", "city", "east", "street", "west"},
        tree.city: {"city", "east", "street", "west"},
        tree.east: {"east", "street"},
        tree.street: {"street"},
        tree.west: {"west"},
    }
    for where, expected in seen_by.items():
        coordinator = Staff(client, f.user(db, role="coordinator", jurisdiction=where))
        db.commit()
        page = coordinator.call("GET", "/staff/inbox?status=all&per_page=100", "").text
        api = coordinator.call("GET", "/api/v1/staff/inbox?status=all&per_page=100", "").json()
        listed = {row["id"] for row in api["items"]}
        for name, case_id in tree.cases.items():
            visible = name in expected
            assert (title[name] in page) is visible, (where, name)
            assert (case_id in listed) is visible, (where, name)
            status = coordinator.call("GET", f"/staff/cases/{case_id}", "").status_code
            assert status == (200 if visible else 403), (where, name, status)


def test_a_list_narrows_to_one_jurisdiction_of_the_viewers_subtree(client: TestClient, db: Session, tree: Tree) -> None:
    city = Staff(client, f.user(db, role="coordinator", jurisdiction=tree.city))
    west = Staff(client, f.user(db, role="coordinator", jurisdiction=tree.west))
    db.commit()
    narrowed = city.call("GET", f"/staff/inbox?status=all&j={tree.west.id}", "").text
    assert "西区自己路灯不亮" in narrowed and "东区机密" not in narrowed and "市级机密" not in narrowed
    east_only = city.call("GET", f"/api/v1/staff/inbox?status=all&j={tree.east.id}", "").json()
    assert {row["id"] for row in east_only["items"]} >= {tree.cases["east"], tree.cases["street"]}
    assert tree.cases["west"] not in {row["id"] for row in east_only["items"]}
    for url in (f"/staff/inbox?j={tree.east.id}", f"/api/v1/staff/inbox?j={tree.city.id}", "/staff/inbox?j=1"):
        refused = west.call("GET", url, "")
        assert refused.status_code == 403 and "东区机密" not in refused.text, url
    exported = city.call("GET", f"/staff/export/triage.csv?status=all&j={tree.west.id}", "").text
    assert "西区自己" in exported and PHONE not in exported and "东区机密" not in exported


def test_cases_from_a_case_check_its_jurisdiction(client: TestClient, db: Session, tree: Tree) -> None:
    west = _staff_of(client, db, tree.west, tree.west_dept)
    east_case = tree.cases["east"]
    assert west["admin"].call("GET", f"/staff/knowledge/new?case_id={east_case}", "").status_code == 403
    explanation = west["coordinator"].client.post(
        "/staff/explanations",
        data={
            "kind": "policy",
            "title": "关于路灯维修的政策解读",
            "body": "路灯由各区住建部门负责维修，报修后五个工作日内修复。" * 2,
            "csrf_token": f.csrf(west["coordinator"].client),
        },
        follow_redirects=False,
    )
    assert explanation.status_code == 303, explanation.text[:500]
    item = explanation.headers["location"].rstrip("/").split("/")[-1].split("?")[0]
    page = west["coordinator"].call("GET", f"/staff/explanations/{item}", "").text
    assert not _leaks(page, tree.hidden)
    linked = west["coordinator"].client.post(
        f"/staff/explanations/{item}/link",
        data={"case_ids": str(east_case), "csrf_token": f.csrf(west["coordinator"].client)},
        follow_redirects=False,
    )
    assert linked.status_code == 403
    assert f.reload(db, db.get(Case, east_case)).status == "in_progress"  # type: ignore[arg-type]


def test_watches_and_notices_stay_within_the_jurisdiction(client: TestClient, db: Session, tree: Tree) -> None:
    west = _staff_of(client, db, tree.west, tree.west_dept)
    watcher = west["coordinator"]
    made = watcher.client.post(
        "/staff/watches",
        data={"kind": "keyword", "value": "路灯", "csrf_token": f.csrf(watcher.client)},
        follow_redirects=False,
    )
    assert made.status_code == 303
    page = watcher.call("GET", made.headers["location"], "").text
    assert "西区自己路灯不亮" in page and not _leaks(page, tree.hidden)
    # a department returns east's case: east's and the city's coordinators are told, west's never
    city_coordinator = f.user(db, role="coordinator", jurisdiction=tree.city)
    east_coordinator = f.user(db, role="coordinator", jurisdiction=tree.east)
    handler = f.user(db, role="handler", dept=tree.east_dept, jurisdiction=tree.east)
    db.commit()
    returning = Staff(client, handler).client
    returned = returning.post(
        f"/staff/cases/{tree.cases['east']}/actions/return",
        data={"reason": "不属于本部门职责", "csrf_token": f.csrf(returning)},
        follow_redirects=False,
    )
    assert returned.status_code in {303, 409}, returned.text[:300]
    if returned.status_code == 303:
        assert "【退回】" in Staff(client, east_coordinator).call("GET", "/staff/notifications", "").text
        assert "【退回】" in Staff(client, city_coordinator).call("GET", "/staff/notifications", "").text
    notices = watcher.call("GET", "/staff/notifications", "").text
    assert "【退回】" not in notices and not _leaks(notices, tree.hidden)


def test_an_action_naming_another_case_checks_that_one_too(client: TestClient, db: Session, tree: Tree) -> None:
    west = _staff_of(client, db, tree.west, tree.west_dept)
    extension = db.scalar(select(ExtensionRequest.id).where(ExtensionRequest.case_id == tree.cases["east"]))
    own = tree.cases["west"]
    for body in ({"extension_id": extension, "approve": True}, {"extension_id": extension, "approve": False}):
        decided = west["supervisor"].client.post(
            f"/api/v1/staff/cases/{own}/actions/decide_extension", json=body, headers=west["supervisor"].headers
        )
        assert decided.status_code == 403 and "辖区" in decided.text, decided.text
    merged = west["coordinator"].client.post(
        f"/api/v1/staff/cases/{own}/actions/merge",
        json={"into_case_id": tree.cases["east"]},
        headers=west["coordinator"].headers,
    )
    assert merged.status_code == 403 and "辖区" in merged.text and "东区机密" not in merged.text
    db.expire_all()
    pending = db.get(ExtensionRequest, extension)
    assert pending is not None and pending.status == "pending"
    assert f.reload(db, db.get(Case, own)).status == "submitted"  # type: ignore[arg-type]


def test_a_case_entered_below_the_root_starts_in_its_enterers_jurisdiction(db: Session, tree: Tree) -> None:
    west_coordinator = f.user(db, role="coordinator", jurisdiction=tree.west)
    entered = f.entered(db, west_coordinator, title="西区电话来电反映路灯", contact_phone="13700008888")
    case = f.reload(db, entered.submission.case)
    assert case.jurisdiction_id == tree.west.id and "西区" in case.jurisdiction_reason
    assert workflow.can_see(case, f.actor(west_coordinator))
    root_coordinator = f.user(db, role="coordinator")
    at_root = f.reload(db, f.entered(db, root_coordinator, title="本级电话来电反映路灯").submission.case)
    assert at_root.jurisdiction_id is None  # the root's entries stay where placement (or nothing) puts them
