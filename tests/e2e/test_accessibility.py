"""Accessibility: axe-core (from npm, installed by `make axe`) run in the browser on every public page.

No serious or critical violation on the home page and its form (also with every field error shown), the board,
a case page, the tracking page, the hot issues, the statistics and the staff login, at 1,280 and 390 px.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import factories as f
from tests.e2e.conftest import LiveServer, with_db

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="module")
def axe_script() -> str:
    if not AXE.is_file():
        pytest.fail(f"axe-core not found at {AXE}: run `make axe` (npm install axe-core)")
    return AXE.read_text(encoding="utf-8")


def serious_violations(page, script: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """axe-core's violations of impact serious or critical on the page as it stands (WCAG 2.x A and AA rules)."""
    page.add_script_tag(content=script)
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]


def test_public_pages_have_no_serious_accessibility_violations(
    live_server: LiveServer, browser, artifacts: Path, axe_script: str
) -> None:
    with with_db(live_server) as db:
        dept = f.department(db, name="市无障碍测试局", domains=["城乡建设"])
        sub, _handler = f.replied_case(db, dept)
        number, token = sub.case.id, sub.tracking_token
    pages = {
        "home": "/",
        "board": "/board",
        "board-search": "/board?q=路灯",
        "case": f"/cases/{number}",
        "track": f"/track/{token}",
        "hot": "/hot",
        "stats": "/stats",
        "staff-login": "/staff/login",
    }
    found: dict[str, list[dict]] = {}
    for width in (1280, 390):
        # bypass_csp: the page's own policy (script-src 'self') would refuse the injected axe script
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN", bypass_csp=True)
        page = context.new_page()
        for name, path in pages.items():
            page.goto(f"{live_server.url}{path}")
            if violations := serious_violations(page, axe_script):
                found[f"{name}@{width}"] = violations
        # the form with every field error shown beside its input
        page.goto(f"{live_server.url}/")
        page.fill("#title", "短")
        page.fill("#body", "太短")
        page.click('form[action="/messages"] button[type=submit]:not([formaction])')
        page.wait_for_selector(".field-error")
        page.screenshot(path=str(artifacts / f"01-form-errors-{width}.png"), full_page=True)
        if violations := serious_violations(page, axe_script):
            found[f"form-errors@{width}"] = violations
        context.close()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_the_check_sees_a_violation_when_there_is_one(live_server: LiveServer, browser, axe_script: str) -> None:
    """The check above is live: an unlabelled input and an image without text are reported."""
    context = browser.new_context(locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/board")
    page.evaluate(
        """() => { const m = document.querySelector('main');
                   m.insertAdjacentHTML('beforeend', '<input type="text" id="no-label"><img src="/static/x.png">'); }"""
    )
    ids = {v["id"] for v in serious_violations(page, axe_script)}
    assert {"label", "image-alt"} <= ids, ids
    context.close()
