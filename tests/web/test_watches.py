"""/staff/watches over HTTP: save (CSRF), view, bad input, someone else's watch, stop watching."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minyi.watches.services import create_watch
from tests import factories as f


def test_save_view_and_delete_a_watch(client: TestClient, db: Session) -> None:
    sub = f.message(db, title="A7县幸福路噪音扰民", body="A7县幸福路工地夜间施工，噪音扰民严重。", place_text="A7县")
    db.flush()
    me = f.user(db, role="handler", dept=f.department(db))
    f.login(client, me)
    assert 'value="A7县"' in client.get("/staff/watches?kind=place&value=A7县").text
    assert client.post("/staff/watches", data={"kind": "place", "value": "A7县"}).status_code == 403  # no CSRF
    made = client.post(
        "/staff/watches", data={"kind": "place", "value": "A7县", "csrf_token": f.csrf(client)}, follow_redirects=False
    )
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    assert page.status_code == 200 and "A7县幸福路噪音扰民" in page.text and f'data-case="{sub.case.id}"' in page.text
    assert 'id="t-watch"' in page.text
    # another department's (here: unassigned) public case: the public link, never the staff page
    assert f'href="/cases/{sub.case.id}"' in page.text and f'href="/staff/cases/{sub.case.id}"' not in page.text
    again = client.post("/staff/watches", data={"kind": "place", "value": "A7县", "csrf_token": f.csrf(client)})
    assert again.status_code == 409 and "已经在蹲点" in again.text
    watch_id = made.headers["location"].rsplit("/", 1)[1]
    gone = client.post(f"/staff/watches/{watch_id}/delete", data={"csrf_token": f.csrf(client)}, follow_redirects=False)
    assert gone.status_code == 303 and client.get(f"/staff/watches/{watch_id}").status_code == 404


def test_bad_input_and_other_users(client: TestClient, db: Session) -> None:
    owner = f.user(db, role="supervisor")
    theirs = create_watch(db, user=owner, kind="keyword", value="噪音")
    db.flush()
    f.login(client, f.user(db, role="supervisor"))
    token = f.csrf(client)
    unknown = client.post("/staff/watches", data={"kind": "domain", "value": "星际旅行", "csrf_token": token})
    assert unknown.status_code == 422 and "没有这个领域" in unknown.text
    empty = client.post("/staff/watches", data={"kind": "keyword", "value": "", "csrf_token": token})
    assert empty.status_code == 422 and "关键词" in empty.text
    huge = client.post("/staff/watches", data={"kind": "keyword", "value": "x" * 5000, "csrf_token": token})
    assert huge.status_code == 422
    assert client.get(f"/staff/watches/{theirs.id}").status_code == 404
    assert client.get("/staff/watches/%3Cscript%3E").status_code == 404


def test_visitors_must_log_in(client: TestClient) -> None:
    assert client.get("/staff/watches", follow_redirects=False).status_code == 303
