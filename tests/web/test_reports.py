"""/staff/reports over HTTP: supervisors only, generate (CSRF), view, download, bad and empty periods."""

from __future__ import annotations

import io
from datetime import datetime

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from minyi.core.clock import CHINA_TZ, travel
from tests import factories as f


def _history(db: Session) -> None:
    with travel(datetime(2024, 3, 4, 9, tzinfo=CHINA_TZ)):
        f.replied_case(db, f.department(db, name="市水务局"))
    db.flush()


def test_a_handler_cannot_see_reports(client: TestClient, db: Session) -> None:
    f.login(client, f.user(db, role="handler", dept=f.department(db)))
    assert client.get("/staff/reports").status_code == 403
    assert client.get("/staff/reports/preview?period=2024-03").status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client: TestClient) -> None:
    page = client.get("/staff/reports", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/staff/login")


def test_generate_list_view_and_download(client: TestClient, db: Session) -> None:
    _history(db)
    f.login(client, f.user(db, role="supervisor"))
    assert "还没有报告" in client.get("/staff/reports").text
    refused = client.post("/staff/reports", data={"period": "2024-03"})
    assert refused.status_code == 403  # no CSRF token
    made = client.post(
        "/staff/reports", data={"period": "2024-03", "csrf_token": f.csrf(client)}, follow_redirects=False
    )
    assert made.status_code == 303 and made.headers["location"] == "/staff/reports/2024-03"
    listing = client.get("/staff/reports").text
    assert "2024年3月民意月报" in listing and "100.0%" in listing
    document = client.get("/staff/reports/2024-03")
    assert document.status_code == 200 and "2024年3月民意月报" in document.text
    assert "style-src 'unsafe-inline'" in document.headers["content-security-policy"]
    book = client.get("/staff/reports/2024-03.xlsx")
    assert book.status_code == 200 and load_workbook(io.BytesIO(book.content)).sheetnames[0] == "概要"
    assert client.get("/staff/reports/2024-04").status_code == 404
    assert client.get("/staff/reports/2024-04.xlsx").status_code == 404


def test_bad_and_empty_periods(client: TestClient, db: Session) -> None:
    f.login(client, f.user(db, role="admin"))
    bad = client.post("/staff/reports", data={"period": "2024-13", "csrf_token": f.csrf(client)})
    assert bad.status_code == 422 and "月份不正确" in bad.text and 'value="2024-13"' in bad.text
    huge = client.post("/staff/reports", data={"period": "9" * 5000, "csrf_token": f.csrf(client)})
    assert huge.status_code == 422
    assert client.get("/staff/reports/preview?period=yesterday").status_code == 422
    assert "报告周期" in client.get("/staff/reports/preview").text
    empty = client.get("/staff/reports/preview?period=2015-W10")
    assert empty.status_code == 200 and "没有收到留言" in empty.text
