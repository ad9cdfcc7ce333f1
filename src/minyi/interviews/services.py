"""在线访谈 use cases: schedule, start and end a session; citizens ask; moderators approve, hide, merge and order;
guests answer. Each one checks the request, changes state in the caller's transaction and appends an
`InterviewEvent` (the audit line, and the live feed's next item)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.accounts.models import Role, User
from minyi.core.clock import CHINA_TZ, as_utc, utcnow
from minyi.core.db import get_by_id
from minyi.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
    collect,
)
from minyi.core.validation import text_field
from minyi.interviews.cases import cases_from_unanswered
from minyi.interviews.log import record
from minyi.interviews.models import (
    APPROVED,
    ENDED,
    HIDDEN,
    LIVE,
    MERGED,
    PENDING,
    QUEUED,
    SCHEDULED,
    Interview,
    InterviewAnswer,
    InterviewQuestion,
)
from minyi.workflow.actors import Actor

# Limits, documented in docs/interviews.md.
QUESTION_MIN, QUESTION_MAX = 5, 500
ASKER_MAX = 30
ANSWER_MIN, ANSWER_MAX = 2, 5000
REASON_MAX = 200
MODERATORS = (Role.COORDINATOR, Role.ADMIN)
_LOCAL_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?$")


def _moderator(user: User) -> Actor:
    if user.role not in MODERATORS:
        raise PermissionDenied("只有受理员和管理员可以安排和主持在线访谈")
    return Actor.from_user(user)


def _time_field(value: Any, *, field: str, label: str) -> datetime:
    """A `datetime-local` input read in China's time, stored in UTC."""
    match = _LOCAL_TIME.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        msg = f"{label}格式不正确（例如 2026-12-05T10:00）"
        raise ValidationFailed(msg, field=field)
    try:
        moment = datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}")
    except ValueError:
        msg = f"{label}不是有效的时间"
        raise ValidationFailed(msg, field=field) from None
    return as_utc(moment.replace(tzinfo=CHINA_TZ))


def validate_interview(data: dict[str, Any]) -> dict[str, Any]:
    """Check every field of a new session at once (each error beside its input)."""
    values = collect(
        {
            "title": lambda: text_field(data.get("title"), field="title", label="访谈主题", max_len=120, min_len=4),
            "summary": lambda: text_field(
                data.get("summary"), field="summary", label="访谈简介", max_len=2000, required=False
            ),
            "leader": lambda: text_field(data.get("leader"), field="leader", label="出席领导", max_len=100),
            "guests": lambda: text_field(data.get("guests"), field="guests", label="嘉宾", max_len=300, required=False),
            "departments": lambda: text_field(
                data.get("departments"), field="departments", label="参与部门", max_len=300, required=False
            ),
            "starts_at": lambda: _time_field(data.get("starts_at"), field="starts_at", label="开始时间"),
            "ends_at": lambda: _time_field(data.get("ends_at"), field="ends_at", label="结束时间"),
        }
    )
    if values["ends_at"] <= values["starts_at"]:
        raise ValidationFailed("结束时间必须晚于开始时间", field="ends_at")
    return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}


def create_interview(session: Session, *, user: User, data: dict[str, Any]) -> Interview:
    """Schedule a session (预告), by a coordinator or an admin."""
    actor = _moderator(user)
    interview = Interview(**validate_interview(data), status=SCHEDULED, created_by_id=user.id, created_at=utcnow())
    session.add(interview)
    session.flush()
    record(session, interview_id=interview.id, kind="scheduled", actor=actor, title=interview.title)
    return interview


def get_interview(session: Session, interview_id: Any) -> Interview:
    """An interview by an id from a user, or a 404."""
    interview = get_by_id(session, Interview, interview_id)
    if interview is None:
        raise NotFound("没有这场在线访谈")
    return interview


def start_interview(session: Session, *, user: User, interview_id: Any) -> Interview:
    """预告 → 进行中."""
    actor = _moderator(user)
    interview = get_interview(session, interview_id)
    if interview.status != SCHEDULED:
        raise InvalidTransition("只有预告中的访谈可以开始")
    interview.status = LIVE
    record(session, interview_id=interview.id, kind="started", actor=actor)
    return interview


def end_interview(session: Session, *, user: User, interview_id: Any) -> Interview:
    """进行中 (or 预告) → 已结束; then the questions left unanswered become cases (`minyi.interviews.cases`)."""
    actor = _moderator(user)
    interview = get_interview(session, interview_id)
    if interview.status == ENDED:
        raise InvalidTransition("这场访谈已经结束")
    interview.status = ENDED
    record(session, interview_id=interview.id, kind="ended", actor=actor)
    cases_from_unanswered(session, interview=interview, actor=actor)
    return interview


AUTO_END_AFTER = timedelta(hours=2)  # a session still open this long after its end time is ended by the worker


def end_overdue(session: Session, *, now: datetime | None = None, limit: int = 50) -> int:
    """The scheduler's part: sessions left open `AUTO_END_AFTER` past their end time are ended by the system, their
    unanswered questions becoming cases; returns how many. Each once: an ended session is not found again."""
    cutoff = (now or utcnow()) - AUTO_END_AFTER
    rows = session.scalars(
        select(Interview)
        .where(Interview.status.in_((SCHEDULED, LIVE)), Interview.ends_at <= cutoff)  # ix_interviews_status_ends
        .order_by(Interview.ends_at, Interview.id)
        .limit(limit)
    )
    ended = 0
    for interview in rows:
        actor = Actor.system()
        interview.status = ENDED
        record(session, interview_id=interview.id, kind="ended", actor=actor, reason="结束时间已过，系统自动结束")
        cases_from_unanswered(session, interview=interview, actor=actor)
        ended += 1
    return ended


# --- questions ---


def check_rate_limit(session: Session, *, client_hash: str, limit: int, window_seconds: int) -> None:
    """At most `limit` questions per client per window (the submission limit's numbers), counted in the database."""
    if not client_hash or limit <= 0:
        return
    since = utcnow() - timedelta(seconds=window_seconds)
    count = session.scalar(
        select(func.count(InterviewQuestion.id)).where(
            InterviewQuestion.client_hash == client_hash, InterviewQuestion.created_at >= since
        )
    )
    if (count or 0) >= limit:
        msg = f"提问过于频繁：每 {max(1, window_seconds // 60)} 分钟最多提问 {limit} 次，请稍后再试"
        raise RateLimited(msg)


def ask(
    session: Session,
    *,
    interview_id: Any,
    data: dict[str, Any],
    client_hash: str = "",
    rate_limit: int = 0,
    rate_window_seconds: int = 600,
) -> InterviewQuestion:
    """A citizen's question before or during the session; it waits for a moderator before it is public."""
    interview = get_interview(session, interview_id)
    values = collect(
        {
            "body": lambda: text_field(
                data.get("body"), field="body", label="问题", max_len=QUESTION_MAX, min_len=QUESTION_MIN
            ),
            "asker": lambda: text_field(
                data.get("asker"), field="asker", label="称呼", max_len=ASKER_MAX, required=False
            ).strip(),
        }
    )
    if interview.status == ENDED:
        raise Conflict("访谈已经结束，不再接受提问；可以在首页留言")
    check_rate_limit(session, client_hash=client_hash, limit=rate_limit, window_seconds=rate_window_seconds)
    question = InterviewQuestion(
        interview_id=interview.id, body=values["body"], asker=values["asker"], client_hash=client_hash
    )
    session.add(question)
    session.flush()
    question.position = question.id  # the order of arrival until a moderator moves it
    record(session, interview_id=interview.id, question_id=question.id, kind="asked", actor=Actor.citizen())
    return question


def _question(session: Session, question_id: Any, *, states: tuple[str, ...] = QUEUED) -> InterviewQuestion:
    question = get_by_id(session, InterviewQuestion, question_id)
    if question is None:
        raise NotFound("没有这个问题")
    if question.state not in states:
        msg = f"这个问题已{'隐藏' if question.state == HIDDEN else '合并'}，不能再操作"
        raise InvalidTransition(msg)
    return question


def approve(session: Session, *, user: User, question_id: Any) -> InterviewQuestion:
    """Make a pending question public."""
    actor = _moderator(user)
    question = _question(session, question_id, states=(PENDING,))
    question.state = APPROVED
    record(session, interview_id=question.interview_id, question_id=question.id, kind="approved", actor=actor)
    return question


def hide(session: Session, *, user: User, question_id: Any, reason: Any) -> InterviewQuestion:
    """Take a question off the public page, with the reason (kept; the question itself is never deleted)."""
    actor = _moderator(user)
    why = text_field(reason, field="reason", label="隐藏理由", max_len=REASON_MAX).strip()
    question = _question(session, question_id)
    question.state, question.reason = HIDDEN, why
    record(session, interview_id=question.interview_id, question_id=question.id, kind="hidden", actor=actor, reason=why)
    return question


def merge(session: Session, *, user: User, question_id: Any, into_id: Any) -> InterviewQuestion:
    """Merge a question into a similar one of the same session: the kept one counts it, the public sees the kept one."""
    actor = _moderator(user)
    question = _question(session, question_id)
    kept = get_by_id(session, InterviewQuestion, into_id)
    if kept is None or kept.interview_id != question.interview_id or kept.id == question.id:
        raise ValidationFailed("请选择同一场访谈中的另一个问题", field="into_id")
    if kept.state not in QUEUED:
        raise InvalidTransition("只能合并到待审核或已通过的问题")
    question.state, question.merged_into_id = MERGED, kept.id
    kept.merged_count += 1 + question.merged_count
    for earlier in session.scalars(select(InterviewQuestion).where(InterviewQuestion.merged_into_id == question.id)):
        earlier.merged_into_id = kept.id  # one level: the public count and links point at the kept one
    record(
        session, interview_id=question.interview_id, question_id=question.id, kind="merged", actor=actor, into=kept.id
    )
    record(session, interview_id=kept.interview_id, question_id=kept.id, kind="merge_kept", actor=actor)
    return kept


def move(session: Session, *, user: User, question_id: Any, direction: str | None) -> InterviewQuestion:
    """Swap a question with its neighbour in the queue (`up` or `down`)."""
    actor = _moderator(user)
    question = _question(session, question_id)
    if direction not in ("up", "down"):
        raise ValidationFailed("移动方向无效", field="direction")
    base = select(InterviewQuestion).where(
        InterviewQuestion.interview_id == question.interview_id, InterviewQuestion.state.in_(QUEUED)
    )
    key = (InterviewQuestion.position, InterviewQuestion.id)
    if direction == "up":
        cond = (InterviewQuestion.position < question.position) | (
            (InterviewQuestion.position == question.position) & (InterviewQuestion.id < question.id)
        )
        neighbour = session.scalar(base.where(cond).order_by(*(k.desc() for k in key)).limit(1))
    else:
        cond = (InterviewQuestion.position > question.position) | (
            (InterviewQuestion.position == question.position) & (InterviewQuestion.id > question.id)
        )
        neighbour = session.scalar(base.where(cond).order_by(*key).limit(1))
    if neighbour is None:
        return question
    question.position, neighbour.position = neighbour.position, question.position
    if question.position == neighbour.position:  # equal numbers: separate them in the direction asked
        question.position += -1 if direction == "up" else 1
    for moved in (question, neighbour):
        record(
            session, interview_id=moved.interview_id, question_id=moved.id, kind="moved", actor=actor,
            position=moved.position,
        )  # fmt: skip
    return question


def set_priority(session: Session, *, user: User, question_id: Any, position: Any) -> InterviewQuestion:
    """Give a question a priority number: lower comes first."""
    actor = _moderator(user)
    question = _question(session, question_id)
    try:
        number = int(str(position).strip())
    except ValueError:
        raise ValidationFailed("优先顺序必须是整数", field="position") from None
    if not -1_000_000_000 <= number <= 1_000_000_000:
        raise ValidationFailed("优先顺序超出范围", field="position")
    question.position = number
    record(
        session, interview_id=question.interview_id, question_id=question.id, kind="moved", actor=actor, position=number
    )
    return question


def answer(session: Session, *, user: User, question_id: Any, body: Any, guest: Any = "") -> InterviewAnswer:
    """A guest's answer to an approved question, published at once on the public page."""
    actor = Actor.from_user(user)
    question = _question(session, question_id, states=(APPROVED, PENDING))
    if question.state != APPROVED:
        raise InvalidTransition("请先审核通过这个问题，再作答")
    interview = session.get_one(Interview, question.interview_id)
    if interview.status == ENDED:
        raise InvalidTransition("访谈已经结束，未答复的问题已转为办件")
    text = text_field(body, field="body", label="答复", max_len=ANSWER_MAX, min_len=ANSWER_MIN).strip()
    who = text_field(guest, field="guest", label="答复嘉宾", max_len=100, required=False).strip()
    reply = InterviewAnswer(
        question_id=question.id, body=text, guest=who or user.display_name, author_id=user.id, created_at=utcnow()
    )
    session.add(reply)
    question.answer_count += 1
    session.flush()
    record(
        session, interview_id=question.interview_id, question_id=question.id, kind="answered", actor=actor,
        answer_id=reply.id, guest=reply.guest,
    )  # fmt: skip
    return reply
