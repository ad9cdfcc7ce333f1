"""The application factory."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from minyi.core.db import DatabaseBusy, make_engine, make_session_factory
from minyi.core.errors import DomainError, NotAuthenticated, ValidationFailed
from minyi.core.settings import Settings, get_settings
from minyi.interviews.feed import InterviewFeed
from minyi.stats.services import StatsCache
from minyi.web.body_limit import BodyLimitMiddleware
from minyi.web.deps import CSRF_COOKIE, SESSION_COOKIE, csrf_protect
from minyi.web.health import Metrics, RequestMetrics
from minyi.web.health import router as health_router
from minyi.web.json_guard import JsonBodyGuard
from minyi.web.openapi import install as install_openapi
from minyi.web.page_cache import PublicPageCache
from minyi.web.routes import (
    account,
    api,
    callbacks,
    dashboard,
    department_merge,
    entry,
    hot,
    interviews,
    interviews_api,
    jobs,
    jurisdiction_pages,
    knowledge,
    knowledge_api,
    notifications,
    privacy,
    public,
    replies,
    reports,
    staff,
    staff_admin,
    staff_jurisdictions,
    staff_sources,
    stats,
    suggestions,
    watches,
    worklists,
)
from minyi.web.state import AppState, app_state
from minyi.web.templating import render

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1024 * 1024  # far above any valid form; refuses huge bodies before they are read
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # tracking links must never leak through the Referer header
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'",
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    errors: list[tuple[str | None, str]] | None = None,
) -> Response:
    if _is_api(request):
        body: dict[str, Any] = {"code": code, "message": message, "field": field}
        if errors and len(errors) > 1:  # every field at once (a form's FieldErrors); `field` is the first
            body["errors"] = [{"field": f, "message": m} for f, m in errors]
        return JSONResponse({"error": body}, status_code=status)
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, NotAuthenticated) and not _is_api(request):
        return RedirectResponse(f"/staff/login?next={request.url.path}", status_code=303)
    redirect_to = getattr(exc, "redirect_to", None)  # e.g. to the second-factor set-up page
    if redirect_to and not _is_api(request):
        return RedirectResponse(redirect_to, status_code=303)
    errors = exc.errors if isinstance(exc, ValidationFailed) else None
    return _error_response(request, exc.status_code, exc.code, exc.message, exc.field, errors)


# pydantic's error types in Chinese; anything else keeps pydantic's own words.
PYDANTIC_MESSAGES = {
    "missing": "缺少此字段",
    "extra_forbidden": "不允许的字段",
    "string_type": "必须是文本",
    "int_type": "必须是整数",
    "int_parsing": "必须是整数",
    "int_from_float": "必须是整数",
    "bool_type": "必须是 true 或 false",
    "bool_parsing": "必须是 true 或 false",
    "model_attributes_type": "必须是 JSON 对象",
    "dict_type": "必须是 JSON 对象",
    "model_type": "必须是 JSON 对象",
    "list_type": "必须是数组",
    "json_invalid": "不是有效的 JSON",
    "literal_error": "取值无效",
    "enum": "取值无效",
}


async def _request_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    reason = PYDANTIC_MESSAGES.get(first.get("type", ""), first.get("msg", ""))
    message = f"请求格式不正确：{where or '请求体'}（{reason}）"
    return _error_response(request, 422, "bad_request", message, where or None)


def _body_too_large(request: Request) -> Response:
    return _error_response(request, 413, "too_large", "请求内容过大（上限 1 MB）")


def _bad_json(request: Request, message: str, field: str | None) -> Response:
    return _error_response(request, 422, "bad_request", message, field)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:  # FastAPI's English "There was an error parsing the body"
        return _bad_json(request, "请求格式不正确：请求体无法解析", None)
    messages = {404: "页面不存在", 405: "不支持的请求方法"}
    response = _error_response(request, exc.status_code, "http_error", messages.get(exc.status_code, str(exc.detail)))
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:
        response.headers["Allow"] = _allowed_methods(request) or response.headers.get("Allow", "")
    return response


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (Starlette's 405 names only the first route's)."""
    routes = request.app.router.routes
    return ", ".join(
        m
        for m in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if any(r.matches({**request.scope, "method": m})[0] is Match.FULL for r in routes)
    )


def web_engine(settings: Settings) -> Engine:
    """The database engine of a web process: a pooled connection for each thread of its pool, and no wait
    longer than MINYI_DB_WAIT for the write turn, SQLite's lock or a connection (then 503, `_busy`)."""
    wait = settings.db_wait
    return make_engine(
        settings.database_url, busy_timeout_ms=wait * 1000, threads=settings.web_threads, shed_after=wait
    )


async def _busy(request: Request, exc: Exception) -> Response:
    """The database is too busy to take this request now: 503 with Retry-After, never a 500 or an endless wait."""
    if isinstance(exc, OperationalError) and "database is locked" not in str(exc.orig):
        raise exc  # any other database error stays a server error
    log.warning("503 for %s %s: %s", request.method, request.url.path, str(exc).splitlines()[0])
    wait = app_state(request).settings.db_wait
    unsaved = "" if request.method in {"GET", "HEAD"} else "（本次提交未保存）"
    response = _error_response(request, 503, "busy", f"系统繁忙，请约 {wait} 秒后重试{unsaved}")
    response.headers["Retry-After"] = str(wait)
    return response


def create_app(
    settings: Settings | None = None,
    session_factory: sessionmaker[Session] | None = None,
    *,
    start_background: bool | None = None,
) -> FastAPI:
    """Build the app; tests pass their own session factory and leave the job queue unconnected."""
    settings = settings or get_settings()
    if session_factory is None:
        session_factory = make_session_factory(web_engine(settings))
    connect_queue = True if start_background is None else start_background

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from minyi.jobs.tasks import Jobs

        # the pool that runs the sync routes and dependencies; the database pool has a connection for each
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
        # The web process only enqueues (after commit); `minyi worker` processes do the work (docs/jobs.md).
        app_state(app).jobs = Jobs(settings, session_factory) if connect_queue else None
        yield
        await app_state(app).interview_feed.stop()  # the live feed's poller, when a stream started it

    app = FastAPI(
        title="minyi 民意 API",
        version="1",
        lifespan=lifespan,
        docs_url=None,
        openapi_url="/api/v1/openapi.json",
        redoc_url=None,
    )  # no CDN-hosted docs UI
    # One statistics cache per app, shared by /stats and the dashboard; one registry of /metrics series.
    metrics = Metrics()
    app.state.minyi = AppState(
        settings=settings,
        session_factory=session_factory,
        stats_cache=StatsCache(settings.stats_cache, max_age=settings.stats_max_age),
        metrics=metrics,
        interview_feed=InterviewFeed(session_factory),
    )

    # inside the CSRF middleware below (added before it), so that it knows the visitor's token
    app.middleware("http")(PublicPageCache(settings.public_page_ttl, session_cookie=SESSION_COOKIE))

    @app.middleware("http")
    async def csrf_cookie_and_headers(request: Request, call_next: Callable[[Request], Awaitable[Any]]) -> Any:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        request.state.csrf_token = token
        request.state.user = None
        response = await call_next(request)
        if CSRF_COOKIE not in request.cookies:
            response.set_cookie(
                CSRF_COOKIE, token, httponly=True, samesite="strict", secure=settings.secure_cookies, path="/"
            )
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    # outermost: refuses a declared or streamed body over the limit before anything else reads it
    app.add_middleware(JsonBodyGuard, bad_request=_bad_json)  # inside the body limit: reads at most 1 MB
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_BODY_BYTES, too_large=_body_too_large)
    app.add_exception_handler(DomainError, _domain_error)
    app.add_middleware(RequestMetrics, metrics=metrics)  # outside even the body limit: times all
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for busy in (DatabaseBusy, PoolTimeout, OperationalError):
        app.add_exception_handler(busy, _busy)
    app.mount("/static", StaticFiles(directory=str(files("minyi") / "web" / "static")), name="static")
    # Every HTML page under one parent router that checks CSRF on every state-changing form; the JSON API
    # (bearer tokens, no cookies) under another.
    html = APIRouter(dependencies=[Depends(csrf_protect)])
    for pages in (
        public.router,
        account.router,
        staff.router,
        worklists.router,
        callbacks.router,
        entry.router,
        department_merge.router,  # before staff_admin: /staff/admin/departments/{id} would take "merge"
        staff_admin.router,
        staff_sources.router,
        staff_jurisdictions.router,
        hot.router,
        stats.router,
        suggestions.router,
        notifications.router,
        replies.router,
        reports.router,
        dashboard.router,
        watches.router,
        privacy.router,
        jobs.router,
        knowledge.router,
        interviews.router,
        jurisdiction_pages.router,
    ):
        html.include_router(pages)
    app.include_router(html)
    for json_api in (
        account.api,
        api.router,
        callbacks.api,
        hot.api,
        stats.api_router,
        replies.api,
        suggestions.api,
        knowledge.api,
        knowledge_api.router,
        interviews_api.router,
    ):
        app.include_router(json_api)
    app.include_router(health_router)  # /healthz and /metrics: no session, no CSRF cookie needed
    install_openapi(app)  # /api/v1/openapi.json: the JSON API only, with every error status
    return app
