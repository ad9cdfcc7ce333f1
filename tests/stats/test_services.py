"""The statistics agree exactly with the event log: generated histories with known answers, edges, bad input."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from minyi.callbacks import services as callbacks
from minyi.core.clock import china_days_utc, travel
from minyi.core.errors import NotFound, ValidationFailed
from minyi.core.workdays import workdays_between
from minyi.messages.channels import CHANNELS
from minyi.messages.models import Message
from minyi.stats.facts import fold_period
from minyi.stats.figures import Figures, WorkdayCounter, buckets, figures_of, percentile
from minyi.stats.services import StatsCache, StatsQuery, build_report, parse_query
from minyi.workflow import services as workflow
from minyi.workflow.models import Case, CaseEvent
from tests import factories as f
from tests.stats.histories import Known, World, at, edges, praises
from tests.stats.histories import history as history_of

PERIOD = (date(2024, 1, 1), date(2024, 6, 30))
TODAY = date(2024, 9, 30)  # after every generated event


def _expected(cases: list[Known], today: date = TODAY) -> Figures:
    """The figures, counted directly from what the generator did."""
    replied = [k for k in cases if k.replied_on]
    due = [k for k in cases if k.deadline and (k.replied_on or today > k.deadline)]
    days = [workdays_between(k.day, k.replied_on) for k in replied]
    return Figures(
        received=len(cases),
        rejected=sum(k.rejected for k in cases),
        merged=sum(k.merged for k in cases),
        assigned=sum(k.dept is not None for k in cases),
        replied=len(replied),
        due=len(due),
        on_time=sum(1 for k in due if k.replied_on and k.replied_on <= k.deadline),
        overdue_open=sum(1 for k in due if not k.replied_on),
        rated=sum(k.rating is not None for k in cases),
        satisfied=sum(k.rating in {"satisfied", "basically"} for k in cases),
        reopened=sum(k.reopened for k in replied),
        extensions=sum(k.extensions for k in cases),
        extended_cases=sum(k.extensions > 0 for k in cases),
        escalated=sum(k.escalated for k in cases),
        decided=sum(k.adoption is not None for k in cases),
        adopted=sum(k.adoption in {"adopted", "partly"} for k in cases),
        praised=sum(k.kind == "praise" for k in cases),
        callbacks=sum(k.called_back for k in cases),
        callback_reached=sum(k.callback_reached for k in cases),
        callback_resolved=sum(k.callback_reached and k.callback_resolved == "yes" for k in cases),
        callback_satisfied=sum(
            k.callback_reached and k.callback_satisfaction in {"satisfied", "basically"} for k in cases
        ),
        avg_days=sum(days) / len(days) if days else None,
        p90_days=percentile(days, 90),
    )


@pytest.fixture(scope="module")
def _seed() -> int:
    return 20240101


@pytest.fixture
def history(db: Session, _seed: int) -> tuple[World, list[Known]]:
    """About 60 cases over eight months (some before and after the period)."""
    w = World(db=db, coordinator=f.user(db, role="coordinator"), supervisor=f.user(db, role="supervisor"))
    for name in ("市城管局", "市生态环境局", "市交通运输局"):
        dept = f.department(db, name=name)
        w.depts.append(dept)
        w.handlers.append(f.user(db, role="handler", dept=dept))
    rng = random.Random(_seed)
    days = sorted(date(2023, 12, 1) + timedelta(days=rng.randrange(240)) for _ in range(60))
    return w, [k for day in days for k in history_of(w, rng, day)] + edges(w) + praises(w)


def test_figures_agree_with_the_generated_history(db: Session, history: tuple[World, list[Known]]) -> None:
    w, cases = history
    in_period = [k for k in cases if PERIOD[0] <= k.day <= PERIOD[1]]
    assert 30 < len(in_period) < len(cases)  # the period really cuts the history
    report = build_report(db, query=StatsQuery(*PERIOD), today=TODAY)
    expected = _expected(in_period)
    assert report.overall == expected
    assert expected.replied and expected.rated and expected.due and expected.extensions and expected.escalated
    assert expected.callbacks >= expected.callback_reached > 0  # the draw has 回访 (the next tests: every answer)
    by_dept = {r.department_id: r.figures for r in report.departments}
    for dept in w.depts:
        assert by_dept[dept.id] == _expected([k for k in in_period if k.dept == dept.id]), dept.name
    unassigned = [r for r in report.departments if r.department_id is None]
    assert unassigned[0].figures == _expected([k for k in in_period if k.dept is None])
    months = {r.key: r.figures for r in report.trend}
    assert list(months) == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
    for key, figures in months.items():
        assert figures == _expected([k for k in in_period if f"{k.day:%Y-%m}" == key]), key
    domains = {r.key: r.figures for r in report.by_domain}
    assert domains["城乡建设"] == _expected([k for k in in_period if k.domain == "城乡建设"])
    assert domains["未分类"] == _expected([k for k in in_period if k.domain is None])
    kinds = {r.key: r.figures for r in report.by_appeal_kind}
    assert kinds["inquiry"] == _expected([k for k in in_period if k.kind == "inquiry"])
    assert kinds["praise"] == _expected([k for k in in_period if k.kind == "praise"])
    assert kinds["praise"].praised == 3 and kinds["praise"].replied == 2 and kinds["praise"].rated == 0
    assert kinds["suggestion"].decided and kinds["suggestion"].adopted  # the decisions were made and counted
    assert kinds["complaint"].decided == 0


def test_the_event_log_gives_back_every_deadline(db: Session, history: tuple[World, list[Known]]) -> None:
    cases = db.scalars(select(Case)).all()
    assert len(cases) >= 60 and any(c.deadline for c in cases) and any(c.reopen_count for c in cases)
    assert all(f.logged_deadline(db, c.id) == c.deadline for c in cases)


def test_one_department_scopes_every_table_but_the_department_list(
    db: Session, history: tuple[World, list[Known]]
) -> None:
    w, cases = history
    dept = w.depts[1]
    report = build_report(db, query=StatsQuery(*PERIOD, department_id=dept.id), today=TODAY)
    mine = [k for k in cases if PERIOD[0] <= k.day <= PERIOD[1] and k.dept == dept.id]
    assert report.department_name == "市生态环境局" and report.overall == _expected(mine)
    assert sum(r.figures.received for r in report.trend) == len(mine)
    assert len(report.departments) == 4  # three departments and 未分派, for comparison


def test_weekly_trend_covers_every_iso_week(db: Session, history: tuple[World, list[Known]]) -> None:
    _w, cases = history
    report = build_report(db, query=StatsQuery(date(2024, 1, 1), date(2024, 3, 31), granularity="week"), today=TODAY)
    assert [r.key for r in report.trend][:2] == ["2024-W01", "2024-W02"] and report.trend[-1].key == "2024-W13"
    for row in report.trend:
        year, week = int(row.key[:4]), int(row.key[-2:])
        mine = [k for k in cases if k.day <= date(2024, 3, 31) and k.day.isocalendar()[:2] == (year, week)]
        assert row.figures.received == len(mine), row.key


def test_the_period_is_counted_in_china_days(db: Session) -> None:
    last = date(2024, 6, 30)
    for moment in (at(last, 23, 59), at(last + timedelta(days=1), 0, 0), at(PERIOD[0], 0, 0)):
        with travel(moment):
            f.message(db)
    # 2024-06-30 23:59 in China is 15:59 UTC: inside; 2024-07-01 00:00 in China is 2024-06-30 16:00 UTC: outside.
    assert build_report(db, query=StatsQuery(*PERIOD), today=TODAY).overall.received == 2
    assert build_report(db, query=StatsQuery(date(2024, 7, 1), date(2024, 7, 1)), today=TODAY).overall.received == 1


def test_no_data_no_division_by_zero(db: Session) -> None:
    dept = f.department(db, name="无留言的部门")
    report = build_report(db, query=StatsQuery(date(2024, 1, 1), date(2024, 1, 31)), today=TODAY)
    assert report.overall == Figures() and "所选时间段内没有留言" in report.notices
    for rate in ("reply_rate", "on_time_rate", "satisfaction_rate", "reopen_rate"):
        assert getattr(report.overall, rate) is None
    assert report.overall.avg_days is None and report.overall.p90_days is None
    [row] = [r for r in report.departments if r.department_id == dept.id]
    assert row.figures == Figures()
    scoped = build_report(db, query=StatsQuery(date(2024, 1, 1), date(2024, 1, 31), department_id=dept.id), today=TODAY)
    assert scoped.overall == Figures() and [r.key for r in scoped.trend] == ["2024-01"]


def test_unknown_department_is_not_found(db: Session) -> None:
    with pytest.raises(NotFound, match="部门不存在"):
        build_report(db, query=StatsQuery(*PERIOD, department_id=987654), today=TODAY)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2024-07-01", "to": "2024-06-30"}, "from", "不能晚于结束日期"),
        ({"from": "2024-13-01"}, "from", "格式不正确"),
        ({"from": "2024-02-30"}, "from", "格式不正确"),
        ({"to": "20240101"}, "to", "格式不正确"),
        ({"to": "2024-01-01T00:00"}, "to", "格式不正确"),
        ({"from": "x" * 5000}, "from", "格式不正确"),
        ({"from": "<script>alert(1)</script>"}, "from", "格式不正确"),
        ({"from": "1999-12-31"}, "from", "不能早于"),
        ({"from": "2030-01-01", "to": "2030-12-31"}, "from", "尚未开始"),
        ({"by": "day"}, "by", "month"),
        ({"from": "2020-01-01", "by": "week"}, "by", "不能超过"),
        ({"department_id": "abc"}, "department_id", "部门参数无效"),
        ({"department_id": "-1"}, "department_id", "部门参数无效"),
        ({"department_id": "9" * 40}, "department_id", "部门参数无效"),
    ],
)
def test_malformed_queries_are_clear_errors(params: dict, field: str, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message) as caught:
        parse_query(params, today=date(2024, 9, 30))
    assert caught.value.field == field


def test_defaults_and_a_future_end() -> None:
    today = date(2024, 9, 30)
    assert parse_query({}, today=today) == StatsQuery(date(2023, 10, 1), today, "month", None, None)
    future = parse_query({"from": "2024-09-01", "to": "2025-03-31", "department_id": " 7 "}, today=today)
    assert (future.end, future.requested_end, future.department_id) == (today, date(2025, 3, 31), 7)


def test_without_from_the_period_is_the_twelve_months_up_to_to() -> None:
    today = date(2024, 9, 30)
    assert parse_query({"to": "2023-03-15"}, today=today).start == date(2022, 4, 1)
    assert parse_query({"to": "2000-01-01"}, today=today).start == date(2000, 1, 1)  # never before 2000
    assert parse_query({"to": "2025-03-31"}, today=today).start == date(2023, 10, 1)  # `to` is cut to today


def test_workday_counter_agrees_with_the_official_calendar() -> None:
    counter = WorkdayCounter()
    rng = random.Random(7)
    edges = [date(2024, 10, 1), date(2024, 9, 29), date(2024, 2, 10), date(2024, 2, 18), date(2023, 12, 31)]
    pairs = [(a, b) for a in edges for b in edges]
    pairs += [
        (date(2024, 6, 15) - timedelta(days=rng.randrange(900)), date(2024, 6, 15) + timedelta(days=rng.randrange(400)))
        for _ in range(200)
    ]
    for a, b in pairs:
        assert counter.between(a, b) == workdays_between(a, b), (a, b)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 90) is None
    assert percentile([5], 90) == 5
    assert percentile(list(range(1, 11)), 90) == 9 and percentile(list(range(1, 12)), 90) == 10
    assert percentile([3, 1, 2], 50) == 2


def test_buckets_include_empty_months_and_split_weeks() -> None:
    assert buckets(date(2024, 1, 31), date(2024, 4, 1), "month") == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert buckets(date(2024, 12, 30), date(2025, 1, 6), "week") == ["2025-W01", "2025-W02"]


def _count_queries(db: Session) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    engine = db.get_bind().engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_the_reference_fold_takes_two_queries_whatever_the_number_of_cases(
    db: Session, history: tuple[World, list[Known]]
) -> None:
    counter = _count_queries(db)
    seen = next(counter)
    facts = fold_period(db, start=date(2023, 1, 1), end=TODAY)
    next(counter, None)
    assert len(facts) > 60 and len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 2


def test_the_cache_follows_the_event_log(db: Session) -> None:
    cache = StatsCache(4)
    query = StatsQuery(date(2024, 1, 1), date(2024, 12, 31))
    with travel(at(date(2024, 3, 1), 9)):
        f.message(db)
    assert build_report(db, query=query, today=TODAY, cache=cache).overall.received == 1
    with travel(at(date(2024, 3, 2), 9)):
        f.message(db)  # a new submit event: the cached facts are stale
    assert build_report(db, query=query, today=TODAY, cache=cache).overall.received == 2
    assert build_report(db, query=query, today=TODAY, cache=StatsCache(0)).overall.received == 2


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_cached_report_is_served_until_its_max_age_then_rebuilt(db: Session) -> None:
    clock = _Clock()
    cache = StatsCache(4, max_age=60, clock=clock)
    query = StatsQuery(date(2024, 1, 1), date(2024, 12, 31))
    with travel(at(date(2024, 3, 1), 9)):
        f.message(db)
    first = build_report(db, query=query, today=TODAY, cache=cache)
    assert first.overall.received == 1
    with travel(at(date(2024, 3, 2), 9)):
        f.message(db)  # the figures changed
    clock.now = 59.0
    assert build_report(db, query=query, today=TODAY, cache=cache) is first  # still young enough
    clock.now = 60.0
    again = build_report(db, query=query, today=TODAY, cache=cache)
    assert again.overall.received == 2 and again.computed_at >= first.computed_at
    clock.now = 500.0  # old, but nothing changed since: still exact, not rebuilt
    assert build_report(db, query=query, today=TODAY, cache=cache) is again


def test_while_one_request_rebuilds_a_stale_entry_the_others_get_the_previous_one() -> None:
    clock = _Clock()
    cache = StatsCache(4, max_age=10, clock=clock)
    assert cache.get_or_build(("k",), lambda: "old", version=1) == "old"
    clock.now = 11.0
    building, release = threading.Event(), threading.Event()
    results: list[str] = []

    def slow_build() -> str:
        building.set()
        release.wait(10)
        return "new"

    rebuilder = threading.Thread(target=lambda: results.append(cache.get_or_build(("k",), slow_build, version=2)))
    rebuilder.start()
    assert building.wait(10)
    # another request meanwhile: the previous value at once, no second build
    assert cache.get_or_build(("k",), lambda: pytest.fail("built twice"), version=2) == "old"
    release.set()
    rebuilder.join(10)
    assert results == ["new"] and cache.get_or_build(("k",), lambda: "again", version=2) == "new"
    # no entry yet for a key: the request builds it whatever the others do
    assert cache.get_or_build(("other",), lambda: "first", version=2) == "first"


def test_a_slow_build_is_served_for_longer_so_that_rebuilds_stay_a_small_share_of_a_core() -> None:
    clock = _Clock()
    cache = StatsCache(4, max_age=60, clock=clock)

    def slow(value: str) -> str:
        clock.now += 5.0  # five seconds of aggregates (a year of a million cases)
        return value

    assert cache.get_or_build(("k",), lambda: slow("old"), version=1) == "old"
    clock.now = StatsCache.BUILD_PACE * 5.0 - 1  # past max_age, within 30 times the build (from its start)
    assert cache.get_or_build(("k",), lambda: pytest.fail("rebuilt too soon"), version=2) == "old"
    clock.now += 2
    assert cache.get_or_build(("k",), lambda: "new", version=2) == "new"
    exact = StatsCache(4, max_age=0, clock=clock)  # max_age 0: always exact, however slow the build
    exact.get_or_build(("k",), lambda: slow("a"), version=1)
    assert exact.get_or_build(("k",), lambda: "b", version=2) == "b"


def test_a_failed_rebuild_leaves_the_previous_value_and_lets_the_next_request_try() -> None:
    clock = _Clock()
    cache = StatsCache(4, max_age=10, clock=clock)
    cache.get_or_build(("k",), lambda: "old", version=1)
    clock.now = 20.0

    def broken() -> str:
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        cache.get_or_build(("k",), broken, version=2)
    assert cache.get_or_build(("k",), lambda: "new", version=2) == "new"


def test_places_are_public_only_and_masked(db: Session) -> None:
    with travel(at(date(2024, 3, 1), 9)):
        f.message(db, place_text="幸福路小区")
        f.message(db, place_text="幸福路小区")
        f.message(db, place_text="秘密地点", is_public=False)
        f.message(db, place_text="")
        f.message(db, place_text="联系13812345678的门口")
    rows = {r.label: r.figures.received for r in build_report(db, query=StatsQuery(*PERIOD), today=TODAY).by_place}
    assert rows["幸福路小区"] == 2 and rows["未公开"] == 1 and rows["未填写"] == 1
    assert "秘密地点" not in rows and not any("13812345678" in label for label in rows)


def test_an_invisible_character_cannot_split_a_number_out_of_the_mask(db: Session) -> None:
    with travel(at(date(2024, 3, 1), 9)):
        f.message(db, place_text="联系138\u200b1234\u2060\u202e5678的门口")
    labels = [r.label for r in build_report(db, query=StatsQuery(*PERIOD), today=TODAY).by_place]
    assert labels == ["联系138****5678的门口"]


def test_messages_whose_writer_left_the_kind_open_are_counted_as_undecided(db: Session) -> None:
    with travel(at(date(2024, 3, 1), 9)):
        f.message(db, appeal_kind="")
        f.message(db, appeal_kind="help")
    rows = {
        r.label: r.figures.received for r in build_report(db, query=StatsQuery(*PERIOD), today=TODAY).by_appeal_kind
    }
    assert rows["未确定"] == 1 and rows["求助"] == 1


def test_figures_by_channel_agree_with_an_independent_count(db: Session) -> None:
    """Messages of every channel, citizens' and entered by staff (some typed in the day after they came in, across
    the period's end): the table by channel counts each channel's messages received in the period, and its
    replies, as a count straight from the messages and their events does; the figures are those of the fold."""
    coordinator, dept = f.user(db, role="coordinator"), f.department(db)
    handler = f.user(db, role="handler", dept=dept)
    rng = random.Random(17)
    for n in range(60):
        day = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 200))
        channel = rng.choice([*CHANNELS, "citizen", "citizen"])
        if channel == "citizen":
            with travel(at(day, 10)):
                case = f.message(db, title=f"网上留言第{n}号").case
        else:  # received in the evening, entered the next morning
            with travel(at(day + timedelta(days=1), 9)):
                received = f"{day.isoformat()}T22:30"
                case = f.entered(db, coordinator, channel=channel, received_at=received).submission.case
        if n % 3 == 0:
            with travel(at(day + timedelta(days=2), 9)):
                workflow.assign(db, actor=f.actor(coordinator), case_id=case.id, department_id=dept.id)
                workflow.accept(db, actor=f.actor(handler), case_id=case.id)
                workflow.reply(db, actor=f.actor(handler), case_id=case.id, body="已安排人员核实处理，感谢反映。")
    low, high = china_days_utc(*PERIOD)
    submitted = (
        select(Message.channel, Case.id)
        .join(Case, Case.message_id == Message.id)
        .join(CaseEvent, CaseEvent.case_id == Case.id)
        .where(CaseEvent.kind == "submit", CaseEvent.created_at >= low, CaseEvent.created_at < high)
    )
    received: Counter[str] = Counter()
    replied: Counter[str] = Counter()
    answered = set(db.scalars(select(CaseEvent.case_id).where(CaseEvent.kind == "reply")))
    for channel, case_id in db.execute(submitted):
        received[channel] += 1
        replied[channel] += case_id in answered
    report = build_report(db, query=StatsQuery(*PERIOD), today=TODAY)
    assert [r.key for r in report.by_channel] == list(CHANNELS) and report.by_channel[0].label == "电话"
    assert {r.key: r.figures.received for r in report.by_channel} == {c: received[c] for c in CHANNELS}
    assert {r.key: r.figures.replied for r in report.by_channel} == {c: replied[c] for c in CHANNELS}
    assert sum(r.figures.received for r in report.by_channel) == report.overall.received > 0
    assert len([c for c in CHANNELS if received[c]]) >= 4  # the draw covers the channels
    folded = fold_period(db, start=PERIOD[0], end=PERIOD[1])
    for row in report.by_channel:
        assert row.figures == figures_of([x for x in folded if x.channel == row.key], today=TODAY), row.key


def test_a_late_night_call_entered_next_morning_counts_on_the_day_it_came_in(db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    with travel(at(date(2024, 7, 1), 8, 30)):  # entered on the first day after the period
        f.entered(db, coordinator, received_at="2024-06-30T23:50")
    june = build_report(db, query=StatsQuery(*PERIOD), today=TODAY)
    july = build_report(db, query=StatsQuery(date(2024, 7, 1), date(2024, 7, 31)), today=TODAY)
    assert {r.key: r.figures.received for r in june.by_channel}["phone"] == 1 and june.trend[-1].figures.received == 1
    assert july.overall.received == 0


def test_callback_figures_per_department_agree_with_an_independent_count(db: Session) -> None:
    """回访 of help and complaint cases in three departments (not reached, reached, sent back and called back again
    in a second round): 回访件数, 联系上, 已解决 and 满意 per department, as counted straight from the `callback`
    events (the latest reached call-back's answers), equal the report's and the fold's."""
    coordinator = f.user(db, role="coordinator")
    me = f.actor(coordinator)
    depts = [f.department(db, name=n) for n in ("市民政局", "市城管局", "市住建局")]
    handlers = [f.user(db, role="handler", dept=d) for d in depts]
    rng = random.Random(22)
    for n in range(36):
        day = date(2024, 2, 1) + timedelta(days=rng.randrange(0, 120))
        d = n % 3
        with travel(at(day, 9)):
            case = f.message(db, appeal_kind=rng.choice(["help", "complaint"]), title=f"回访测试{n}").case
            workflow.assign(db, actor=me, case_id=case.id, department_id=depts[d].id)
            workflow.accept(db, actor=f.actor(handlers[d]), case_id=case.id)
            workflow.reply(db, actor=f.actor(handlers[d]), case_id=case.id, body="已经上门核实并协调解决，感谢反映。")
            workflow.rate(db, case=f.reload(db, case), level=rng.choice(["satisfied", "basically", "unsatisfied"]))
        for round_ in range(2):
            with travel(at(day + timedelta(days=5 + 10 * round_), 10)):
                if rng.random() < 0.15:
                    break  # never called back
                for _ in range(rng.randrange(0, 3)):
                    callbacks.record_callback(db, actor=me, case_id=case.id, reached=False)
                if rng.random() < 0.2:
                    break  # tried, never reached
                resolved = rng.choice(["yes", "no"])
                done = callbacks.record_callback(
                    db,
                    actor=me,
                    case_id=case.id,
                    reached=True,
                    resolved=resolved,
                    satisfaction=rng.choice(["satisfied", "basically", "unsatisfied"]),
                    reopen=resolved == "no" and round_ == 0,
                )
            if done.reopened is None:
                break
            with travel(at(day + timedelta(days=8), 10)):  # handled again, closed, called back in a second round
                workflow.reply(db, actor=f.actor(handlers[d]), case_id=case.id, body="再次上门整改完毕，请您监督。")
                workflow.rate(db, case=f.reload(db, case), level="satisfied")
    db.flush()
    low, high = china_days_utc(*PERIOD)
    cohort = select(CaseEvent.case_id).where(
        CaseEvent.kind == "submit", CaseEvent.created_at >= low, CaseEvent.created_at < high
    )
    department = dict(db.execute(select(Case.id, Case.department_id).where(Case.id.in_(cohort))).all())
    latest: dict[int, dict] = {}
    attempted: set[int] = set()
    rows = db.execute(
        select(CaseEvent.case_id, CaseEvent.data)
        .where(CaseEvent.kind == "callback", CaseEvent.case_id.in_(cohort))
        .order_by(CaseEvent.created_at, CaseEvent.id)
    )
    for case_id, data in rows:
        attempted.add(case_id)
        if data.get("reached"):
            latest[case_id] = data
    count: dict[int | None, Counter[str]] = {d.id: Counter() for d in depts}
    for case_id in attempted:
        c = count[department[case_id]]
        c["callbacks"] += 1
        if case_id in latest:
            c["reached"] += 1
            c["resolved"] += latest[case_id]["resolved"] == "yes"
            c["satisfied"] += latest[case_id]["satisfaction"] in {"satisfied", "basically"}
    report = build_report(db, query=StatsQuery(*PERIOD), today=TODAY)
    rows_by_dept = {r.department_id: r.figures for r in report.departments}
    for d in depts:
        got = rows_by_dept[d.id]
        want = count[d.id]
        assert (got.callbacks, got.callback_reached, got.callback_resolved, got.callback_satisfied) == (
            want["callbacks"], want["reached"], want["resolved"], want["satisfied"]
        ), d.name  # fmt: skip
        assert got.callback_reached_rate == (want["reached"] / want["callbacks"] if want["callbacks"] else None)
    total = sum(count.values(), Counter())
    assert report.overall.callbacks == total["callbacks"] > total["reached"] > total["resolved"] > 0
    assert 0 < total["satisfied"] < total["reached"]
    folded = figures_of(fold_period(db, start=PERIOD[0], end=PERIOD[1]), today=TODAY)
    assert folded == report.overall
