"""One factory per model, built through the services so that every object is valid and logged."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts import services as accounts
from minyi.accounts.models import User
from minyi.core.clock import to_china, utcnow
from minyi.departments import services as departments
from minyi.departments.models import Department
from minyi.entry import services as entry
from minyi.entry.services import Entered
from minyi.jurisdictions.models import Jurisdiction
from minyi.notifications.services import Outbound
from minyi.privacy import services as privacy
from minyi.privacy.models import ContactRequest
from minyi.workflow import services as workflow
from minyi.workflow.actors import Actor
from minyi.workflow.events import deadline_in_force
from minyi.workflow.intake import Submission, submit_message
from minyi.workflow.models import Case, CaseEvent

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery"


def department(db: Session, *, name: str | None = None, domains: list[str] | None = None, **kw: Any) -> Department:
    """A department."""
    return departments.create_department(db, name=name or f"测试部门{next(_seq)}", domains=domains or [], **kw)


def user(
    db: Session,
    *,
    role: str,
    dept: Department | None = None,
    username: str | None = None,
    jurisdiction: Jurisdiction | None = None,
) -> User:
    """A staff user whose password is PASSWORD (of the root jurisdiction unless one is given)."""
    made = accounts.create_user(
        db,
        username=username or f"{role}{next(_seq)}",
        display_name=f"{role}测试",
        password=PASSWORD,
        role=role,
        department_id=dept.id if dept else None,
    )
    if jurisdiction is not None:
        made.jurisdiction_id = jurisdiction.id
        db.flush()
        db.refresh(made)
    return made


def jurisdiction(
    db: Session, *, name: str, parent: Jurisdiction | None = None, level: str = "district", **kw: Any
) -> Jurisdiction:
    """A jurisdiction below `parent` (the root by default); its slug made from a counter."""
    from minyi.jurisdictions import services as jurisdictions

    return jurisdictions.create_jurisdiction(
        db,
        name=name,
        level=level,
        parent_id=(parent or jurisdictions.root(db)).id,
        slug=kw.pop("slug", f"j{next(_seq)}"),
        **kw,
    )


MESSAGE = {
    "title": "小区门口路灯不亮",
    "body": "幸福路小区门口的路灯已经坏了两周，晚上出行很不安全，请尽快维修。",
    "appeal_kind": "complaint",
    "domain": "城乡建设",
    "place_text": "幸福路小区",
    "contact_name": "张三",
    "contact_phone": "13800138000",
    "is_public": True,
}


def message(db: Session, **overrides: Any) -> Submission:
    """A submitted message with its case."""
    return submit_message(db, data=MESSAGE | overrides)


def entered(db: Session, by: User, *, outbound: Outbound | None = None, **overrides: Any) -> Entered:
    """A message `by` (a coordinator) entered for a citizen (代录入): by phone, received this minute, unless told."""
    received = to_china(utcnow()).strftime("%Y-%m-%dT%H:%M")
    data = MESSAGE | {"channel": "phone", "received_at": received} | overrides
    return entry.enter_case(db, user=by, data=data, site_url="http://testserver", outbound=outbound or Outbound())


def actor(u: User) -> Actor:
    """The actor for a user."""
    return Actor.from_user(u)


def case_in_progress(db: Session, dept: Department, **overrides: Any) -> tuple[Submission, User, User]:
    """A case assigned to `dept` and accepted; returns it with its coordinator and handler."""
    sub = message(db, **overrides)
    coordinator = user(db, role="coordinator")
    handler = user(db, role="handler", dept=dept)
    workflow.assign(db, actor=actor(coordinator), case_id=sub.case.id, department_id=dept.id)
    workflow.accept(db, actor=actor(handler), case_id=sub.case.id)
    return sub, coordinator, handler


def replied_case(db: Session, dept: Department) -> tuple[Submission, User]:
    """A case with a reply; returns it with its handler."""
    sub, _coord, handler = case_in_progress(db, dept)
    workflow.reply(db, actor=actor(handler), case_id=sub.case.id, body="经核实，路灯已于今日修复，感谢您的反映。")
    return sub, handler


def contact_request(db: Session, case: Case, *, kind: str = "correct", **values: str) -> ContactRequest:
    """A citizen's pending request about their contact data (correct: the new phone by default)."""
    fields = {f"contact_{k}": v for k, v in values.items()} or {"contact_phone": "13900139000"}
    return privacy.request_change(db, case=case, kind=kind, values=fields)


def reload(db: Session, case: Case) -> Case:
    """The case as stored."""
    db.expire_all()
    return db.get(Case, case.id)


def csrf(client: TestClient) -> str:
    """The browser's CSRF token (the cookie is set on the first page view)."""
    if "minyi_csrf" not in client.cookies:
        client.get("/staff/login")
    return client.cookies["minyi_csrf"]


def login(client: TestClient, u: User) -> None:
    """Log a staff user in through the form."""
    response = client.post(
        "/staff/login",
        data={"username": u.username, "password": PASSWORD, "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def logged_deadline(db: Session, case_id: int) -> date | None:
    """The deadline in force that a case's event log gives back (what `Case.deadline` must hold)."""
    events = db.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.created_at, CaseEvent.id)
    )
    return deadline_in_force(e.payload for e in events)
