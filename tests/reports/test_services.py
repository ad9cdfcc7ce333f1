"""The periodic report from generated histories: periods, figures that agree with the statistics, empty periods."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.core.clock import CHINA_TZ, travel
from minyi.core.errors import ValidationFailed
from minyi.reports import services as reports
from minyi.reports.content import parse_period
from minyi.reports.models import StoredReport
from minyi.reports.render import render_html, render_xlsx
from minyi.stats.services import StatsQuery, build_report
from minyi.suggestions import services as suggestions
from minyi.workflow import services as workflow
from tests import factories as f

TODAY = date(2024, 6, 1)


@pytest.mark.parametrize(
    ("raw", "start", "end", "key"),
    [
        ("2024-03", date(2024, 3, 1), date(2024, 3, 31), "2024-03"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
        (" 2024-w10 ", date(2024, 3, 4), date(2024, 3, 10), "2024-W10"),
        ("2020-W53", date(2020, 12, 28), date(2021, 1, 3), "2020-W53"),
    ],
)
def test_periods_parse(raw: str, start: date, end: date, key: str) -> None:
    period = parse_period(raw, today=TODAY)
    assert (period.start, period.end, period.key) == (start, end, key)


def test_previous_periods_cross_the_year() -> None:
    assert parse_period("2024-01", today=TODAY).previous().key == "2023-12"
    assert parse_period("2024-W01", today=TODAY).previous().key == "2023-W52"
    assert parse_period("2024-03", today=TODAY).shifted_back(5).key == "2023-10"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("", "请指定报告周期"),
        ("2024-13", "月份不正确"),
        ("2024-00", "月份不正确"),
        ("2019-W53", "没有第 53 周"),
        ("2024-W00", "没有第 0 周"),
        ("2024/03", "格式不正确"),
        ("November", "格式不正确"),
        ("2024-3", "格式不正确"),
        ("x" * 10_000, "格式不正确"),
        ("1999-12", "不能早于"),
        ("2024-07", "尚未开始"),
        ("'; DROP TABLE cases;--", "格式不正确"),
    ],
)
def test_bad_periods_are_clear_errors(raw: str, words: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        parse_period(raw, today=TODAY)
    assert words in error.value.message and error.value.field == "period"


@pytest.fixture
def history(db: Session) -> dict:
    """February: one reply. March: an on-time reply rated 满意, an open case past its deadline, a private one."""
    water, parks = f.department(db, name="市水务局"), f.department(db, name="市园林局")
    with travel(datetime(2024, 2, 5, 9, tzinfo=CHINA_TZ)):
        f.replied_case(db, water)
    with travel(datetime(2024, 3, 4, 9, tzinfo=CHINA_TZ)):
        sub, _handler = f.replied_case(db, water)
        workflow.rate(db, case=f.reload(db, sub.case), level="satisfied")
        late, _c, _h = f.case_in_progress(
            db, parks, title="公园厕所无人打扫", body="人民公园北门的厕所很久没有人打扫了。"
        )
        f.message(db, is_public=False, title="我家楼下噪音", body="夜里工地施工噪音很大，无法入睡。")
    db.flush()
    return {"water": water, "parks": parks, "rated": sub.case.id, "late": late.case.id}


def test_monthly_report_agrees_with_the_statistics(db: Session, history: dict) -> None:
    with travel(datetime(2024, 6, 1, 9, tzinfo=CHINA_TZ)):
        period = parse_period("2024-03", today=TODAY)
        report = reports.build_period_report(db, period=period, today=TODAY)
    stats = build_report(db, query=StatsQuery(start=date(2024, 3, 1), end=date(2024, 3, 31)), today=TODAY)
    assert report.overall == stats.overall
    figures = {k.key: k for k in report.key_figures}
    assert (figures["received"].value, figures["received"].previous, figures["received"].change) == (3, 1, 2)
    assert figures["satisfaction_rate"].value == 1.0 and figures["satisfaction_rate"].previous is None
    assert figures["satisfaction_rate"].change is None  # no rating in February: no change to show
    assert [r.label for r in report.late_departments] == ["市园林局"]
    assert report.late_departments[0].figures.overdue_open == 1
    assert [r.label for r in report.trend] == ["2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03"]
    assert report.trend[-2].figures.received == 1
    assert report.best_replies[0].case_id == history["rated"]
    assert "群众评价：满意" in report.best_replies[0].reasons
    assert not report.notices


def test_the_documents_show_it_without_private_text(db: Session, history: dict) -> None:
    period = parse_period("2024-03", today=TODAY)
    report = reports.build_period_report(db, period=period, today=TODAY)
    html = render_html(report)
    assert "2024年3月民意月报" in html and "@media print" in html and "<svg" in html
    assert 'data-figure="received">收到留言<b>3</b>' in html and "上期 1，变化 +2" in html
    assert "市园林局" in html and "我家楼下噪音" not in html and "13800138000" not in html
    assert f"生成于 {report.generated_at}" in html and "UTC" not in html  # China time, as on every other page
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", report.generated_at)
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    assert book.sheetnames == ["概要", "趋势", "部门", "热点问题", "答复示例"]
    rows = list(book["概要"].iter_rows(values_only=True))
    assert ("收到留言", 3, 1, 2) in rows


def test_a_period_without_data_says_so(db: Session, history: dict) -> None:
    period = parse_period("2023-W20", today=TODAY)
    report = reports.build_period_report(db, period=period, today=TODAY)
    assert report.empty and report.overall.received == 0
    assert any("没有收到留言" in n for n in report.notices)
    assert all(k.value in (0, None) for k in report.key_figures)
    assert report.hot_issues == [] and report.best_replies == [] and report.late_departments == []
    html = render_html(report)
    assert "没有收到留言" in html and "—" in html
    assert load_workbook(io.BytesIO(render_xlsx(report))).sheetnames[0] == "概要"


def test_a_running_period_says_it_is_not_over(db: Session) -> None:
    report = reports.build_period_report(db, period=parse_period("2024-06", today=TODAY), today=TODAY)
    assert any("本期尚未结束" in n for n in report.notices)


def test_scheduled_generation_happens_once_per_period(db: Session, history: dict) -> None:
    with travel(datetime(2024, 4, 3, 9, tzinfo=CHINA_TZ)):
        assert reports.generate_due_reports(db, today=date(2024, 4, 3)) == ["2024-03", "2024-W13"]
        assert reports.generate_due_reports(db, today=date(2024, 4, 3)) == []
    assert db.scalar(select(func.count(StoredReport.id))) == 2
    stored = reports.stored_report(db, period="2024-03")
    assert stored is not None and stored.summary["received"] == 3 and "2024年3月民意月报" in stored.html
    assert [r.period for r in reports.list_reports(db)] == ["2024-03", "2024-W13"]


def test_no_cell_of_the_workbook_runs_as_a_formula(db: Session) -> None:
    """Department names, titles and replies are data: written as text even when they look like formulas."""
    dept = f.department(db, name='=HYPERLINK("http://x","园林局")')
    with travel(datetime(2024, 3, 4, 9, tzinfo=CHINA_TZ)):
        f.case_in_progress(db, dept, title="-1+1 公园厕所无人打扫", body="人民公园北门的厕所很久没有人打扫了。")
        f.replied_case(db, dept)
    db.flush()
    report = reports.build_period_report(db, period=parse_period("2024-03", today=TODAY), today=TODAY)
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    texts = []
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                texts.append(str(cell.value or ""))
    assert '\'=HYPERLINK("http://x","园林局")' in texts
    assert not [t for t in texts if t.startswith(("=", "+", "@"))]


def test_the_report_shows_adoption_and_praise_per_department(db: Session) -> None:
    """建言采纳 and 表扬 in the key figures and a table of their own, equal to the statistics of the same dates."""
    water, parks = f.department(db, name="市水务局"), f.department(db, name="市园林局")
    with travel(datetime(2024, 3, 4, 9, tzinfo=CHINA_TZ)):
        for decision in ("adopted", "not_adopted", "planned"):
            sub, _c, handler = f.case_in_progress(db, water, appeal_kind="suggestion")
            workflow.reply(db, actor=f.actor(handler), case_id=sub.case.id, body="感谢建议，经研究答复如下。")
            adopting = decision == "adopted"
            commitments = [{"what": "增设节水宣传栏三处", "due_on": "2024-05-01"}] if adopting else []
            suggestions.decide(
                db,
                actor=f.actor(handler),
                case_id=sub.case.id,
                decision=decision,
                reason="经研究作出决定。",
                commitments=commitments,
            )
        praise, _c, thanks = f.case_in_progress(db, parks, appeal_kind="praise")
        workflow.acknowledge(db, actor=f.actor(thanks), case_id=praise.case.id, body="感谢您对园林工作的肯定与支持！")
    db.flush()
    report = reports.build_period_report(db, period=parse_period("2024-03", today=TODAY), today=TODAY)
    figures = {k.key: k.value for k in report.key_figures}
    assert figures["adoption_rate"] == pytest.approx(1 / 3) and figures["praised"] == 1
    html = render_html(report)
    section = html[html.index('id="adoption"') :]
    assert "七、建言采纳与表扬" in section
    assert f'data-department="{water.id}"><td>市水务局</td><td class="n">3</td><td class="n">1</td>' in section
    assert f'data-department="{parks.id}"><td>市园林局</td><td class="n">0</td>' in section
    rows = list(load_workbook(io.BytesIO(render_xlsx(report)))["概要"].iter_rows(values_only=True))
    assert ("建议采纳率（%）", 33.33, None, None) in rows
