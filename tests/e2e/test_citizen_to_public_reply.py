"""End to end in a real browser: submit → assign → reply → unsatisfied + reopen → reply again → public board."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests import factories as f
from tests.e2e.conftest import LiveServer, login, with_db

pytestmark = pytest.mark.e2e

TITLE = "青年路夜市油烟和噪音扰民"
BODY = "青年路夜市每天营业到凌晨两点，烧烤油烟直接飘进居民楼，噪音也很大，希望相关部门规范夜市经营时间和排烟设施。"


def _logout(page) -> None:
    page.click("header button.link")


def test_message_travels_the_whole_loop(live_server: LiveServer, browser, artifacts: Path) -> None:
    with with_db(live_server) as db:
        dept = f.department(db, name="市生态环境局", domains=["环境保护"])
        f.user(db, role="coordinator", username="e2e.coord")
        f.user(db, role="handler", dept=dept, username="e2e.handler")
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    page = context.new_page()
    shot = iter(range(1, 100))

    def snap(name: str) -> None:
        page.screenshot(path=str(artifacts / f"{next(shot):02d}-{name}.png"), full_page=True)

    # 1. A citizen submits a message.
    page.goto(live_server.url)
    page.fill("#title", TITLE)
    page.select_option("#appeal_kind", "complaint")
    page.select_option("#domain", "环境保护")
    page.fill("#place_text", "青年路夜市")
    page.fill("#body", BODY)
    page.fill("#contact_phone", "13512345678")
    snap("citizen-form")
    page.click("button[type=submit]")
    track_url = page.get_attribute("#track-open", "href")
    case_id = page.inner_text("#case-no")
    assert track_url.startswith("/track/")
    snap("citizen-submitted")

    # 2. The coordinator assigns it to the department.
    login(page, live_server, "e2e.coord")
    assert TITLE in page.content()
    snap("coordinator-inbox")
    page.click(f"text={TITLE}")
    page.select_option("#assign-dept", label="市生态环境局")
    snap("coordinator-case")
    page.click("#form-assign button[type=submit]")
    _logout(page)

    # 3. The department accepts and replies.
    login(page, live_server, "e2e.handler")
    snap("department-inbox")
    page.click(f"text={TITLE}")
    page.click("#form-accept button")
    page.fill("#reply-body", "已约谈夜市管理方，要求晚上十一点前收摊并加装油烟净化设备。")
    page.click("#form-reply button[type=submit]")
    assert "已答复" in page.inner_text("#status")
    snap("department-replied")
    _logout(page)

    # 4. The citizen rates 不满意 and reopens.
    page.goto(live_server.url + track_url)
    assert "已约谈夜市管理方" in page.content()
    page.check("input[value=unsatisfied]")
    page.fill("#comment", "过了一周仍然营业到凌晨")
    snap("citizen-rating")
    page.click("#rating button[type=submit]")
    page.fill("#reason", "夜市仍然营业到凌晨，油烟没有改善")
    page.click("#reopen button[type=submit]")
    assert "办理中" in page.inner_text("#status")
    snap("citizen-reopened")

    # 5. The department replies again.
    login(page, live_server, "e2e.handler")
    page.click(f"text={TITLE}")
    page.fill("#reply-body", "已联合城管执法，夜市自本周起十一点闭市，油烟净化设备已全部安装并通过检测。")
    page.click("#form-reply button[type=submit]")
    snap("department-second-reply")
    _logout(page)

    # 6. The case is on the public board with its full public history, and no personal data.
    page.goto(f"{live_server.url}/board")
    assert TITLE in page.content()
    snap("public-board")
    page.click(f"text={TITLE}")
    history = page.inner_text("#history")
    for step in ("提交留言", "受理并转办", "签收办理", "答复", "评价", "申请重办"):
        assert step in history, step
    assert "夜市仍然营业到凌晨" in history
    replies = page.inner_text("#replies")
    assert "已约谈夜市管理方" in replies and "油烟净化设备已全部安装" in replies
    assert "13512345678" not in page.content()
    assert re.search(rf"/cases/{case_id}$", page.url)
    snap("public-case")
    context.close()
