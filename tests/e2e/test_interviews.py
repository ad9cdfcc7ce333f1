"""End to end in a real browser: an online interview (在线访谈) from its announcement to the live answer.

The coordinator announces a session; a citizen asks on its public page; the coordinator approves the question and
starts the session; a guest (a department's staff member) answers; the answer appears on the citizen's open page
without a reload (server-sent events, the page's static script). Screenshots at 1,280 and 390 px in
test-artifacts/e2e/.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from minyi.accounts.models import User
from minyi.core.clock import CHINA_TZ, utcnow
from minyi.interviews import services
from tests import factories as f
from tests.e2e.conftest import LiveServer, login, with_db

pytestmark = pytest.mark.e2e

QUESTION = "老城区停车难，能否在学校周边增设临时停车位？我家电话13612345678"
ANSWER = "我们将在下学期开学前，在五所学校周边增设错时共享停车位三百个。"


def _local(hours: int) -> str:
    return (utcnow() + timedelta(hours=hours)).astimezone(CHINA_TZ).strftime("%Y-%m-%dT%H:%M")


def _no_overflow(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_a_question_is_answered_live_on_the_citizens_open_page(
    live_server: LiveServer, browser, artifacts: Path
) -> None:
    with with_db(live_server) as db:
        dept = f.department(db, name="市公安局交通警察支队")
        f.user(db, role="coordinator", username="iv.coord")
        f.user(db, role="handler", dept=dept, username="iv.guest")
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    guest_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    citizen_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    staff, guest, citizen = staff_context.new_page(), guest_context.new_page(), citizen_context.new_page()
    try:
        # the announcement
        login(staff, live_server, "iv.coord")
        staff.goto(f"{live_server.url}/staff/interviews")
        staff.fill("#iv-title", "交警支队长谈停车难")
        staff.fill("#iv-leader", "陈支队长")
        staff.fill("#iv-guests", "陈支队长, 刘科长")
        staff.fill("#iv-depts", "市公安局交通警察支队")
        staff.fill("#iv-start", _local(1))
        staff.fill("#iv-end", _local(3))
        staff.click("#new-interview button[type=submit]")
        staff.wait_for_url("**/staff/interviews/*")
        interview_id = staff.url.rstrip("/").rsplit("/", 1)[-1]

        # a citizen reads it and asks
        citizen.goto(f"{live_server.url}/interviews")
        citizen.click("text=交警支队长谈停车难")
        assert citizen.inner_text("#interview-status") == "预告"
        citizen.fill("#q-body", QUESTION)
        citizen.fill("#q-asker", "赵先生")
        citizen.click("#ask button[type=submit]")
        citizen.wait_for_selector("#asked-notice")
        citizen.screenshot(path=str(artifacts / "interview-01-asked.png"), full_page=True)
        citizen.evaluate("window.__samePage = 'yes'")  # gone if the page reloads

        # the moderator approves and starts; the question and the status appear on the citizen's page live
        staff.reload()
        question_id = staff.locator("#queue > li").first.get_attribute("id").split("-")[1]
        staff.click(f"#question-{question_id} button.approve")
        staff.click("#start-interview")
        citizen.wait_for_selector(f"#q-{question_id}", timeout=15000)
        citizen.locator("#interview-status", has_text="进行中").wait_for(timeout=15000)
        shown = citizen.inner_text(f"#q-{question_id}")
        assert "学校周边增设临时停车位" in shown and "13612345678" not in shown and "赵先生" not in shown
        staff.screenshot(path=str(artifacts / "interview-02-moderation.png"), full_page=True)

        # a guest answers; the citizen's open page shows it without a reload
        login(guest, live_server, "iv.guest")
        guest.goto(f"{live_server.url}/staff/interviews/{interview_id}")
        guest.fill(f"#answer-{question_id}", ANSWER)
        guest.fill(f"#guest-{question_id}", "刘科长")
        guest.click(f"#question-{question_id} .answer-form button[type=submit]")
        citizen.wait_for_selector(f"#q-{question_id} .interview-answer", timeout=15000)
        assert ANSWER in citizen.inner_text(f"#q-{question_id} .interview-answer")
        assert citizen.evaluate("window.__samePage") == "yes"
        citizen.screenshot(path=str(artifacts / "interview-03-live-answer-1280.png"), full_page=True)
        citizen.set_viewport_size({"width": 390, "height": 844})
        _no_overflow(citizen)
        citizen.screenshot(path=str(artifacts / "interview-04-live-answer-390.png"), full_page=True)

        # another approved question is left unanswered; at the end it becomes a case, shown live
        with with_db(live_server) as db:
            moderator = db.scalars(select(User).where(User.username == "iv.coord")).one()
            late = services.ask(db, interview_id=interview_id, data={"body": "小区门口能否划定非机动车停放区？"})
            services.approve(db, user=moderator, question_id=late.id)
            late_id = late.id
        citizen.wait_for_selector(f"#q-{late_id}", timeout=15000)
        staff.goto(f"{live_server.url}/staff/interviews/{interview_id}")
        staff.click("#end-interview")
        citizen.locator("#interview-status", has_text="已结束").wait_for(timeout=15000)
        citizen.locator(f"#q-{late_id} .q-waiting", has_text="已转为办件").wait_for(timeout=15000)
        assert citizen.inner_text("#qa-heading") == "访谈实录"
        citizen.screenshot(path=str(artifacts / "interview-05-ended-390.png"), full_page=True)
        citizen.reload()
        assert "访谈实录" in citizen.inner_text("main") and ANSWER in citizen.inner_text("#questions")
        assert citizen.locator("#ask").count() == 0
    finally:
        for context in (citizen_context, guest_context, staff_context):
            context.close()
