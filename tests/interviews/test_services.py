"""在线访谈 use cases on the real database: schedule, ask (checked and rate-limited), moderate (approve, hide with a
reason, merge, order), answer, end — the unanswered questions becoming cases once — each change an event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import CHINA_TZ, utcnow
from minyi.core.errors import Conflict, InvalidTransition, PermissionDenied, RateLimited, ValidationFailed
from minyi.interviews import services, views
from minyi.interviews.models import Interview, InterviewEvent, InterviewQuestion
from minyi.messages.channels import INTERVIEW
from minyi.workflow.models import Case
from tests import factories as f


def _local(delta: timedelta) -> str:
    return (utcnow() + delta).astimezone(CHINA_TZ).strftime("%Y-%m-%dT%H:%M")


def schedule(db: Session, coordinator: object) -> Interview:
    """A session starting in an hour, lasting two."""
    return services.create_interview(
        db,
        user=coordinator,  # type: ignore[arg-type]
        data={
            "title": "市交通局局长谈公交出行",
            "leader": "王局长",
            "guests": "王局长, 李处长",
            "departments": "市交通运输局",
            "starts_at": _local(timedelta(hours=1)),
            "ends_at": _local(timedelta(hours=3)),
        },
    )


def _kinds(db: Session, interview: Interview) -> list[str]:
    rows = select(InterviewEvent.kind).where(InterviewEvent.interview_id == interview.id).order_by(InterviewEvent.id)
    return list(db.scalars(rows))


def test_a_session_from_announcement_to_transcript(db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    guest = f.user(db, role="handler", dept=f.department(db))
    interview = schedule(db, coordinator)
    assert interview.status == "scheduled"
    asked = services.ask(db, interview_id=interview.id, data={"body": "12路公交早高峰能否加密班次？", "asker": "张三"})
    assert views.interview_page(db, interview).questions == []  # pending: not public yet
    services.approve(db, user=coordinator, question_id=asked.id)
    services.start_interview(db, user=coordinator, interview_id=interview.id)
    services.answer(db, user=guest, question_id=asked.id, body="下月起早高峰班次由10分钟加密到6分钟。", guest="李处长")
    page = views.interview_page(db, interview)
    (shown,) = page.questions
    assert shown["body"] == "12路公交早高峰能否加密班次？" and shown["answers"][0]["guest"] == "李处长"
    assert shown["asker"] != "张三" and shown["asker"].startswith("张")  # a name is masked on display
    services.end_interview(db, user=coordinator, interview_id=interview.id)
    assert views.interview_page(db, interview).questions[0]["answers"]  # the transcript stays
    assert _kinds(db, interview) == ["scheduled", "asked", "approved", "started", "answered", "ended"]
    ids = db.scalars(
        select(InterviewEvent.id).where(InterviewEvent.interview_id == interview.id).order_by(InterviewEvent.id)
    )
    assert page.last_event_id == list(ids)[-2]  # the page was read after the answer, before the end


def test_only_moderators_schedule_and_moderate(db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    handler = f.user(db, role="handler", dept=f.department(db))
    with pytest.raises(PermissionDenied):
        schedule(db, handler)
    interview = schedule(db, coordinator)
    q = services.ask(db, interview_id=interview.id, data={"body": "地铁三号线什么时候开通？"})
    with pytest.raises(PermissionDenied):
        services.approve(db, user=handler, question_id=q.id)
    with pytest.raises(InvalidTransition):  # a guest answers approved questions only
        services.answer(db, user=handler, question_id=q.id, body="年底开通。")


@pytest.mark.parametrize(
    ("data", "field"),
    [({"body": ""}, "body"), ({"body": "太短"}, "body"), ({"body": "问" * 501}, "body"),
     ({"body": "正常的问题内容", "asker": "名" * 31}, "asker"), ({"body": ["列表"]}, "body"),
     ({"body": "含有控制字符\x07的问题"}, "body")],
)  # fmt: skip
def test_bad_questions_are_refused_and_nothing_is_stored(db: Session, data: dict, field: str) -> None:
    interview = schedule(db, f.user(db, role="coordinator"))
    with pytest.raises(ValidationFailed) as caught:
        services.ask(db, interview_id=interview.id, data=data)
    assert caught.value.field == field
    assert db.scalar(select(InterviewQuestion).where(InterviewQuestion.interview_id == interview.id)) is None


def test_questions_are_rate_limited_per_client(db: Session) -> None:
    interview = schedule(db, f.user(db, role="coordinator"))
    for n in range(3):
        services.ask(db, interview_id=interview.id, data={"body": f"第{n}个问题内容"}, client_hash="c1", rate_limit=3)
    with pytest.raises(RateLimited):
        services.ask(db, interview_id=interview.id, data={"body": "第四个问题内容"}, client_hash="c1", rate_limit=3)
    services.ask(db, interview_id=interview.id, data={"body": "别人的问题内容"}, client_hash="c2", rate_limit=3)


def test_hide_merge_and_order_never_alter_a_question(db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    interview = schedule(db, coordinator)
    a, b, c, d = (
        services.ask(db, interview_id=interview.id, data={"body": text})
        for text in (
            "公交能否延长末班车？",
            "末班车可以晚一点吗？",
            "我的电话13812345678请联系",
            "地铁站口能否加装雨棚？",
        )
    )
    for q in (a, b, d):
        services.approve(db, user=coordinator, question_id=q.id)
    with pytest.raises(ValidationFailed):
        services.hide(db, user=coordinator, question_id=c.id, reason=" ")
    services.hide(db, user=coordinator, question_id=c.id, reason="含个人信息")
    kept = services.merge(db, user=coordinator, question_id=b.id, into_id=a.id)
    assert kept.id == a.id and kept.merged_count == 1 and b.merged_into_id == a.id
    with pytest.raises(InvalidTransition):
        services.approve(db, user=coordinator, question_id=b.id)
    services.move(db, user=coordinator, question_id=d.id, direction="up")
    shown = views.interview_page(db, interview).questions
    assert [q["id"] for q in shown] == [d.id, a.id] and shown[1]["merged_count"] == 1
    services.set_priority(db, user=coordinator, question_id=a.id, position=-5)
    assert [q["id"] for q in views.interview_page(db, interview).questions] == [a.id, d.id]
    assert c.body == "我的电话13812345678请联系" and c.state == "hidden" and c.reason == "含个人信息"
    assert "hidden" in _kinds(db, interview) and "merged" in _kinds(db, interview)
    with pytest.raises(ValidationFailed):
        services.merge(db, user=coordinator, question_id=d.id, into_id=d.id)


def test_unanswered_questions_become_cases_once(db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    guest = f.user(db, role="handler", dept=f.department(db))
    interview = schedule(db, coordinator)
    answered, open_one, pending, hidden = (
        services.ask(db, interview_id=interview.id, data={"body": text})
        for text in (
            "公园开放时间能否延长？",
            "小区旁工地夜间施工扰民怎么办？",
            "菜市场能否增加停车位？",
            "无关内容测试一下",
        )
    )
    for q in (answered, open_one):
        services.approve(db, user=coordinator, question_id=q.id)
    services.hide(db, user=coordinator, question_id=hidden.id, reason="与主题无关")
    services.answer(db, user=guest, question_id=answered.id, body="夏季延长到晚上十点。")
    services.end_interview(db, user=coordinator, interview_id=interview.id)
    assert answered.case_id is None and hidden.case_id is None
    case = db.get_one(Case, open_one.case_id)
    assert case.message.channel == INTERVIEW and case.message.is_public and "工地夜间施工" in case.message.body
    assert not db.get_one(Case, pending.case_id).message.is_public  # never approved: not on the board
    with pytest.raises(InvalidTransition):
        services.end_interview(db, user=coordinator, interview_id=interview.id)
    from minyi.interviews.cases import cases_from_unanswered
    from minyi.workflow.actors import Actor

    assert cases_from_unanswered(db, interview=interview, actor=Actor.system()) == []  # idempotent
    with pytest.raises(Conflict):
        services.ask(db, interview_id=interview.id, data={"body": "结束后还能提问吗？"})
    assert _kinds(db, interview).count("case_made") == 2
    shown = {q["id"]: q for q in views.interview_page(db, interview).questions}
    assert shown[open_one.id]["case_id"] == open_one.case_id and shown[answered.id]["case_id"] is None


def test_the_event_log_is_append_only(db: Session) -> None:
    interview = schedule(db, f.user(db, role="coordinator"))
    line = db.scalars(select(InterviewEvent).where(InterviewEvent.interview_id == interview.id)).one()
    line.kind = "changed"
    with pytest.raises(RuntimeError):
        db.flush()


def test_the_worker_ends_a_forgotten_session_once(db: Session) -> None:
    coordinator = f.user(db, role="coordinator")
    interview = schedule(db, coordinator)
    q = services.ask(db, interview_id=interview.id, data={"body": "公厕开放时间能否延长？"})
    services.approve(db, user=coordinator, question_id=q.id)
    assert services.end_overdue(db, now=utcnow()) == 0  # not over yet
    later = interview.ends_at + services.AUTO_END_AFTER + timedelta(minutes=1)
    assert services.end_overdue(db, now=later) == 1
    assert interview.status == "ended" and q.case_id is not None
    assert services.end_overdue(db, now=later) == 0
    line = db.scalars(
        select(InterviewEvent).where(InterviewEvent.interview_id == interview.id, InterviewEvent.kind == "ended")
    ).one()
    assert line.actor_label == "系统" and line.data["reason"] == "结束时间已过，系统自动结束"
