"""Work lists in SQL: order (urgent, deadline, age), pages, exact-then-capped totals, search and filters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Connection, update
from sqlalchemy.orm import Session

from minyi.core.errors import ValidationFailed
from minyi.jurisdictions.services import scope_path
from minyi.messages.models import MessageAnalysis
from minyi.workflow import inbox, services
from minyi.workflow.list_filters import ListFilters, parse_list_filters
from minyi.workflow.models import Case
from tests import factories as f


def _ids(db: Session, name: str = "triage", department_id: int | None = None, **filters: object) -> list[int]:
    work = inbox.work_list(db, name=name, filters=ListFilters(**filters), department_id=department_id)  # type: ignore[arg-type]
    return [r.case.id for r in work.rows]


def _mark_urgent(db: Session, message_id: int) -> None:
    db.add(MessageAnalysis(message_id=message_id, result={"urgent": True}, urgent=True))
    db.flush()


def test_urgent_first_then_age_and_the_flag_follows_the_analysis_in_the_same_flush(db: Session) -> None:
    old, new, gas = (f.message(db, title=t) for t in ("路灯不亮", "噪音扰民", "小区燃气泄漏"))
    assert _ids(db)[:3] == [old.case.id, new.case.id, gas.case.id]
    _mark_urgent(db, gas.message.id)
    assert f.reload(db, gas.case).urgent is True
    assert _ids(db)[:3] == [gas.case.id, old.case.id, new.case.id]
    row = db.get(MessageAnalysis, gas.message.id)
    assert row is not None
    row.urgent = False  # a new analysis that is not urgent any more
    db.flush()
    assert f.reload(db, gas.case).urgent is False


def test_department_list_orders_by_deadline_and_pages(db: Session) -> None:
    dept = f.department(db)
    subs = [f.case_in_progress(db, dept)[0] for _ in range(5)]
    today = date.today()
    for i, sub in enumerate(subs):  # the last one has the nearest deadline
        db.execute(update(Case).where(Case.id == sub.case.id).values(deadline=today + timedelta(days=10 - i)))
    ids = _ids(db, "department", department_id=dept.id, per_page=2)
    assert ids == [subs[4].case.id, subs[3].case.id]
    work = inbox.work_list(db, name="department", filters=ListFilters(page=3, per_page=2), department_id=dept.id)
    assert [r.case.id for r in work.rows] == [subs[0].case.id] and work.total == 5 and work.pages == 3
    assert not work.capped and work.total_text == "5"


def test_total_is_counted_up_to_the_cap_only(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(4):
        f.message(db)
    monkeypatch.setattr(inbox, "ROWS_MAX", 2)
    work = inbox.work_list(db, name="triage", filters=ListFilters())
    assert work.capped and work.total == 2 and work.total_text == "2+"


def test_keyword_search_finds_two_character_words_and_phrases_only(db: Session) -> None:
    gas = f.message(db, title="燃气泄漏", body="楼道里有很重的煤气味，怀疑燃气管道泄漏。")
    noise = f.message(db, title="夜间施工噪音", body="工地凌晨还在施工，燃放鞭炮也很吵。")
    assert gas.case.id in _ids(db, q="燃气") and noise.case.id not in _ids(db, q="燃气")
    assert _ids(db, q="管道泄漏") == [gas.case.id]
    assert noise.case.id in _ids(db, q="施工 凌晨") and gas.case.id not in _ids(db, q="施工 凌晨")
    assert gas.case.id not in _ids(db, q="泄漏管道")  # bigram phrase: the words in this order only
    assert gas.case.id in _ids(db, q="燃")  # one character


def test_search_by_number_phone_and_place(db: Session) -> None:
    a = f.message(db, contact_phone="139 0000 1111", place_text="幸福路小区")
    b = f.message(db, contact_phone="13800138000", place_text="长江大桥")
    assert _ids(db, number=b.case.id) == [b.case.id]
    assert _ids(db, phone="139 0000 1111") == [a.case.id]
    assert _ids(db, phone="13800138000") == [b.case.id]
    assert _ids(db, place="幸福") == [a.case.id]
    assert _ids(db, place="大桥") == [b.case.id]


def test_filters_domain_kind_department_state_overdue_unsatisfied_reopened(db: Session) -> None:
    dept = f.department(db)
    late, _coord, _handler = f.case_in_progress(db, dept, domain="环境保护", appeal_kind="help")
    db.execute(update(Case).where(Case.id == late.case.id).values(deadline=date.today() - timedelta(days=30)))
    waiting = f.message(db, domain="交通运输")
    assert _ids(db, domain="交通运输") == [waiting.case.id]
    assert late.case.id in _ids(db, "deadlines", overdue=True)
    assert late.case.id in _ids(db, status="all", appeal_kind="help", department_id=dept.id)
    assert _ids(db, status="in_progress", department_id=dept.id) == [late.case.id]
    assert late.case.id not in _ids(db)  # not waiting for triage
    rated, _h = f.replied_case(db, dept)
    case = f.reload(db, rated.case)
    services.rate(db, case=case, level="unsatisfied", comment="没有解决")
    assert _ids(db, "complaints") == [rated.case.id]
    assert _ids(db, "complaints", unsatisfied=True) == [rated.case.id]
    services.reopen(db, case=f.reload(db, rated.case), reason="问题依旧没有解决")
    assert _ids(db, "complaints", reopened=True) == [rated.case.id]
    assert _ids(db, status="all", reopened=True, department_id=dept.id) == [rated.case.id]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"per_page": "101"}, "per_page"),
        ({"page": "501", "per_page": "20"}, "page"),  # beyond the first 10,000 rows
        ({"number": "-1"}, "number"),
        ({"phone": "abc"}, "phone"),
        ({"q": "x" * 51}, "q"),
        ({"status": "nope"}, "status"),
        ({"domain": "nope"}, "domain"),
        ({"overdue": "maybe"}, "overdue"),
        ({"department_id": "9" * 30}, "department_id"),
    ],
)
def test_bad_list_parameters_are_clear_errors(params: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_list_filters(params)
    assert err.value.field == field


def test_filters_round_trip_through_the_query_string() -> None:
    params = {"q": "燃气", "overdue": "1", "status": "all", "page": "3", "per_page": "50", "phone": "139"}
    filters = parse_list_filters(params)
    assert parse_list_filters(filters.query()) == filters
    assert "139" not in filters.describe() and "q=燃气" in filters.describe()


def test_sqlite_pages_search_cases_through_indexes(db: Session, connection: Connection) -> None:
    """SQLite's plan for a page of each list, for the root's staff and a district's: `cases` is searched through an
    index, never scanned whole."""
    if connection.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan (the PostgreSQL plans: test_inbox_scale.py)")
    dept = f.department(db)
    district = scope_path(f.jurisdiction(db, name="东区"))
    for name, filters, scope in [
        (name, filters, scope)
        for name, filters in [
            ("triage", ListFilters()),
            ("triage", ListFilters(q="燃气")),
            ("department", ListFilters()),
            ("deadlines", ListFilters()),
            ("complaints", ListFilters()),
        ]
        for scope in ("", district)
    ]:
        ids = inbox._matching_ids(db, name, filters, dept.id, scope).order_by(*inbox.ORDER).limit(20)
        compiled = ids.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
        params = tuple(compiled.params[key] for key in compiled.positiontup or ())
        plan = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)]
        assert not any(step.startswith("SCAN cases") for step in plan), (name, plan)
