"""帮助 and 化解 in a real browser: a help request from the citizen's form to its 回访 in the history and /stats;
a complaint repeated by the same person flagged to the supervisor after a worker's run. Screenshots at 1,280 and
390 px (test-artifacts/e2e/<test>/), nothing wider than the screen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from minyi.jobs import runner
from minyi.messages.models import Message
from minyi.workflow import services as workflow
from tests import factories as f
from tests.e2e.conftest import LiveServer, login, with_db
from tests.e2e.test_accessibility import AXE, serious_violations

pytestmark = pytest.mark.e2e

TITLE = "独居老人冬季取暖困难求助"
BODY = "我父亲八十二岁独居在光明街道老旧小区，家里没有暖气，今年冬天很冷，希望社区和有关部门帮助解决取暖问题。"
PHONE = "13612345678"


def _logout(page) -> None:  # type: ignore[no-untyped-def]
    page.click("header button.link")


def _submit(page, server: LiveServer, *, title: str, body: str, kind: str, place: str = "") -> str:  # type: ignore[no-untyped-def]
    page.goto(server.url)
    page.fill("#title", title)
    page.select_option("#appeal_kind", kind)
    page.fill("#place_text", place)
    page.fill("#body", body)
    page.fill("#contact_phone", PHONE)
    page.click("button[type=submit]")
    return page.get_attribute("#track-open", "href")


def _shots(page, artifacts: Path, name: str, url: str) -> None:  # type: ignore[no-untyped-def]
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        page.screenshot(path=str(artifacts / f"{name}-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_help_is_recorded_called_back_and_counted(live_server: LiveServer, browser, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    with with_db(live_server) as db:
        dept = f.department(db, name="光明街道办事处")
        f.department(db, name="区民政局")
        f.user(db, role="coordinator", username="cb.coord")
        f.user(db, role="handler", dept=dept, username="cb.handler")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    track = _submit(page, live_server, title=TITLE, body=BODY, kind="help", place="光明街道")
    case_id = page.inner_text("#case-no")

    login(page, live_server, "cb.coord")
    page.goto(f"{live_server.url}/staff/cases/{case_id}")
    page.select_option("#assign-dept", label="光明街道办事处")
    page.click("#form-assign button[type=submit]")
    _logout(page)

    login(page, live_server, "cb.handler")
    page.goto(f"{live_server.url}/staff/cases/{case_id}")
    page.click("#form-accept button")
    page.fill("#assist-what", "社区网格员上门查看，送去电暖器和棉被，联系电话13712345678")
    page.select_option("#assist-dept", label="区民政局")
    page.fill("#assist-person", "网格员刘晓")
    page.click("#form-assist button[type=submit]")
    assert "帮扶情况已记录" in page.inner_text("#done-notice")
    assert "网格员刘晓" in page.inner_text("#history")
    page.fill("#reply-body", "已安排社区上门帮扶，送去电暖器和棉被，并为老人申请了冬季取暖补贴，后续由网格员定期探访。")
    page.click("#form-reply button[type=submit]")
    _shots(page, artifacts, "handler-case", f"{live_server.url}/staff/cases/{case_id}")
    _logout(page)

    page.goto(live_server.url + track)
    page.check("input[value=basically]")
    page.click("#rating button[type=submit]")
    assert "已办结" in page.inner_text("#status")

    login(page, live_server, "cb.coord")
    page.goto(f"{live_server.url}/staff/callbacks")
    assert PHONE in page.inner_text("#callback-list")
    _shots(page, artifacts, "callback-list", f"{live_server.url}/staff/callbacks")
    page.click(f'#callback-list a[href="/staff/cases/{case_id}#callback"]')
    page.check("#form-callback input[name=reached][value='0']")
    page.click("#form-callback button[type=submit]")
    assert "回访已记录" in page.inner_text("#done-notice")
    assert "已尝试 1 次" in page.inner_text("#callback")
    _shots(page, artifacts, "callback-form", page.url)
    page.fill("#callback-note", "老人女儿接听，说家里已经暖和了")
    page.check("#form-callback input[name=reached][value='1']")
    page.check("#form-callback input[name=resolved][value=yes]")
    page.check("#form-callback input[name=satisfaction][value=satisfied]")
    page.click("#form-callback button[type=submit]")
    history = page.inner_text("#history")
    assert "未联系上" in history and "已联系上" in history and "问题已解决" in history and "老人女儿接听" in history
    assert "已回访" in page.inner_text("#callback")

    page.goto(f"{live_server.url}/cases/{case_id}")
    public = page.inner_text("main")
    assert "记录帮扶" in public and "送去电暖器" in public and "13712345678" not in public
    assert "网格员刘晓" not in public and "老人女儿接听" not in public and "回访满意度：满意" in public
    _shots(page, artifacts, "public-case", page.url)

    page.goto(f"{live_server.url}/stats")
    figures = page.inner_text("#callbacks")
    assert "回访 1 件，联系上 1 件（100.0%），已解决 1 件（100.0%），回访满意 1 件（100.0%）" in figures
    assert "光明街道办事处" in page.inner_text("#t-callbacks")
    _shots(page, artifacts, "stats", f"{live_server.url}/stats")
    page.locator("#callbacks").screenshot(path=str(artifacts / "stats-callbacks-1280.png"))
    context.close()


def test_a_repeated_complaint_is_flagged_to_the_supervisor(live_server: LiveServer, browser, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    with with_db(live_server) as db:
        f.user(db, role="supervisor", username="cb.super")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    first = "建材市场货车凌晨卸货噪音扰民"
    _submit(
        page,
        live_server,
        kind="complaint",
        title=first,
        body="建材市场的货车每天凌晨三点卸货，噪音很大，附近居民无法休息。",
    )
    earlier = page.inner_text("#case-no")
    again = "再次投诉建材市场凌晨卸货噪音"
    _submit(
        page,
        live_server,
        kind="complaint",
        title=again,
        body="上次反映的建材市场货车凌晨卸货噪音问题还是没有解决，居民仍然无法休息。",
    )
    repeated = page.inner_text("#case-no")
    with with_db(live_server) as db:
        message_id = db.scalar(select(Message.id).where(Message.title == again))
    assert runner.repeats(live_server.factory, message_id)  # what the worker runs after the analysis

    login(page, live_server, "cb.super")
    page.goto(f"{live_server.url}/staff/repeats")
    assert again in page.inner_text("#repeat-list") and "同一联系电话" in page.inner_text("#repeat-list")
    _shots(page, artifacts, "repeats", page.url)
    page.click(f'#repeat-list a[href="/staff/cases/{repeated}"]')
    flag = page.inner_text("#repeat-flag")
    assert "请督办关注" in flag and first in flag
    assert "重复投诉提示" in page.inner_text("#history")
    page.click(f'#repeat-flag a[href="/staff/cases/{earlier}"]')
    assert first in page.inner_text("h1")
    _shots(page, artifacts, "repeat-case", f"{live_server.url}/staff/cases/{repeated}")
    context.close()


@pytest.fixture(scope="module")
def axe_script() -> str:
    if not AXE.is_file():
        pytest.fail(f"axe-core not found at {AXE}: run `make axe` (npm install axe-core)")
    return AXE.read_text(encoding="utf-8")


def test_the_callback_pages_have_no_serious_accessibility_violations(  # type: ignore[no-untyped-def]
    live_server: LiveServer, browser, axe_script: str
) -> None:
    """axe-core on the 回访 list, a case page with its 回访 form and the 重复投诉 list, at both widths."""
    with with_db(live_server) as db:
        dept = f.department(db, name="无障碍回访测试局")
        sub, coordinator, handler = f.case_in_progress(db, dept, appeal_kind="help")
        workflow.reply(db, actor=f.actor(handler), case_id=sub.case.id, body="已经上门核实并协调解决，感谢反映。")
        workflow.rate(db, case=f.reload(db, sub.case), level="satisfied")
        first = f.message(db, place_text="", contact_phone="13500000001").case.id
        again = f.message(db, place_text="", contact_phone="13500000001", title="路灯还是不亮").message.id
        supervisor = f.user(db, role="supervisor")
        names = (coordinator.username, supervisor.username)
    assert first and runner.repeats(live_server.factory, again)
    found: dict[str, list[dict]] = {}
    for username, paths in (
        (names[0], ["/staff/callbacks", f"/staff/cases/{sub.case.id}"]),
        (names[1], ["/staff/repeats", "/staff/callbacks?state=done"]),
    ):
        for width in (1280, 390):
            viewport = {"width": width, "height": 900}
            context = browser.new_context(viewport=viewport, locale="zh-CN", bypass_csp=True)
            page = context.new_page()
            login(page, live_server, username)
            for path in paths:
                page.goto(f"{live_server.url}{path}")
                if violations := serious_violations(page, axe_script):
                    found[f"{path}@{width}"] = violations
            context.close()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
