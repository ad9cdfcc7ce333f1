"""End to end in a real browser: the admin adds a jurisdiction, imports a CSV file (refused with every error, then
taken), and the tree shows them — at desktop and phone widths."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from minyi.jurisdictions.models import Jurisdiction
from tests import factories as f
from tests.e2e.conftest import LiveServer, login, with_db

pytestmark = pytest.mark.e2e

GOOD = (
    "名称,级别,上级,网址代号,地名,领导信箱\n"
    "临江区,区,,linjiang,临江、临江区,书记、区长\n"
    "江北街道,街道,临江区,jiangbei,江北路,\n"
)
BAD = GOOD + "江南街道,街道,没有这个区,jiangnan,,\n江东街道,星系,临江区,jiangdong,,\n"


def test_the_admin_builds_the_tree_in_the_browser(
    live_server: LiveServer, browser, artifacts: Path, tmp_path: Path
) -> None:
    with with_db(live_server) as db:
        f.user(db, role="admin", username="tree.admin")
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text(BAD, encoding="utf-8")
    good.write_text(GOOD, encoding="utf-8")
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    login(page, live_server, "tree.admin")
    page.goto(f"{live_server.url}/staff/admin")
    page.click("nav.subnav >> text=辖区")
    page.fill("#name", "望城区")
    page.fill("#slug", "Wang Cheng")  # refused: the field says why, what was typed stays
    page.fill("#areas", "望城、望城区")
    page.click("#jurisdiction-form button[type=submit]")
    assert "网址代号只能用" in page.inner_text("#slug-error")
    assert page.input_value("#areas") == "望城、望城区"
    page.fill("#slug", "wangcheng")
    page.fill("#deadline-complaint", "8")
    page.click("#jurisdiction-form button[type=submit]")
    assert "辖区已新增" in page.inner_text("#saved-notice")
    page.set_input_files("#file", str(bad))
    page.click("#import-form button[type=submit]")
    errors = page.inner_text("#import-error")
    assert "文件有 2 处错误" in errors and "第 4 行" in errors and "第 5 行" in errors
    page.set_input_files("#file", str(good))
    page.click("#import-form button[type=submit]")
    assert "新建 2 个辖区" in page.inner_text("#import-notice")
    tree = page.inner_text("#jurisdiction-tree")
    assert "望城区" in tree and "江北街道" in tree and "jiangbei" in tree
    page.screenshot(path=str(artifacts / "admin-jurisdictions.png"), full_page=True)
    phone = browser.new_context(viewport={"width": 390, "height": 800}, locale="zh-CN").new_page()
    login(phone, live_server, "tree.admin")
    phone.goto(f"{live_server.url}/staff/admin/jurisdictions")
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, overflow  # the tree reads on a phone without sideways scrolling
    with with_db(live_server) as db:
        street = db.scalar(select(Jurisdiction).where(Jurisdiction.slug == "jiangbei"))
        district = db.scalar(select(Jurisdiction).where(Jurisdiction.slug == "wangcheng"))
        assert street is not None and street.level == "street"
        assert district is not None and district.deadline_days == {"complaint": 8}
