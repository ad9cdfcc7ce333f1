"""End to end in a real browser: the admin registers a web source; the worker's run collects it; its health shows."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from minyi.collect.fetch import Politeness
from minyi.collect.models import WebItem, WebSource
from minyi.collect.sources import collect_source
from minyi.nlp.pipeline import load_default_analyzer
from tests import factories as f
from tests.collect.loopback import Answer, LoopbackWeb
from tests.collect.pages import news_page, rss
from tests.e2e.conftest import LiveServer, login, with_db

pytestmark = pytest.mark.e2e
HOST = "127.0.0.1"


@pytest.fixture
def web() -> Iterator[LoopbackWeb]:
    served = LoopbackWeb((HOST,))
    yield served
    served.close()


def test_a_source_registered_in_the_browser_is_collected_and_its_health_shown(
    live_server: LiveServer, browser, artifacts: Path, web: LoopbackWeb
) -> None:
    article = web.serve(HOST, "/news/1.html", Answer(news_page(comments=()).encode()))
    feed = web.serve(HOST, "/rss.xml", Answer(rss([("春晖路", article)]), content_type="application/rss+xml"))
    with with_db(live_server) as db:
        f.user(db, role="admin", username="sources.admin")
    for width in (1280, 390):
        page = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN").new_page()
        login(page, live_server, "sources.admin")
        page.goto(f"{live_server.url}/staff/admin/sources")
        if width == 1280:
            page.click("#source-form button[type=submit]")  # empty: every error at once
            assert page.locator(".field-error").count() >= 2
            page.fill("#name", "河西新闻网")
            page.select_option("#kind", "feed")
            page.fill("#url", feed)
            page.fill("#place", "河西区")
            page.click("#source-form button[type=submit]")
            assert "来源已登记" in page.inner_text("#saved-notice")
            with with_db(live_server) as db:
                source_id = db.scalar(select(WebSource.id).where(WebSource.name == "河西新闻网"))
            # what `minyi worker` runs for a due source (its sources_due task queues collect_source), in a thread of
            # its own as a worker's is (this thread runs the browser's event loop)
            with ThreadPoolExecutor(1) as worker:
                run = worker.submit(
                    collect_source,
                    live_server.factory,
                    int(source_id),  # type: ignore[arg-type]
                    analyzer=load_default_analyzer(),
                    politeness=Politeness(delay=0.0, timeout=2.0, retries=0, backoff=0.01),
                ).result()
            assert run is not None and run.status == "ok"
            with with_db(live_server) as db:
                assert db.scalar(select(WebItem.title).where(WebItem.source_id == source_id)) is not None
            page.reload()
        row = page.locator("tr[data-source]").first
        assert "正常" in row.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(artifacts / f"01-sources-{width}.png"), full_page=True)
        page.context.close()


def test_web_voices_read_at_both_widths(live_server: LiveServer, browser, artifacts: Path, web: LoopbackWeb) -> None:
    """网络民意 after a run: each item with its analysis, personal data masked, no sideways scroll on a phone."""
    article = web.serve(HOST, "/news/2.html", Answer(news_page(title="东湖路口信号灯坏了", comments=()).encode()))
    feed = web.serve(HOST, "/feed.xml", Answer(rss([("东湖", article)]), content_type="application/rss+xml"))
    with with_db(live_server) as db:
        f.user(db, role="supervisor", username="voices.super")
        from minyi.collect.sources import add_source

        source_id = add_source(db, name="东湖新闻", kind="feed", url=feed).id
    with ThreadPoolExecutor(1) as worker:
        worker.submit(
            collect_source,
            live_server.factory,
            source_id,
            analyzer=load_default_analyzer(),
            politeness=Politeness(delay=0.0, timeout=2.0, retries=0, backoff=0.01),
        ).result()
    for width in (1280, 390):
        page = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN").new_page()
        login(page, live_server, "voices.super")
        page.goto(f"{live_server.url}/staff/dashboard")
        page.click("#web-voices-link")
        assert "东湖路口信号灯坏了" in page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(artifacts / f"01-web-voices-{width}.png"), full_page=True)
        page.context.close()
