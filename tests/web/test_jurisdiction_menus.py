"""The department menus of a jurisdiction's pages list its subtree's departments, not a province's thousands: a
district coordinator's work lists, a district's public board and its figures."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import factories as f


def _menu(html: str) -> set[str]:
    """The department names of the page's 承办部门 filter (#f-dept) or the statistics' (#s-dept)."""
    found = re.search(r'<select id="[fs]-dept" name="department_id">(.*?)</select>', html, re.S)
    assert found is not None, "no department menu on the page"
    return {name.strip("　 ") for name in re.findall(r"<option value=\"\d+\"[^>]*>([^<]*)</option>", found.group(1))}


def test_a_jurisdictions_pages_list_only_its_subtrees_departments(client: TestClient, db: Session) -> None:
    city = f.jurisdiction(db, name="M市", level="city", slug="m-city")
    east = f.jurisdiction(db, name="M2区", parent=city, slug="m2")
    west = f.jurisdiction(db, name="M5区", parent=city, slug="m5")
    street = f.jurisdiction(db, name="M2区甲街道", parent=east, level="street", slug="m2-jia")
    for name, where in (("本级局", None), ("M市局", city), ("M2区局", east), ("M5区局", west), ("甲街道办", street)):
        f.department(db, name=name, jurisdiction_id=where.id if where is not None else None)
    f.message(db, jurisdiction="m2")  # a case on the district's board
    coordinator = f.user(db, role="coordinator", jurisdiction=east)
    db.commit()
    mine = {"M2区局", "甲街道办"}
    assert _menu(client.get("/j/m2/board").text) == mine
    assert _menu(client.get("/j/m2/stats").text) == mine
    assert _menu(client.get("/board").text) >= mine | {"本级局", "M市局", "M5区局"}  # the root's: every one
    f.login(client, coordinator)
    assert _menu(client.get("/staff/inbox").text) == mine
    root = f.user(db, role="coordinator")
    db.commit()
    f.login(client, root)
    assert _menu(client.get("/staff/inbox").text) >= mine | {"本级局", "M市局", "M5区局"}
