"""End to end in a real browser: the tracking link kept (copy, QR code) and found again with a one-time code."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from minyi.notifications import services as notes
from minyi.notifications.models import Notice
from minyi.web.state import app_state
from tests.e2e.conftest import LiveServer, with_db

pytestmark = pytest.mark.e2e


def test_a_citizen_keeps_the_link_then_finds_it_again_with_a_code(
    live_server: LiveServer, browser, artifacts: Path
) -> None:
    state = app_state(live_server.app)
    state.settings = replace(state.settings, smtp_host="smtp.example.org")  # codes are queued (not sent here)
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{live_server.url}/")
        page.fill("#title", "路口红绿灯坏了")
        page.fill("#body", "和平路与解放路路口的红绿灯从昨天起一直黄灯闪烁，早高峰车辆抢行，很危险。")
        page.select_option("#appeal_kind", "complaint")
        page.fill("#contact_email", f"citizen{width}@example.cn")
        page.click("form[action='/messages'] button[type=submit]:not([formaction])")
        page.wait_for_selector("#track-qr")
        assert page.is_visible("#copy-link") and page.is_visible("#track-qr")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert "电子邮箱" in page.inner_text("#sent-by")
        page.click("#copy-link")
        page.wait_for_selector("#copy-status:has-text('复制')")
        page.screenshot(path=str(artifacts / f"01-submitted-{width}.png"), full_page=True)
        number = page.inner_text("#case-no")
        old_link = page.input_value("#track-link")
        # the link is lost: found again
        page.click("text=找回查询链接")
        page.fill("#lookup-case", number)
        page.fill("#lookup-contact", f"citizen{width}@example.cn")
        page.screenshot(path=str(artifacts / f"02-lookup-{width}.png"))
        page.click("#lookup-ask button[type=submit]")
        page.wait_for_selector("#lookup-verify")
        with with_db(live_server) as db:
            body = db.scalars(select(Notice.body).where(Notice.kind == notes.TRACKING_CODE)).all()[-1]
        page.fill("#lookup-code", body.rsplit("\n", 1)[-1])
        page.screenshot(path=str(artifacts / f"03-code-{width}.png"))
        page.click("#lookup-verify button[type=submit]")
        page.wait_for_selector("#renewed")
        assert page.input_value("#track-link") != old_link
        page.screenshot(path=str(artifacts / f"04-renewed-{width}.png"), full_page=True)
        assert page.goto(old_link).status == 404
        context.close()
