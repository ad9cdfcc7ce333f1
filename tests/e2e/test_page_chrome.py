"""End to end in a real browser: what every page shares — the skip link, the staff menu's width, print."""

from __future__ import annotations

from pathlib import Path

import pytest

from minyi.core.clock import china_today
from tests import factories as f
from tests.e2e.conftest import LiveServer, login, with_db

pytestmark = pytest.mark.e2e


def test_the_skip_link_is_the_first_tab_stop_and_moves_to_the_content(
    live_server: LiveServer, browser, artifacts: Path
) -> None:
    page = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/board")
    skip = page.locator("a.skip-link")
    box = skip.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 0, "hidden until focused"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0, "visible once focused"
    page.screenshot(path=str(artifacts / "01-skip-link-390.png"))
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.context.close()


def test_the_admins_menu_fits_on_one_line_at_1280(live_server: LiveServer, browser, artifacts: Path) -> None:
    with with_db(live_server) as db:
        f.user(db, role="admin", username="chrome.admin")
        f.user(db, role="supervisor", username="chrome.super")
    for username in ("chrome.admin", "chrome.super"):
        page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
        login(page, live_server, username)
        page.goto(f"{live_server.url}/stats")
        tops = page.eval_on_selector_all(
            "header.site nav > a, header.site nav > span, header.site nav > form",
            "els => els.map(e => Math.round(e.getBoundingClientRect().top))",
        )
        assert len(tops) >= 10 and max(tops) - min(tops) < 8, (username, tops)  # one line: every item at one height
        page.screenshot(path=str(artifacts / f"01-menu-{username}-1280.png"))
        board = page.locator("header.site .nav-menu a[href='/board']")
        assert not board.is_visible()  # the public pages are folded into 公开页面 for staff
        page.locator("header.site .nav-more summary").click()
        board.click()
        page.wait_for_url(f"{live_server.url}/board")
        page.context.close()


def test_the_case_page_and_the_report_print_without_the_site_chrome(
    live_server: LiveServer, browser, artifacts: Path
) -> None:
    with with_db(live_server) as db:
        dept = f.department(db, name="市路灯管理处", domains=["城乡建设"])
        sub, _handler = f.replied_case(db, dept)
        f.user(db, role="supervisor", username="print.super")
        number = sub.case.id
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/cases/{number}")
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()
    assert not page.locator("footer.site").is_visible()
    assert page.locator("text=路灯已于今日修复").first.is_visible(), "the reply prints"
    page.screenshot(path=str(artifacts / "01-case-print.png"), full_page=True)
    page.pdf(path=str(artifacts / "01-case.pdf"))
    page.emulate_media(media="screen")
    assert page.locator("header.site").is_visible()
    login(page, live_server, "print.super")
    page.goto(f"{live_server.url}/staff/reports")
    page.fill("#r-period", china_today().strftime("%Y-%m"))
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    page.emulate_media(media="print")
    assert not page.locator("header.site").is_visible()
    assert page.locator("h1").first.is_visible()
    assert page.locator("form").count() == 0 or not page.locator("form").first.is_visible()
    page.screenshot(path=str(artifacts / "02-report-print.png"), full_page=True)
    page.context.close()


def test_the_admin_changes_a_role_and_resets_a_password_on_the_accounts_own_page(
    live_server: LiveServer, browser, artifacts: Path
) -> None:
    with with_db(live_server) as db:
        dept = f.department(db, name="市自来水公司", domains=["城乡建设"])
        f.user(db, role="admin", username="area.admin")
        f.user(db, role="coordinator", username="area.clerk")
        dept_id = dept.id
    for width in (1280, 390):
        page = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN").new_page()
        login(page, live_server, "area.admin")
        page.goto(f"{live_server.url}/staff/admin")
        page.screenshot(path=str(artifacts / f"01-admin-front-{width}.png"), full_page=True)
        page.click("nav.subnav >> text=用户与角色")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(artifacts / f"02-admin-users-{width}.png"), full_page=True)
        page.click("text=area.clerk")
        if width == 1280:
            page.select_option("#role", "handler")
            page.select_option("#department", str(dept_id))
            page.click("#role-form button[type=submit]")
            assert "角色与部门已保存" in page.inner_text("#saved-notice")
            assert "承办人" in page.inner_text("#account")
        page.screenshot(path=str(artifacts / f"03-admin-user-{width}.png"), full_page=True)
        page.click("#card-password button[type=submit]")
        assert len(page.inner_text("#new-password")) >= 12
        page.screenshot(path=str(artifacts / f"04-password-reset-{width}.png"))
        page.context.close()
