"""Files of one source imported in any order give the same cases; a later file completes what an earlier
one lacked (reply, votes, domain), idempotently; each batch is its own transaction."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from itertools import permutations
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.core.db import make_engine, make_session_factory, transaction
from minyi.core.migrate import upgrade
from minyi.departments.models import Department
from minyi.ingest import services as ingest
from minyi.ingest.models import ImportRecord
from minyi.messages.models import Message
from minyi.stats.figures import figures_of
from minyi.stats.services import read_facts
from minyi.workflow import services as wf
from minyi.workflow import states
from minyi.workflow.models import Case, CaseEvent, Reply
from tests import factories as f

NOW = datetime(2024, 12, 31, tzinfo=UTC)
ROAD = {"id": 1, "user": "U1", "title": "A7县星沙路路灯不亮", "time": "2024-03-04 09:30:00", "body": "路灯坏了两周。"}
FEES = {"id": 2, "user": "U2", "title": "咨询社保转移手续", "time": "2024-12-20 10:00:00", "body": "如何转移？"}
NOISE = {"id": 3, "user": "U3", "title": "A2区工地噪音扰民", "time": "2024-05-06 22:00:00", "body": "夜间施工。"}
BUS = {"id": 4, "user": "U4", "title": "公交线路建议", "time": "2024-06-01 08:00:00", "body": "增开早班车。"}
OTHER_TWO = {
    "id": 2,
    "user": "X9",
    "title": "另一条留言，编号相同",
    "time": "2023-01-02 03:04:05",
    "body": "不同的内容。",
}
FILES = {  # one source, four files, as the shared data: each file knows some of the facts
    "replies": [
        ROAD | {"reply": "您好，路灯已修复。\nA7县城市管理局", "reply_time": "2024-03-08 16:00:00"},
        FEES | {"reply": "请到社保窗口办理。", "reply_time": "2024-12-27 09:00:00"},
    ],  # too recent to close
    "votes": [ROAD | {"user": "V1", "likes": 12, "dislikes": 1}, NOISE | {"likes": 3, "dislikes": 0}],
    "labels": [ROAD | {"category": "城乡建设"}, BUS | {"category": "交通运输"}],
    "plain": [ROAD | {"user": "P1"}, NOISE, BUS, OTHER_TWO],  # id 2 here is another message
}


def _write(folder: Path, name: str, rows: list[dict[str, Any]]) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _import(db: Session, folder: Path, order: tuple[str, ...], source: str) -> list[ingest.FileReport]:
    return [
        ingest.import_file(db, path=_write(folder, name, FILES[name]), source=source, batch_size=1, now=NOW)
        for name in order
    ]


def _snapshot(db: Session, source: str) -> dict[str, Any]:
    """Everything the import stored for `source`, without ids (they depend on the order of the writes)."""
    names = dict(db.execute(select(Department.id, Department.name)).all())
    cases: dict[Any, Any] = {}
    for message, case in db.execute(
        select(Message, Case)
        .join(ImportRecord, Message.id == ImportRecord.message_id)
        .join(Case, Case.message_id == Message.id)
        .where(ImportRecord.source == source)
    ):
        events = db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
        replies = db.scalars(select(Reply).where(Reply.case_id == case.id)).all()
        key = (message.external_id, message.title)  # the import key of a clash depends on which came first
        cases[key] = {
            "message": (message.body, message.created_at, message.domain, message.place_text, message.appeal_kind),
            "case": (
                case.status,
                names.get(case.department_id),
                case.deadline,
                case.assigned_at,
                case.replied_at,
                case.closed_at,
                case.supports,
                case.updated_at,
            ),
            "replies": sorted((r.body, r.created_at, names.get(r.department_id)) for r in replies),
            "events": sorted(
                Counter(
                    (
                        e.kind,
                        e.from_status,
                        e.to_status,
                        e.created_at,
                        e.is_public,
                        e.actor_label,
                        json.dumps(
                            {
                                k: names.get(v) if k == "department_id" else v
                                for k, v in (e.data or {}).items()
                                if k not in {"file", "reply_id"}
                            },
                            sort_keys=True,
                            ensure_ascii=False,
                        ),
                    )
                    for e in events
                ).items()
            ),
            "stats": figures_of(
                [
                    fact
                    for fact in read_facts(db, start=date(2023, 1, 1), end=date(2024, 12, 31))
                    if fact.case_id == case.id
                ],
                today=date(2024, 12, 31),
            ),
        }
    return cases


def test_every_order_of_the_files_gives_the_same_cases(db: Session, tmp_path: Path) -> None:
    orders = list(permutations(FILES))
    snapshots = []
    for n, order in enumerate(orders[::5]):  # 5 of the 24 orders, the first and the reverse included
        _import(db, tmp_path / f"run{n}", order, source=f"run{n}")
        snapshots.append(_snapshot(db, f"run{n}"))
    assert orders[::5][0] == ("replies", "votes", "labels", "plain") and len(snapshots) == 5
    assert all(s == snapshots[0] for s in snapshots[1:])
    road = snapshots[0][("1", ROAD["title"])]
    assert road["case"][0] == states.CLOSED and road["case"][1] == "A7县城市管理局" and road["case"][6] == 12
    assert road["message"][2] == "城乡建设" and len(road["replies"]) == 1
    assert snapshots[0][("2", FEES["title"])]["case"][0] == states.REPLIED
    assert snapshots[0][("2", OTHER_TWO["title"])]["case"][0] == states.SUBMITTED  # both messages numbered 2 kept
    assert len(snapshots[0]) == 5
    assert all(f.logged_deadline(db, c.id) == c.deadline for c in db.scalars(select(Case)))  # every order: logged


def test_a_later_file_adds_what_was_missing_and_says_so(db: Session, tmp_path: Path) -> None:
    plain, labels, votes, replies = _import(db, tmp_path, ("plain", "labels", "votes", "replies"), source="tc")
    assert (plain.imported, plain.already_present) == (4, 0)
    assert (labels.imported, labels.domains_added, labels.already_present) == (0, 2, 0)
    assert (votes.imported, votes.votes_added, votes.already_present) == (0, 2, 0)
    assert (replies.imported, replies.replied, replies.replies_added) == (1, 1, 1)  # FEES is new; id 2 was another
    [note] = replies.notes
    assert note.row == 2 and note.column == "id" and "different message" in str(note)
    keys = sorted(db.scalars(select(ImportRecord.external_id).where(ImportRecord.source == "tc")))
    assert keys[:2] == ["1", "2"] and keys[2].startswith("2#") and keys[3:] == ["3", "4"]
    road = db.scalar(select(Case).join(Message).where(Message.title == ROAD["title"]))
    kinds = [
        e.kind
        for e in db.scalars(
            select(CaseEvent).where(CaseEvent.case_id == road.id).order_by(CaseEvent.created_at, CaseEvent.id)
        )
    ]
    assert kinds == ["submit", "set_domain", "supported", "assign", "accept", "reply", "auto_close"]
    assert (road.status, road.supports, road.message.domain) == (states.CLOSED, 12, "城乡建设")

    counts = [db.scalar(select(func.count()).select_from(m)) for m in (Message, Case, CaseEvent, Reply, Department)]
    again = _import(db, tmp_path, ("replies", "votes", "labels", "plain"), source="tc")
    assert [
        db.scalar(select(func.count()).select_from(m)) for m in (Message, Case, CaseEvent, Reply, Department)
    ] == counts
    assert all(r.imported == r.replies_added == r.votes_added == r.domains_added == 0 and not r.notes for r in again)
    assert [r.already_present for r in again] == [2, 2, 2, 4]


def test_what_staff_did_since_the_import_is_kept(db: Session, tmp_path: Path) -> None:
    _import(db, tmp_path, ("plain",), source="tc")
    case = db.scalar(select(Case).join(Message).where(Message.title == ROAD["title"]))
    dept = f.department(db, domains=["城乡建设"])
    wf.assign(
        db, actor=f.actor(f.user(db, role="coordinator")), case_id=case.id, department_id=dept.id, domain="环境保护"
    )
    [replies, labels] = _import(db, tmp_path, ("replies", "labels"), source="tc")
    assert replies.replies_added == 0 and "handled in minyi since" in str(replies.notes[0])
    assert labels.domains_added == 1 and "already has the domain '环境保护'" in str(labels.notes[0])  # BUS got one
    case = f.reload(db, case)
    assert (case.status, case.department_id, case.message.domain) == (states.ASSIGNED, dept.id, "环境保护")
    assert db.scalar(select(func.count()).select_from(Reply).where(Reply.case_id == case.id)) == 0
    assert replies.departments_created == [ingest.FALLBACK_DEPARTMENT]  # not the one of the reply left out


def test_each_batch_is_committed_so_live_writes_are_not_blocked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url, connect_args={"check_same_thread": False, "timeout": 0.5}))
    rows = [{"id": i, "title": f"历史留言{i}", "body": "正文", "time": "2024-03-04 09:00:00"} for i in range(6)]
    live: list[int] = []

    def submit_between_batches(done: int, total: int) -> None:  # a citizen writes while the file is imported
        with transaction(factory) as other:
            live.append(f.message(other, title=f"导入中提交的留言{done}").message.id)

    with factory() as session:
        report = ingest.import_file(
            session, path=_write(tmp_path, "h", rows), batch_size=2, now=NOW, progress=submit_between_batches
        )
    assert report.imported == 6 and len(live) == 3
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 9


def test_a_failed_batch_leaves_the_earlier_ones_and_a_rerun_completes(
    db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [{"id": i, "title": f"历史留言{i}", "body": "正文", "time": "2024-03-04 09:00:00"} for i in range(5)]
    path = _write(tmp_path, "h", rows)
    real, calls = ingest.write_new, []

    def dies_on_the_second_batch(*args: Any, **kwargs: Any) -> int:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # stands for kill -9 in the middle of a batch
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest, "write_new", dies_on_the_second_batch)
    with pytest.raises(KeyboardInterrupt):
        ingest.import_file(db, path=path, batch_size=2, now=NOW)
    assert db.scalar(select(func.count()).select_from(ImportRecord)) == 2  # the first batch, whole
    monkeypatch.setattr(ingest, "write_new", real)
    rerun = ingest.import_file(db, path=path, batch_size=2, now=NOW)
    assert (rerun.imported, rerun.already_present) == (3, 2)
    assert db.scalar(select(func.count()).select_from(Message)) == 5


def test_a_dry_run_writes_nothing(db: Session, tmp_path: Path) -> None:
    report = ingest.import_file(
        db, path=_write(tmp_path, "replies", FILES["replies"]), batch_size=1, dry_run=True, now=NOW
    )
    assert (report.imported, report.replied, len(report.departments_created)) == (2, 2, 2)
    assert db.scalar(select(func.count()).select_from(Message)) == 0
    assert db.scalar(select(func.count()).select_from(Department)) == 0


SHARED_FILES = (
    "messages_with_replies.jsonl",
    "messages_with_votes.jsonl",
    "messages_labeled.jsonl",
    "messages_unlabeled.jsonl",
)


def _shared_counts(db: Session, source: str) -> tuple[int, int, int, int]:
    cases = (
        select(Case.id)
        .join(ImportRecord, ImportRecord.message_id == Case.message_id)
        .where(ImportRecord.source == source)
    )
    return (
        db.scalar(select(func.count()).select_from(cases.subquery())),
        db.scalar(select(func.count()).select_from(Reply).where(Reply.case_id.in_(cases))),
        db.scalar(select(func.coalesce(func.sum(Case.supports), 0)).where(Case.id.in_(cases))),
        db.scalar(
            select(func.count()).select_from(Message).join(Case).where(Case.id.in_(cases), Message.domain.is_not(None))
        ),
    )


@pytest.mark.shared_data
def test_the_shared_files_in_two_orders(db: Session, shared_data_dir: Path) -> None:
    folder = shared_data_dir / "teddycup2020"
    now = datetime.now(UTC)
    forward = [
        ingest.import_file(db, path=folder / name, source="forward", skip_bad_rows=True, now=now)
        for name in SHARED_FILES
    ]
    backward = [
        ingest.import_file(db, path=folder / name, source="backward", skip_bad_rows=True, now=now)
        for name in reversed(SHARED_FILES)
    ]
    assert _shared_counts(db, "forward") == _shared_counts(db, "backward")
    cases, replies, _supports, domains = _shared_counts(db, "forward")
    assert (replies, domains) == (2816, 413) and cases == sum(r.imported for r in forward)
    assert backward[-1].replies_added == 20 and forward[-1].already_present == 20  # the unlabeled file's overlap
    assert sum(len(r.notes) for r in forward) == sum(len(r.notes) for r in backward) == 3  # ids of two messages
