"""In a real browser: the statistics page draws its charts from its tables, works without JavaScript, a
handler finds the automatic 督办 in the notification inbox, and the extension they request reaches the
supervisor's inbox."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from minyi.core.clock import CHINA_TZ, travel
from minyi.core.workdays import add_workdays
from minyi.notifications import services as notes
from minyi.workflow import services as workflow
from tests import factories as f
from tests.e2e.conftest import LiveServer, login, with_db

pytestmark = pytest.mark.e2e
PERIOD = "from=2024-01-01&to=2024-06-30"


def _arrange(server: LiveServer) -> int:
    with with_db(server) as db:
        water = f.department(db, name="市水务局")
        f.department(db, name="市园林局")
        f.user(db, role="supervisor", username="e2e.stats.supervisor")
        for month in (1, 2, 3, 5):
            with travel(datetime(2024, month, 8, 9, tzinfo=CHINA_TZ)):
                sub, _coord, handler = f.case_in_progress(db, water, contact_phone="13800001111")
                workflow.reply(db, actor=f.actor(handler), case_id=sub.case.id, body="已安排维修，感谢您的反映。")
                db.flush()
                workflow.rate(db, case=f.reload(db, sub.case), level="satisfied" if month != 3 else "unsatisfied")
        with travel(datetime(2024, 6, 3, 9, tzinfo=CHINA_TZ)):
            late, _coord, handler = f.case_in_progress(db, water)
        handler.username = "e2e.stats.handler"
        db.flush()  # before reload() expires the session
        deadline = f.reload(db, late.case).deadline
        with travel(datetime.combine(add_workdays(deadline, 1), datetime.min.time(), CHINA_TZ)):
            notes.escalate_overdue(db, outbound=notes.Outbound())
        return water.id


def test_statistics_in_the_browser(live_server: LiveServer, browser, artifacts: Path) -> None:
    water_id = _arrange(live_server)
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)  # HTTP statuses (favicon 404, the 422 page) aside
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )

    page.goto(f"{live_server.url}/stats?{PERIOD}")
    page.wait_for_selector("svg.minyi-chart")
    assert page.locator("svg.minyi-chart").count() == 6  # one chart per table
    assert page.inner_text("[data-figure=received]") == "5"
    assert page.inner_text("[data-figure=satisfaction_rate]") == "75.0%"
    trend = page.locator("figure[data-table=t-trend] svg path")
    assert trend.count() == 2  # received and replied
    assert page.locator("figure[data-table=t-departments] svg rect").count() >= 1
    assert "13800001111" not in page.content()
    page.screenshot(path=str(artifacts / "01-stats.png"), full_page=True)

    page.select_option("#s-by", "week")
    page.click("form[aria-label='统计条件'] button[type=submit]")
    page.wait_for_selector("svg.minyi-chart")
    assert "by=week" in page.url and page.locator("#t-trend tbody tr").count() == 26

    page.click(f"#t-departments a[href*='department_id={water_id}']")
    page.wait_for_selector("svg.minyi-chart")
    assert "统计公开 · 市水务局" in page.inner_text("h1")
    page.screenshot(path=str(artifacts / "02-department.png"), full_page=True)

    page.fill("#s-from", "2024-07-01")
    page.fill("#s-to", "2024-06-01")
    page.click("form[aria-label='统计条件'] button[type=submit]")
    assert "开始日期不能晚于结束日期" in page.inner_text("#stats-error")
    page.screenshot(path=str(artifacts / "03-bad-period.png"), full_page=True)
    assert errors == []

    no_js = browser.new_context(java_script_enabled=False, locale="zh-CN").new_page()
    no_js.goto(f"{live_server.url}/stats?{PERIOD}")
    assert no_js.locator("svg").count() == 0 and no_js.locator("#t-trend tbody tr").count() == 6
    assert "市水务局" in no_js.inner_text("#t-departments")

    login(page, live_server, "e2e.stats.handler")
    page.click("header >> text=通知")
    assert "已超过办理时限" in page.inner_text("#notifications")
    page.screenshot(path=str(artifacts / "04-notifications.png"), full_page=True)
    page.click("#notifications button[value=case]")
    assert "/staff/cases/" in page.url and "系统自动督办" in page.content()

    page.fill("#ext-days", "3")  # a hand-off: the supervisors are told at once
    page.fill("#ext-reason", "需要协调管网改造")
    page.click("#form-extension button[type=submit]")
    login(page, live_server, "e2e.stats.supervisor")
    page.click("header >> text=通知")
    notices = page.inner_text("#notifications")
    assert "延期申请" in notices and "申请延期 3 个工作日" in notices and "承办人" in notices
    assert "需要协调管网改造" not in notices and "13800001111" not in page.content()
    page.screenshot(path=str(artifacts / "05-extension-request-notice.png"), full_page=True)
    context.close()
