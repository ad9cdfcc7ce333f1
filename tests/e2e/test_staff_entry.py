"""In a real browser, on a desktop and a phone screen: a coordinator enters a case received by phone (代录入) from
the staff menu — every invalid field at once, then the confirmation with the case number and the citizen's
tracking link and its copy button — and finds it by its channel; the public page shows a case like any other
(issue 14, item 7)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from minyi.core.clock import CHINA_TZ, travel
from tests import factories as f
from tests.e2e.conftest import LiveServer, login, with_db

pytestmark = pytest.mark.e2e
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _no_sideways_scroll(page, screen: str) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SCREENS[screen]["width"], f"the page scrolls sideways: {width}px"


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_a_coordinator_enters_a_phone_case(
    live_server: LiveServer,
    browser,  # type: ignore[no-untyped-def]
    artifacts: Path,
    screen: str,
) -> None:
    username = f"entry.{screen}"
    with with_db(live_server) as db:
        f.user(db, role="coordinator", username=username)
    context = browser.new_context(
        viewport=SCREENS[screen], locale="zh-CN", permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    login(page, live_server, username)
    page.click("header.site a[href='/staff/entry']")  # from the staff menu
    assert page.input_value("#channel") == "phone" and page.input_value("#received_at")
    assert not page.is_checked("input[name=is_public]")  # public only when the citizen says so
    _no_sideways_scroll(page, screen)
    page.screenshot(path=str(artifacts / f"01-entry-form-{screen}.png"), full_page=True)

    page.fill("#title", "路灯")
    page.fill("#contact_phone", "电话号码")
    page.click("#entry-form button[type=submit]")
    page.wait_for_selector("#form-error")
    summary = page.inner_text("#form-error")
    assert "有 3 处需要修改" in summary
    for field in ("title", "body", "contact_phone"):
        assert page.get_attribute(f"#{field}", "aria-invalid") == "true" and page.inner_text(f"#{field}-error")
    assert page.input_value("#channel") == "phone" and page.input_value("#title") == "路灯"  # kept
    _no_sideways_scroll(page, screen)
    page.screenshot(path=str(artifacts / f"02-entry-errors-{screen}.png"), full_page=True)

    title = f"东湖路路灯连续一周不亮（{screen}）"
    page.fill("#title", title)
    page.select_option("#appeal_kind", "complaint")
    page.fill("#place_text", "东湖路与建设路口")
    page.fill("#body", "市民来电反映：东湖路与建设路口一带的路灯已经连续一周晚上不亮，路口车多，行人过马路很危险。")
    page.fill("#contact_name", "李先生")
    page.fill("#contact_phone", "13700001111")
    page.check("input[name=is_public]")  # the caller agreed
    page.click("#entry-form button[type=submit]")
    page.wait_for_selector("#case-no")
    case_no = page.inner_text("#case-no")
    link = page.input_value("#track-link")
    assert link.startswith(f"{live_server.url}/track/") and page.inner_text("#entered-channel") == "电话"
    assert "未配置邮件发送" in page.inner_text("#tracking")
    token = link.rsplit("/", 1)[1]
    groups = page.locator("#read-out .token-groups span").all_inner_texts()
    assert "".join(groups) == token and all(len(g) <= 4 for g in groups)  # to read out in groups of four
    page.click("#copy-link")
    page.wait_for_selector("#copy-status:text('已复制')")
    assert page.evaluate("navigator.clipboard.readText()") == link
    _no_sideways_scroll(page, screen)
    page.screenshot(path=str(artifacts / f"03-entered-{screen}.png"), full_page=True)

    page.click("a:text('查看办件')")
    assert page.inner_text("#channel") == "电话" and "代录入" in page.inner_text("#history")
    _no_sideways_scroll(page, screen)
    page.screenshot(path=str(artifacts / f"04-staff-case-{screen}.png"), full_page=True)

    page.goto(f"{live_server.url}/staff/inbox")
    page.select_option("#f-channel", "phone")
    page.click(".worklist-filters button[type=submit]")
    assert page.locator(f"tbody tr[data-case='{case_no}']").count() == 1
    assert all(c == "电话" for c in page.locator("tbody [data-channel]").all_inner_texts())
    _no_sideways_scroll(page, screen)  # a wide table scrolls inside its box, not the page
    page.screenshot(path=str(artifacts / f"05-triage-by-channel-{screen}.png"), full_page=True)
    context.close()

    citizen = browser.new_context(viewport=SCREENS[screen], locale="zh-CN").new_page()
    citizen.goto(link)  # the link read out to the citizen works
    assert title in citizen.inner_text("main")
    citizen.goto(f"{live_server.url}/cases/{case_no}")
    text = citizen.inner_text("main")
    assert title in text and "代录入" not in text and "李先生" not in text and "13700001111" not in text
    citizen.screenshot(path=str(artifacts / f"06-public-case-{screen}.png"), full_page=True)
    citizen.context.close()


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_the_statistics_count_messages_by_channel(
    live_server: LiveServer,
    browser,  # type: ignore[no-untyped-def]
    artifacts: Path,
    screen: str,
) -> None:
    month = {"desktop": 3, "phone": 4}[screen]  # a period of its own (the live server caches each report)
    with with_db(live_server) as db, travel(datetime(2023, month, 20, 9, tzinfo=CHINA_TZ)):
        coordinator = f.user(db, role="coordinator", username=f"stats.entry.{screen}")
        for channel in ("phone", "phone", "letter", "visit"):
            f.entered(db, coordinator, channel=channel, received_at=f"2023-{month:02d}-17T16:00")
        for _ in range(4):
            f.message(db)
    page = browser.new_context(viewport=SCREENS[screen], locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/stats?from=2023-{month:02d}-01&to=2023-{month:02d}-28")
    received = {
        row.get_attribute("data-channel"): row.locator("td >> nth=0").inner_text()
        for row in page.locator("#t-channel tbody tr").all()
    }
    assert received == {"phone": "2", "letter": "1", "visit": "1", "website": "4", "online": "0", "interview": "0"}
    assert "25.0%" in page.inner_text("#t-channel tr[data-channel=phone]")  # 2 of the 8 messages
    _no_sideways_scroll(page, screen)
    page.locator("section[aria-labelledby=t-channel-title]").screenshot(
        path=str(artifacts / f"stats-by-channel-{screen}.png")
    )
    page.context.close()
