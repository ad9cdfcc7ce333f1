"""Issue 15's Done-when, end to end in a real browser: an admin registers a web source (a site served on loopback by
this test); the worker's run collects it; its items show in 网络民意 with their analysis; a coordinator clicks 转为办件;
the department handles and replies in public; the public case page shows the reply and the source link; 网络民意 says
已公开答复（回应网民关切）. Screenshots of the key pages at 1,280 and 390 px."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from minyi.collect.fetch import Politeness
from minyi.collect.models import WebItem
from minyi.collect.sources import claim_due, collect_source
from minyi.nlp.pipeline import load_default_analyzer
from tests import factories as f
from tests.collect.loopback import Answer, LoopbackWeb
from tests.collect.pages import news_page, rss
from tests.e2e.conftest import LiveServer, login, with_db
from tests.e2e.test_accessibility import AXE, SERIOUS

pytestmark = pytest.mark.e2e
HOST = "127.0.0.1"
WIDTHS = (1280, 390)
TITLE = "春晖路排水管网老化 雨天积水严重居民出行难"
PARAS = (
    "青川市河西区春晖路一带多名居民反映，小区门前的排水管道年久失修，每逢下雨路面积水严重，老人和孩子出行十分不便。",
    "记者现场看到，积水最深处接近三十厘米，部分商户只能用沙袋挡住店门。居民说这个问题已经持续了两年多，希望尽快解决。",
)
COMMENTS = (
    ("河西居民", "2024-05-12 11:20", "我家门口也积水，春晖路三号附近，晚上回家只能绕路，联系电话 13912345678。"),
    ("青川老张", "2024-05-12 12:01", "希望排水改造按时开工，别再拖到明年雨季了。"),
)
REPLY = "已派人疏通春晖路排水管，积水已排除；排水管网改造已列入今年计划，下月开工。"


@pytest.fixture(scope="module")
def axe_script() -> str:
    if not AXE.is_file():
        pytest.fail(f"axe-core not found at {AXE}: run `make axe` (npm install axe-core)")
    return AXE.read_text(encoding="utf-8")


def serious_violations(page, script: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """axe-core's serious or critical violations, as tests/e2e/test_accessibility.py checks them — but evaluated
    through the browser's debugging protocol, so that the pages keep their own CSP (no inline script) here."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(script)
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
    )
    assert len(result["passes"]) > 10  # axe ran its rules on the page (a check that checks nothing cannot fail)
    return [{"id": v["id"], "help": v["help"]} for v in result["violations"] if v["impact"] in SERIOUS]


@pytest.fixture
def web() -> Iterator[LoopbackWeb]:
    served = LoopbackWeb((HOST,))
    yield served
    served.close()


def _worker_run(live_server: LiveServer) -> None:
    """What `minyi worker` does for due sources: its sources_due task claims them, then a collect_source task runs
    each — here in a thread of its own, as a worker's is (this thread runs the browser's event loop)."""
    with ThreadPoolExecutor(1) as worker:
        due = worker.submit(claim_due, live_server.factory).result()
        assert len(due) == 1
        run = worker.submit(
            collect_source,
            live_server.factory,
            due[0],
            analyzer=load_default_analyzer(),
            politeness=Politeness(delay=0.0, timeout=2.0, retries=0, backoff=0.01),
        ).result()
    assert run is not None and run.status == "ok" and run.items == 3


def _pages(browser, live_server: LiveServer, username: str) -> list:  # type: ignore[no-untyped-def]
    """One logged-in page per width."""
    pages = []
    for width in WIDTHS:
        page = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN").new_page()
        login(page, live_server, username)
        pages.append(page)
    return pages


def _shoot(pages: list, artifacts: Path, name: str, url: str | None = None, axe: str = "") -> None:  # type: ignore[type-arg]
    """A full-page screenshot per width, no sideways scroll; with `axe`, no serious accessibility violation either."""
    for page, width in zip(pages, WIDTHS, strict=False):  # pages[:1]: a shot at 1,280 only
        if url is not None:
            page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        page.screenshot(path=str(artifacts / f"{name}-{width}.png"), full_page=True)
        if axe:
            assert serious_violations(page, axe) == [], (name, width)


def test_a_web_voice_is_collected_answered_in_public_and_shown_as_answered(
    live_server: LiveServer, browser, artifacts: Path, web: LoopbackWeb, axe_script: str
) -> None:
    article = web.serve(HOST, "/news/42.html", Answer(news_page(title=TITLE, paras=PARAS, comments=COMMENTS).encode()))
    feed = web.serve(HOST, "/rss.xml", Answer(rss([(TITLE, article)]), content_type="application/rss+xml"))
    with with_db(live_server) as db:
        dept = f.department(db, name="河西区住建局", domains=["城乡建设"])
        f.user(db, role="admin", username="journey.admin")
        f.user(db, role="coordinator", username="journey.coord")
        f.user(db, role="handler", dept=dept, username="journey.handler")
    base = live_server.url

    # 1. The admin registers the source in the browser.
    admins = _pages(browser, live_server, "journey.admin")
    admin = admins[0]
    admin.goto(f"{base}/staff/admin/sources")
    admin.fill("#name", "河西新闻网")
    admin.select_option("#kind", "feed")
    admin.fill("#url", feed)
    admin.fill("#place", "河西区")
    admin.click("#source-form button[type=submit]")
    assert "来源已登记" in admin.inner_text("#saved-notice")

    # 1b. …and corrects it on its 修改 page: every error at once, then saved; the change is in the audit trail.
    admin.click("tr[data-source] a:has-text('修改')")
    admin.fill("#name", "")
    admin.fill("#weight", "11")
    admin.click("#source-form button[type=submit]")
    assert admin.locator(".field-error").count() == 2 and "有 2 处需要修改" in admin.inner_text("#form-error")
    _shoot(admins[:1], artifacts, "01-source-edit-errors")
    edit_url = admin.url
    admin.fill("#name", "河西新闻网")
    admin.fill("#weight", "3")
    admin.click("#source-form button[type=submit]")
    assert "来源设置已保存" in admin.inner_text("#saved-notice")
    admin.goto(f"{base}/staff/admin/security")
    assert "修改网络来源" in admin.content() and "权重：1 → 3" in admin.content()
    _shoot(admins, artifacts, "01-source-edit", edit_url, axe=axe_script)

    # 2. The worker collects it; the page shows its health.
    _worker_run(live_server)
    _shoot(admins, artifacts, "01-sources", f"{base}/staff/admin/sources", axe=axe_script)
    assert "正常" in admin.locator("tr[data-source]").first.inner_text()
    for page in admins:
        page.context.close()

    # 3. The coordinator reads 网络民意 from the inbox: the article and its comments, with their analysis.
    coords = _pages(browser, live_server, "journey.coord")
    coord = coords[0]
    coord.click("#web-voices-link")
    with with_db(live_server) as db:
        item = db.scalar(select(WebItem).where(WebItem.title == TITLE, WebItem.kind == "article"))
        assert item is not None and item.analysis.get("domain")
        item_id, domain = item.id, item.analysis["domain"]
    card = coord.locator(f"#web-{item_id}")
    assert TITLE in card.inner_text() and domain in card.inner_text() and "河西区" in card.inner_text()
    assert "13912345678" not in coord.content()  # personal data masked on display
    _shoot(coords, artifacts, "02-web-voices", f"{base}/staff/dashboard/web")

    # 4. 转为办件: a public case of channel 网络民意 with the source link; the coordinator assigns it.
    card.get_by_role("button", name="转为办件").click()
    case_no = coord.url.rstrip("/").rsplit("/", 1)[1]
    assert coord.url.endswith(f"/staff/cases/{case_no}")
    assert coord.locator("#message-body a.web-source").get_attribute("href") == article
    _shoot(coords, artifacts, "03-case-from-web", f"{base}/staff/cases/{case_no}")
    coord.select_option("#assign-dept", label="河西区住建局")
    coord.click("#form-assign button[type=submit]")

    # 5. The department accepts and replies in public.
    handlers = _pages(browser, live_server, "journey.handler")
    handler = handlers[0]
    handler.goto(f"{base}/staff/cases/{case_no}")
    handler.click("#form-accept button")
    handler.fill("#reply-body", REPLY)
    handler.click("#form-reply button[type=submit]")
    assert "已答复" in handler.inner_text("#status")
    for page in handlers:
        page.context.close()

    # 6. The public case page shows the reply and the link back to the web page it answers.
    visitors = [browser.new_context(viewport={"width": w, "height": 900}, locale="zh-CN").new_page() for w in WIDTHS]
    visitor = visitors[0]
    visitor.goto(f"{base}/cases/{case_no}")
    assert REPLY in visitor.inner_text("#replies")
    link = visitor.locator("#message-body a.web-source")
    assert link.get_attribute("href") == article and "nofollow" in (link.get_attribute("rel") or "")
    _shoot(visitors, artifacts, "04-public-case", f"{base}/cases/{case_no}", axe=axe_script)
    for page in visitors:
        page.context.close()

    # 7. 网络民意 says the web voice was answered.
    coord.goto(f"{base}/staff/dashboard/web")
    answered = coord.locator(f"#web-{item_id}").inner_text()
    assert "已转为办件" in answered and "已公开答复（回应网民关切）" in answered
    _shoot(coords, artifacts, "05-web-voices-answered", f"{base}/staff/dashboard/web")
    for page in coords:
        page.context.close()
