"""End to end in a real browser: 审核后公开 — an accusation waits, the coordinator publishes it, the board shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import factories as f
from tests.e2e.conftest import LiveServer, login, with_db

pytestmark = pytest.mark.e2e


def test_an_accusation_waits_for_review_and_the_coordinator_publishes_it(
    live_server: LiveServer, browser, artifacts: Path
) -> None:
    with with_db(live_server) as db:
        f.user(db, role="coordinator", username="review.coord")
    citizen = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    citizen.goto(f"{live_server.url}/")
    assert "指名道姓指控他人的留言，先经工作人员审核" in citizen.inner_text("#publish-rule")
    citizen.fill("#title", "举报村支书侵占补偿款")
    citizen.fill("#body", "村支书王某某把征地补偿款截留了三年，贪污了大家的钱，请上级纪检部门调查。")
    citizen.select_option("#appeal_kind", "complaint")
    citizen.click("form[action='/messages'] button[type=submit]:not([formaction])")
    citizen.wait_for_selector("#review-pending")
    citizen.screenshot(path=str(artifacts / "01-submitted-waits-390.png"), full_page=True)
    number = citizen.inner_text("#case-no")
    assert citizen.goto(f"{live_server.url}/cases/{number}").status == 404
    staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    login(staff, live_server, "review.coord")
    staff.goto(f"{live_server.url}/staff/inbox")
    staff.click("#pending-review a")
    staff.click(f"a[href='/staff/cases/{number}']")
    assert "指名道姓的指控" in staff.inner_text("#review")
    staff.screenshot(path=str(artifacts / "02-case-review-1280.png"), full_page=True)
    staff.click("#form-publish button[type=submit]")
    assert "已审核并公开" in staff.inner_text("#done-notice")
    assert citizen.goto(f"{live_server.url}/cases/{number}").status == 200
    citizen.screenshot(path=str(artifacts / "03-public-case-390.png"), full_page=True)
    citizen.context.close()
    staff.context.close()
