"""End to end in a real browser: a suggestion to its public commitments (建言采纳), and a praise to its public thanks.

A citizen suggests; the coordinator assigns; the department replies, decides 采纳 with a commitment, posts its
progress and marks it done; 建言采纳 and the case page show it all, at 1,280 and at 390 px (screenshots in
test-artifacts/e2e/). Then a praise is thanked in public and counted on /stats.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from minyi.core.clock import china_today
from tests import factories as f
from tests.e2e.conftest import LiveServer, login, with_db

pytestmark = pytest.mark.e2e

TITLE = "建议在幸福路口增设公交站台"
BODY = "幸福路小区有三千多户居民，最近的公交站要走二十分钟，建议在幸福路口增设一处公交站台，方便老人和学生出行。"
PHONE = "13512345678"
WIDTHS = (1280, 390)


def _logout(page) -> None:  # type: ignore[no-untyped-def]
    page.click("header button.link")


def _submit(page, server: LiveServer, *, title: str, body: str, kind: str) -> str:  # type: ignore[no-untyped-def]
    page.goto(server.url)
    page.fill("#title", title)
    page.select_option("#appeal_kind", kind)
    page.fill("#body", body)
    page.fill("#contact_phone", PHONE)
    page.click("button[type=submit]")
    return page.inner_text("#case-no").strip()


def _assign(page, server: LiveServer, case_id: str, department: str) -> None:  # type: ignore[no-untyped-def]
    login(page, server, "sg.coord")
    page.goto(f"{server.url}/staff/cases/{case_id}")
    page.select_option("#assign-dept", label=department)
    page.click("#form-assign button[type=submit]")
    _logout(page)


def _no_overflow(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_a_suggestion_is_adopted_and_followed_to_done(live_server: LiveServer, browser, artifacts: Path) -> None:
    with with_db(live_server) as db:
        dept = f.department(db, name="市交通运输局", domains=["交通运输"])
        f.user(db, role="coordinator", username="sg.coord")
        f.user(db, role="handler", dept=dept, username="sg.handler")
        f.user(db, role="supervisor", username="sg.super")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()

    def snap(name: str) -> None:
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)

    case_id = _submit(page, live_server, title=TITLE, body=BODY + f"联系电话{PHONE}。", kind="suggestion")
    _assign(page, live_server, case_id, "市交通运输局")

    # The department replies, then decides 采纳 with a commitment on the same page.
    login(page, live_server, "sg.handler")
    page.goto(f"{live_server.url}/staff/cases/{case_id}")
    page.click("#form-accept button")
    page.fill("#reply-body", "感谢您的建议。经现场踏勘，幸福路口具备设站条件，我局将增设公交站台。")
    page.click("#form-reply button[type=submit]")
    page.check("#form-adoption input[value=adopted]")
    page.fill("#adoption-reason", "幸福路口周边居民多、出行需求大，具备设站条件，予以采纳。")
    page.fill("#adoption-what", "在幸福路口增设公交站台一处，并调整 12 路线路经停")
    page.fill("#adoption-due", (china_today() + timedelta(days=60)).isoformat())
    snap("suggestion-01-decision-form")
    page.click("#form-adoption button[type=submit]")
    assert "采纳" in page.inner_text("#suggestion") and "增设公交站台一处" in page.inner_text("#suggestion")
    snap("suggestion-02-staff-case-decided")

    # Progress, then done, from the department's commitment list.
    page.click("nav >> text=承诺事项")
    page.fill("textarea[id^=progress-body]", "站台选址已确定，正在施工，预计下月底完工。")
    page.fill("input[id^=progress-percent]", "60")
    page.click(".progress-form button[type=submit]")
    assert "进展已公开" in page.content() and "60%" in page.content()
    snap("suggestion-03-commitments")
    page.fill("textarea[id^=done-body]", "站台已建成，12 路公交自本周一起在幸福路口停靠。")
    page.click(".done-form button[type=submit]")
    assert "已标记完成" in page.content()
    _logout(page)

    # The public: 建言采纳 from the menu, then the case page; no personal data anywhere.
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url)
        page.click("nav >> text=建言采纳")
        item = page.locator(f"#suggestion-{case_id}")
        text = item.inner_text()
        assert TITLE in text and "采纳" in text and "已完成" in text and "100%" in text
        assert "12 路公交自本周一起在幸福路口停靠" in text
        assert PHONE not in page.content()
        _no_overflow(page)
        snap(f"suggestion-04-adopted-{width}")
        item.locator(f"a[href='/cases/{case_id}']").first.click()
        suggestion = page.inner_text("#suggestion")
        assert "予以采纳" in suggestion and "站台选址已确定" in suggestion and "站台已建成" in suggestion
        history = page.inner_text("#history")
        for step in ("采纳决定", "作出承诺", "承诺进展", "承诺已完成"):
            assert step in history, step
        assert PHONE not in page.content()
        _no_overflow(page)
        snap(f"suggestion-05-case-{width}")
    page.goto(f"{live_server.url}/adopted?status=open")
    assert page.locator(f"#suggestion-{case_id}").count() == 0
    context.close()


def test_a_praise_is_thanked_in_public_and_counted(live_server: LiveServer, browser, artifacts: Path) -> None:
    with with_db(live_server) as db:
        dept = f.department(db, name="市园林局", domains=["城乡建设"])
        f.user(db, role="coordinator", username="pr.coord")
        f.user(db, role="handler", dept=dept, username="pr.handler")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    title = "感谢园林局把人民公园修整得这么漂亮"
    case_id = _submit(
        page,
        live_server,
        title=title,
        body="人民公园改造后花木整齐、步道平整，每天来锻炼的居民都很满意，特此表扬！",
        kind="praise",
    )
    login(page, live_server, "pr.coord")
    page.goto(f"{live_server.url}/staff/cases/{case_id}")
    page.select_option("#assign-dept", label="市园林局")
    page.click("#form-assign button[type=submit]")
    _logout(page)
    login(page, live_server, "pr.handler")
    page.goto(f"{live_server.url}/staff/cases/{case_id}")
    assert page.locator("#form-reply").count() == 0  # not accepted yet: thanking needs no 签收
    page.fill("#ack-body", "感谢您对园林工作的肯定！我们会继续做好公园管护，欢迎常来走走。")
    page.screenshot(path=str(artifacts / "praise-01-staff.png"), full_page=True)
    page.click("#form-acknowledge button[type=submit]")
    assert "已办结" in page.inner_text("#status")
    _logout(page)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/cases/{case_id}")
        assert "感谢您对园林工作的肯定" in page.inner_text("#replies") and "答谢表扬" in page.inner_text("#history")
        assert PHONE not in page.content()
        _no_overflow(page)
        page.screenshot(path=str(artifacts / f"praise-02-public-{width}.png"), full_page=True)
    page.goto(f"{live_server.url}/stats")
    assert int(page.inner_text("[data-figure=praised]")) >= 1
    context.close()
