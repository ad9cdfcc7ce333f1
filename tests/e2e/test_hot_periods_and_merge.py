"""End to end in a real browser: the hot issues of a past period (/hot?from=&to=) and the admin's 部门合并."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from minyi.core.clock import travel
from minyi.hot import periods
from minyi.hot.models import HotPeriod
from minyi.hot.services import recompute_hot_issues
from tests import factories as f
from tests.e2e.conftest import LiveServer, login, with_db

pytestmark = pytest.mark.e2e


def test_the_hot_issues_of_an_imported_period_beside_newer_ones(
    live_server: LiveServer, browser, artifacts: Path
) -> None:  # type: ignore[no-untyped-def]
    with with_db(live_server) as db:
        for i in range(4):
            with travel(datetime(2019, 11, 5, 2, tzinfo=UTC) + timedelta(days=i)):
                f.message(
                    db,
                    title="丽发新城小区旁搅拌站夜间噪音扰民",
                    body=f"丽发新城小区附近的搅拌站每天夜里施工，噪音很大，粉尘也多，第{i + 1}次反映。",
                    contact_phone="13912345678",
                )
        for i in range(3):
            f.message(
                db,
                title="幸福路公交站台被占用",
                body=f"幸福路公交站台长期被小摊贩占用，乘客只能站在马路上候车，第{i + 1}次。",
            )
        recompute_hot_issues(db, since_days=30)  # the newest window: the 2019 messages are not in it
    page = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/hot")
    assert "搅拌站" not in page.inner_text("main")
    page.fill("#h-from", "2019-11-30")
    page.fill("#h-to", "2019-11-01")
    page.click("#hot-period button")
    assert "开始日期不能晚于结束日期" in page.inner_text("#hot-error")
    page.screenshot(path=str(artifacts / "01-hot-bad-period.png"), full_page=True)
    page.goto(f"{live_server.url}/hot?from=2019-11-01&to=2019-11-30")
    assert "正在计算" in page.inner_text("#hot-pending")
    page.screenshot(path=str(artifacts / "02-hot-period-pending.png"), full_page=True)
    with with_db(live_server) as db:
        row = db.scalar(select(HotPeriod))
        assert row is not None
        periods.compute_period(db, period_id=row.id)  # what the worker's hot_period task does
    page.wait_for_selector("#hot-1", timeout=15000)  # the page refreshes itself every 5 s
    text = page.inner_text("main")
    assert "搅拌站" in page.inner_text("#hot-1") and "公交站台" not in text and "13912345678" not in text
    page.screenshot(path=str(artifacts / "03-hot-period.png"), full_page=True)
    page.context.close()


def test_admin_merges_a_duplicate_department(live_server: LiveServer, browser, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    with with_db(live_server) as db:
        keep = f.department(db, name="安沙镇人民政府")
        dup = f.department(db, name="安沙镇政府")
        f.case_in_progress(db, dup)
        f.user(db, role="admin", username="merge.admin")
        keep_id, dup_id = keep.id, dup.id
    page = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN").new_page()
    login(page, live_server, "merge.admin")
    page.goto(f"{live_server.url}/staff/admin/departments/merge")
    page.select_option("#merge-target", str(keep_id))
    page.check(f"#src-{keep_id}")
    page.click("#merge-form button[type=submit]")
    assert "不能把部门合并到它自己" in page.inner_text("#merge-error")
    page.screenshot(path=str(artifacts / "01-merge-itself.png"), full_page=True)
    page.uncheck(f"#src-{keep_id}")
    page.check(f"#src-{dup_id}")
    page.fill("#merge-reason", "同一单位的两种写法")
    page.click("#merge-form button[type=submit]")
    assert "1 件办件" in page.inner_text("#merge-confirm")
    page.screenshot(path=str(artifacts / "02-merge-confirm.png"), full_page=True)
    page.click("#merge-confirm-button")
    assert "已合并 1 个部门" in page.inner_text("#merge-done")
    assert "安沙镇政府" in page.inner_text("#merge-history")
    page.screenshot(path=str(artifacts / "03-merged.png"), full_page=True)
    page.context.close()
