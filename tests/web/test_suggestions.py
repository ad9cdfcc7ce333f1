"""吸纳 and 表扬 over HTTP: the staff forms, the public case page and 建言采纳 page (personal data masked), the
commitment lists, the JSON API with its errors, and the figures on /stats."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.core.clock import china_today
from minyi.suggestions.models import Adoption, Commitment
from minyi.workflow import services as workflow
from tests import factories as f

PHONE = "13912345678"


def _due(days: int = 30) -> str:
    return (china_today() + timedelta(days=days)).isoformat()


def _token(client: TestClient, user: object) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": f.PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _replied_suggestion(db: Session, **overrides: object) -> tuple[int, object, object]:
    dept = f.department(db)
    sub, _c, handler = f.case_in_progress(db, dept, appeal_kind="suggestion", **overrides)
    workflow.reply(db, actor=f.actor(handler), case_id=sub.case.id, body="感谢您的建议，经研究答复如下。")
    db.flush()
    return sub.case.id, handler, dept


def test_the_department_decides_on_its_case_page_and_the_public_reads_it(client: TestClient, db: Session) -> None:
    case_id, handler, dept = _replied_suggestion(db)
    f.login(client, handler)
    page = client.get(f"/staff/cases/{case_id}").text
    assert 'id="form-adoption"' in page and "暂不采纳" in page and 'id="form-commitment"' not in page
    form = {
        "decision": "adopted",
        "reason": f"建议可行，已纳入计划，联系人电话 {PHONE}。",
        "what": "在幸福路增设公交站台一处",
        "department_id": str(dept.id),
        "due_on": _due(),
        "csrf_token": f.csrf(client),
    }
    done = client.post(f"/staff/cases/{case_id}/adoption", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith(f"/staff/cases/{case_id}?done=adopt")
    page = client.get(f"/staff/cases/{case_id}").text
    assert 'id="form-adoption"' not in page and 'id="form-commitment"' in page and "在幸福路增设公交站台一处" in page
    public = client.get(f"/cases/{case_id}").text
    assert 'id="suggestion"' in public and "采纳" in public and "在幸福路增设公交站台一处" in public
    assert PHONE not in public and "139****5678" in public
    listing = client.get("/adopted").text
    assert f'id="suggestion-{case_id}"' in listing and PHONE not in listing and 'href="/adopted"' in listing
    assert client.get(f"/adopted?department_id={dept.id}&status=done").text.count("adopted-item") == 0


def test_bad_forms_answer_clearly_and_change_nothing(client: TestClient, db: Session) -> None:
    case_id, handler, _dept = _replied_suggestion(db)
    f.login(client, handler)
    token = f.csrf(client)
    for form, words in (
        ({"decision": "adopted", "reason": "建议可行，予以采纳。"}, "至少有一项承诺"),
        (
            {"decision": "adopted", "reason": "建议可行，予以采纳。", "what": "增设站台一处", "due_on": "2020-01-01"},
            "不能早于今天",
        ),
        ({"decision": "whatever", "reason": "建议可行，予以采纳。"}, "采纳决定"),
        ({"decision": "planned", "reason": ""}, "决定理由"),
    ):
        answer = client.post(f"/staff/cases/{case_id}/adoption", data=form | {"csrf_token": token})
        assert answer.status_code == 422 and words in answer.text, form
    assert db.scalar(select(func.count()).select_from(Adoption)) == 0
    assert client.post(f"/staff/cases/{case_id}/adoption", data={"decision": "planned"}).status_code == 403  # CSRF
    assert client.get("/adopted?status=nope").status_code == 422
    assert client.get("/adopted?department_id=abc").status_code == 422
    assert client.get("/adopted?page=0").status_code == 422


def test_commitments_are_updated_from_their_list_by_their_department_only(client: TestClient, db: Session) -> None:
    case_id, handler, dept = _replied_suggestion(db)
    f.login(client, handler)
    form = {"decision": "partly", "reason": "部分可行，先建站台。", "what": "增设站台一处", "due_on": _due(1)}
    client.post(f"/staff/cases/{case_id}/adoption", data=form | {"csrf_token": f.csrf(client)})
    commitment = db.scalar(select(Commitment))
    page = client.get("/staff/commitments").text
    assert f'id="commitment-{commitment.id}"' in page and "公开进展" in page
    updated = client.post(
        f"/staff/commitments/{commitment.id}/progress",
        data={"body": "选址完成，已开工。", "percent": "30", "csrf_token": f.csrf(client)},
        follow_redirects=False,
    )
    assert updated.status_code == 303
    assert "选址完成，已开工。" in client.get(f"/cases/{case_id}").text
    stranger = f.user(db, role="handler", dept=f.department(db))
    f.login(client, stranger)
    assert f'id="commitment-{commitment.id}"' not in client.get("/staff/commitments").text
    refused = client.post(
        f"/staff/commitments/{commitment.id}/done", data={"body": "不是我们做的。", "csrf_token": f.csrf(client)}
    )
    assert refused.status_code == 403
    supervisor = f.user(db, role="supervisor")
    f.login(client, supervisor)
    assert f'id="commitment-{commitment.id}"' not in client.get("/staff/commitments").text  # not overdue yet
    assert f'id="commitment-{commitment.id}"' in client.get("/staff/commitments?overdue=0").text
    f.login(client, handler)
    client.post(
        f"/staff/commitments/{commitment.id}/done", data={"body": "站台已建成投用。", "csrf_token": f.csrf(client)}
    )
    assert "已完成" in client.get(f"/adopted?department_id={dept.id}&status=done").text


def test_the_api_decides_updates_and_lists(client: TestClient, db: Session) -> None:
    case_id, handler, dept = _replied_suggestion(db)
    headers = _token(client, handler)
    body = {
        "decision": "adopted",
        "reason": "建议可行，予以采纳。",
        "commitments": [{"what": "增设站台一处", "due_on": _due()}],
    }
    created = client.post(f"/api/v1/staff/cases/{case_id}/adoption", json=body, headers=headers)
    assert created.status_code == 201, created.text
    data = created.json()
    assert data["decision_name"] == "采纳" and data["commitments"][0]["department_id"] == dept.id
    cid = data["commitments"][0]["id"]
    again = client.post(f"/api/v1/staff/cases/{case_id}/adoption", json=body, headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    progress = client.post(
        f"/api/v1/staff/commitments/{cid}/progress", json={"body": "正在施工。", "percent": 50}, headers=headers
    )
    assert progress.status_code == 201 and progress.json()["commitments"][0]["percent"] == 50
    bad = client.post(
        f"/api/v1/staff/commitments/{cid}/progress", json={"body": "正在施工。", "percent": 100}, headers=headers
    )
    assert bad.status_code == 422
    extra = client.post(
        f"/api/v1/staff/cases/{case_id}/commitments", json={"what": "优化班次安排", "due_on": _due(60)}, headers=headers
    )
    assert extra.status_code == 201 and len(extra.json()["commitments"]) == 2
    done = client.post(f"/api/v1/staff/commitments/{cid}/done", json={"body": "站台已建成。"}, headers=headers)
    assert done.status_code == 200 and done.json()["commitments"][0]["status"] == "done"
    public = client.get("/api/v1/adopted").json()
    assert public["total"] == 1 and public["items"][0]["case_id"] == case_id
    assert client.get(f"/api/v1/cases/{case_id}/suggestion").json()["reason"] == "建议可行，予以采纳。"
    assert client.get("/api/v1/staff/commitments").status_code == 401
    mine = client.get("/api/v1/staff/commitments?overdue=0", headers=headers).json()
    assert [c["what"] for c in mine["items"]] == ["优化班次安排"]
    assert client.post(f"/api/v1/staff/cases/{case_id}/adoption", json=body).status_code == 401
    assert client.get("/api/v1/cases/999999/suggestion").status_code == 404


def test_private_suggestions_stay_off_the_public_list_but_their_author_sees_the_decision(
    client: TestClient, db: Session
) -> None:
    sub, _c, handler = f.case_in_progress(db, f.department(db), appeal_kind="suggestion", is_public=False)
    workflow.reply(db, actor=f.actor(handler), case_id=sub.case.id, body="感谢您的建议，经研究答复如下。")
    db.flush()
    headers = _token(client, handler)
    body = {
        "decision": "adopted",
        "reason": "建议可行，予以采纳。",
        "commitments": [{"what": "增设站台一处", "due_on": _due()}],
    }
    assert client.post(f"/api/v1/staff/cases/{sub.case.id}/adoption", json=body, headers=headers).status_code == 201
    assert client.get("/api/v1/adopted").json()["total"] == 0
    assert client.get(f"/api/v1/cases/{sub.case.id}/suggestion").status_code == 404
    assert "增设站台一处" not in client.get("/adopted").text
    own = client.get(f"/track/{sub.tracking_token}").text
    assert 'id="suggestion"' in own and "建议可行，予以采纳。" in own and "增设站台一处" in own


def test_praise_is_thanked_in_public_and_counted(client: TestClient, db: Session) -> None:
    dept = f.department(db)
    sub, _c, handler = f.case_in_progress(db, dept, appeal_kind="praise")
    db.flush()
    f.login(client, handler)
    assert 'id="form-acknowledge"' in client.get(f"/staff/cases/{sub.case.id}").text
    thanks = {"body": "感谢您对我们工作的肯定，我们会继续努力！", "csrf_token": f.csrf(client)}
    client.post(f"/staff/cases/{sub.case.id}/actions/acknowledge", data=thanks)
    public = client.get(f"/cases/{sub.case.id}").text
    assert "感谢您对我们工作的肯定" in public and "已办结" in public and "答谢表扬" in public
    stats = client.get("/api/v1/stats").json()
    assert stats["overall"]["praised"] == 1 and stats["overall"]["replied"] == 1
    page = client.get("/stats").text
    assert 'data-figure="praised">1<' in page and 'data-figure="adoption_rate">—<' in page
