"""Storing analysis results, ranking our departments, coordinator labels, the background worker."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.db import make_engine, make_session_factory, transaction
from minyi.core.migrate import upgrade
from minyi.jobs import runner
from minyi.messages import analysis
from minyi.messages.models import MessageAnalysis, MessageLabel
from minyi.nlp.result import AnalysisResult
from minyi.workflow import services as wf
from tests import factories as f


class KeywordAnalyzer:
    """A small, deterministic stand-in for the shipped model (the real one is tested in tests/nlp)."""

    def analyze(self, title: str, body: str) -> AnalysisResult:
        text = title + body
        urgent = "燃气" in text
        return AnalysisResult(
            domain="城乡建设" if urgent else "环境保护",
            domain_scores={"城乡建设": 0.8, "环境保护": 0.2} if urgent else {"环境保护": 0.9},
            appeal_kind="help" if urgent else "complaint",
            appeal_scores={},
            urgent=urgent,
            urgent_reasons=["燃气泄漏"] if urgent else [],
            places=[{"level": "estate", "name": "滨江小区"}],
            departments=[("住建局", 0.4)],
            clean_text=text,
            repairs=[],
        )


class BrokenAnalyzer:
    def analyze(self, title: str, body: str) -> AnalysisResult:
        raise ValueError("model exploded")


def test_our_departments_are_ranked_once_by_family_keywords_and_domain(db: Session) -> None:
    housing = f.department(db, name="市住房和城乡建设局", domains=["城乡建设"], keywords="燃气,物业")
    env = f.department(db, domains=["环境保护"])
    f.department(db)  # handles nothing: never suggested
    result = KeywordAnalyzer().analyze("楼道燃气泄漏", "楼道燃气味很重")
    stored = analysis.stored_analysis(result, title="楼道燃气泄漏", body="楼道燃气味很重", departments=[housing, env])
    ranked = stored["suggested_departments"]
    assert [r["id"] for r in ranked] == [housing.id, env.id]
    # 0.4 (the routing score of 住建局, the family of 市住房和城乡建设局) + 0.5 (one keyword) + 0.3 x 0.8 (城乡建设)
    assert ranked[0]["keywords"] == ["燃气"] and ranked[0]["score"] == 1.14
    assert stored["department_families"] == [("住建局", 0.4)] and stored["department_abstained"] is False
    assert "departments" not in stored and "clean_text" not in stored


def test_read_analysis_is_typed_and_reads_rows_stored_before() -> None:
    old = {"domain": "环境保护", "urgent": False, "departments": [["环保局", 0.3]]}  # no suggested_departments
    row = MessageAnalysis(message_id=1, result=old)
    stored = analysis.read_analysis(row)
    assert stored is not None and stored["domain"] == "环境保护"
    assert stored["suggested_departments"] == [] and stored["places"] == [] and stored["appeal_kind"] is None
    assert analysis.read_analysis(None) is None
    assert analysis.read_analysis(MessageAnalysis(message_id=1, result={}, error="ValueError: x")) is None


def test_analyse_message_stores_suggestions_and_never_loses_the_message(db: Session) -> None:
    f.department(db, name="城建部门", domains=["城乡建设"])
    sub = f.message(db, title="楼道燃气泄漏", body="滨江小区5栋楼道燃气味很重，请马上处理！")
    row = analysis.analyse_message(db, message_id=sub.message.id, analyzer=KeywordAnalyzer())
    assert row.urgent and row.result["appeal_kind"] == "help"
    assert row.result["suggested_departments"][0]["name"] == "城建部门"
    assert "clean_text" not in row.result and row.clean_text
    assert "departments" not in row.result  # one ranking stored: the one shown
    broken = analysis.analyse_message(db, message_id=sub.message.id, analyzer=BrokenAnalyzer())
    assert "model exploded" in broken.error
    assert sub.message.body == "滨江小区5栋楼道燃气味很重，请马上处理！"


def test_urgent_messages_are_pinned_and_one_click_accept_assigns(client: TestClient, db: Session) -> None:
    dept = f.department(db, name="住建部门", domains=["城乡建设"])
    calm = f.message(db, title="建议增加绿化", body="希望在小区周边多种一些树木，改善环境。")
    urgent = f.message(db, title="楼道燃气泄漏", body="滨江小区楼道燃气味很重，请马上处理！")
    for sub in (calm, urgent):
        analysis.analyse_message(db, message_id=sub.message.id, analyzer=KeywordAnalyzer())
    db.flush()
    f.login(client, f.user(db, role="coordinator"))
    page = client.get("/staff/inbox").text
    assert page.index("楼道燃气泄漏") < page.index("建议增加绿化")
    assert 'class="urgent"' in page and "燃气泄漏" in page and "采纳建议，转办至住建部门" in page
    response = client.post(
        f"/staff/cases/{urgent.case.id}/actions/assign",
        data={"department_id": str(dept.id), "domain": "城乡建设", "appeal_kind": "help", "csrf_token": f.csrf(client)},
    )
    assert response.status_code == 200
    case = f.reload(db, urgent.case)
    assert (case.status, case.department_id, case.message.appeal_kind) == ("assigned", dept.id, "help")


def test_coordinator_choices_become_labels_for_training(db: Session) -> None:
    dept = f.department(db, name="环保部门", domains=["环境保护"])
    sub = f.message(db, title="工地噪音扰民", body="工地夜间施工噪音很大，影响休息。", appeal_kind="complaint")
    analysis.analyse_message(db, message_id=sub.message.id, analyzer=KeywordAnalyzer())
    wf.assign(
        db,
        actor=f.actor(f.user(db, role="coordinator")),
        case_id=sub.case.id,
        department_id=dept.id,
        domain="城乡建设",
        appeal_kind="complaint",
    )
    labels = {
        row.field: (row.value, row.suggested)
        for row in db.scalars(select(MessageLabel).where(MessageLabel.message_id == sub.message.id))
    }
    assert labels["domain"] == ("城乡建设", "环境保护")  # a correction of the suggestion
    assert labels["appeal_kind"] == ("complaint", "complaint")  # a confirmation
    assert labels["department"][0] == "环保部门"
    exported = [e for e in analysis.export_labels(db) if e["id"] == sub.message.id]
    assert exported == [
        {
            "id": sub.message.id,
            "title": "工地噪音扰民",
            "body": "工地夜间施工噪音很大，影响休息。",
            "domain": "城乡建设",
            "appeal_kind": "complaint",
            "department": "环保部门",
        }
    ]


def test_worker_functions_analyse_queued_and_backlog_messages(tmp_path: Path) -> None:
    """What the worker's tasks call (minyi.jobs.runner): a queued message analysed at once, then the catch-up
    of messages stored without an analysis (the huey tasks themselves are tested in tests/jobs)."""
    url = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with transaction(factory) as session:
        backlog = f.message(session, title="旧留言未分析", submission_key=None).message.id
    with transaction(factory) as session:
        fresh = f.message(session, title="楼道燃气泄漏", body="楼道燃气味很重，请马上处理！").message.id
    assert runner.analyse(factory, KeywordAnalyzer(), fresh, if_missing=False)
    assert runner.catch_up(factory, KeywordAnalyzer(), budget_seconds=20) == {"backlog_analysed": 1}
    with transaction(factory, write=False) as session:
        assert set(session.scalars(select(MessageAnalysis.message_id))) == {backlog, fresh}
        assert session.get(MessageAnalysis, fresh).urgent
    assert not runner.analyse(factory, None, fresh, if_missing=True)  # no model: nothing done, nothing raised


def test_the_shipped_model_flags_a_gas_leak_and_suggests_our_department(db: Session) -> None:
    housing = f.department(db, name="住房和城乡建设部门", domains=["城乡建设"], keywords="燃气")
    f.department(db, name="教育部门", domains=["教育文体"])
    sub = f.message(
        db,
        title="楼道燃气泄漏味道很重",
        appeal_kind="help",
        body="滨江小区5栋一楼楼道这两天燃气味很重，担心爆炸，请马上派人处理！",
    )
    row = analysis.analyse_message(db, message_id=sub.message.id, analyzer=analysis.default_analyzer())
    assert not row.error
    assert row.urgent and row.result["urgent_reasons"]
    assert row.result["domain"] == "城乡建设"
    assert row.result["suggested_departments"][0]["id"] == housing.id
    assert row.result["appeal_kind"] in {"help", "complaint"}


def test_a_matter_for_none_of_ours_is_left_to_the_coordinator(db: Session) -> None:
    housing = f.department(db, name="市住房和城乡建设局", domains=["城乡建设"])
    result = KeywordAnalyzer().analyze("法院不执行", "判决后一直不执行")
    result["departments"] = [("其他", 1.2), ("住建局", 0.3)]  # a court's matter
    stored = analysis.stored_analysis(result, title="法院不执行", body="判决后一直不执行", departments=[housing])
    assert stored["department_abstained"] and stored["suggested_departments"] == []
    result["departments"] = [("住建局", 0.1)]  # too weak: shown only as a possibility
    stored = analysis.stored_analysis(result, title="楼道", body="楼道", departments=[housing])
    assert stored["department_abstained"] and [d["id"] for d in stored["suggested_departments"]] == [housing.id]


def test_department_candidates_follow_every_change_of_the_departments(db: Session) -> None:
    """The raw-row cache of the candidates: the same as ranking from ORM rows, and any edit is seen at once."""
    from minyi.departments.models import Department

    def from_rows() -> tuple[analysis.DepartmentCandidate, ...]:
        rows = db.scalars(select(Department).where(Department.is_active.is_(True)).order_by(Department.id))
        return tuple(analysis.department_candidates(list(rows)))

    water = f.department(db, name="区水务局", domains=["城乡建设"], keywords="自来水 停水")
    f.department(db, name="区教育局", domains=["教育文体"])
    db.flush()
    first = analysis.active_department_candidates(db)
    assert first == from_rows() and analysis.active_department_candidates(db) is first  # parsed once
    water.keywords = ["自来水", "断水"]  # the same length: a fingerprint of sizes would miss it
    db.flush()
    assert analysis.active_department_candidates(db) == from_rows() != first
    water.is_active = False
    db.flush()
    assert [c.name for c in analysis.active_department_candidates(db)] == [c.name for c in from_rows()]
    assert "区水务局" not in {c.name for c in analysis.active_department_candidates(db)}


def test_a_live_message_is_ranked_among_its_levels_departments_only(db: Session) -> None:
    """In a tree, the ranking reads the departments of the jurisdiction that holds the case and of its parent (what
    its case page may show), not the thousands of a province; without levels, every department (the root's)."""
    city = f.jurisdiction(db, name="A市", level="city", slug="lv-city")
    east = f.jurisdiction(db, name="A2区", parent=city, slug="lv-east")
    west = f.jurisdiction(db, name="A5区", parent=city, slug="lv-west")
    made = {}
    for name, where in (("本级住建局", None), ("A市住建局", city), ("A2区住建局", east), ("A5区住建局", west)):
        made[name] = f.department(db, name=name, domains=["城乡建设"], keywords="自来水 停水")
        made[name].jurisdiction_id = where.id if where is not None else None
    db.flush()
    sub = f.message(db, title="小区停水三天", body="自来水停水三天了，没有任何通知。", place_text="")
    message_id = sub.message.id
    names = {c.name for c in analysis.level_department_candidates(db, message_id=message_id)}
    assert names == {"本级住建局"}  # at the root (no parent): the root's own
    sub.case.jurisdiction_id = east.id
    db.flush()
    names = {c.name for c in analysis.level_department_candidates(db, message_id=message_id)}
    assert names == {"A2区住建局", "A市住建局"}  # its own level and the parent's, never the sibling's
    row = analysis.analyse_message(db, message_id=message_id, analyzer=KeywordAnalyzer())
    suggested = {s["name"] for s in row.result["suggested_departments"]}
    assert suggested and suggested <= {"A2区住建局", "A市住建局"}
    assert len(analysis.active_department_candidates(db)) == 4  # imports still rank among every department
