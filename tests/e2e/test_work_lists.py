"""End to end in a real browser: a coordinator finds the urgent message first among many, searches, pages,
and downloads the 台账."""

from __future__ import annotations

from pathlib import Path

import pytest

from minyi.messages.models import MessageAnalysis
from tests import factories as f
from tests.e2e.conftest import LiveServer, login, with_db

pytestmark = pytest.mark.e2e


def test_coordinator_searches_pages_and_exports(live_server: LiveServer, browser, artifacts: Path) -> None:
    with with_db(live_server) as db:
        for i in range(45):
            f.message(db, title=f"幸福路小区路灯不亮（{i}）", place_text="幸福路小区")
        gas = f.message(db, title="小区燃气泄漏，请马上处理", body="三号楼楼道里全是煤气味，老人小孩都在家。")
        db.add(
            MessageAnalysis(
                message_id=gas.message.id, result={"urgent": True, "urgent_reasons": ["燃气泄漏"]}, urgent=True
            )
        )
        f.user(db, role="coordinator", username="lists.coord")
        gas_id = gas.case.id
    page = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN").new_page()
    login(page, live_server, "lists.coord")
    page.goto(f"{live_server.url}/staff/inbox")
    assert page.get_attribute("tbody tr >> nth=0", "data-case") == str(gas_id)  # urgent first, among 46
    assert "共 46 件" in page.inner_text(".worklist-summary")
    page.screenshot(path=str(artifacts / "01-triage-list.png"), full_page=True)
    page.click("a[rel=next]")
    assert "第 2 / 3 页" in page.inner_text(".pager")
    page.fill("#f-q", "燃气")
    page.click(".worklist-filters button[type=submit]")
    assert page.locator("tbody tr").count() == 1 and "共 1 件" in page.inner_text(".worklist-summary")
    page.screenshot(path=str(artifacts / "02-searched.png"), full_page=True)
    with page.expect_download() as download:
        page.click(".exports a:text('Excel')")
    saved = artifacts / "台账.xlsx"
    download.value.save_as(saved)
    assert saved.stat().st_size > 1000
    page.context.close()


def test_coordinator_reassigns_a_returned_case_where_the_department_asked(
    live_server: LiveServer,
    browser,  # type: ignore[no-untyped-def]
    artifacts: Path,
) -> None:
    from minyi.workflow import services as workflow

    with with_db(live_server) as db:
        roads, parks = f.department(db, name="市公路局"), f.department(db, name="市园林局")
        sub, _c, handler = f.case_in_progress(db, roads, title="人民公园里的路灯坏了三盏")
        workflow.return_case(
            db,
            actor=f.actor(handler),
            case_id=sub.case.id,
            reason="公园内设施由园林局管理",
            suggested_department_id=parks.id,
        )
        f.user(db, role="coordinator", username="return.coord")
        case_id, parks_id = sub.case.id, parks.id
    for name, size in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
        page = browser.new_context(viewport=size, locale="zh-CN").new_page()
        login(page, live_server, "return.coord")
        page.goto(f"{live_server.url}/staff/cases/{case_id}")
        note = page.inner_text("#returned-note")
        assert "市公路局" in note and "公园内设施由园林局管理" in note and "市园林局" in note
        assert page.input_value("#assign-dept") == str(parks_id)  # proposed: where the department asked
        page.screenshot(path=str(artifacts / f"returned-case-{name}.png"), full_page=True)
        if name == "phone":  # assign it there: the inbox confirms what was done
            page.click("#form-assign button[type=submit]")
            assert f"第 {case_id} 号留言已受理并转办" in page.inner_text("#done-notice")
            page.screenshot(path=str(artifacts / "assigned-notice-phone.png"), full_page=True)
        page.context.close()
