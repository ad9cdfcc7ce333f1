"""In a real browser, on a desktop and a phone screen: the form reports every invalid field at once beside its
input, a citizen chooses among the kinds they can say of themselves, and a second 附议 says so instead of an
error page (issue 14, points 2, 4 and 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import factories as f
from tests.e2e.conftest import LiveServer, with_db

pytestmark = pytest.mark.e2e
SCREENS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_every_invalid_field_is_shown_beside_its_input(
    live_server: LiveServer,
    browser,  # type: ignore[no-untyped-def]
    artifacts: Path,
    screen: str,
) -> None:
    context = browser.new_context(viewport=SCREENS[screen], locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.fill("#title", "短")
    page.fill("#body", "太短了")
    page.fill("#contact_phone", "abc")
    page.click("form[action='/messages'] button[type=submit]")
    page.wait_for_selector("#form-error")
    summary = page.inner_text("#form-error")
    assert "有 3 处需要修改" in summary
    for field, words in (
        ("title", "标题至少 4 个字"),
        ("body", "留言内容至少 10 个字"),
        ("contact_phone", "电话号码格式不正确"),
    ):
        assert page.inner_text(f"#{field}-error") == words
        assert page.get_attribute(f"#{field}", "aria-invalid") == "true"
        assert words in summary
    assert page.input_value("#body") == "太短了"  # what the citizen typed is kept
    kinds = page.locator("#appeal_kind option").all_text_contents()
    assert kinds == ["不确定（由工作人员判断）", "投诉", "求助", "建议", "咨询", "表扬"]  # not 错误看法 or 模糊认识
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SCREENS[screen]["width"], f"the page scrolls sideways: {width}px"
    page.screenshot(path=str(artifacts / f"form-errors-{screen}.png"), full_page=True)
    page.click("#form-error a[href='#body']")  # the summary's links lead to the inputs
    assert page.evaluate("location.hash") == "#body"
    context.close()


def test_a_second_support_says_you_already_did(live_server: LiveServer, browser, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    with with_db(live_server) as db:
        case_id = f.message(db, title="小区路灯坏了一个月", body="幸福小区三号楼前的路灯坏了一个月，晚上很黑。").case.id
    context = browser.new_context(viewport=SCREENS["desktop"], locale="zh-CN")
    old, page = context.new_page(), context.new_page()
    old.goto(f"{live_server.url}/cases/{case_id}")  # a page opened before the first 附议
    page.goto(f"{live_server.url}/cases/{case_id}")
    button = page.locator("#support button")
    assert button.is_enabled() and "附议" in button.inner_text()
    button.click()
    assert "已附议，感谢您的支持" in page.inner_text("#support")
    assert page.locator("#support button").is_disabled() and page.inner_text("#support button") == "您已附议"
    old.locator("#support button").click()  # the stale page's button: words, not an error page
    assert "您已附议过这件留言" in old.inner_text("#support") and "已有 1 人附议" in old.inner_text("#support")
    assert old.locator("#support button").is_disabled()
    old.screenshot(path=str(artifacts / "support-again-desktop.png"), full_page=True)
    context.close()
    phone = browser.new_context(viewport=SCREENS["phone"], locale="zh-CN").new_page()
    phone.goto(f"{live_server.url}/cases/{case_id}")  # the same address: the same visitor
    assert phone.locator("#support button").is_disabled() and phone.inner_text("#support button") == "您已附议"
    phone.screenshot(path=str(artifacts / "support-again-phone.png"), full_page=True)
    phone.context.close()
