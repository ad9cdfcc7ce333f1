"""What the pages, the API and the live feed read: sessions paged by start time, a session's public questions with
their answers (masked), the moderators' queue, and the public form of each event."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.core.clock import format_china
from minyi.core.errors import ValidationFailed
from minyi.interviews.models import (
    APPROVED,
    QUEUED,
    STATUSES,
    Interview,
    InterviewAnswer,
    InterviewEvent,
    InterviewQuestion,
)
from minyi.messages.display import public_display

PAGE_SIZE = 20
QUESTIONS_PAGE = 100
QUESTION_EVENTS = frozenset({"approved", "hidden", "merged", "merge_kept", "moved", "answered", "case_made"})
STATUS_EVENTS = frozenset({"started", "ended"})


@dataclass(frozen=True)
class Page:
    """One page of a list ordered in SQL."""

    items: list[Any]
    page: int
    pages: int
    total: int


PAGE_MAX = 100_000


def _page_number(raw: Any) -> int:
    """A page number 1–100,000 (empty: the first); anything else is refused, not guessed."""
    text = str(raw if raw is not None else "").strip() or "1"
    if not text.isdigit() or not 1 <= int(text) <= PAGE_MAX:
        raise ValidationFailed(f"页码必须是 1 到 {PAGE_MAX:,} 之间的整数", field="page")
    return int(text)


def interviews(session: Session, *, page: Any = 1) -> Page:
    """Every session, the latest start first (`ix_interviews_starts`)."""
    number = _page_number(page)
    total = session.scalar(select(func.count(Interview.id))) or 0
    rows = session.scalars(
        select(Interview)
        .order_by(Interview.starts_at.desc(), Interview.id.desc())
        .limit(PAGE_SIZE)
        .offset((number - 1) * PAGE_SIZE)
    )
    return Page(list(rows), number, max(1, -(-total // PAGE_SIZE)), total)


def asker_name(question: InterviewQuestion) -> str:
    """The name a citizen gave, masked past its first character (张**); 网友 when none."""
    name = public_display(question.asker).strip()
    return f"{name[0]}{'*' * min(2, len(name) - 1)}" if len(name) > 1 else (name or "网友")


def _answers(session: Session, question_ids: list[int]) -> dict[int, list[InterviewAnswer]]:
    found: dict[int, list[InterviewAnswer]] = {}
    if question_ids:
        rows = session.scalars(
            select(InterviewAnswer)
            .where(InterviewAnswer.question_id.in_(question_ids))
            .order_by(InterviewAnswer.question_id, InterviewAnswer.id)
        )
        for row in rows:
            found.setdefault(row.question_id, []).append(row)
    return found


def public_question(question: InterviewQuestion, answers: list[InterviewAnswer]) -> dict[str, Any]:
    """A question as the public sees it (masked), or only its id when it is not (or no longer) public."""
    if question.state != APPROVED:
        return {"id": question.id, "visible": False}
    return {
        "id": question.id,
        "visible": True,
        "body": public_display(question.body),
        "asker": asker_name(question),
        "position": question.position,
        "merged_count": question.merged_count,
        "asked_at": format_china(question.created_at),
        "case_id": question.case_id,  # left unanswered at the end: the case that goes on with it
        "answers": [
            {"id": a.id, "guest": public_display(a.guest), "body": public_display(a.body),
             "at": format_china(a.created_at)}
            for a in answers
        ],
    }  # fmt: skip


@dataclass
class InterviewPage:
    """A session with one page of its public questions and the feed position the page was read at."""

    interview: Interview
    questions: list[dict[str, Any]]
    page: int
    pages: int
    total: int
    last_event_id: int
    status_name: str = ""
    guests: list[str] = field(default_factory=list)


def latest_event_id(session: Session, interview_id: int) -> int:
    """The feed position of a session (`ix_interview_events_interview`)."""
    return session.scalar(select(func.max(InterviewEvent.id)).where(InterviewEvent.interview_id == interview_id)) or 0


def _question_page(
    session: Session, where: tuple[Any, ...], number: int
) -> tuple[list[InterviewQuestion], dict[int, list[InterviewAnswer]], int]:
    """One page of a session's questions matching `where`, in the moderators' order, with their answers and how
    many match (the public transcript and the moderators' queue page alike)."""
    total = session.scalar(select(func.count(InterviewQuestion.id)).where(*where)) or 0
    rows = list(
        session.scalars(
            select(InterviewQuestion)
            .where(*where)
            .order_by(InterviewQuestion.position, InterviewQuestion.id)
            .limit(QUESTIONS_PAGE)
            .offset((number - 1) * QUESTIONS_PAGE)
        )
    )
    return rows, _answers(session, [q.id for q in rows]), total


def interview_page(session: Session, interview: Interview, *, page: Any = 1) -> InterviewPage:
    """The public page: approved questions in the moderators' order with their answers (the transcript)."""
    last = latest_event_id(session, interview.id)  # read first: what the page shows is at least this recent
    number = _page_number(page)
    where = (InterviewQuestion.interview_id == interview.id, InterviewQuestion.state == APPROVED)
    rows, answers, total = _question_page(session, where, number)
    return InterviewPage(
        interview=interview,
        questions=[public_question(q, answers.get(q.id, [])) for q in rows],
        page=number,
        pages=max(1, -(-total // QUESTIONS_PAGE)),
        total=total,
        last_event_id=last,
        status_name=STATUSES.get(interview.status, interview.status),
        guests=[g.strip() for g in interview.guests.replace("，", ",").split(",") if g.strip()],
    )


@dataclass(frozen=True)
class QueueItem:
    """A question in the moderators' queue with its answers."""

    question: InterviewQuestion
    answers: list[InterviewAnswer]


def queue(session: Session, interview: Interview, *, state: str = "", page: Any = 1) -> Page:
    """The moderators' queue: pending and approved questions in order (or one state: hidden, merged …)."""
    number = _page_number(page)
    states = (state,) if state else QUEUED
    where = (InterviewQuestion.interview_id == interview.id, InterviewQuestion.state.in_(states))
    rows, answers, total = _question_page(session, where, number)
    return Page([QueueItem(q, answers.get(q.id, [])) for q in rows], number, max(1, -(-total // QUESTIONS_PAGE)), total)


def history(session: Session, interview: Interview, *, limit: int = 200) -> list[InterviewEvent]:
    """A session's latest event lines, newest first (the moderators' audit view)."""
    rows = select(InterviewEvent).where(InterviewEvent.interview_id == interview.id)
    return list(session.scalars(rows.order_by(InterviewEvent.id.desc()).limit(limit)))


@dataclass(frozen=True)
class FeedItem:
    """One public item of the live feed: its sequence number, session, SSE event name and JSON data."""

    id: int
    interview_id: int
    name: str
    data: dict[str, Any]


def public_items(session: Session, events: list[InterviewEvent]) -> list[FeedItem]:
    """The public form of some events (new questions and answers, status changes); private ones give nothing.
    Two queries for the whole batch, whatever the number of events."""
    question_ids = sorted({e.question_id for e in events if e.kind in QUESTION_EVENTS and e.question_id})
    questions = (
        {q.id: q for q in session.scalars(select(InterviewQuestion).where(InterviewQuestion.id.in_(question_ids)))}
        if question_ids
        else {}
    )
    answers = _answers(session, [q.id for q in questions.values() if q.state == APPROVED])
    items: list[FeedItem] = []
    for e in events:
        if e.kind in STATUS_EVENTS:
            status = "live" if e.kind == "started" else "ended"
            items.append(FeedItem(e.id, e.interview_id, "status", {"status": status, "name": STATUSES[status]}))
        elif e.kind in QUESTION_EVENTS and e.question_id in questions:
            question = questions[e.question_id]
            items.append(
                FeedItem(e.id, e.interview_id, "question", public_question(question, answers.get(question.id, [])))
            )
    return items


def events_after(session: Session, *, interview_id: int, after: int, limit: int = 500) -> list[FeedItem]:
    """A session's public items after a feed position (a reconnecting browser's Last-Event-ID)."""
    rows = session.scalars(
        select(InterviewEvent)
        .where(InterviewEvent.interview_id == interview_id, InterviewEvent.id > after)
        .order_by(InterviewEvent.id)
        .limit(limit)
    )
    return public_items(session, list(rows))


def new_events(session: Session, *, after: int, limit: int = 500) -> list[InterviewEvent]:
    """Every session's events after a position, in order (the shared poller's one query, on the primary key)."""
    rows = select(InterviewEvent).where(InterviewEvent.id > after).order_by(InterviewEvent.id).limit(limit)
    return list(session.scalars(rows))
