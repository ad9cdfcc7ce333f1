"""Questions left unanswered when a session ends become ordinary cases (channel 在线访谈), each linked back to its
question, once: a question with a case is never made into another, and the session records when it was done."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import CHINA_TZ, as_utc, utcnow
from minyi.interviews.log import record
from minyi.interviews.models import APPROVED, PENDING, Interview, InterviewQuestion
from minyi.messages.channels import INTERVIEW
from minyi.messages.services import BODY_MAX, RECEIVED_MAX_DAYS, TITLE_MAX
from minyi.workflow.actors import Actor
from minyi.workflow.intake import enter_message

BATCH = 500  # questions read per round


def _case_data(interview: Interview, question: InterviewQuestion) -> dict[str, str]:
    text = " ".join(question.body.split())
    title = f"在线访谈提问：{text}"[:TITLE_MAX]
    note = f"\n\n（在线访谈「{interview.title}」中的提问，访谈结束时尚未答复，问题编号 {question.id}）"
    received = as_utc(question.created_at)
    if received < utcnow() - timedelta(days=RECEIVED_MAX_DAYS - 1):
        received = utcnow()  # older than an entry may be: received now
    return {
        "title": title,
        "body": text[: BODY_MAX - len(note)] + note,
        "appeal_kind": "",
        "is_public": "on" if question.state == APPROVED else "",  # a question never approved stays off the board
        "channel": INTERVIEW,
        "received_at": received.astimezone(CHINA_TZ).strftime("%Y-%m-%dT%H:%M"),
        "submission_key": f"interview-question-{question.id}",
    }


def cases_from_unanswered(session: Session, *, interview: Interview, actor: Actor) -> list[int]:
    """Open a case for every approved or pending question of an ended session with no answer and no case yet;
    returns the new case ids. Idempotent: a second call finds nothing left to do."""
    made: list[int] = []
    after = 0
    while True:
        rows = list(
            session.scalars(
                select(InterviewQuestion)
                .where(
                    InterviewQuestion.interview_id == interview.id,
                    InterviewQuestion.state.in_((APPROVED, PENDING)),
                    InterviewQuestion.answer_count == 0,
                    InterviewQuestion.case_id.is_(None),
                    InterviewQuestion.id > after,
                )
                .order_by(InterviewQuestion.id)
                .limit(BATCH)
            )
        )
        for question in rows:
            submission = enter_message(session, data=_case_data(interview, question), actor=actor)
            question.case_id = submission.case.id
            record(
                session, interview_id=interview.id, question_id=question.id, kind="case_made", actor=actor,
                case_id=submission.case.id,
            )  # fmt: skip
            made.append(submission.case.id)
        if len(rows) < BATCH:
            break
        after = rows[-1].id
    interview.cases_made_at = interview.cases_made_at or utcnow()
    session.flush()
    return made
