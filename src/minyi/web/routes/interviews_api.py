"""在线访谈 JSON API: the public list, session and question submission, and the staff's scheduling and moderation."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from minyi.core.errors import NotFound
from minyi.interviews import services, views
from minyi.interviews.models import STATUSES, Interview, InterviewQuestion
from minyi.interviews.schemas import (
    AskedOut,
    InterviewDetail,
    InterviewIn,
    InterviewList,
    InterviewOut,
    ModerationIn,
    QuestionIn,
    QueuePage,
    QueueQuestionOut,
)
from minyi.web.deps import ApiUser, SessionDep, SettingsDep, client_hash
from minyi.web.openapi import errors, integer_or_empty, query_parameters

router = APIRouter(prefix="/api/v1", tags=["v1"])
PAGE_QUERY = query_parameters(page=integer_or_empty(1, 100000))


def interview_out(interview: Interview) -> InterviewOut:
    """A session's public fields."""
    return InterviewOut(
        id=interview.id,
        title=interview.title,
        summary=interview.summary,
        leader=interview.leader,
        guests=interview.guests,
        departments=interview.departments,
        starts_at=interview.starts_at,
        ends_at=interview.ends_at,
        status=interview.status,
        status_name=STATUSES.get(interview.status, interview.status),
    )


@router.get("/interviews", responses=errors(422), openapi_extra=PAGE_QUERY)
def interview_list(request: Request, db: SessionDep) -> InterviewList:
    """在线访谈 (public): every session, the latest start first."""
    page = views.interviews(db, page=request.query_params.get("page", 1))
    return InterviewList(
        items=[interview_out(i) for i in page.items], total=page.total, page=page.page, pages=page.pages
    )


@router.get("/interviews/{interview_id}", responses=errors(404, 422), openapi_extra=PAGE_QUERY)
def interview_detail(request: Request, db: SessionDep, interview_id: str) -> InterviewDetail:
    """A session with its approved questions in order and their answers (masked)."""
    view = views.interview_page(db, services.get_interview(db, interview_id), page=request.query_params.get("page", 1))
    return InterviewDetail(
        **interview_out(view.interview).model_dump(),
        questions=view.questions,
        questions_total=view.total,
        page=view.page,
        pages=view.pages,
        last_event_id=view.last_event_id,
    )


@router.post("/interviews/{interview_id}/questions", status_code=201, responses=errors(404, 409, 429))
async def ask(request: Request, db: SessionDep, settings: SettingsDep, interview_id: str, body: QuestionIn) -> AskedOut:
    """Ask a question before or during a session (rate-limited per client like message submissions)."""

    def work() -> AskedOut:
        question = services.ask(
            db,
            interview_id=interview_id,
            data=body.model_dump(),
            client_hash=client_hash(request),
            rate_limit=settings.submit_rate_limit,
            rate_window_seconds=settings.submit_rate_window_seconds,
        )
        return AskedOut(id=question.id, state=question.state)

    return await run_in_threadpool(work)


@router.post("/staff/interviews", status_code=201, responses=errors(403))
async def create(db: SessionDep, user: ApiUser, body: InterviewIn) -> InterviewOut:
    """Schedule a session (coordinators and admins)."""

    def work() -> InterviewOut:
        return interview_out(services.create_interview(db, user=user, data=body.model_dump()))

    return await run_in_threadpool(work)


async def _change_status(db: SessionDep, user: ApiUser, interview_id: str, action: str) -> InterviewOut:
    def work() -> InterviewOut:
        if action == "start":
            return interview_out(services.start_interview(db, user=user, interview_id=interview_id))
        return interview_out(services.end_interview(db, user=user, interview_id=interview_id))

    return await run_in_threadpool(work)


# Two routes, not one with an {action} parameter, which would also match .../questions (a POST there is no route).
@router.post("/staff/interviews/{interview_id}/start", responses=errors(403, 404, 409))
async def start(db: SessionDep, user: ApiUser, interview_id: str) -> InterviewOut:
    """预告 → 进行中."""
    return await _change_status(db, user, interview_id, "start")


@router.post("/staff/interviews/{interview_id}/end", responses=errors(403, 404, 409))
async def end(db: SessionDep, user: ApiUser, interview_id: str) -> InterviewOut:
    """→ 已结束: questions left unanswered become cases."""
    return await _change_status(db, user, interview_id, "end")


def queue_out(question: InterviewQuestion) -> QueueQuestionOut:
    """A queued question for staff."""
    return QueueQuestionOut(
        id=question.id,
        body=question.body,
        asker=question.asker,
        state=question.state,
        position=question.position,
        reason=question.reason,
        merged_into_id=question.merged_into_id,
        merged_count=question.merged_count,
        answer_count=question.answer_count,
        case_id=question.case_id,
        created_at=question.created_at,
    )


@router.get("/staff/interviews/{interview_id}/questions", responses=errors(404, 422), openapi_extra=PAGE_QUERY)
def staff_queue(request: Request, db: SessionDep, _user: ApiUser, interview_id: str) -> QueuePage:
    """The moderators' queue: pending and approved questions in order."""
    page = views.queue(db, services.get_interview(db, interview_id), page=request.query_params.get("page", 1))
    return QueuePage(
        items=[queue_out(i.question) for i in page.items], total=page.total, page=page.page, pages=page.pages
    )


@router.post("/staff/interview-questions/{question_id}/{action}", responses=errors(403, 404, 409))
async def moderate(
    db: SessionDep, user: ApiUser, question_id: str, action: str, body: ModerationIn
) -> QueueQuestionOut:
    """`approve`, `hide` (reason), `merge` (into_id), `move` (direction), `priority` (position), `answer`
    (body, guest)."""

    def work() -> QueueQuestionOut:
        if action == "approve":
            question = services.approve(db, user=user, question_id=question_id)
        elif action == "hide":
            question = services.hide(db, user=user, question_id=question_id, reason=body.reason)
        elif action == "merge":
            question = services.merge(db, user=user, question_id=question_id, into_id=body.into_id)
        elif action == "move":
            question = services.move(db, user=user, question_id=question_id, direction=body.direction)
        elif action == "priority":
            question = services.set_priority(db, user=user, question_id=question_id, position=body.position)
        elif action == "answer":
            reply = services.answer(db, user=user, question_id=question_id, body=body.body, guest=body.guest)
            question = db.get_one(InterviewQuestion, reply.question_id)
        else:
            raise NotFound("没有这个操作")
        return queue_out(question)

    return await run_in_threadpool(work)
