"""End to end in a real browser: a district's public board with its switcher, at 1280 and 390 px wide; a citizen
goes down from the tree to a street and back up by the breadcrumb, and searches within the district."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import factories as f
from tests.e2e.conftest import LiveServer, with_db

pytestmark = pytest.mark.e2e


def _arrange(server: LiveServer) -> None:
    with with_db(server) as db:
        city = f.jurisdiction(db, name="E市", level="city", slug="e-city")
        east = f.jurisdiction(db, name="E2区", parent=city, slug="e2")
        west = f.jurisdiction(db, name="E5区", parent=city, slug="e5")
        street = f.jurisdiction(db, name="桂花坪街道", parent=east, level="street", slug="e2-guihuaping")
        f.jurisdiction(db, name="东塘街道", parent=east, level="street", slug="e2-dongtang")
        for where, title in ((east, "东区路灯不亮"), (street, "桂花坪小区停车难"), (west, "西区路灯不亮")):
            body = f"{title}，已经两周了，联系电话13800138000，请尽快处理。"
            case = f.message(db, title=title, body=body, place_text="").case
            case.jurisdiction_id = where.id
        db.flush()


def test_a_districts_board_with_its_switcher_at_1280_and_390(live_server: LiveServer, browser, artifacts: Path) -> None:
    _arrange(live_server)
    for width, height in ((1280, 800), (390, 844)):
        page = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN").new_page()
        page.goto(f"{live_server.url}/j/e2/board")
        switcher = page.locator("#jurisdiction-switcher")
        assert switcher.is_visible()
        titles = page.locator("table.cards a[href^='/cases/']").all_inner_texts()
        assert titles == ["桂花坪小区停车难", "东区路灯不亮"], titles
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width  # no sideways scroll
        tops = page.eval_on_selector_all(
            "header.site nav > a, header.site nav > span, header.site nav > form",
            "els => els.map(e => Math.round(e.getBoundingClientRect().top))",
        )
        if width == 1280:
            assert max(tops) - min(tops) < 8, tops  # the top menu is unchanged: one line
        page.screenshot(path=str(artifacts / f"01-district-board-{width}.png"), full_page=True)
        page.context.close()


def test_down_the_tree_to_a_street_back_up_and_a_search_within_the_district(live_server: LiveServer, browser) -> None:
    page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/board")
    page.click("#jurisdictions-link a")
    page.click("#jurisdiction-tree a[href='/j/e2/board']")
    page.click("#jurisdiction-switcher a[href='/j/e2-guihuaping/board']")
    assert page.locator("table.cards a[href^='/cases/']").all_inner_texts() == ["桂花坪小区停车难"]
    page.click("#jurisdiction-switcher a[href='/j/e2/board']")  # the breadcrumb, one level up
    page.fill("#q", "路灯")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/j/e2/board?*")
    assert page.locator("table.cards a[href^='/cases/']").all_inner_texts() == ["东区路灯不亮"]
    page.locator("table.cards a[href^='/cases/']").first.click()
    assert page.locator("#case-jurisdiction").inner_text() == "E2区"
    page.context.close()


def test_a_jurisdictions_pages_have_no_serious_accessibility_violations(live_server: LiveServer, browser) -> None:
    from tests.e2e.test_accessibility import AXE, serious_violations

    if not AXE.is_file():
        pytest.fail(f"axe-core not found at {AXE}: run `make axe` (npm install axe-core)")
    script = AXE.read_text(encoding="utf-8")
    found: dict[str, list[dict]] = {}
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN", bypass_csp=True)
        page = context.new_page()
        for path in ("/jurisdictions", "/j/e2/board", "/j/e2/board?q=路灯", "/j/e2/hot", "/j/nowhere/board"):
            page.goto(f"{live_server.url}{path}")
            if violations := serious_violations(page, script):
                found[f"{path}@{width}"] = violations
        context.close()
    assert not found, found
