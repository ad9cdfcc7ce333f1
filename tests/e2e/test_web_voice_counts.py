"""End to end in a real browser: 上网看看 counts the week's web voices and shows a surge the worker found; a click on a
place opens 网络民意 filtered by it; the period selector counts today; both widths without sideways scroll."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from minyi.core import settings as settings_module
from minyi.core.clock import china_today, to_china, utcnow
from minyi.core.settings import Settings
from minyi.jobs import runner
from tests import factories as f
from tests.collect.items import source, web_item
from tests.e2e.conftest import LiveServer, login, with_db

pytestmark = pytest.mark.e2e


def test_counts_and_a_surge_on_both_pages(
    live_server: LiveServer, browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = utcnow()
    with with_db(live_server) as db:
        f.user(db, role="supervisor", username="counts.super")
        news, forum = source(db, "河西新闻网", place="河西区"), source(db, "青川论坛")
        for i in range(7):  # 春晖路: 7 voices in the last hours, none before → a surge
            web_item(
                db, news, title=f"春晖路井盖松动{i}", text=f"春晖路井盖松动，联系 1391234567{i}。", places=["春晖路"],
                domain="城乡建设", appeal_kind="complaint", fetched_at=now - timedelta(hours=i),
            )  # fmt: skip
        for day in range(2, 6):
            web_item(
                db, forum, title=f"东湖公园长椅{day}", text="建议东湖公园增设长椅。", places=["东湖公园"],
                domain="环境保护", appeal_kind="suggestion", fetched_at=now - timedelta(days=day),
            )  # fmt: skip
        web_item(db, forum, title="上周的事", text="上周的旧帖。", fetched_at=now - timedelta(days=9))
    settings = Settings(data_dir=tmp_path, database_url="sqlite://", secret_key="k")
    monkeypatch.setattr(settings_module, "get_settings", lambda: settings)
    with ThreadPoolExecutor(1) as worker:  # the worker's scheduled task, in a thread of its own as a worker's is
        done = worker.submit(runner.web_surges, live_server.factory).result()
    assert done["web_surges"] >= 1
    for width in (1280, 390):
        page = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN").new_page()
        login(page, live_server, "counts.super")
        page.goto(f"{live_server.url}/staff/dashboard")
        block = page.locator("#web-voices")
        assert block.locator('[data-figure="web-week"]').inner_text() == "11"
        assert block.locator('[data-figure="web-week-before"]').inner_text() == "1"
        surge = block.locator('.surge[data-kind="place"]').first
        assert "春晖路" in surge.inner_text() and "7" in surge.inner_text() and "新出现" in surge.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        block.screenshot(path=str(tmp_path / f"dashboard-web-{width}.png"))
        block.locator("a", has_text="春晖路").first.click()
        page.wait_for_url("**/staff/dashboard/web?*place=*")
        assert page.locator("article.web-item").count() == 7
        assert "13912345670" not in page.inner_text("main") and "139****5670" in page.inner_text("main")
        assert "春晖路" in page.inner_text("#web-filter")
        page.locator("#web-periods a", has_text="今天").click()
        page.wait_for_url("**period=today**")
        today = sum(to_china(now - timedelta(hours=i)).date() == china_today(now) for i in range(7))  # China's days
        assert page.locator('[data-figure="web-total"]').inner_text() == str(today)
        assert page.locator("#web-surges .surge").count() >= 1
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(tmp_path / f"web-voices-{width}.png"), full_page=True)
        page.context.close()
    print(f"screenshots in {tmp_path}")
