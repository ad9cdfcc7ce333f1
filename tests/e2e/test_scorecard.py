"""考核 in a real browser: the admin corrects the weights form (every error at once, then saved), and /stats shows the
ranking with the new weights — first three in a line, the table folded, cards on a phone. Screenshots at 1,280 and
390 px (test-artifacts/e2e/<test>/), nothing wider than the screen, no serious accessibility violation."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from minyi.core.clock import CHINA_TZ, china_today, travel
from minyi.workflow import services as workflow
from tests import factories as f
from tests.e2e.conftest import LiveServer, login, with_db
from tests.e2e.test_accessibility import AXE, serious_violations

pytestmark = pytest.mark.e2e


def _arrange(server: LiveServer) -> date:
    """Last month: 市水务局 answers its three cases on time and is rated 满意; 市园林局 answers two of three late and
    is rated 不满意; 市交通局 has a single case. Returns the first day of that month."""
    first = (china_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    with with_db(server) as db:
        f.user(db, role="admin", username="sc.admin")
        water, parks, roads = (f.department(db, name=n) for n in ("市水务局", "市园林局", "市交通局"))
        with travel(datetime.combine(first, datetime.min.time(), CHINA_TZ) + timedelta(hours=9)):
            for _ in range(3):
                sub, _h = f.replied_case(db, water)
                workflow.rate(db, case=f.reload(db, sub.case), level="satisfied")
            f.replied_case(db, parks)
            late = [f.case_in_progress(db, parks) for _ in range(2)]
            f.replied_case(db, roads)
        with travel(datetime.combine(first, datetime.min.time(), CHINA_TZ) + timedelta(days=25, hours=9)):
            for sub, _c, handler in late:  # past their 13 working days
                workflow.reply(db, actor=f.actor(handler), case_id=sub.case.id, body="经核实已经处理完毕，感谢反映。")
                workflow.rate(db, case=f.reload(db, sub.case), level="unsatisfied")
    return first


def test_the_admin_sets_the_weights_and_stats_ranks_the_departments(  # type: ignore[no-untyped-def]
    live_server: LiveServer, browser, artifacts: Path
) -> None:
    first = _arrange(live_server)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    login(page, live_server, "sc.admin")
    page.goto(f"{live_server.url}/staff/admin/settings#scorecard")
    assert page.input_value("#weight_on_time") == "30" and page.input_value("#min_cases") == "10"
    page.fill("#weight_on_time", "-5")
    page.fill("#weight_satisfaction", "200")
    page.fill("#min_cases", "0")
    page.click("#scorecard-form button[type=submit]")
    assert "有 3 处需要修改" in page.inner_text("#form-error")
    assert page.inner_text("#weight_satisfaction-error") == "“满意率”的权重必须在 0 到 100 之间"
    assert page.get_attribute("#weight_on_time", "aria-invalid") == "true"
    page.screenshot(path=str(artifacts / "01-weights-errors-1280.png"), full_page=True)
    page.fill("#weight_on_time", "60")
    page.fill("#weight_satisfaction", "40")
    page.fill("#min_cases", "2")
    page.click("#scorecard-form button[type=submit]")
    assert "考核权重已保存" in page.inner_text("#scorecard")
    assert page.input_value("#weight_on_time") == "60"
    page.goto(f"{live_server.url}/staff/admin/security")
    assert "修改考核权重" in page.inner_text("main") and "按时办结率 30→60" in page.inner_text("main")

    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    url = f"{live_server.url}/stats?from={first.isoformat()}&to={last.isoformat()}"
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        # 市水务局 100; 市园林局: on time 1 of 3 (weight 60), satisfied 0 of 2 (40), no repeat among its 3
        # complaints (10), nothing else defined: (20 + 0 + 10) / 110 = 27.3
        assert page.inner_text("#scorecard-top") == "第 1 名：市水务局（100.0 分）；第 2 名：市园林局（27.3 分）"
        assert not page.is_visible("#t-scorecard")
        page.click("#scorecard-details > summary")
        assert page.locator("#t-scorecard tbody tr").count() == 2
        assert "市交通局" not in page.inner_text("#t-scorecard") and "留言不足 2 件的部门 1 个" in page.inner_text(
            "#scorecard"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(artifacts / f"02-stats-{width}.png"), full_page=True)
        page.locator("#scorecard").screenshot(path=str(artifacts / f"03-scorecard-{width}.png"))
    context.close()
    assert AXE.is_file(), f"axe-core not found at {AXE}: run `make axe` (npm install axe-core)"
    # bypass_csp: the page's own policy (script-src 'self') would refuse the injected axe script
    checked = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", bypass_csp=True)
    page = checked.new_page()
    login(page, live_server, "sc.admin")
    for address in (url, f"{live_server.url}/staff/admin/settings"):
        page.goto(address)
        if page.locator("#scorecard-details > summary").count():
            page.click("#scorecard-details > summary")
        assert serious_violations(page, AXE.read_text(encoding="utf-8")) == [], address
    checked.close()
