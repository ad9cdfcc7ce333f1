"""/j/{slug}/stats over HTTP: a jurisdiction's figures (its subtree), links up and down the tree, 通报 of its children,
no private data; unknown or inactive addresses are 404."""

from __future__ import annotations

import re
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from minyi.core.clock import CHINA_TZ, travel
from minyi.workflow import services as workflow
from tests import factories as f
from tests.stats.test_jurisdictions import move

PERIOD = "from=2024-03-01&to=2024-03-31"


def _received(html: str) -> int:
    found = re.search(r'data-figure="received">(\d+)<', html)
    assert found, "no received figure"
    return int(found.group(1))


def _city(db: Session) -> dict:
    """A city with two districts and a street; a case in each district, one in the street, one kept by the city,
    one at the root; the east district's case is private and has contact data."""
    city = f.jurisdiction(db, name="A市", level="city", slug="a-city")
    east = f.jurisdiction(db, name="A1区", parent=city, slug="a-east")
    west = f.jurisdiction(db, name="A2区", parent=city, slug="a-west")
    street = f.jurisdiction(db, name="桂花坪街道", parent=east, level="street", slug="a-street")
    water = f.department(db, name="市水务局")
    with travel(datetime(2024, 3, 4, 9, tzinfo=CHINA_TZ)):
        replied, _h = f.replied_case(db, water)
        workflow.rate(db, case=f.reload(db, replied.case), level="unsatisfied")
        private = f.message(db, is_public=False, place_text="我家楼下", contact_phone="13912345678")
        in_street = f.message(db, place_text="桂花坪小区")
        kept = f.message(db)
        f.message(db)  # stays at the root
    db.flush()
    move(db, replied.case.id, city)
    move(db, replied.case.id, west)
    move(db, private.case.id, city)
    move(db, private.case.id, east)
    move(db, in_street.case.id, city)
    move(db, in_street.case.id, east)
    move(db, in_street.case.id, street)
    move(db, kept.case.id, city)
    return {"city": city, "east": east, "west": west, "street": street}


def test_a_jurisdiction_has_its_own_figures_and_links(client: TestClient, db: Session) -> None:
    _city(db)
    root = client.get(f"/stats?{PERIOD}")
    city = client.get(f"/j/a-city/stats?{PERIOD}")
    east = client.get(f"/j/a-east/stats?{PERIOD}")
    assert root.status_code == city.status_code == east.status_code == 200
    assert (_received(root.text), _received(city.text), _received(east.text)) == (5, 4, 2)
    assert "<h1>A市 · 统计公开" in city.text and 'action="/j/a-city/stats"' in city.text
    assert 'href="/stats" data-up' in city.text  # the city's parent is the root: its page is /stats
    assert 'href="/j/a-east/stats" data-down="a-east"' in city.text and 'data-down="a-west"' in city.text
    assert 'href="/j/a-city/stats" data-up="a-city"' in east.text and 'data-down="a-street"' in east.text
    assert "13912345678" not in east.text and "我家楼下" not in east.text and "未公开" in east.text
    assert "/stats.csv" not in city.text  # the downloads are the whole installation's


def test_the_ranking_of_the_children(client: TestClient, db: Session) -> None:
    _city(db)
    page = client.get(f"/j/a-city/stats?{PERIOD}").text
    table = page[page.index('id="t-ranking"') : page.index("</table>", page.index('id="t-ranking"'))]
    rows = re.findall(r'<tr data-jurisdiction="([^"]*)">(.*?)</tr>', table, re.S)
    assert [slug for slug, _ in rows] == ["a-west", "a-east", ""]  # west has the only on-time reply; own last
    cells = {slug: re.findall(r"<td[^>]*>(.*?)</td>", body, re.S) for slug, body in rows}
    assert cells["a-west"][0] == "1" and "本级直接办理" in rows[2][1]
    # rank, 按时办结率, 回复率, 满意率, 留言数, 超期未答复, 不满意, 重办数
    assert cells["a-west"][6] == "1" and cells["a-east"][6] == "0"  # west's reply was rated 不满意
    assert [c[4] for c in cells.values()] == ["1", "2", "1"]  # west 1, east 2 (the street's), own 1
    assert "按按时办结率从高到低排列" in page
    by_received = client.get(f"/j/a-city/stats?{PERIOD}&rank=received").text
    assert 'data-order="received"' in by_received
    assert client.get(f"/j/a-city/stats?{PERIOD}&rank=%3Cscript%3E").status_code == 200  # unknown: the default


def test_unknown_and_inactive_addresses_are_404(client: TestClient, db: Session) -> None:
    tree = _city(db)
    tree["west"].is_active = False
    db.flush()
    assert client.get("/j/nowhere/stats").status_code == 404
    assert client.get("/j/a-west/stats").status_code == 404
    assert "a-west" not in client.get("/j/a-city/stats").text.split('id="jurisdiction-links"')[1].split("</nav>")[0]
    assert client.get("/j/a-city/stats?from=2024-02-30").status_code == 422


def _figure(html: str, name: str) -> int:
    found = re.search(rf'data-figure="{name}">(\d+)<', html)
    assert found, name
    return int(found.group(1))


def test_the_dashboard_shows_the_viewers_jurisdiction(client: TestClient, db: Session) -> None:
    tree = _city(db)
    with travel(datetime(2024, 3, 20, 9, tzinfo=CHINA_TZ)):
        late, _c, _h = f.case_in_progress(db, f.department(db, name="东区城管"), title="东区的超期办件")
    db.flush()
    move(db, late.case.id, tree["city"])
    move(db, late.case.id, tree["east"])
    f.login(client, f.user(db, role="supervisor", jurisdiction=tree["east"]))
    own = client.get("/staff/dashboard")
    assert own.status_code == 200 and "上网看看 · A1区" in own.text
    assert _figure(own.text, "overdue") == 1 and "东区城管" in own.text
    assert client.get(f"/staff/dashboard?j={tree['street'].id}").status_code == 200  # below: allowed
    assert client.get(f"/staff/dashboard?j={tree['west'].id}").status_code == 403  # a sibling
    assert client.get(f"/staff/dashboard?j={tree['city'].id}").status_code == 403  # above
    assert client.get("/staff/dashboard?j=abc").status_code == 422
    f.login(client, f.user(db, role="supervisor", jurisdiction=tree["city"]))
    west = client.get(f"/staff/dashboard?j={tree['west'].id}")
    assert west.status_code == 200 and _figure(west.text, "overdue") == 0 and "东区城管" not in west.text
    city = client.get("/staff/dashboard")
    assert 'id="t-dash-ranking"' in city.text and 'data-jurisdiction="a-east"' in city.text
    assert client.get("/staff/dashboard?j=999999").status_code == 404
