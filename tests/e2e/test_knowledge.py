"""End to end in a real browser: 宣介 (an inquiry's reply becomes a 常见问题 that answers the next citizen while they
type, no case created) and 引导纠正 (a misconception reclassified by the coordinator, answered with another by one
辟谣, shown on the board). Screenshots at 1,280 and 390 px."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from minyi.knowledge.models import KnowledgeEntry
from minyi.workflow import services as workflow
from minyi.workflow.models import Case
from tests import factories as f
from tests.e2e.conftest import LiveServer, login, with_db

pytestmark = pytest.mark.e2e
WIDTHS = (1280, 390)


def _logout(page) -> None:
    page.click("header button.link")


def _shots(browser, url: str, artifacts: Path, name: str) -> None:
    """The page at both widths, as an anonymous visitor."""
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.goto(url)
        page.screenshot(path=str(artifacts / f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not overflow, f"{name} scrolls sideways at {width} px"
        context.close()


def test_an_inquiry_reply_becomes_a_faq_that_answers_the_next_citizen(
    live_server: LiveServer, browser, artifacts: Path
) -> None:
    with with_db(live_server) as db:
        dept = f.department(db, name="市住房公积金管理中心")
        coordinator = f.user(db, role="coordinator", username="kb.coord")
        handler = f.user(db, role="handler", dept=dept, username="kb.handler")
        sub = f.message(
            db,
            title="公积金贷款需要准备哪些材料",
            body="我准备买房，想申请住房公积金贷款，请问需要准备哪些材料？联系电话13812345678。",
            appeal_kind="inquiry",
        )
        workflow.assign(db, actor=f.actor(coordinator), case_id=sub.case.id, department_id=dept.id)
        workflow.accept(db, actor=f.actor(handler), case_id=sub.case.id)
        workflow.reply(
            db,
            actor=f.actor(handler),
            case_id=sub.case.id,
            body="您好！申请住房公积金贷款需提供身份证、婚姻证明、购房合同、首付款发票和收入证明，到公积金中心窗口办理。",
        )
        case_id = sub.case.id
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()

    # 1. The handler turns the reply into a 常见问题 in one click, checks the masked text, publishes.
    login(page, live_server, "kb.handler")
    page.goto(f"{live_server.url}/staff/cases/{case_id}")
    page.click("#make-faq")
    assert "13812345678" not in page.input_value("#details") and "138****5678" in page.input_value("#details")
    assert "身份证、婚姻证明" in page.input_value("#answer")
    page.fill("#question", "申请住房公积金贷款需要哪些材料？")
    page.screenshot(path=str(artifacts / "01-faq-form-1280.png"), full_page=True)
    page.click("#kb-form button[value=published]")
    assert "已保存" in page.content() and "已发布" in page.inner_text("#kb-state")
    _logout(page)
    context.close()

    # 2. A citizen types a similar question: the answer appears; 这解决了我的问题, and no message is sent.
    with with_db(live_server) as db:
        cases_before = db.scalar(select(func.count()).select_from(Case))
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.goto(live_server.url)
        page.fill("#title", "买房用公积金贷款")
        page.fill("#body", "想用住房公积金贷款买房，要交什么材料？")
        page.wait_for_selector("#kb-answers li")
        assert "申请住房公积金贷款需要哪些材料" in page.inner_text("#kb-answers")
        page.screenshot(path=str(artifacts / f"02-citizen-typing-{width}.png"), full_page=True)
        page.click("#kb-answers button.kb-helpful")
        page.wait_for_selector("#kb-answers .notice")
        assert "问题已解决" in page.inner_text("#kb-answers")
        context.close()
    with with_db(live_server) as db:
        assert db.scalar(select(func.count()).select_from(Case)) == cases_before  # answered without a case
        entry = db.scalars(select(KnowledgeEntry).where(KnowledgeEntry.source_case_id == case_id)).one()
        assert entry.helpful_count == 2  # two browser sessions, once each
        entry_id = entry.id
    _shots(browser, f"{live_server.url}/knowledge/{entry_id}", artifacts, "03-faq-public")


def test_a_misconception_is_reclassified_and_answered_by_a_rumour_explanation(
    live_server: LiveServer, browser, artifacts: Path
) -> None:
    with with_db(live_server) as db:
        dept = f.department(db, name="市水务局")
        coordinator = f.user(db, role="coordinator", username="ex.coord")
        first = f.message(
            db, title="听说自来水有毒不能喝了", body="网上说我们这里的自来水有毒，喝了会得病，家里老人都不敢喝了。"
        )
        second = f.message(db, title="自来水是不是被污染了", body="群里都在传自来水被污染有毒，政府为什么不说明一下？")
        workflow.assign(
            db, actor=f.actor(coordinator), case_id=second.case.id, department_id=dept.id, appeal_kind="misconception"
        )
        first_id, second_id = first.case.id, second.case.id
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()

    # 1. The coordinator reclassifies the first message as 错误看法 when accepting it.
    login(page, live_server, "ex.coord")
    page.goto(f"{live_server.url}/staff/cases/{first_id}")
    page.select_option("#assign-dept", label="市水务局")
    page.select_option("#assign-kind", "misconception")
    page.click("#form-assign button[type=submit]")
    page.goto(f"{live_server.url}/staff/cases/{first_id}")
    assert "错误看法" in page.content()

    # 2. One 辟谣, then both messages ticked at once (全选) and answered by it.
    page.goto(f"{live_server.url}/staff/explanations")
    page.select_option("#kind", "rumour")
    page.fill("#ex-title", "关于“自来水有毒”的说明")
    page.fill(
        "#ex-body",
        "近期网传本市自来水有毒。经市水质监测中心检测，出厂水和管网末梢水各项指标均符合国家标准，请放心饮用。",
    )
    page.click("#explanation-form button[type=submit]")
    page.check("#select-all")
    assert page.is_checked(f"input[name=case_ids][value='{first_id}']")
    assert page.is_checked(f"input[name=case_ids][value='{second_id}']")
    page.screenshot(path=str(artifacts / "04-explanation-staff-1280.png"), full_page=True)
    page.click("#link-form button[type=submit]")
    assert "已答复 2 条留言" in page.inner_text("#linked-notice")
    page.goto(f"{live_server.url}/staff/cases/{first_id}")
    assert "已答复" in page.inner_text("#status") and "以政策解读/辟谣答复" in page.inner_text("#history")
    _logout(page)
    context.close()

    # 3. The board, the case page and the explanation's page show it.
    _shots(browser, f"{live_server.url}/board", artifacts, "05-board")
    context = browser.new_context(viewport={"width": 390, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/board")
    assert page.locator("a.explained", has_text="辟谣：关于“自来水有毒”的说明").count() == 2
    page.goto(f"{live_server.url}/cases/{second_id}")
    assert "统一答复" in page.inner_text("#case-explanation") and "【辟谣】" in page.inner_text("#replies")
    page.click("#case-explanation a")
    assert "听说自来水有毒不能喝了" in page.inner_text("#answered")
    context.close()
    _shots(browser, f"{live_server.url}/cases/{second_id}", artifacts, "06-case-explained")
    _shots(browser, f"{live_server.url}/explanations", artifacts, "07-explanations")


def test_a_confusion_is_reclassified_and_cleared_up_by_a_policy_explanation(
    live_server: LiveServer, browser, artifacts: Path
) -> None:
    """廓清: a 模糊认识 (reclassified by the coordinator) answered by a 政策解读, shown on the public case page."""
    with with_db(live_server) as db:
        f.department(db, name="市医疗保障局")
        f.user(db, role="coordinator", username="cl.coord")
        muddled = f.message(
            db,
            title="异地就医到底能不能报销",
            body="听人说在外地看病医保一分钱都报不了，也有人说只要备案就行，到底怎么回事？",
        )
        case_id = muddled.case.id
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    login(page, live_server, "cl.coord")
    page.goto(f"{live_server.url}/staff/cases/{case_id}")
    page.select_option("#assign-dept", label="市医疗保障局")
    page.select_option("#assign-kind", "confusion")
    page.click("#form-assign button[type=submit]")
    page.goto(f"{live_server.url}/staff/cases/{case_id}")
    assert "模糊认识" in page.content()
    page.goto(f"{live_server.url}/staff/explanations")
    page.select_option("#kind", "policy")
    page.fill("#ex-title", "异地就医报销怎么办")
    page.fill(
        "#ex-body", "参保人员办理异地就医备案后，在备案地定点医疗机构就医可直接结算，未备案的可回参保地按规定报销。"
    )
    page.click("#explanation-form button[type=submit]")
    page.check(f"input[name=case_ids][value='{case_id}']")
    page.click("#link-form button[type=submit]")
    assert "已答复 1 条留言" in page.inner_text("#linked-notice")
    page.context.close()
    public = browser.new_context(viewport={"width": 390, "height": 900}, locale="zh-CN").new_page()
    public.goto(f"{live_server.url}/cases/{case_id}")
    assert "【政策解读】" in public.inner_text("#replies") and "统一答复" in public.inner_text("#case-explanation")
    public.screenshot(path=str(artifacts / "08-confusion-cleared-390.png"), full_page=True)
    public.context.close()
