"""在线访谈 pages: the public list and session page with its question form and live stream (server-sent events),
and the staff pages that schedule, moderate and answer."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, StreamingResponse

from minyi.core.db import parse_id
from minyi.core.errors import Conflict, NotFound, RateLimited, ValidationFailed
from minyi.interviews import services, views
from minyi.interviews.log import KIND_NAMES
from minyi.interviews.models import QUESTION_STATES, STATUSES, Interview, InterviewQuestion
from minyi.web.deps import FormDep, SessionDep, SettingsDep, StaffUser, client_hash, optional_staff
from minyi.web.state import app_state
from minyi.web.templating import render

router = APIRouter(dependencies=[Depends(optional_staff)])
STREAM_SECONDS = 120  # a stream ends after this; the browser reconnects with Last-Event-ID and misses nothing
KEEPALIVE_SECONDS = 15
PAGE_FIELDS = {"STATUSES": STATUSES, "QUESTION_STATES": QUESTION_STATES, "KIND_NAMES": KIND_NAMES}


def _fields(form: Any) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


# --- public ---


@router.get("/interviews")
def interview_list(request: Request, db: SessionDep) -> Response:
    """在线访谈: every session, the latest first, each with its status."""
    page = views.interviews(db, page=request.query_params.get("page", 1))
    return render(request, "interviews/list.html", {"page": page, **PAGE_FIELDS})


def _session_page(
    request: Request, db: SessionDep, interview: Interview, *, error: str = "", values: dict[str, str] | None = None,
    status_code: int = 200, asked: bool = False,
) -> Response:  # fmt: skip
    page = views.interview_page(db, interview, page=request.query_params.get("page", 1))
    context = {"view": page, "error": error, "values": values or {}, "asked": asked, **PAGE_FIELDS}
    return render(request, "interviews/page.html", context, status_code=status_code)


@router.get("/interviews/{interview_id}")
def interview_page(request: Request, db: SessionDep, interview_id: str) -> Response:
    """A session: the schedule before, the live questions and answers during, the transcript after."""
    interview = services.get_interview(db, interview_id)
    return _session_page(request, db, interview, asked=request.query_params.get("asked") == "1")


@router.post("/interviews/{interview_id}/questions")
def ask_form(request: Request, db: SessionDep, settings: SettingsDep, form: FormDep, interview_id: str) -> Response:
    """A citizen's question (CSRF-checked, rate-limited per client like message submissions)."""
    interview = services.get_interview(db, interview_id)
    fields = _fields(form)
    try:
        services.ask(
            db,
            interview_id=interview.id,
            data=fields,
            client_hash=client_hash(request),
            rate_limit=settings.submit_rate_limit,
            rate_window_seconds=settings.submit_rate_window_seconds,
        )
    except (ValidationFailed, RateLimited, Conflict) as exc:
        status = exc.status_code
        return _session_page(request, db, interview, error=exc.message, values=fields, status_code=status)
    return RedirectResponse(f"/interviews/{interview.id}?asked=1#ask", 303)


def _sse(item: views.FeedItem) -> str:
    data = json.dumps(item.data, ensure_ascii=False)
    return f"id: {item.id}\nevent: {item.name}\ndata: {data}\n\n"


def _replay(request: Request, interview_id: int, after: int) -> list[views.FeedItem]:
    with app_state(request).session_factory() as session:
        if session.get(Interview, interview_id) is None:
            raise NotFound("没有这场在线访谈")
        return views.events_after(session, interview_id=interview_id, after=after)


@router.get("/interviews/{interview_id}/events")
async def live_events(request: Request, interview_id: str) -> Response:
    """Server-sent events of a session: new public questions, answers and status; `Last-Event-ID` (or `after`)
    replays what was missed; `once=1` gives only that replay and ends."""
    key = parse_id(interview_id)
    if key is None:
        raise NotFound("没有这场在线访谈")
    last = parse_id(request.headers.get("last-event-id") or request.query_params.get("after") or "") or 0
    once = request.query_params.get("once") == "1"
    feed = app_state(request).interview_feed
    if not once:
        await feed.start()
    cursor = feed.arrivals  # before the replay: whatever commits after it arrives in the buffer
    replay = await run_in_threadpool(_replay, request, key, last)

    async def stream() -> AsyncIterator[str]:
        yield f"retry: 2000\n: {'replay' if once else 'live'}\n\n"
        sent = {item.id for item in replay}
        for item in replay:
            yield _sse(item)
        if once:
            return
        position, deadline = cursor, time.monotonic() + STREAM_SECONDS
        while time.monotonic() < deadline:
            changed = feed.changed
            position, items = feed.items_since(position, key)
            for item in items:
                if item.id not in sent:
                    yield _sse(item)
            if items:
                continue
            try:
                await asyncio.wait_for(changed.wait(), timeout=KEEPALIVE_SECONDS)
            except TimeoutError:
                yield ": keepalive\n\n"

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # no buffering in nginx either
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


# --- staff ---


@router.get("/staff/interviews")
def staff_list(request: Request, db: SessionDep, user: StaffUser) -> Response:
    """The sessions, with the form that schedules one (coordinators and admins)."""
    page = views.interviews(db, page=request.query_params.get("page", 1))
    can_moderate = user.role in services.MODERATORS
    context = {"page": page, "can_moderate": can_moderate, "values": {}, "error": "", **PAGE_FIELDS}
    return render(request, "interviews/staff_list.html", context)


@router.post("/staff/interviews")
def create_form(request: Request, db: SessionDep, user: StaffUser, form: FormDep) -> Response:
    """Schedule a session (预告); the form again with the error beside the fields when a value is wrong."""
    fields = _fields(form)
    try:
        interview = services.create_interview(db, user=user, data=fields)
    except ValidationFailed as exc:
        page = views.interviews(db)
        context = {"page": page, "can_moderate": True, "values": fields, "error": exc.message, **PAGE_FIELDS}
        return render(request, "interviews/staff_list.html", context, status_code=422)
    return RedirectResponse(f"/staff/interviews/{interview.id}", 303)


@router.get("/staff/interviews/{interview_id}")
def staff_page(request: Request, db: SessionDep, user: StaffUser, interview_id: str) -> Response:
    """The moderators' queue (approve, hide, merge, order), the guests' answer forms and the event log."""
    interview = services.get_interview(db, interview_id)
    state = request.query_params.get("state", "")
    state = state if state in QUESTION_STATES else ""
    context = {
        "interview": interview,
        "queue": views.queue(db, interview, state=state, page=request.query_params.get("page", 1)),
        "state": state,
        "events": views.history(db, interview),
        "can_moderate": user.role in services.MODERATORS,
        "asker_name": views.asker_name,
        **PAGE_FIELDS,
    }
    return render(request, "interviews/staff_page.html", context)


@router.post("/staff/interviews/{interview_id}/{action}")
def status_form(db: SessionDep, user: StaffUser, interview_id: str, action: str) -> Response:
    """开始 or 结束 a session (ending turns the questions left unanswered into cases)."""
    if action == "start":
        interview = services.start_interview(db, user=user, interview_id=interview_id)
    elif action == "end":
        interview = services.end_interview(db, user=user, interview_id=interview_id)
    else:
        raise NotFound("没有这个操作")
    return RedirectResponse(f"/staff/interviews/{interview.id}", 303)


@router.post("/staff/interview-questions/{question_id}/{action}")
def question_form(db: SessionDep, user: StaffUser, form: FormDep, question_id: str, action: str) -> Response:
    """One moderation action or an answer on a question, then back to the queue at that question."""
    fields = _fields(form)
    if action == "approve":
        question = services.approve(db, user=user, question_id=question_id)
    elif action == "hide":
        question = services.hide(db, user=user, question_id=question_id, reason=fields.get("reason"))
    elif action == "merge":
        question = services.merge(db, user=user, question_id=question_id, into_id=fields.get("into_id"))
    elif action in ("up", "down"):
        question = services.move(db, user=user, question_id=question_id, direction=action)
    elif action == "priority":
        question = services.set_priority(db, user=user, question_id=question_id, position=fields.get("position"))
    elif action == "answer":
        reply = services.answer(
            db, user=user, question_id=question_id, body=fields.get("body"), guest=fields.get("guest")
        )
        question = db.get_one(InterviewQuestion, reply.question_id)
    else:
        raise NotFound("没有这个操作")
    return RedirectResponse(f"/staff/interviews/{question.interview_id}#question-{question.id}", 303)
