"""/stats, its downloads and /api/v1/stats over HTTP: the same figures everywhere, bad input answered clearly."""

from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from minyi.core.clock import CHINA_TZ, china_today, travel
from minyi.workflow import services as workflow
from tests import factories as f

PERIOD = "from=2024-03-01&to=2024-03-31"
FIGURES = [
    "received",
    "replied",
    "reply_rate",
    "on_time_rate",
    "avg_days",
    "p90_days",
    "satisfaction_rate",
    "reopen_rate",
    "extensions",
    "escalated",
    "overdue_open",
]
TRENDS = {  # the trend's charts: each draws, and its table holds, these figures
    "t-trend": ["received", "replied"],
    "t-trend-rates": ["reply_rate", "on_time_rate", "satisfaction_rate", "reopen_rate"],
    "t-trend-days": ["avg_days", "p90_days"],
    "t-trend-supervision": ["extensions", "escalated", "overdue_open"],
}
BREAKDOWNS = ("t-departments", "t-domain", "t-kind", "t-place")  # a bar chart of 留言数; its table: every figure
RESPONSES = ["adoption_rate", "praised"]  # 吸纳 and 表扬: in the breakdown tables only (not a trend)
CHARTS = (*TRENDS, *BREAKDOWNS)


@pytest.fixture
def data(db: Session) -> dict:
    """Two departments: one answered on time and rated 满意, one with a case still open; a private message."""
    water, parks = f.department(db, name="市水务局"), f.department(db, name='=HYPERLINK("http://x")园林局')
    idle = f.department(db, name="无留言的部门")
    with travel(datetime(2024, 3, 4, 9, tzinfo=CHINA_TZ)):
        sub, _handler = f.replied_case(db, water)
        workflow.rate(db, case=f.reload(db, sub.case), level="satisfied")
        open_case, _c, _h = f.case_in_progress(db, parks, contact_phone="13912345678", place_text="人民公园北门")
        f.message(db, is_public=False, place_text="我家楼下", contact_email="secret@example.org")
    db.flush()
    return {"water": water, "parks": parks, "idle": idle, "open": open_case}


def test_the_page_shows_figures_tables_and_charts(client: TestClient, data: dict) -> None:
    page = client.get(f"/stats?{PERIOD}")
    assert page.status_code == 200
    html = page.text
    assert "统计公开" in html and 'data-figure="received">3<' in html
    assert 'data-figure="reply_rate">33.3%<' in html  # 1 replied of 3 (the private message counts too)
    assert 'data-figure="satisfaction_rate">100.0%<' in html
    for table in CHARTS:
        assert f'<table id="{table}"' in html and f'data-table="{table}"' in html
    assert '<script src="/static/charts.js" defer></script>' in html
    assert "无留言的部门" in html and "未分派" in html
    assert "13912345678" not in html and "secret@example.org" not in html and "我家楼下" not in html
    assert "人民公园北门" in html and "未公开" in html
    assert client.get("/static/charts.js").status_code == 200


def test_rates_without_data_show_a_dash(client: TestClient, data: dict) -> None:
    page = client.get(f"/stats?{PERIOD}&department_id={data['idle'].id}")
    assert page.status_code == 200 and "所选时间段内没有留言" in page.text
    assert 'data-figure="reply_rate">—<' in page.text and 'data-figure="avg_days">—<' in page.text


def test_json_api_agrees_with_the_downloads(client: TestClient, data: dict) -> None:
    api = client.get(f"/api/v1/stats?{PERIOD}").json()
    assert api["overall"]["received"] == 3 and api["overall"]["replied"] == 1
    assert api["overall"]["satisfaction_rate"] == 1.0 and api["overall"]["reopen_rate"] == 0.0
    assert api["period"] == {"from": "2024-03-01", "to": "2024-03-31", "by": "month", "requested_to": None}
    rows = list(csv.reader(io.StringIO(client.get(f"/stats.csv?{PERIOD}").content.decode("utf-8-sig"))))
    header = rows[1]
    overall = dict(zip(header, rows[2], strict=True))
    assert overall["分类"] == "总体" and overall["留言数"] == "3" and overall["满意率（%）"] == "100.0"
    departments = {r[1]: dict(zip(header, r, strict=True)) for r in rows if r[0] == "部门"}
    assert departments["市水务局"]["按时办结率（%）"] == "100.0"
    assert departments["无留言的部门"]["回复率（%）"] == ""  # undefined, not 0
    assert '\'=HYPERLINK("http://x")园林局' in departments  # a name is never run as a spreadsheet formula
    response = client.get(f"/stats.xlsx?{PERIOD}")
    assert response.headers["content-disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:3] == ["说明", "总体", "部门"]
    sheet = book["部门"]
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "市水务局" in names and all(not str(n).startswith("=") for n in names)
    text = response.content + client.get(f"/stats.csv?{PERIOD}").content
    assert b"13912345678" not in text and "我家楼下".encode() not in text


def test_one_department_page(client: TestClient, data: dict) -> None:
    listing = client.get(f"/stats?{PERIOD}&by=week").text  # each department's line links to its own page
    link = (
        f'href="/stats?from=2024-03-01&amp;to=2024-03-31&amp;by=week&amp;department_id={data["water"].id}">市水务局</a>'
    )
    assert link in listing and "统计时间：" in listing
    page = client.get(f"/stats?{PERIOD}&department_id={data['water'].id}")
    assert page.status_code == 200 and "统计公开 · 市水务局" in page.text
    api = client.get(f"/api/v1/stats?{PERIOD}&department_id={data['water'].id}").json()
    assert api["department"] == {"id": data["water"].id, "name": "市水务局"}
    assert api["overall"]["received"] == 1 and api["overall"]["on_time_rate"] == 1.0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2024-04-01&to=2024-03-01", "开始日期不能晚于结束日期"),
        ("from=2024-02-30", "格式不正确"),
        ("from=yesterday", "格式不正确"),
        ("from=2099-01-01&to=2099-12-31", "尚未开始"),
        ("by=hour", "统计粒度"),
        ("department_id=abc", "部门参数无效"),
        ("from=%3Cscript%3Ealert(1)%3C/script%3E", "格式不正确"),
    ],
)
def test_bad_queries_get_a_chinese_page_and_a_json_error(client: TestClient, query: str, message: str) -> None:
    page = client.get(f"/stats?{query}")
    assert page.status_code == 422 and message in page.text and 'id="stats-error"' in page.text
    assert "<script>alert(1)</script>" not in page.text and '<form class="card filters"' in page.text
    api = client.get(f"/api/v1/stats?{query}")
    assert api.status_code == 422 and message in api.json()["error"]["message"]
    assert client.get(f"/stats.csv?{query}").status_code == 422


def test_unknown_department_is_404(client: TestClient) -> None:
    assert client.get("/stats?department_id=999999").status_code == 404
    response = client.get("/api/v1/stats?department_id=999999")
    assert response.status_code == 404 and response.json()["error"]["message"] == "部门不存在"


def test_a_future_end_is_cut_at_today(client: TestClient) -> None:
    today = china_today()
    page = client.get(f"/stats?from={today.year}-01-01&to={today.year + 1}-12-31")
    assert page.status_code == 200 and "统计截至今天" in page.text
    api = client.get(f"/api/v1/stats?from={today.year}-01-01&to={today.year + 1}-12-31").json()
    assert api["period"]["to"] == today.isoformat() and api["period"]["requested_to"] == f"{today.year + 1}-12-31"


def test_default_page_covers_twelve_months(client: TestClient) -> None:
    page = client.get("/stats")
    assert page.status_code == 200
    api = client.get("/api/v1/stats").json()
    assert len(api["trend"]) == 12 and api["period"]["to"] == china_today().isoformat()
    assert date.fromisoformat(api["period"]["from"]).day == 1


def test_no_cell_of_the_downloads_runs_as_a_formula(client: TestClient, data: dict) -> None:
    """A department named like a formula is text in every sheet, the 说明 sheet's 范围 included."""
    for query in (PERIOD, f"{PERIOD}&department_id={data['parks'].id}"):
        book = load_workbook(io.BytesIO(client.get(f"/stats.xlsx?{query}").content))
        for sheet in book:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                    assert not str(cell.value or "").startswith(("=", "+", "-", "@")), (sheet.title, cell.value)
    info = dict(book["说明"].iter_rows(values_only=True))
    assert info["范围"] == '\'=HYPERLINK("http://x")园林局'
    rows = list(csv.reader(io.StringIO(client.get(f"/stats.csv?{PERIOD}").content.decode("utf-8-sig"))))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_figures_by_channel_on_the_page_and_in_every_download(client: TestClient, db: Session, data: dict) -> None:
    coordinator = f.user(db, role="coordinator")
    with travel(datetime(2024, 3, 5, 9, tzinfo=CHINA_TZ)):
        f.entered(db, coordinator, received_at="2024-03-04T18:00")
        f.entered(db, coordinator, channel="letter", received_at="2024-03-01T09:00")
    html = client.get(f"/stats?{PERIOD}").text
    table = html.split('<table id="t-channel">')[1].split("</table>")[0]
    cells = {code: row for code, row in re.findall(r'<tr data-channel="(\w+)">(.*?)</tr>', table, flags=re.S)}
    assert list(cells) == ["phone", "letter", "visit", "website", "online"]
    assert '<th scope="row">电话</th>' in cells["phone"] and 'data-v="1"' in cells["phone"]
    assert 'data-v="3"' in cells["website"] and "60.0%" in cells["website"]  # 3 of the 5 messages
    assert 'data-v="0"' in cells["visit"] and "0.0%" in cells["visit"]
    api = client.get(f"/api/v1/stats?{PERIOD}").json()
    assert {r["key"]: r["received"] for r in api["by_channel"]} == {
        "phone": 1, "letter": 1, "visit": 0, "website": 3, "online": 0,
    }  # fmt: skip
    rows = list(csv.reader(io.StringIO(client.get(f"/stats.csv?{PERIOD}").content.decode("utf-8-sig"))))
    assert {r[1]: r[2] for r in rows if r[0] == "受理渠道"} == {
        "电话": "1",
        "信件": "1",
        "来访": "0",
        "网站": "3",
        "网络民意": "0",
    }
    assert "受理渠道" in load_workbook(io.BytesIO(client.get(f"/stats.xlsx?{PERIOD}").content)).sheetnames
    assert coordinator.display_name not in html  # who entered them is never public


def _tables(html: str) -> dict[str, list[str]]:
    """Each table's id and the data-key of its columns."""
    found = re.finditer(r'<table id="(?P<id>[\w-]+)"[^>]*>(?P<body>.*?)</table>', html, re.DOTALL)
    return {m["id"]: re.findall(r'<th scope="col" data-key="(\w+)"', m["body"]) for m in found}


def test_each_chart_is_followed_by_one_folded_table_of_its_data(client: TestClient, data: dict) -> None:
    html = client.get(f"/stats?{PERIOD}").text
    charts = dict(
        re.findall(r'<figure class="chart" data-chart="\w+" data-table="([\w-]+)" data-series="([\w,]+)"', html)
    )
    tables = _tables(html)
    tables.pop("t-channel")  # the channel table (受理渠道, five rows, with each channel's share) has no chart
    assert list(charts) == list(tables) == list(CHARTS)  # one table per chart, in the chart's order, none repeated
    assert html.count("<table ") == len(CHARTS) + 1
    for chart, series in TRENDS.items():
        assert charts[chart] == ",".join(series) and tables[chart] == ["label", *series]
    trend_columns = [key for series in TRENDS.values() for key in series]
    assert sorted(trend_columns) == sorted(FIGURES)  # every figure of the trend is on the page, once
    for chart in BREAKDOWNS:
        assert charts[chart] == "received" and tables[chart] == ["label", *FIGURES, *RESPONSES]
    # each table folded in its chart's section, behind a summary that says what it is
    assert html.count('<details class="data-table">') == len(CHARTS) and '<details class="data-table" open' not in html
    assert html.count('<summary>查看数据表<span class="sr-only">') == len(CHARTS)
    sections = re.findall(r'<section class="card chart-card".*?</section>', html, re.DOTALL)
    assert len(sections) == len(CHARTS)
    for section, chart in zip(sections, CHARTS, strict=True):
        assert section.count("<table ") == 1 and f'<table id="{chart}"' in section
        assert section.index("<figure") < section.index("<details") < section.index("<table")
    # the breakdowns (12 columns) become labelled cards on a phone; the trend tables are narrow enough
    assert all(f'<table id="{chart}" class="figure-table cards">' in html for chart in BREAKDOWNS)
    assert all(f'<table id="{chart}" class="figure-table">' in html for chart in TRENDS)
    assert '<td data-v="1" data-label="已答复">1</td>' in html


def test_figures_come_first_and_everything_is_there_once(client: TestClient, data: dict) -> None:
    html = client.get(f"/stats?{PERIOD}").text
    figures = ("received", "reply_rate", "on_time_rate", "avg_days", "satisfaction_rate", "reopen_rate")
    for figure in figures:
        assert html.count(f'data-figure="{figure}"') == 1
    assert html.index('id="overall"') < html.index("<figure") < html.index('id="definitions"')
    for link in ('href="/stats.csv?', 'href="/stats.xlsx?', 'href="/api/v1/stats?'):
        assert html.count(link) == 1
    assert html.count('id="definitions"') == 1 and html.count('<script src="/static/charts.js"') == 1
    levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", html)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels))  # no heading level skipped
    assert levels.count(2) == 1 + len(CHARTS) + 2  # 总体情况, one per chart, 按受理渠道, 回访


def test_a_long_department_table_shows_its_first_rows_until_asked(client: TestClient, db: Session, data: dict) -> None:
    short = client.get(f"/stats?{PERIOD}").text
    assert "data-show-all" not in short and 'class="more"' not in short  # 3 departments and 未分派: all shown
    for number in range(14):
        f.department(db, name=f"市第{number}部门")
    db.flush()
    html = client.get(f"/stats?{PERIOD}").text
    departments = _tables(html)["t-departments"]
    assert departments[0] == "label"
    rows = re.search(r'<table id="t-departments".*?</table>', html, re.DOTALL)[0]  # type: ignore[index]
    assert rows.count("<tr") == 1 + 18 and rows.count('<tr class="more">') == 3  # 17 departments and 未分派
    assert '<button type="button" class="secondary small" data-show-all="t-departments"' in html
    assert "显示全部 18 行" in html and "只显示前 15 行" in html
    assert "（18 行）" in html  # the summary says how long the folded table is
