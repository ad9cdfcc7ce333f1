"""A handler acting on another department's case gets 403, never a 409 that tells the case's status."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minyi.core.errors import PermissionDenied
from minyi.workflow import services as workflow
from minyi.workflow import states
from tests import factories as f


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        ("accept", {}),
        ("reply", {"body": "经核实，问题已经解决，感谢您的反映。"}),
        ("return_case", {"reason": "不属于本部门"}),
        ("request_extension", {"days": 3, "reason": "需要协调"}),
    ],
)
def test_another_departments_case_is_403_whatever_its_status(db: Session, action: str, kwargs: dict) -> None:
    sub, _coordinator, owner = f.case_in_progress(db, f.department(db))
    workflow.request_extension(db, actor=f.actor(owner), case_id=sub.case.id, days=2, reason="需要协调")
    stranger = f.actor(f.user(db, role="handler", dept=f.department(db)))
    with pytest.raises(PermissionDenied, match="不属于您的部门"):
        getattr(workflow, action)(db, actor=stranger, case_id=sub.case.id, **kwargs)


def test_an_unassigned_case_is_403_for_a_handler(db: Session) -> None:
    sub = f.message(db)
    stranger = f.actor(f.user(db, role="handler", dept=f.department(db)))
    with pytest.raises(PermissionDenied):
        workflow.accept(db, actor=stranger, case_id=sub.case.id)


def test_the_role_is_checked_before_the_status(db: Session) -> None:
    sub, *_ = f.case_in_progress(db, f.department(db))
    with pytest.raises(PermissionDenied, match="当前角色无权"):
        workflow.assign(
            db, actor=f.actor(f.user(db, role="supervisor")), case_id=sub.case.id, department_id=f.department(db).id
        )


def test_the_api_answers_403_without_the_status(client: TestClient, db: Session) -> None:
    sub, *_ = f.case_in_progress(db, f.department(db))
    f.login(client, f.user(db, role="handler", dept=f.department(db)))
    response = client.post(f"/staff/cases/{sub.case.id}/actions/accept", data={"csrf_token": f.csrf(client)})
    assert response.status_code == 403 and "办理中" not in response.text


def test_each_use_case_checks_the_status_once(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []
    real = states.check_status

    def counting(action: states.Action, *, status: str) -> states.Action:
        checked.append(action.name)
        return real(action, status=status)

    monkeypatch.setattr(states, "check_status", counting)
    sub, _coordinator, handler = f.case_in_progress(db, f.department(db))
    request = workflow.request_extension(db, actor=f.actor(handler), case_id=sub.case.id, days=2, reason="需要协调")
    workflow.decide_extension(db, actor=f.actor(f.user(db, role="supervisor")), extension_id=request.id, approve=True)
    workflow.reply(db, actor=f.actor(handler), case_id=sub.case.id, body="经核实，问题已经解决，感谢您的反映。")
    assert checked == ["assign", "accept", "request_extension", "approve_extension", "reply"]  # once each
