"""The hot issues of any period (/hot?from=&to=): checked dates, grouped by a worker, public text only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import travel
from minyi.core.errors import ValidationFailed
from minyi.hot import periods
from minyi.hot.models import HotPeriod
from minyi.hot.services import current_hot_issues, recompute_hot_issues
from minyi.jobs import runner
from tests import factories as f

MIXER = ("丽发新城小区旁搅拌站夜间噪音扰民", "丽发新城小区附近的搅拌站每天夜里施工，噪音很大，粉尘也多，居民无法休息。")
NEWER = ("幸福路公交站台被占用", "幸福路公交站台长期被小摊贩占用，乘客只能站在马路上候车，非常危险。")
TODAY = date(2026, 12, 4)


def _write(db: Session, when: datetime, text: tuple[str, str], n: int, **kw: object) -> list[int]:
    ids = []
    for i in range(n):
        with travel(when + timedelta(hours=i)):
            sub = f.message(db, title=text[0] + "！" * (i % 2), body=text[1] + f"第{i + 1}次反映。", **kw)
        ids.append(sub.case.id)
    return ids


@pytest.mark.parametrize(
    ("first", "last", "field", "words"),
    [
        ("", "2019-11-30", "from", "请填写开始日期"),
        ("2019-11-01", "", "to", "请填写结束日期"),
        ("2019/11/01", "2019-11-30", "from", "格式不正确"),
        ("2019-02-30", "2019-03-01", "from", "格式不正确"),
        ("2019-11-01", "2019-11-31", "to", "格式不正确"),
        ("<script>", "2019-11-30", "from", "格式不正确"),
        ("2019-11-01" * 500, "2019-11-30", "from", "格式不正确"),
        ("2019-12-01", "2019-11-30", "from", "不能晚于结束日期"),
        ("2018-01-01", "2019-11-30", "to", "最长 366 天"),
        ("1999-12-31", "2000-01-31", "from", "不能早于 2000-01-01"),
        ("2027-01-01", "2027-01-31", "from", "不能晚于今天"),
        (["2019-11-01"], "2019-11-30", "from", "请填写开始日期"),
    ],
)
def test_bad_periods_are_refused_with_a_clear_chinese_error(
    first: object, last: object, field: str, words: str
) -> None:
    with pytest.raises(ValidationFailed, match=words) as caught:
        periods.parse_period(first, last, today=TODAY)
    assert caught.value.field == field


def test_a_period_ends_today_at_the_latest_and_may_span_a_leap_year() -> None:
    assert periods.parse_period("2026-11-01", "2027-03-01", today=TODAY).last == TODAY
    assert periods.parse_period("2020-01-01", "2020-12-31", today=TODAY).first == date(2020, 1, 1)  # 366 days


def test_a_past_period_is_grouped_by_the_worker_even_when_newer_messages_exist(db: Session) -> None:
    old = _write(db, datetime(2019, 11, 5, 2, tzinfo=UTC), MIXER, 4)
    _write(db, datetime(2026, 11, 20, 2, tzinfo=UTC), NEWER, 3)
    with travel(datetime(2026, 12, 4, 2, tzinfo=UTC)):
        recompute_hot_issues(db, since_days=30)
        assert all(set(old).isdisjoint(i.case_ids) for i in current_hot_issues(db))
        period = periods.parse_period("2019-11-01", "2019-11-30")
        first = periods.view_period(db, period=period)
        assert first.queue and not first.ready and first.issues == []
        again = periods.view_period(db, period=period)
        assert not again.queue  # already waiting for a worker: queued once
        assert periods.compute_period(db, period_id=first.row.id) == 1
        done = periods.view_period(db, period=period)
    assert done.ready and not done.queue and done.row.messages == 4
    (issue,) = done.issues
    assert sorted(issue.case_ids) == sorted(old) and "搅拌站" in issue.description


def test_a_period_whose_messages_change_is_grouped_again_showing_the_old_result_meanwhile(db: Session) -> None:
    _write(db, datetime(2019, 11, 5, 2, tzinfo=UTC), MIXER, 2)
    period = periods.parse_period("2019-11-01", "2019-11-30", today=TODAY)
    row_id = periods.view_period(db, period=period).row.id
    periods.compute_period(db, period_id=row_id)
    assert not periods.view_period(db, period=period).queue
    _write(db, datetime(2019, 11, 20, 2, tzinfo=UTC), NEWER, 2)  # an import into the period
    changed = periods.view_period(db, period=period)
    assert changed.queue and changed.ready and changed.row.status == periods.PENDING and len(changed.issues) == 1
    periods.compute_period(db, period_id=row_id)
    assert len(periods.view_period(db, period=period).issues) == 2


def test_private_messages_never_enter_a_period(db: Session) -> None:
    _write(db, datetime(2019, 11, 5, 2, tzinfo=UTC), MIXER, 3, is_public=False)
    period = periods.parse_period("2019-11-01", "2019-11-30", today=TODAY)
    row_id = periods.view_period(db, period=period).row.id
    assert periods.compute_period(db, period_id=row_id) == 0
    assert db.get(HotPeriod, row_id).messages == 0  # type: ignore[union-attr]


def test_the_periodic_task_groups_lost_periods_and_prunes_old_ones(db: Session, session_factory) -> None:  # type: ignore[no-untyped-def]
    _write(db, datetime(2019, 11, 5, 2, tzinfo=UTC), MIXER, 2)
    with travel(datetime(2026, 12, 4, 2, tzinfo=UTC)):
        periods.view_period(db, period=periods.parse_period("2019-11-01", "2019-11-30"))
        periods.view_period(db, period=periods.parse_period("2019-10-01", "2019-10-31"))
    db.commit()
    with travel(datetime(2026, 12, 4, 3, tzinfo=UTC)):
        done = runner.hot_issues(session_factory)
    assert done["hot_periods"] == 2
    assert {p.status for p in db.scalars(select(HotPeriod))} == {periods.DONE}
    assert periods.prune_periods(db, keep=1) == 1 and len(db.scalars(select(HotPeriod)).all()) == 1


def test_hot_page_shows_a_period_and_refuses_bad_dates_beside_the_form(client: TestClient, db: Session) -> None:
    ids = _write(db, datetime(2019, 11, 5, 2, tzinfo=UTC), MIXER, 3, contact_phone="13912345678")
    db.commit()
    waiting = client.get("/hot", params={"from": "2019-11-01", "to": "2019-11-30"})
    assert waiting.status_code == 200 and "正在计算该时段的热点问题" in waiting.text
    assert 'http-equiv="refresh"' in waiting.text
    row = db.scalar(select(HotPeriod))
    assert row is not None
    periods.compute_period(db, period_id=row.id)  # what the queued worker task does
    db.commit()
    page = client.get("/hot?from=2019-11-01&to=2019-11-30")
    assert page.status_code == 200 and 'id="hot-1"' in page.text and f'href="/cases/{ids[0]}"' in page.text
    assert "13912345678" not in page.text and "张三" not in page.text  # no personal data on the public page
    assert "2019-11-01 至 2019-11-30" in page.text and 'value="2019-11-01"' in page.text
    bad = client.get("/hot?from=2019-12-01&to=2019-11-30")
    assert bad.status_code == 422 and "开始日期不能晚于结束日期" in bad.text and 'aria-invalid="true"' in bad.text
    assert client.get("/hot?from=2019-11-01").status_code == 422
    hostile = client.get("/hot", params={"from": "<script>alert(1)</script>", "to": "x" * 5000})
    assert hostile.status_code == 422 and "<script>alert(1)" not in hostile.text
    assert client.get("/hot").status_code == 200  # no dates: the newest window, as before


class _Queue:
    def __init__(self) -> None:
        self.queued: list[int] = []

    def hot_period(self, period_id: int) -> None:
        self.queued.append(period_id)


def test_the_page_queues_a_new_period_once_after_commit(client: TestClient, db: Session) -> None:
    from minyi.web.state import app_state

    queue = _Queue()
    app_state(client.app).jobs = queue  # type: ignore[assignment,attr-defined]
    _write(db, datetime(2019, 11, 5, 2, tzinfo=UTC), MIXER, 2)
    db.commit()
    for _ in range(2):
        assert client.get("/hot?from=2019-11-01&to=2019-11-30").status_code == 200
    row = db.scalar(select(HotPeriod))
    assert row is not None and queue.queued == [row.id]  # queued once, with the id the worker will find
    assert client.get("/hot?from=2019-11-30&to=2019-11-01").status_code == 422 and queue.queued == [row.id]


def test_the_queued_task_groups_the_period_in_the_worker(db: Session, settings, session_factory) -> None:  # type: ignore[no-untyped-def]
    from minyi.jobs.tasks import Jobs

    _write(db, datetime(2019, 11, 5, 2, tzinfo=UTC), MIXER, 2)
    row_id = periods.view_period(db, period=periods.parse_period("2019-11-01", "2019-11-30", today=TODAY)).row.id
    db.commit()
    jobs = Jobs(settings, session_factory)
    jobs.huey.immediate = True  # the task runs here, as a worker would run it
    jobs.hot_period(row_id)
    db.expire_all()
    row = db.get(HotPeriod, row_id)
    assert row is not None and row.status == periods.DONE and len(row.issues) == 1
