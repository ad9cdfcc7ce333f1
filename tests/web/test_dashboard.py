"""/staff/dashboard and its case list over HTTP: supervisors and admins only, every item linked."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minyi.core.clock import CHINA_TZ, travel
from tests import factories as f


def test_a_handler_cannot_open_the_dashboard(client: TestClient, db: Session) -> None:
    f.login(client, f.user(db, role="handler", dept=f.department(db)))
    assert client.get("/staff/dashboard").status_code == 403
    assert client.get("/staff/dashboard/cases").status_code == 403


def test_a_coordinator_cannot_either_and_visitors_must_log_in(client: TestClient, db: Session) -> None:
    assert client.get("/staff/dashboard", follow_redirects=False).status_code == 303
    f.login(client, f.user(db, role="coordinator"))
    assert client.get("/staff/dashboard").status_code == 403


def test_the_supervisor_sees_the_dashboard_and_follows_its_links(client: TestClient, db: Session) -> None:
    parks = f.department(db, name="市园林局")
    with travel(datetime(2024, 3, 4, 9, tzinfo=CHINA_TZ)):
        late, _c, _h = f.case_in_progress(db, parks, title="公园厕所无人打扫", place_text="人民公园")
    db.flush()
    f.login(client, f.user(db, role="supervisor"))
    page = client.get("/staff/dashboard")
    assert page.status_code == 200 and "上网看看" in page.text
    assert 'id="t-dash-trend"' in page.text and '<script src="/static/charts.js" defer></script>' in page.text
    link = f"/staff/dashboard/cases?status=overdue&amp;department_id={parks.id}"
    assert link in page.text and "市园林局" in page.text
    listed = client.get(link.replace("&amp;", "&"))
    assert listed.status_code == 200 and "公园厕所无人打扫" in listed.text
    assert f'data-case="{late.case.id}"' in listed.text
    assert "/staff/dashboard/cases?place=" in page.text
    assert "/staff/watches?kind=place&amp;value=" in page.text  # follow a place from the dashboard


def test_bad_case_list_filters_answer_422(client: TestClient, db: Session) -> None:
    f.login(client, f.user(db, role="admin"))
    bad = client.get("/staff/dashboard/cases?from=2024-13-01")
    assert bad.status_code == 422 and "日期格式不正确" in bad.text
    assert client.get("/staff/dashboard/cases?status=%3Cscript%3E").status_code == 422
    assert client.get("/staff/dashboard/cases?place=" + "x" * 3000).status_code == 200
