"""可能相同的问题 on a staff case page: a handler sees their own department's cases and public cases only."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minyi.accounts.models import User
from minyi.hot import services as hot
from minyi.workflow import services as workflow
from tests import factories as f

BODY = "幸福路小区门口的路灯已经坏了两周，晚上出行很不安全，请尽快维修。"
PHONE = "13812345678"


def _cases(db: Session) -> dict[str, int]:
    """Five look-alike messages: the handler's own, another department's private and public ones, unassigned ones."""
    own, other = f.department(db), f.department(db)
    coordinator = f.actor(f.user(db, role="coordinator"))
    ids = {}
    for name, dept, public, title in [
        ("mine", own, False, "幸福路路灯不亮"),
        ("own_other", own, False, "幸福路路灯坏了"),
        ("other_private", other, False, "其他部门私密路灯"),
        ("other_public", other, True, f"路灯不亮{PHONE}"),
        ("unassigned_private", None, False, "未转办私密路灯"),
    ]:
        sub = f.message(db, title=title, body=BODY, is_public=public)
        if dept is not None:
            workflow.assign(db, actor=coordinator, case_id=sub.case.id, department_id=dept.id)
        ids[name] = sub.case.id
    ids["handler"] = f.user(db, role="handler", dept=own).id
    hot.refresh_similar_indexes(db)  # what the worker does
    return ids


def test_a_handler_sees_own_department_and_public_cases_only(db: Session) -> None:
    ids = _cases(db)
    actor = f.actor(db.get(User, ids["handler"]))
    hits = hot.similar_cases_for_staff(db, actor=actor, text=f"幸福路路灯不亮\n{BODY}", exclude=ids["mine"])
    seen = {h.case.id: h.full for h in hits}
    assert seen == {ids["own_other"]: True, ids["other_public"]: False}


def test_a_coordinator_sees_every_similar_case(db: Session) -> None:
    ids = _cases(db)
    actor = f.actor(f.user(db, role="coordinator"))
    hits = hot.similar_cases_for_staff(db, actor=actor, text=f"幸福路路灯不亮\n{BODY}", exclude=ids["mine"])
    assert {h.case.id for h in hits} == {
        ids[k] for k in ("own_other", "other_private", "other_public", "unassigned_private")
    }
    assert all(h.full for h in hits)


def test_the_staff_case_page_of_a_handler_leaks_no_private_case(client: TestClient, db: Session) -> None:
    ids = _cases(db)
    f.login(client, db.get(User, ids["handler"]))
    page = client.get(f"/staff/cases/{ids['mine']}").text
    assert "可能相同的问题" in page and f'/staff/cases/{ids["own_other"]}"' in page
    assert "其他部门私密路灯" not in page and "未转办私密路灯" not in page
    assert f"/staff/cases/{ids['other_private']}" not in page and f"/staff/cases/{ids['other_public']}" not in page
    assert f'/cases/{ids["other_public"]}"' in page and PHONE not in page and "138****5678" in page
