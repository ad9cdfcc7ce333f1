"""吸纳 use cases on the real database: a decision once per replied suggestion, commitments with dated progress
by their department's staff, every change an event; and 答谢表扬 closing a praise without a rating cycle."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import china_today
from minyi.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from minyi.suggestions import services, views
from minyi.suggestions.models import Adoption, Commitment, CommitmentUpdate
from minyi.workflow import services as workflow
from minyi.workflow.models import CaseEvent
from tests import factories as f

REPLY = "感谢您的建议。经研究，我局将在幸福路增设公交站台，并优化早高峰班次。"


def _replied_suggestion(db: Session) -> tuple[int, object, object]:
    dept = f.department(db)
    sub, _coord, handler = f.case_in_progress(db, dept, appeal_kind="suggestion")
    workflow.reply(db, actor=f.actor(handler), case_id=sub.case.id, body=REPLY)
    return sub.case.id, handler, dept


def _due(days: int = 30) -> str:
    return (china_today() + timedelta(days=days)).isoformat()


def _kinds(db: Session, case_id: int) -> list[str]:
    query = select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    return list(db.scalars(query))


def test_an_adopted_suggestion_carries_commitments_until_done(db: Session) -> None:
    case_id, handler, dept = _replied_suggestion(db)
    other = f.department(db)
    adoption = services.decide(
        db,
        actor=f.actor(handler),
        case_id=case_id,
        decision="adopted",
        reason="建议切实可行，已纳入今年的公交线网优化计划。",
        commitments=[
            {"what": "在幸福路增设公交站台一处", "due_on": _due(30)},
            {"what": "优化 12 路早高峰班次", "department_id": other.id, "due_on": _due(60)},
        ],
    )
    assert adoption.adopting and adoption.status == "open" and adoption.department_id == dept.id
    first, second = views.suggestion_of(db, case_id).commitments
    assert first.commitment.department_id == dept.id and second.commitment.department_id == other.id
    update = services.post_progress(
        db, actor=f.actor(handler), commitment_id=first.commitment.id, body="站台选址已完成，正在施工。", percent=40
    )
    assert update.percent == 40 and db.get(Commitment, first.commitment.id).percent == 40
    services.mark_done(db, actor=f.actor(handler), commitment_id=first.commitment.id, body="站台已建成并投入使用。")
    assert db.get(Adoption, adoption.id).status == "open"  # the other department's commitment is still open
    other_staff = f.user(db, role="handler", dept=other)
    services.mark_done(
        db, actor=f.actor(other_staff), commitment_id=second.commitment.id, body="班次已由 8 分钟缩短到 5 分钟。"
    )
    assert db.get(Adoption, adoption.id).status == "done"
    assert _kinds(db, case_id)[-6:] == ["adopt", "commit", "commit", "progress", "commitment_done", "commitment_done"]
    events = db.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == "adopt")).all()
    assert events[0].is_public and events[0].payload.decision == "adopted" and "公交线网" in events[0].reason
    updates = db.scalars(select(CommitmentUpdate).order_by(CommitmentUpdate.id)).all()
    assert [(u.percent, u.done) for u in updates][-3:] == [(40, False), (100, True), (100, True)]


def test_a_decision_is_taken_once_on_a_replied_suggestion_by_its_department(db: Session) -> None:
    dept = f.department(db)
    sub, coordinator, handler = f.case_in_progress(db, dept, appeal_kind="suggestion")
    with pytest.raises(InvalidTransition, match="办理中"):  # not replied yet
        services.decide(db, actor=f.actor(handler), case_id=sub.case.id, decision="planned", reason="已列入明年计划。")
    workflow.reply(db, actor=f.actor(handler), case_id=sub.case.id, body=REPLY)
    with pytest.raises(PermissionDenied):
        services.decide(
            db, actor=f.actor(coordinator), case_id=sub.case.id, decision="planned", reason="已列入明年计划。"
        )
    stranger = f.user(db, role="handler", dept=f.department(db))
    with pytest.raises(PermissionDenied):
        services.decide(db, actor=f.actor(stranger), case_id=sub.case.id, decision="planned", reason="已列入明年计划。")
    services.decide(
        db, actor=f.actor(handler), case_id=sub.case.id, decision="not_adopted", reason="与现行规划冲突，暂不采纳。"
    )
    with pytest.raises(Conflict):
        services.decide(db, actor=f.actor(handler), case_id=sub.case.id, decision="adopted", reason="改变主意了吧。")


def test_only_suggestions_are_decided(db: Session) -> None:
    sub, handler = f.replied_case(db, f.department(db))  # a complaint
    with pytest.raises(InvalidTransition, match="建议"):
        services.decide(db, actor=f.actor(handler), case_id=sub.case.id, decision="planned", reason="已列入明年计划。")


@pytest.mark.parametrize(
    ("decision", "reason", "commitments", "field"),
    [
        ("adopted", "理由充分理由充分", [], "what"),  # adopting without a commitment
        ("not_adopted", "理由充分理由充分", [{"what": "做一件事情吧", "due_on": "2099-01-01"}], "what"),
        ("maybe", "理由充分理由充分", [], "decision"),
        ("planned", "", [], "reason"),
        ("planned", "短", [], "reason"),
        ("planned", "字" * 2001, [], "reason"),
        ("adopted", "理由充分理由充分", [{"what": "做一件事情吧", "due_on": "2020-01-01"}], "due_on"),
        ("adopted", "理由充分理由充分", [{"what": "做一件事情吧", "due_on": "2027-02-30"}], "due_on"),
        ("adopted", "理由充分理由充分", [{"what": "做一件事情吧", "due_on": "明天"}], "due_on"),
        ("adopted", "理由充分理由充分", [{"what": "做一件事情吧", "due_on": ""}], "due_on"),
        ("adopted", "理由充分理由充分", [{"what": "做一件事情吧", "due_on": "2199-01-01"}], "due_on"),
        ("adopted", "理由充分理由充分", [{"what": "", "due_on": "2099-01-01"}], "what"),
        ("adopted", "理由充分理由充分", [{"what": "做事\x00情况", "due_on": "2099-01-01"}], "what"),
        (
            "adopted",
            "理由充分理由充分",
            [{"what": "做一件事情吧", "department_id": 10**12, "due_on": "2099-01-01"}],
            "department_id",
        ),
    ],
)
def test_bad_decisions_are_clear_errors_and_store_nothing(
    db: Session, decision: str, reason: str, commitments: list[dict], field: str
) -> None:
    case_id, handler, _dept = _replied_suggestion(db)
    if "2099" in str(commitments):  # within the five-year horizon
        commitments = [c | {"due_on": _due(100)} for c in commitments]
    before = _kinds(db, case_id)
    with pytest.raises(ValidationFailed) as caught:
        services.decide(
            db, actor=f.actor(handler), case_id=case_id, decision=decision, reason=reason, commitments=commitments
        )
    assert caught.value.field == field
    assert _kinds(db, case_id) == before and views.suggestion_of(db, case_id) is None


def test_progress_is_by_the_commitments_department_and_stops_when_done(db: Session) -> None:
    case_id, handler, _dept = _replied_suggestion(db)
    services.decide(
        db,
        actor=f.actor(handler),
        case_id=case_id,
        decision="partly",
        reason="部分可行，先做站台。",
        commitments=[{"what": "在幸福路增设公交站台一处", "due_on": _due()}],
    )
    cid = views.suggestion_of(db, case_id).commitments[0].commitment.id
    stranger = f.user(db, role="handler", dept=f.department(db))
    supervisor = f.user(db, role="supervisor")
    for who in (stranger, supervisor):
        with pytest.raises(PermissionDenied):
            services.post_progress(db, actor=f.actor(who), commitment_id=cid, body="不是我们的事情", percent=10)
    for bad, field in (
        ({"percent": 100}, "percent"),
        ({"percent": -1}, "percent"),
        ({"percent": "x"}, "percent"),
        ({"body": "短"}, "body"),
    ):
        args = {"body": "正在推进施工。", "percent": 20} | bad
        with pytest.raises(ValidationFailed) as caught:
            services.post_progress(db, actor=f.actor(handler), commitment_id=cid, **args)
        assert caught.value.field == field
    with pytest.raises(NotFound):
        services.post_progress(db, actor=f.actor(handler), commitment_id=10**12, body="正在推进施工。", percent=20)
    services.mark_done(db, actor=f.actor(handler), commitment_id=cid, body="站台已建成投用。")
    with pytest.raises(InvalidTransition, match="已完成"):
        services.post_progress(db, actor=f.actor(handler), commitment_id=cid, body="再补充一点进展。", percent=20)


def test_more_commitments_only_on_an_adopting_decision(db: Session) -> None:
    case_id, handler, _dept = _replied_suggestion(db)
    services.decide(db, actor=f.actor(handler), case_id=case_id, decision="planned", reason="已列入明年的计划。")
    with pytest.raises(InvalidTransition):
        services.add_commitment(
            db, actor=f.actor(handler), case_id=case_id, fields={"what": "增设站台一处", "due_on": _due()}
        )


def test_overdue_commitments_are_listed_to_their_department_and_to_everyone_supervising(db: Session) -> None:
    case_id, handler, dept = _replied_suggestion(db)
    services.decide(
        db,
        actor=f.actor(handler),
        case_id=case_id,
        decision="adopted",
        reason="建议可行，予以采纳。",
        commitments=[{"what": "增设站台一处", "due_on": _due(1)}, {"what": "优化早高峰班次", "due_on": _due(40)}],
    )
    later = china_today() + timedelta(days=10)
    mine = views.open_commitments(db, filters=views.CommitmentFilters(department_id=dept.id), today=later)
    assert [v.commitment.what for v in mine.items] == ["增设站台一处", "优化早高峰班次"]
    assert [v.overdue(later) for v in mine.items] == [True, False]
    late = views.open_commitments(db, filters=views.CommitmentFilters(overdue=True), today=later)
    assert [v.commitment.what for v in late.items] == ["增设站台一处"]
    other = views.open_commitments(db, filters=views.CommitmentFilters(department_id=dept.id + 1), today=later)
    assert other.total == 0


def test_the_public_list_holds_adopted_public_suggestions_only(db: Session) -> None:
    adopted_id, handler, dept = _replied_suggestion(db)
    services.decide(
        db,
        actor=f.actor(handler),
        case_id=adopted_id,
        decision="adopted",
        reason="建议可行，予以采纳。",
        commitments=[{"what": "增设站台一处", "due_on": _due()}],
    )
    refused_id, handler2, _d = _replied_suggestion(db)
    services.decide(db, actor=f.actor(handler2), case_id=refused_id, decision="not_adopted", reason="暂不具备条件。")
    private = f.department(db)
    sub, _c, handler3 = f.case_in_progress(db, private, appeal_kind="suggestion", is_public=False)
    workflow.reply(db, actor=f.actor(handler3), case_id=sub.case.id, body=REPLY)
    services.decide(
        db,
        actor=f.actor(handler3),
        case_id=sub.case.id,
        decision="adopted",
        reason="建议可行，予以采纳。",
        commitments=[{"what": "增设站台一处", "due_on": _due()}],
    )
    listed = views.adopted_suggestions(db, filters=views.AdoptedFilters())
    ids = [v.adoption.case_id for v in listed.items]
    assert adopted_id in ids and refused_id not in ids and sub.case.id not in ids
    assert views.adopted_suggestions(db, filters=views.AdoptedFilters(department_id=dept.id)).total == 1
    assert views.adopted_suggestions(db, filters=views.AdoptedFilters(status="done")).total == 0
    with pytest.raises(NotFound):
        views.public_suggestion(db, sub.case.id)
    sub.message.is_public = True  # as 审核后公开 publishes it (workflow.review), at any time
    db.flush()
    assert sub.case.id in [
        v.adoption.case_id for v in views.adopted_suggestions(db, filters=views.AdoptedFilters()).items
    ]
    sub.message.is_public = False
    db.flush()
    assert db.scalar(select(Adoption.public).where(Adoption.case_id == sub.case.id)) is False


def test_praise_is_acknowledged_in_public_and_closes_without_a_rating(db: Session) -> None:
    dept = f.department(db)
    sub, _coord, handler = f.case_in_progress(db, dept, appeal_kind="praise")
    answer = workflow.acknowledge(
        db, actor=f.actor(handler), case_id=sub.case.id, body="感谢您对我局工作的肯定，我们将继续努力！"
    )
    case = f.reload(db, sub.case)
    assert case.status == "closed" and case.closed_at == case.replied_at == answer.created_at
    assert _kinds(db, case.id)[-1] == "acknowledge"
    complaint, _c, handler2 = f.case_in_progress(db, dept)
    with pytest.raises(InvalidTransition, match="表扬"):
        workflow.acknowledge(db, actor=f.actor(handler2), case_id=complaint.case.id, body="感谢您对我局工作的肯定！")
    praise, _c, handler3 = f.case_in_progress(db, dept, appeal_kind="praise")
    with pytest.raises(ValidationFailed):
        workflow.acknowledge(db, actor=f.actor(handler3), case_id=praise.case.id, body="")
    assert f.reload(db, praise.case).status == "in_progress"


def test_a_due_date_is_today_or_later() -> None:
    today = date(2026, 12, 5)
    assert services.due_date("2026-12-05", today=today) == today
    with pytest.raises(ValidationFailed, match="不能早于今天"):
        services.due_date("2026-12-04", today=today)
