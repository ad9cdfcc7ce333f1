"""The stored per-case facts (`case_facts`) stay exact: against a full fold of the log on random histories,
against an independent SQL recount of the raw tables, after bulk inserts, and after the migration's backfill."""

from __future__ import annotations

import importlib
import random
import shutil
from collections.abc import Collection
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, event, func, insert, select, text
from sqlalchemy.orm import Session

from minyi.core.clock import china_days_utc, travel
from minyi.core.db import make_engine
from minyi.core.migrate import upgrade
from minyi.messages.models import Message
from minyi.stats.facts import fold_period
from minyi.stats.figures import CaseFacts, Figures, figures_of
from minyi.stats.models import CaseFactsRow
from minyi.stats.services import StatsQuery, build_report, read_facts
from minyi.suggestions.models import Adoption
from minyi.workflow import services as workflow
from minyi.workflow.events import EscalatePayload, EventKind
from minyi.workflow.models import Case, CaseEvent
from tests import factories as f
from tests.stats.histories import World, at, edges, history, praises

EVER = (date(2000, 1, 1), date(2030, 12, 31))
TODAY = date(2024, 9, 30)
RELEASE_DB = Path(__file__).resolve().parents[1] / "fixtures" / "release-2026-11-26.sqlite3"


def _world(db: Session, seed: int, cases: int, *, call_backs: bool = True) -> World:
    w = World(db=db, coordinator=f.user(db, role="coordinator"), supervisor=f.user(db, role="supervisor"))
    for name in ("市城管局", "市生态环境局", "市交通运输局"):
        dept = f.department(db, name=f"{name}{seed}")
        w.depts.append(dept)
        w.handlers.append(f.user(db, role="handler", dept=dept))
    rng = random.Random(seed)
    for day in sorted(date(2023, 12, 1) + timedelta(days=rng.randrange(240)) for _ in range(cases)):
        history(w, rng, day, call_backs=call_backs)
    edges(w)
    praises(w)
    db.flush()
    return w


def _stored(db: Session) -> dict[int, CaseFacts]:
    return {fact.case_id: fact for fact in read_facts(db, start=EVER[0], end=EVER[1])}


def _folded(db: Session) -> dict[int, CaseFacts]:
    return {fact.case_id: fact for fact in fold_period(db, start=EVER[0], end=EVER[1])}


def _recount(db: Session, start: date, end: date, among: Collection[int] | None = None) -> Figures:
    """The figures that need no deadline arithmetic, counted from the raw tables without the fold or the facts
    (`among`: only these cases)."""
    low, high = china_days_utc(start, end)
    submitted = select(CaseEvent.case_id).where(
        CaseEvent.kind == "submit", CaseEvent.created_at >= low, CaseEvent.created_at < high
    )
    if among is not None:
        submitted = submitted.where(CaseEvent.case_id.in_(sorted(among)))

    def cases_with(kind: str) -> set[int]:
        query = select(CaseEvent.case_id).where(CaseEvent.kind == kind, CaseEvent.case_id.in_(submitted))
        return set(db.scalars(query))

    def events(kind: str) -> int:
        query = select(func.count()).where(CaseEvent.kind == kind, CaseEvent.case_id.in_(submitted))
        return db.scalar(query) or 0

    status = dict(db.execute(select(Case.id, Case.status).where(Case.id.in_(submitted))).all())
    newest = "SELECT max(id) FROM ratings q WHERE q.case_id = r.case_id"
    latest = text(f"SELECT r.case_id, r.level FROM ratings r WHERE r.id = ({newest})")  # noqa: S608 - constant SQL
    ratings = {case_id: level for case_id, level in db.execute(latest) if case_id in status}
    replied = cases_with("reply") | cases_with("acknowledge")
    # 吸纳 and 表扬 from their own tables, not from the events the facts fold
    decisions = dict(
        db.execute(select(Adoption.case_id, Adoption.decision).where(Adoption.case_id.in_(submitted))).all()
    )
    kinds = db.execute(
        select(Message.appeal_kind).join(Case, Case.message_id == Message.id).where(Case.id.in_(submitted))
    ).scalars()
    return Figures(
        received=len(status),
        rejected=sum(s == "rejected" for s in status.values()),
        merged=sum(s == "merged" for s in status.values()),
        replied=len(replied),
        rated=len(ratings),
        satisfied=sum(level in {"satisfied", "basically"} for level in ratings.values()),
        reopened=len(replied & cases_with("reopen")),
        extensions=events("approve_extension"),
        extended_cases=len(cases_with("approve_extension")),
        escalated=len(cases_with("escalate")),
        decided=len(decisions),
        adopted=sum(d in {"adopted", "partly"} for d in decisions.values()),
        praised=sum(kind == "praise" for kind in kinds),
    )


RECOUNTED = (
    "received", "rejected", "merged", "replied", "rated", "satisfied", "reopened", "extensions", "decided", "adopted",
    "praised",
)  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3, 20240101])
def test_stored_facts_equal_a_full_fold_of_the_log(db: Session, seed: int) -> None:
    _world(db, seed, cases=25)
    stored, folded = _stored(db), _folded(db)
    assert len(folded) > 25 and stored == folded
    assert any(fact.first_reply_at for fact in folded.values())


@pytest.mark.parametrize("seed", [4, 5])
def test_every_figure_equals_the_fold_and_an_independent_recount(db: Session, seed: int) -> None:
    _world(db, seed, cases=30)
    period = (date(2024, 1, 1), date(2024, 6, 30))
    report = build_report(db, query=StatsQuery(*period), today=TODAY)
    folded = fold_period(db, start=period[0], end=period[1])
    assert report.overall == figures_of(folded, today=TODAY)
    recount = _recount(db, *period)
    for name in (*RECOUNTED, "extended_cases", "escalated"):
        assert getattr(report.overall, name) == getattr(recount, name), name
    assert recount.decided and recount.adopted and recount.praised  # the figures are really exercised
    for row in report.departments:
        mine = [fact for fact in folded if fact.department_id == row.department_id]
        assert row.figures == figures_of(mine, today=TODAY), row.label


def test_events_inserted_in_bulk_update_the_facts(db: Session) -> None:
    with travel(at(date(2024, 3, 1), 9)):
        sub = f.message(db)
    db.flush()
    row = {"case_id": sub.case.id, "kind": EventKind.ESCALATE.value, "from_status": "submitted"}
    row |= {"to_status": None, "actor_label": "system", "reason": "导入", "is_public": False}
    row |= {"data": EscalatePayload().to_json(), "created_at": at(date(2024, 3, 2), 9)}
    db.execute(insert(CaseEvent), [row])  # the Core path of minyi.ingest and minyi.privacy
    assert _stored(db)[sub.case.id].escalations == 1
    assert _stored(db) == _folded(db)


def test_the_migration_backfills_the_facts_from_the_log(db: Session) -> None:
    _world(db, 7, cases=15, call_backs=False)  # 0013 knew no 回访 (0024 added its columns, exact by default)
    expected = _stored(db)
    db.execute(delete(CaseFactsRow))
    assert _stored(db) == {}
    backfill = importlib.import_module("minyi.migrations.versions.0013_case_facts")
    backfill._backfill(db.connection())
    importlib.import_module("minyi.migrations.versions.0023_suggestions")._backfill(db.connection())
    assert _stored(db) == expected == _folded(db)
    assert any(fact.adoption for fact in expected.values())


def test_a_release_database_gets_its_facts(tmp_path: Path) -> None:
    copy = tmp_path / "release.sqlite3"
    shutil.copy(RELEASE_DB, copy)
    url = f"sqlite:///{copy}"
    upgrade(url)
    with Session(make_engine(url)) as session:
        stored, folded = _stored(session), _folded(session)
        cases = session.scalar(select(func.count()).select_from(Case)) or 0
    assert cases >= 17 and len(stored) == cases and stored == folded


def test_the_page_reads_aggregates_and_never_the_log(db: Session) -> None:
    _world(db, 8, cases=10)
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    engine = db.get_bind().engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        report = build_report(db, query=StatsQuery(date(2024, 1, 1), date(2024, 6, 30)), today=TODAY)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert report.overall.received > 0 and seen
    assert not any("case_events" in s for s in seen)
    assert all("FROM case_facts" in s for s in seen if "departments" not in s)
    assert sum("GROUP BY" in s for s in seen) == 6  # two for each: (trend, domain, kind, channel), places, departments


def test_archived_history_is_counted_apart(db: Session) -> None:
    with travel(at(date(2024, 3, 1), 9)):
        kept, archived = f.message(db), f.message(db)
    db.flush()
    row = {"case_id": archived.case.id, "kind": EventKind.ARCHIVE.value, "from_status": "submitted"}
    row |= {"to_status": "archived", "actor_label": "system", "reason": "", "is_public": False}
    row |= {"data": {"imported": True}, "created_at": at(date(2024, 3, 1), 10)}
    db.execute(insert(CaseEvent), [row])
    overall = build_report(db, query=StatsQuery(date(2024, 3, 1), date(2024, 3, 31)), today=TODAY).overall
    assert (overall.received, overall.archived, overall.answerable) == (2, 1, 1)
    assert overall == figures_of(fold_period(db, start=date(2024, 3, 1), end=date(2024, 3, 31)), today=TODAY)
    assert _stored(db)[kept.case.id].status == "submitted"


def test_a_coordinators_correction_reaches_the_facts(db: Session) -> None:
    coordinator, dept = f.user(db, role="coordinator"), f.department(db, name="市教育局")
    with travel(at(date(2024, 3, 1), 9)):
        sub = f.message(db, appeal_kind="complaint", domain="城乡建设", place_text="")
    with travel(at(date(2024, 3, 1), 10)):
        workflow.assign(
            db, actor=f.actor(coordinator), case_id=sub.case.id, department_id=dept.id, domain="教育文体",
            appeal_kind="help",
        )  # fmt: skip
    db.flush()
    fact = _stored(db)[sub.case.id]
    assert (fact.domain, fact.appeal_kind, fact.department_id, fact.place_label) == (
        "教育文体",
        "help",
        dept.id,
        "未填写",
    )
    assert _stored(db) == _folded(db)
