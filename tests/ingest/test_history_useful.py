"""History that is useful: departments resolved by body, no fragments, old unreplied history archived,
imported messages analysed by the worker's batch task, merges that keep the past."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.departments.merge import DepartmentResolver, merge_departments
from minyi.departments.models import Department, DepartmentAlias, DepartmentMerge
from minyi.departments.services import department_tree
from minyi.ingest import services as ingest
from minyi.ingest.analysis import analyse_imported
from minyi.messages.models import MessageAnalysis
from minyi.nlp.result import AnalysisResult
from minyi.stats.figures import CaseFacts, figures_of
from minyi.workflow import states
from minyi.workflow.models import Case, CaseEvent

NOW = datetime(2024, 12, 31, tzinfo=UTC)


def _row(n: int, reply: str | None, time: str = "2024-03-04 09:30:00") -> dict[str, Any]:
    row: dict[str, Any] = {"id": n, "title": f"留言{n}", "time": time, "body": "路灯坏了。"}
    if reply:
        row |= {"reply": reply, "reply_time": "2024-03-08 16:00:00"}
    return row


def _file(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / "h.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _dept_of(db: Session, external_id: str) -> str:
    from minyi.ingest.models import ImportRecord

    case = db.scalar(
        select(Case)
        .join(ImportRecord, ImportRecord.message_id == Case.message_id)
        .where(ImportRecord.external_id == external_id)
    )
    assert case is not None and case.department is not None
    return case.department.name


def test_two_spellings_of_one_town_government_are_one_department(db: Session, tmp_path: Path) -> None:
    rows = [
        _row(1, "您好！经核实，路灯已修复。\nA7县安沙镇人民政府\n2024年3月8日"),
        _row(2, "您好！路灯已修复，感谢监督。\n安莎镇政府\n2024年3月8日"),
    ]
    report = ingest.import_file(db, path=_file(tmp_path, rows), now=NOW)
    assert report.departments_created == ["A7县安沙镇人民政府"]
    assert _dept_of(db, "1") == _dept_of(db, "2") == "A7县安沙镇人民政府"


def test_a_fragment_or_an_operator_creates_no_department(db: Session, tmp_path: Path) -> None:
    rows = [
        _row(3, "您好！接到留言后，立即安排相关大队进行了调查。"),
        _row(4, "您好！已转交相关单位办理。\n中共A7县委办公室\n2024年3月8日"),
    ]
    report = ingest.import_file(db, path=_file(tmp_path, rows), now=NOW)
    assert report.departments_created == [ingest.FALLBACK_DEPARTMENT]
    assert _dept_of(db, "3") == _dept_of(db, "4") == ingest.FALLBACK_DEPARTMENT
    assert db.scalar(select(func.count()).select_from(Department).where(Department.name.like("%造册%"))) == 0


def test_old_unreplied_rows_are_archived_and_counted_apart(db: Session, tmp_path: Path) -> None:
    rows = [_row(5, None, "2010-05-01 08:00:00"), _row(6, None, "2024-12-01 08:00:00")]
    report = ingest.import_file(db, path=_file(tmp_path, rows), now=NOW, archive_days=365)
    assert report.archived == 1
    old, recent = (db.scalar(select(Case).where(Case.message.has(external_id=str(n)))) for n in (5, 6))
    assert old is not None and recent is not None
    assert (old.status, recent.status) == (states.ARCHIVED, states.SUBMITTED)
    assert states.STATUS_NAMES[old.status] == "历史未办结"
    kinds = [e.kind for e in db.scalars(select(CaseEvent).where(CaseEvent.case_id == old.id).order_by(CaseEvent.id))]
    assert kinds == ["submit", "archive"]
    assert not states.allowed_actions(status=states.ARCHIVED, actor="coordinator")  # terminal
    facts = [CaseFacts(case_id=1, received_at=NOW, status=states.ARCHIVED), CaseFacts(case_id=2, received_at=NOW)]
    figures = figures_of([f.settle() for f in facts], today=NOW.date())
    assert (figures.received, figures.archived, figures.answerable) == (2, 1, 1)


def test_a_later_reply_completes_an_archived_case(db: Session, tmp_path: Path) -> None:
    ingest.import_file(db, path=_file(tmp_path, [_row(7, None)]), source="s", now=NOW, archive_days=30)
    report = ingest.import_file(
        db, path=_file(tmp_path, [_row(7, "已修复。\nA7县城市管理局\n2024年3月8日")]), source="s", now=NOW
    )
    assert report.replies_added == 1
    case = db.scalar(select(Case).where(Case.message.has(external_id="7")))
    assert case is not None and case.status == states.CLOSED


class _Analyzer:
    def __init__(self) -> None:
        self.batches: list[int] = []

    def analyze(self, title: str, body: str) -> AnalysisResult:  # pragma: no cover - analyze_many is used
        return self.analyze_many([(title, body)])[0]

    def analyze_many(self, messages: list[tuple[str, str]]) -> list[AnalysisResult]:
        from minyi.nlp.pipeline import load_default_analyzer

        self.batches.append(len(messages))
        return load_default_analyzer().analyze_many(messages)


def test_imported_messages_are_queued_per_batch_and_analysed_by_the_worker_task(db: Session, tmp_path: Path) -> None:
    queued: list[list[int]] = []
    rows = [_row(n, None, "2024-12-01 08:00:00") for n in range(10, 15)]
    report = ingest.import_file(db, path=_file(tmp_path, rows), now=NOW, batch_size=2, analyse=queued.append)
    assert [len(b) for b in queued] == [2, 2, 1] and report.queued_for_analysis == 5
    assert db.scalar(select(func.count()).select_from(MessageAnalysis)) == 0  # the import itself analyses nothing
    analyzer = _Analyzer()
    for batch in queued:  # what the worker's analyse_batch task runs (minyi.jobs.runner.analyse_batch)
        analyse_imported(db, message_ids=batch, analyzer=analyzer)
    assert analyzer.batches == [2, 2, 1]
    ids = [i for b in queued for i in b]
    stored = list(db.scalars(select(MessageAnalysis).where(MessageAnalysis.message_id.in_(ids))))
    assert len(stored) == 5 and all(a.error == "" and a.result.get("domain_scores") for a in stored)
    assert analyse_imported(db, message_ids=ids, analyzer=analyzer) == 0  # analysed ones are left alone


def test_the_worker_queues_import_batches_below_live_messages() -> None:
    from minyi.jobs import tasks

    assert tasks.IMPORT_PRIORITY < tasks.LIVE_PRIORITY


def test_a_merge_keeps_events_and_leaves_the_menus(db: Session, tmp_path: Path) -> None:
    rows = [
        _row(20, "已修复。\nA7县住房和城乡建设局\n2024年3月8日"),
        _row(21, "已修复。\nA7县城市管理局\n2024年3月8日"),
    ]
    ingest.import_file(db, path=_file(tmp_path, rows), now=NOW)
    source = db.scalar(select(Department).where(Department.name == "A7县住房和城乡建设局"))
    target = db.scalar(select(Department).where(Department.name == "A7县城市管理局"))
    assert source is not None and target is not None
    before = [(e.id, e.kind, dict(e.data)) for e in db.scalars(select(CaseEvent).order_by(CaseEvent.id))]
    event = merge_departments(db, source_id=source.id, target_id=target.id, actor_id=None, reason="同一单位")
    assert isinstance(event, DepartmentMerge) and event.source_name == "A7县住房和城乡建设局"
    assert [(e.id, e.kind, dict(e.data)) for e in db.scalars(select(CaseEvent).order_by(CaseEvent.id))] == before
    assert db.scalar(select(DepartmentAlias.department_id).where(DepartmentAlias.name == source.name)) == target.id
    names = [n.department.name for n in department_tree(db)]
    assert target.name in names and source.name not in names
    assert DepartmentResolver.load(db).resolve("A7县住建局")[0] == target.id  # the alias's body resolves
    report = ingest.import_file(
        db, path=_file(tmp_path, [_row(22, "已修复。\nA7县住房和城乡建设局\n2024年3月9日")]), now=NOW
    )
    assert report.departments_created == [] and _dept_of(db, "22") == target.name


def test_a_lead_in_is_stripped_from_the_name(db: Session) -> None:
    resolver = DepartmentResolver.load(db)
    assert resolver.resolve("立即安排相关大队") == (None, None)
    _dept, parsed = resolver.resolve("乡镇造册上报县安监局")
    assert parsed is not None and parsed.name == "县安监局"  # never the sentence around it
