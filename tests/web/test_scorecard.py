"""考核 over HTTP: the admin's weights form (every error at once, audited), the ranking on /stats, in the JSON API
and in the downloads."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts.models import AuthEvent
from minyi.core.clock import CHINA_TZ, travel
from minyi.scorecard.config import DEFAULT_WEIGHTS, get_scorecard_settings, update_scorecard_settings
from minyi.workflow import services as workflow
from tests import factories as f

PERIOD = "from=2024-03-01&to=2024-03-31"
FORM = {f"weight_{k}": str(v) for k, v in DEFAULT_WEIGHTS.items()} | {"min_cases": "10"}


def test_the_admin_sets_the_weights_and_the_change_is_audited(client: TestClient, db: Session) -> None:
    admin = f.user(db, role="admin", username="weights.admin")
    f.login(client, admin)
    page = client.get("/staff/admin/settings").text
    assert 'id="scorecard"' in page and "部门考核权重" in page
    assert 'name="weight_on_time" min="0" max="100" value="30"' in page
    assert 'name="min_cases" min="1" value="10"' in page
    saved = client.post(
        "/staff/admin/settings/scorecard",
        data=FORM | {"weight_on_time": "45", "weight_repeats": "20", "min_cases": "3", "csrf_token": f.csrf(client)},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/staff/admin/settings?saved=scorecard#scorecard"
    again = client.get(saved.headers["location"]).text
    assert "考核权重已保存" in again and 'name="weight_on_time" min="0" max="100" value="45"' in again
    db.expire_all()
    assert get_scorecard_settings(db).weights["repeats"] == 20 and get_scorecard_settings(db).min_cases == 3
    event = db.scalar(select(AuthEvent).where(AuthEvent.kind == "scorecard_changed"))
    assert event is not None and event.actor_id == admin.id and "按时办结率 30→45" in event.detail
    assert "修改考核权重" in client.get("/staff/admin/security").text


def test_every_error_of_the_form_is_shown_at_once(client: TestClient, db: Session) -> None:
    f.login(client, f.user(db, role="admin"))
    bad = FORM | {"weight_on_time": "三十", "weight_callback": "150", "min_cases": "", "csrf_token": f.csrf(client)}
    answer = client.post("/staff/admin/settings/scorecard", data=bad)
    assert answer.status_code == 422
    html = answer.text
    assert "有 3 处需要修改" in html
    for field, message in (
        ("weight_on_time", "“按时办结率”的权重必须是整数"),
        ("weight_callback", "“回访满意率”的权重必须在 0 到 100 之间"),
        ("min_cases", "参与排名的最少留言数必须是整数"),
    ):
        assert f'<p class="field-error" id="{field}-error">{message}</p>' in html
        assert f'aria-describedby="{field}-error"' in html
    assert 'value="三十"' in html and 'value="150"' in html  # what was typed comes back to be corrected
    zeros = {f"weight_{k}": "0" for k in DEFAULT_WEIGHTS} | {"min_cases": "10", "csrf_token": f.csrf(client)}
    answer = client.post("/staff/admin/settings/scorecard", data=zeros)
    assert answer.status_code == 422 and "各项权重不能全部为 0" in answer.text
    huge = FORM | {"weight_adoption": "9" * 5000, "csrf_token": f.csrf(client)}
    assert client.post("/staff/admin/settings/scorecard", data=huge).status_code == 422
    db.expire_all()
    assert get_scorecard_settings(db).weights == DEFAULT_WEIGHTS
    assert db.scalar(select(AuthEvent).where(AuthEvent.kind == "scorecard_changed")) is None


@pytest.mark.parametrize("role", ["coordinator", "supervisor"])
def test_only_an_admin_sets_the_weights(client: TestClient, db: Session, role: str) -> None:
    f.login(client, f.user(db, role=role))
    answer = client.post("/staff/admin/settings/scorecard", data=FORM | {"csrf_token": f.csrf(client)})
    assert answer.status_code == 403
    assert get_scorecard_settings(db).weights == DEFAULT_WEIGHTS


@pytest.fixture
def ranked(db: Session) -> dict:
    """March 2024: 市水务局 two cases on time and rated 满意; 市园林局 one on time, one late and rated 不满意;
    市交通局 one case (under the minimum of 2)."""
    water, parks, roads = (f.department(db, name=n) for n in ("市水务局", "市园林局", "市交通局"))
    with travel(datetime(2024, 3, 4, 9, tzinfo=CHINA_TZ)):
        for _ in range(2):
            sub, _h = f.replied_case(db, water)
            workflow.rate(db, case=f.reload(db, sub.case), level="satisfied")
        sub, _h = f.replied_case(db, parks)
        f.replied_case(db, roads)
        late, _c, handler = f.case_in_progress(db, parks)
    with travel(datetime(2024, 3, 28, 9, tzinfo=CHINA_TZ)):  # past its 13 working days
        workflow.reply(db, actor=f.actor(handler), case_id=late.case.id, body="经核实已处理完毕，感谢您的反映。")
        workflow.rate(db, case=f.reload(db, late.case), level="unsatisfied")
    update_scorecard_settings(db, actor=f.user(db, role="admin"), weights=DEFAULT_WEIGHTS, min_cases=2)
    db.flush()
    return {"water": water, "parks": parks, "roads": roads}


def test_stats_shows_the_ranking_and_the_api_and_downloads_agree(client: TestClient, ranked: dict) -> None:
    html = client.get(f"/stats?{PERIOD}").text
    table = html[html.index('<table id="t-scorecard"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<tr data-department="(\d+)"><th scope="row">[^<]+</th><td data-v="(\d+)"', table)
    assert rows == [(str(ranked["water"].id), "1"), (str(ranked["parks"].id), "2")]
    assert "市交通局" not in table and "留言不足 2 件的部门 1 个" in html
    assert "第 1 名：市水务局（100.0 分）；第 2 名：市园林局（38.5 分）" in html  # above the folded table
    # 市水务局: on time, satisfied, no repeat -> 100; 市园林局: on time 50% (weight 30), satisfied 0% (25), two
    # complaints (the factory's kind) without a repeat 100% (10) -> (15 + 0 + 10) / 65 = 38.5
    assert "<strong>100.0</strong>" in table and "<strong>38.5</strong>" in table
    assert 'data-key="repeat-counts">0/2</td>' in table and 'data-label="按期复核"' in table  # short labels on a phone
    api = client.get(f"/api/v1/stats?{PERIOD}").json()["scorecard"]
    assert api["min_cases"] == 2 and api["weights"] == DEFAULT_WEIGHTS
    assert [(r["rank"], r["department"], round(r["score"], 1)) for r in api["ranked"]] == [
        (1, "市水务局", 100.0), (2, "市园林局", 38.5)
    ]  # fmt: skip
    assert api["ranked"][1]["components"] == {
        "on_time": 0.5, "satisfaction": 0.0, "callback": None, "adoption": None, "knowledge": None, "repeats": 1.0,
    }  # fmt: skip
    assert [r["department"] for r in api["not_ranked"]] == ["市交通局"]
    lines = list(csv.reader(io.StringIO(client.get(f"/stats.csv?{PERIOD}").content.decode("utf-8-sig"))))
    ranking = [r for r in lines if r and r[0] == "考核排名"]
    assert [(r[1], r[2], r[-1]) for r in ranking] == [("1", "市水务局", "100.0"), ("2", "市园林局", "38.46")]
    book = load_workbook(io.BytesIO(client.get(f"/stats.xlsx?{PERIOD}").content))
    sheet = list(book["考核排名"].iter_rows(values_only=True))
    assert sheet[0][:3] == ("名次", "部门", "留言数") and sheet[1][:2] == (1, "市水务局") and sheet[2][-1] == 38.46


def test_without_enough_cases_nobody_is_ranked(client: TestClient, ranked: dict, db: Session) -> None:
    update_scorecard_settings(db, actor=f.user(db, role="admin"), weights=DEFAULT_WEIGHTS, min_cases=50)
    db.flush()
    html = client.get(f"/stats?{PERIOD}").text
    assert 'id="scorecard-empty"' in html and '<table id="t-scorecard">' not in html
    assert client.get(f"/api/v1/stats?{PERIOD}").json()["scorecard"]["ranked"] == []
