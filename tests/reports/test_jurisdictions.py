"""The 民意 report per jurisdiction (issue 17): stored per (period, jurisdiction), its figures the subtree's, and over
HTTP only within the viewer's subtree."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.reports import services as reports
from minyi.reports.content import parse_period
from minyi.reports.models import StoredReport
from minyi.stats.services import StatsQuery, build_report
from tests import factories as f
from tests.web.test_jurisdiction_stats import _city

MARCH = parse_period("2024-03")


def test_one_stored_report_per_period_and_jurisdiction(db: Session) -> None:
    tree = _city(db)
    root = reports.store_report(db, period=MARCH)
    east = reports.store_report(db, period=MARCH, jurisdiction=tree["east"])
    city = reports.store_report(db, period=MARCH, jurisdiction=tree["city"])
    assert db.scalar(select(func.count()).select_from(StoredReport)) == 3
    assert (root.summary["received"], city.summary["received"], east.summary["received"]) == (5, 4, 2)
    east_figures = build_report(db, query=StatsQuery(MARCH.start, MARCH.end).within(tree["east"].path))
    assert east.summary["received"] == east_figures.overall.received
    assert east.title.startswith("A1区 ") and "A1区" in east.html and "A1区" not in root.title
    assert reports.store_report(db, period=MARCH, jurisdiction=tree["east"]).id == east.id  # kept once
    assert [r.id for r in reports.list_reports(db, jurisdiction_id=tree["east"].id)] == [east.id]
    assert reports.stored_report(db, period=MARCH.key).id == root.id  # type: ignore[union-attr]
    assert "13912345678" not in east.html  # the east district's private message: counted, never shown


def test_a_district_supervisor_reads_and_makes_its_own_reports_only(client: TestClient, db: Session) -> None:
    tree = _city(db)
    reports.store_report(db, period=MARCH, jurisdiction=tree["west"])
    f.login(client, f.user(db, role="supervisor", jurisdiction=tree["east"]))
    made = client.post(
        "/staff/reports", data={"period": "2024-03", "csrf_token": f.csrf(client)}, follow_redirects=False
    )
    assert made.status_code == 303 and made.headers["location"] == f"/staff/reports/2024-03?j={tree['east'].id}"
    page = client.get(made.headers["location"])
    assert page.status_code == 200 and "A1区" in page.text
    assert client.get("/staff/reports/2024-03").status_code == 200  # without ?j: the viewer's own jurisdiction
    listed = client.get("/staff/reports")
    assert "A1区 " in listed.text and "A2区" not in listed.text.split('id="report-list"')[1]
    west = tree["west"].id
    assert client.get(f"/staff/reports/2024-03?j={west}").status_code == 403
    assert client.get(f"/staff/reports/2024-03.xlsx?j={west}").status_code == 403
    assert client.get(f"/staff/reports/preview?period=2024-03&j={west}").status_code == 403
    refused = client.post("/staff/reports", data={"period": "2024-03", "j": str(west), "csrf_token": f.csrf(client)})
    assert refused.status_code == 403
