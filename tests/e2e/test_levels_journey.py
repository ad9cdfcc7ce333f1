"""End to end in a real browser (issue 17's journey): a message addressed to the city's mayor goes down to a district,
then to a street, whose office replies; the city's and the district's public figures count it, each level's
coordinator saw it only while it was theirs or below, and a sibling district never did."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import factories as f
from tests.e2e.conftest import LiveServer, login, with_db

pytestmark = pytest.mark.e2e

TITLE = "青山路菜市场门口占道经营严重"
BODY = "青山路菜市场门口每天早上摊贩占满人行道，行人只能走机动车道，非常危险，希望尽快规范管理。"
REPLY = "青山街道已会同城管中队清理占道摊位，并在菜市场内增设临时摊位，今后每天早上安排人员巡查。"


def _logout(page) -> None:  # type: ignore[no-untyped-def]
    page.click("header button.link")


def _arrange(server: LiveServer) -> None:
    with with_db(server) as db:
        city = f.jurisdiction(db, name="星城市", level="city", slug="xingcheng", areas="星城", leaders="市长、书记")
        east = f.jurisdiction(db, name="东湖区", parent=city, slug="donghu", areas="东湖")
        west = f.jurisdiction(db, name="西山区", parent=city, slug="xishan", areas="西山")
        street = f.jurisdiction(
            db, name="青山街道", parent=east, level="street", slug="donghu-qingshan", areas="青山路、青山菜市场"
        )
        f.jurisdiction(db, name="滨江街道", parent=east, level="street", slug="donghu-binjiang", areas="滨江路")
        office = f.department(db, name="青山街道办事处", jurisdiction_id=street.id)
        f.department(db, name="星城市城市管理局", jurisdiction_id=city.id)
        f.user(db, role="coordinator", username="lv.city", jurisdiction=city)
        f.user(db, role="coordinator", username="lv.east", jurisdiction=east)
        f.user(db, role="coordinator", username="lv.west", jurisdiction=west)
        f.user(db, role="coordinator", username="lv.street", jurisdiction=street)
        f.user(db, role="handler", username="lv.office", dept=office, jurisdiction=street)


def test_a_message_to_the_city_goes_down_to_a_street_and_counts_in_the_city_and_the_district(
    live_server: LiveServer, browser, artifacts: Path
) -> None:
    _arrange(live_server)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    shot = iter(range(1, 100))

    def snap(name: str) -> None:
        page.screenshot(path=str(artifacts / f"{next(shot):02d}-{name}.png"), full_page=True)

    # 1. A citizen writes to the city's mayor (the places would have chosen the street: the address wins).
    page.goto(live_server.url)
    page.fill("#title", TITLE)
    page.select_option("#leader", label="星城市 市长信箱")
    page.fill("#place_text", "青山路菜市场")
    page.fill("#body", BODY)
    page.fill("#contact_phone", "13512345678")
    snap("citizen-form")
    page.click("button[type=submit]")
    case_id = page.inner_text("#case-no").strip()
    assert case_id.isdigit()

    # 2. A sibling district's coordinator never sees it; the city's does, addressed to the mayor, and sends it down.
    login(page, live_server, "lv.west")
    assert TITLE not in page.content()
    response = page.goto(f"{live_server.url}/staff/cases/{case_id}")
    assert response is not None and response.status == 403
    _logout(page)
    login(page, live_server, "lv.east")  # the district does not see the city's case yet
    assert TITLE not in page.content()
    _logout(page)
    login(page, live_server, "lv.city")
    page.click(f"text={TITLE}")
    assert "星城市" in page.inner_text("#jurisdiction")
    assert "市长信箱" in page.inner_text("#jurisdiction-reason")
    page.select_option("#send-down-to", label="东湖区（区/县）")
    page.fill("#send-down-note", "属东湖区辖区，请区里协调街道办理。")
    snap("city-sends-down")
    page.click("#form-send-down button[type=submit]")
    _logout(page)

    # 3. The district sends it down to the street.
    login(page, live_server, "lv.east")
    page.click(f"text={TITLE}")
    assert "星城市 › 东湖区" in page.inner_text("#jurisdiction")
    page.select_option("#send-down-to", label="青山街道（街道/乡镇）")
    page.click("#form-send-down button[type=submit]")
    _logout(page)

    # 4. The street's coordinator assigns it to the street office (only its own level's departments are offered).
    login(page, live_server, "lv.street")
    page.click(f"text={TITLE}")
    options = page.locator("#assign-dept option").all_inner_texts()
    assert any("青山街道办事处" in o for o in options)
    assert not any("星城市城市管理局" in o for o in options)
    page.select_option("#assign-dept", label="青山街道办事处")
    snap("street-assigns")
    page.click("#form-assign button[type=submit]")
    _logout(page)

    # 5. The street office accepts and replies.
    login(page, live_server, "lv.office")
    page.click(f"text={TITLE}")
    page.click("#form-accept button")
    page.fill("#reply-body", REPLY)
    page.click("#form-reply button[type=submit]")
    assert "已答复" in page.inner_text("#status")
    snap("street-office-replied")
    _logout(page)

    # 6. The public case page shows the moves (never the staff notes) and the reply.
    page.goto(f"{live_server.url}/cases/{case_id}")
    history = page.inner_text("#history")
    assert "转至下级办理" in history and "青山街道" in history
    assert "请区里协调街道办理" not in page.content()
    assert REPLY in page.content()
    assert "13512345678" not in page.content()
    snap("public-case")

    # 7. The figures of the district and of the city count it; the city's 通报 puts it under 东湖区.
    for slug in ("donghu", "xingcheng"):
        page.goto(f"{live_server.url}/j/{slug}/stats")
        assert page.inner_text("#overall [data-figure='received']").strip() == "1", slug
        assert page.inner_text("#overall [data-figure='reply_rate']").strip().startswith("100"), slug
        snap(f"stats-{slug}")
    east_row = page.locator("#t-ranking tr[data-jurisdiction='donghu'] td[data-v]")
    assert east_row.inner_text().strip() == "1"
    west_row = page.locator("#t-ranking tr[data-jurisdiction='xishan'] td[data-v]")
    assert west_row.inner_text().strip() == "0"
    page.goto(f"{live_server.url}/j/xishan/stats")
    assert page.inner_text("#overall [data-figure='received']").strip() == "0"
    context.close()
