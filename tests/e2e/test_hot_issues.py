"""End to end in a real browser: similar cases while typing, 附议, and the public 热点问题 page."""

from __future__ import annotations

from pathlib import Path

import pytest

from minyi.hot.services import recompute_hot_issues, refresh_similar_indexes
from tests import factories as f
from tests.e2e.conftest import LiveServer, with_db

pytestmark = pytest.mark.e2e


def test_citizen_finds_the_same_problem_supports_it_and_sees_it_hot(
    live_server: LiveServer, browser, artifacts: Path
) -> None:
    with with_db(live_server) as db:
        for i in range(4):
            f.message(
                db,
                title="丽发新城小区旁搅拌站夜间噪音扰民",
                body=f"丽发新城小区附近的搅拌站每天夜里施工，噪音很大，粉尘也多，第{i + 1}次反映。",
            )
        f.message(db, title="公交线路调整建议", body="建议12路公交延长到新区，方便上班族通勤。")
        recompute_hot_issues(db)
        refresh_similar_indexes(db)  # both done by the worker
    page = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN").new_page()
    page.goto(live_server.url)
    page.fill("#title", "搅拌站晚上太吵")
    page.fill("#body", "丽发新城旁边的搅拌站晚上施工噪音很大")
    page.wait_for_selector("#similar li", timeout=10000)
    assert "可能相同的问题" in page.inner_text("#similar")
    page.screenshot(path=str(artifacts / "01-similar-while-typing.png"), full_page=True)
    # on a phone the panel is where the citizen is about to submit: right above the button, before it on the page
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    phone.goto(live_server.url)
    phone.fill("#title", "搅拌站晚上太吵")
    phone.fill("#body", "丽发新城旁边的搅拌站晚上施工噪音很大")
    phone.wait_for_selector("#similar li", timeout=10000)
    panel = phone.locator("#similar").bounding_box()
    submit = phone.locator("form[action='/messages'] > p > button[type=submit]").bounding_box()
    assert panel and submit and panel["y"] + panel["height"] <= submit["y"] < panel["y"] + panel["height"] + 80
    phone.locator("form[action='/messages'] > p > button[type=submit]").scroll_into_view_if_needed()
    phone.screenshot(path=str(artifacts / "01b-similar-above-submit-phone.png"))
    phone.context.close()
    page.click("#similar li button")
    assert "已附议" in page.inner_text("#support")
    page.screenshot(path=str(artifacts / "02-supported.png"), full_page=True)
    page.goto(f"{live_server.url}/hot")
    assert "搅拌站" in page.inner_text("#hot-1")
    assert "公交线路调整" not in page.inner_text("main")  # a lone message is not a hot issue
    page.screenshot(path=str(artifacts / "03-hot-issues.png"), full_page=True)
    page.context.close()
