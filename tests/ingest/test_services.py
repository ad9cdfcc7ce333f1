"""Importing history: every row checked first, events at the historical times, idempotent, clear bad rows."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.core.workdays import add_workdays, workdays_between
from minyi.departments.models import Department
from minyi.ingest import services as ingest
from minyi.ingest.models import ImportRecord
from minyi.messages.models import Message
from minyi.stats.services import StatsQuery, build_report
from minyi.workflow import states
from minyi.workflow.models import Case, CaseEvent, Reply

NOW = datetime(2024, 12, 31, tzinfo=UTC)
REPLY_SIGNED = "您好！经核实，小区路灯已经修复。感谢您的监督。\nA7县城市管理局\n2024年3月8日"
ROWS = [
    {
        "id": 101,
        "user": "U001",
        "title": "A7县星沙路路灯不亮",
        "time": "2024-03-04 09:30:00",
        "body": "\n\t\t星沙路路灯坏了两周。\n\t",
        "reply": REPLY_SIGNED,
        "reply_time": "2024-03-08 16:00:00",
        "category": "城乡建设",
        "likes": 12,
        "dislikes": 1,
    },
    {
        "id": 102,
        "user": "U002",
        "title": "咨询社保转移手续",
        "time": "2024-03-05 10:00:00",
        "body": "想咨询社保关系如何转移。",
        "reply": "您好，请携带身份证到社保窗口办理转移手续。",
        "reply_time": "2024-04-30 09:00:00",
    },
    {
        "id": 103,
        "user": "U003",
        "title": "A2区噪音扰民",
        "time": "2024-03-06 22:00:00",
        "body": "夜间施工噪音很大。",
        "likes": 3,
        "dislikes": 0,
    },
]


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_a_file_becomes_cases_with_their_history(db: Session, tmp_path: Path) -> None:
    report = ingest.import_file(db, path=_jsonl(tmp_path / "history.jsonl", ROWS), now=NOW)
    assert (report.rows, report.imported, report.replied, report.problems) == (3, 3, 2, [])
    assert report.written and report.source == "history"
    assert report.departments_created == sorted(["A7县城市管理局", ingest.FALLBACK_DEPARTMENT])
    records = {r.external_id: r for r in db.scalars(select(ImportRecord))}
    assert set(records) == {"101", "102", "103"} and records["101"].source_user == "U001"

    first = db.scalar(select(Case).join(Message).where(Message.external_id == "101"))
    msg = first.message
    assert msg.body == ROWS[0]["body"] and msg.source == "import" and msg.domain == "城乡建设"
    assert msg.place_text == "A7县" and msg.created_at == datetime(2024, 3, 4, 1, 30, tzinfo=UTC)
    assert first.status == states.CLOSED and first.supports == 12 and first.department.name == "A7县城市管理局"
    assert not first.department.is_active  # history does not change the routing choices
    assert first.deadline == add_workdays(date(2024, 3, 4), 13)
    logged = db.scalars(select(CaseEvent).where(CaseEvent.case_id == first.id).order_by(CaseEvent.id)).all()
    events = [e for e in logged if e.kind in ingest.CLOSED_CHAIN]
    assert [e.kind for e in events] == list(ingest.CLOSED_CHAIN)
    assert events[0].created_at == msg.created_at and events[3].created_at == datetime(2024, 3, 8, 8, tzinfo=UTC)
    assert events[4].created_at == datetime(2024, 3, 15, 8, tzinfo=UTC)  # auto-close after 7 days
    assert {e.actor_label for e in logged} == {ingest.ACTOR_LABEL}
    extra = {e.kind: (e.data, e.is_public, e.to_status, e.created_at) for e in logged if e not in events}
    assert extra == {
        "supported": ({"imported": True, "likes": 12, "dislikes": 1}, False, None, msg.created_at),
        "set_domain": ({"imported": True, "domain": "城乡建设"}, False, None, msg.created_at),
    }
    [reply] = db.scalars(select(Reply).where(Reply.case_id == first.id)).all()
    assert reply.body == REPLY_SIGNED.strip() and reply.created_at == events[3].created_at

    pending = db.scalar(select(Case).join(Message).where(Message.external_id == "103"))
    assert pending.status == states.SUBMITTED and pending.department_id is None and pending.deadline is None
    assert [e.kind for e in db.scalars(select(CaseEvent).where(CaseEvent.case_id == pending.id))] == [
        "submit",
        "supported",
    ]


def test_the_imported_chain_is_a_legal_path_of_the_state_machine() -> None:
    status = None
    for kind in ingest.CLOSED_CHAIN:
        action = states.ACTIONS[kind]
        assert kind == "submit" or status in action.sources, kind
        status = action.target or status
    assert status == states.CLOSED and ingest.CLOSED_CHAIN[:4] == ingest.REPLIED_CHAIN


def test_importing_twice_changes_nothing(db: Session, tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "history.jsonl", ROWS)
    ingest.import_file(db, path=path, now=NOW)
    before = [_count(db, m) for m in (Message, Case, CaseEvent, Reply, Department, ImportRecord)]
    again = ingest.import_file(db, path=path, now=NOW)
    assert (again.imported, again.already_present, again.written) == (0, 3, True)
    assert [_count(db, m) for m in (Message, Case, CaseEvent, Reply, Department, ImportRecord)] == before
    other = ingest.import_file(db, path=path, source="another-system", now=NOW)  # another key space
    assert other.imported == 3


def test_files_sharing_a_source_import_an_overlap_once(db: Session, tmp_path: Path) -> None:
    a = _jsonl(tmp_path / "a.jsonl", ROWS[:2])
    b = _jsonl(tmp_path / "b.jsonl", ROWS[1:])
    assert ingest.import_file(db, path=a, source="teddycup", now=NOW).imported == 2
    report = ingest.import_file(db, path=b, source="teddycup", now=NOW)
    assert (report.imported, report.already_present) == (1, 1)


def test_bad_rows_are_all_reported_and_nothing_is_written(db: Session, tmp_path: Path) -> None:
    bad = [
        ROWS[0],
        {"id": 201, "title": "", "body": "正文", "time": "2024-03-04 09:00:00"},
        {"id": 202, "title": "标题", "body": "正文", "time": "2099-01-01 00:00:00"},
        {"id": 203, "title": "标题", "body": "正文", "time": "2024-03-04 09:00:00", "reply": "答复"},
        {
            "id": 204,
            "title": "标题",
            "body": "正文",
            "time": "2024-03-04 09:00:00",
            "reply": "答复",
            "reply_time": "2024-03-01 09:00:00",
        },
        {"id": 205, "title": "标题", "body": "正文", "time": "2024-03-04 09:00:00", "category": "天文"},
        {"id": 206, "title": "标" * 201, "body": "正文\x00", "time": "2024-03-04 09:00:00"},
        {"id": 207, "title": "标题", "body": "正文"},
        {"id": 101, "title": "同一编号不同内容", "body": "正文", "time": "2024-03-04 09:00:00"},
        ROWS[2],
    ]
    report = ingest.import_file(db, path=_jsonl(tmp_path / "bad.jsonl", bad), now=NOW)
    found = {(p.row, p.column) for p in report.problems}
    assert found == {
        (2, "title"),
        (3, "time"),
        (4, "reply_time"),
        (5, "reply_time"),
        (6, "category"),
        (7, "title"),
        (7, "body"),
        (8, "time"),
        (9, "id"),
    }
    assert "in the future" in str(next(p for p in report.problems if p.row == 3))
    assert str(next(p for p in report.problems if p.row == 6)).startswith("row 6, column 'category': unknown domain")
    assert not report.written and _count(db, Message) == 0 and _count(db, Department) == 0
    skipped = ingest.import_file(db, path=tmp_path / "bad.jsonl", skip_bad_rows=True, now=NOW)
    assert (skipped.imported, skipped.skipped_bad, skipped.written) == (2, 8, True)
    assert set(db.scalars(select(Message.external_id))) == {"101", "103"}


def test_unreadable_files_are_refused_whole(db: Session, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps(ROWS[0], ensure_ascii=False) + "\n{not json\n", encoding="utf-8")
    report = ingest.import_file(db, path=broken, now=NOW)
    assert [(p.row, p.column) for p in report.problems] == [(2, None)] and "bad JSON" in report.problems[0].reason
    missing = tmp_path / "no_title.csv"
    missing.write_text("id,body,time\n1,正文,2024-03-04 09:00:00\n", encoding="utf-8")
    assert "missing required column" in ingest.import_file(db, path=missing, now=NOW).problems[0].reason
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    assert ingest.import_file(db, path=empty, now=NOW).problems
    assert ingest.import_file(db, path=tmp_path / "x.jsonl", source="x" * 101, now=NOW).problems
    assert ingest.import_file(db, path=broken, appeal_kind="shouting", now=NOW).problems
    assert _count(db, Message) == 0


def test_identical_duplicate_rows_are_skipped(db: Session, tmp_path: Path) -> None:
    report = ingest.import_file(db, path=_jsonl(tmp_path / "dup.jsonl", [ROWS[0], ROWS[0], ROWS[2]]), now=NOW)
    assert (report.imported, report.duplicates, report.problems) == (2, 1, [])


def test_csv_and_xlsx_in_the_same_schema(db: Session, tmp_path: Path) -> None:
    columns = ["id", "user", "title", "time", "body", "category", "reply", "reply_time", "likes", "dislikes"]
    with (tmp_path / "h.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(ROWS)
    book = Workbook()
    book.active.append(columns)
    for r in ROWS:
        values = [r.get(c) for c in columns]
        values[3] = datetime.fromisoformat(r["time"])  # a real spreadsheet date cell
        book.active.append(values)
    book.save(tmp_path / "h.xlsx")
    from_csv = ingest.import_file(db, path=tmp_path / "h.csv", source="csv", now=NOW)
    from_xlsx = ingest.import_file(db, path=tmp_path / "h.xlsx", source="xlsx", now=NOW)
    assert from_csv.imported == from_xlsx.imported == 3 and not from_csv.problems and not from_xlsx.problems
    times = db.scalars(select(Message.created_at).where(Message.external_id == "101")).all()
    assert len(times) == 2 and len(set(times)) == 1


def test_statistics_of_imported_history_match_the_file(db: Session, tmp_path: Path) -> None:
    ingest.import_file(db, path=_jsonl(tmp_path / "history.jsonl", ROWS), batch_size=1, now=NOW)
    report = build_report(db, query=StatsQuery(date(2024, 3, 1), date(2024, 3, 31)), today=date(2024, 12, 31))
    o = report.overall
    days = [workdays_between(date(2024, 3, 4), date(2024, 3, 8)), workdays_between(date(2024, 3, 5), date(2024, 4, 30))]
    assert (o.received, o.replied, o.rated, o.due) == (3, 2, 0, 2)
    assert o.on_time == 1 and o.avg_days == sum(days) / 2 and o.p90_days == max(days)  # the second one was late
    assert report.by_domain[0].key == "城乡建设" and {r.key for r in report.by_place} >= {"A7县", "A2区"}


def test_progress_is_reported_per_batch(db: Session, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    ingest.import_file(
        db,
        path=_jsonl(tmp_path / "h.jsonl", ROWS),
        batch_size=2,
        now=NOW,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(2, 3), (3, 3)]


@pytest.mark.shared_data
def test_the_shared_data_imports(db: Session, tmp_path: Path, shared_data_dir: Path) -> None:
    folder = shared_data_dir / "teddycup2020"
    subset = tmp_path / "teddycup.jsonl"
    lines = []
    for name in ("messages_with_replies.jsonl", "messages_with_votes.jsonl", "messages_labeled.jsonl"):
        with (folder / name).open(encoding="utf-8") as handle:
            lines += [next(handle) for _ in range(150)]
    subset.write_text("".join(lines), encoding="utf-8")
    report = ingest.import_file(db, path=subset, now=datetime.now(UTC))
    assert report.problems == [] and report.imported == 450 and report.replied == 150
    named = db.scalar(
        select(func.count()).select_from(Case).join(Department).where(Department.name != ingest.FALLBACK_DEPARTMENT)
    )
    assert named > 10  # replies that sign with their department are attributed to it
    assert db.scalar(select(func.max(Case.supports))) > 0
    assert db.scalar(select(func.count()).select_from(Message).where(Message.domain.is_not(None))) == 150
    assert ingest.import_file(db, path=subset, now=datetime.now(UTC)).imported == 0
