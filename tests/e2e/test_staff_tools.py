"""End to end in a real browser: the reply check before publishing, the leaders' dashboard and reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import factories as f
from tests.e2e.conftest import LiveServer, login, with_db

pytestmark = pytest.mark.e2e


def test_handler_checks_a_draft_reply_then_publishes(live_server: LiveServer, browser, artifacts: Path) -> None:
    with with_db(live_server) as db:
        dept = f.department(db, name="市城管局", domains=["城乡建设"])
        sub, _coord, _handler = f.case_in_progress(
            db,
            dept,
            title="人行道被占用无法通行",
            body="和平路人行道长期被商户占用摆摊，行人只能走机动车道，请问什么时候能清理？",
        )
        f.user(db, role="handler", dept=dept, username="tools.handler")
        case_id = sub.case.id
    page = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN").new_page()
    login(page, live_server, "tools.handler")
    page.goto(f"{live_server.url}/staff/cases/{case_id}")
    page.fill("#reply-body", "已转交。")
    page.click("#reply-check-button")
    page.wait_for_selector("#reply-check-result :text('完整')", timeout=10000)
    page.screenshot(path=str(artifacts / "01-weak-draft-checked.png"), full_page=True)
    result = page.inner_text("#reply-check-result")
    assert "差" in result or "一般" in result
    good = (
        "您好，感谢您的反映。根据《城市市容和环境卫生管理条例》，我局已于本周对和平路占道摆摊进行清理，"
        "并安排每日巡查，预计本月底前完成整治。如有问题请拨打城管热线12319。"
    )
    page.fill("#reply-body", good)
    page.click("#form-reply button[type=submit]:not(#reply-check-button)")
    assert "已答复" in page.inner_text("#status")
    page.context.close()


def test_supervisor_reads_the_dashboard_and_builds_a_report(live_server: LiveServer, browser, artifacts: Path) -> None:
    with with_db(live_server) as db:
        f.user(db, role="supervisor", username="tools.super")
        dept = f.department(db, name="市环保局", domains=["环境保护"])
        f.replied_case(db, dept)
    page = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN").new_page()
    login(page, live_server, "tools.super")
    page.goto(f"{live_server.url}/staff/dashboard")
    text = page.inner_text("main")
    assert "今天" in text and "超期未答复" in text and "当前热点问题" in text
    page.wait_for_selector("figure[data-table='t-dash-places'] svg")
    labels = page.locator("figure[data-table='t-dash-places'] svg text").all_text_contents()
    assert "幸福路小区" in " ".join(labels) and not any("蹲点" in label for label in labels)  # the place, not the link
    page.screenshot(path=str(artifacts / "01-dashboard.png"), full_page=True)
    page.goto(f"{live_server.url}/staff/reports")
    assert "报告" in page.inner_text("main")
    page.screenshot(path=str(artifacts / "02-reports.png"), full_page=True)
    page.context.close()


def test_a_reply_template_fills_the_draft_without_leaving_the_page(
    live_server: LiveServer,
    browser,  # type: ignore[no-untyped-def]
    artifacts: Path,
) -> None:
    from minyi.replies import services as replies

    with with_db(live_server) as db:
        dept = f.department(db, name="市园林局", domains=["城乡建设"])
        handler = f.user(db, role="handler", dept=dept, username="tpl.handler")
        first, _c, _h = f.case_in_progress(db, dept, title="公园长椅坏了")
        other = f.department(db, name="市体育局")
        second, _c2, _h2 = f.case_in_progress(db, other, title="体育馆灯坏了")
        f.user(db, role="handler", dept=other, username="tpl.other")
        first_id, second_id = first.case.id, second.case.id
        body = "您好，感谢您的反映。我局已安排人员现场查看，将于五个工作日内维修完毕，如有问题请拨打园林热线。"
        replies.create_template(
            db, actor=f.actor(handler), department_id=str(dept.id), appeal_kind="", title="设施维修答复", body=body
        )
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    login(page, live_server, "tpl.handler")
    assert page.locator("nav a[href='/staff/reply-templates']").count() == 1  # in the handler's menu
    page.goto(f"{live_server.url}/staff/cases/{first_id}")
    page.wait_for_selector("#reply-template-picker")
    page.fill("#reply-body", "草稿：")
    page.once("dialog", lambda dialog: dialog.accept())  # "用模板替换当前的答复内容？"
    page.select_option("#reply-template-picker", label="设施维修答复")
    assert page.input_value("#reply-body") == body and page.url.endswith(f"/staff/cases/{first_id}")
    page.screenshot(path=str(artifacts / "01-template-picked.png"), full_page=True)
    page.context.close()
    page = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    login(page, live_server, "tpl.other")
    page.goto(f"{live_server.url}/staff/cases/{second_id}")
    link = page.locator("#reply-template-link")
    page.wait_for_selector("#reply-template-link:has-text('去新建模板')")  # the CSP forbids wait_for_function's eval
    assert link.get_attribute("href") == "/staff/reply-templates" and link.get_attribute("target") == "_blank"
    page.screenshot(path=str(artifacts / "02-no-template-phone.png"), full_page=True)
    page.context.close()
