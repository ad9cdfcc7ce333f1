"""The few seconds' cache of /board, /hot and /stats: one page for every anonymous visitor, never a personal one."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from minyi.core.settings import Settings
from minyi.web.page_cache import PublicPageCache
from tests import factories as f


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, public_page_ttl=60)


def test_anonymous_readers_share_a_board_page_for_its_ttl(client: TestClient, db: Session) -> None:
    f.message(db, title="第一条公开留言")
    first = client.get("/board")
    assert first.status_code == 200 and "第一条公开留言" in first.text
    f.message(db, title="第二条公开留言")
    again = client.get("/board")
    assert "第二条公开留言" not in again.text and again.text == first.text  # the same page, from the cache
    assert "第二条公开留言" in client.get("/board?page=1").text  # another URL: its own page
    staff = TestClient(client.app)
    f.login(staff, f.user(db, role="coordinator"))
    assert "第二条公开留言" in staff.get("/board").text  # a logged-in user: never from the cache


def test_anonymous_readers_share_a_statistics_page_and_staff_get_their_own(client: TestClient, db: Session) -> None:
    first = client.get("/stats?by=month")
    assert first.status_code == 200 and first.text == client.get("/stats?by=month").text
    f.message(db, title="统计页缓存之后的留言")
    assert client.get("/stats?by=month").text == first.text  # the same page, from the cache (no re-rendering)
    assert client.get("/stats?by=week").status_code == 200  # another query: its own page
    assert client.get("/stats?from=bad").status_code == 422  # an error page is rendered each time, never kept
    staff = TestClient(client.app)
    f.login(staff, f.user(db, role="supervisor"))
    assert staff.get("/stats?by=month").text != first.text  # a logged-in user: their own menu, never the cache


def _app(cache: PublicPageCache, body: str, status: int = 200) -> Starlette:
    calls = {"n": 0}

    def page(request: Request) -> Response:
        calls["n"] += 1
        response = HTMLResponse(body.replace("{n}", str(calls["n"])), status_code=status)
        response.set_cookie("route_cookie", "visitor-only")
        return response

    async def token(request: Request, call_next):  # type: ignore[no-untyped-def]
        request.state.csrf_token = "visitor-token"  # as the app's CSRF middleware does, outside the cache
        return await call_next(request)

    # the last one listed is the innermost: the cache runs inside the token middleware, as in the app
    middleware = [Middleware(BaseHTTPMiddleware, dispatch=token), Middleware(BaseHTTPMiddleware, dispatch=cache)]
    app = Starlette(routes=[Route(p, page) for p in ("/board", "/hot", "/cases/1")], middleware=middleware)
    return app


class _Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_page_expires_after_its_ttl_and_only_public_paths_are_kept() -> None:
    clock = _Clock()
    client = TestClient(_app(PublicPageCache(5, session_cookie="minyi_session", clock=clock), "<p>{n}</p>"))
    assert client.get("/board").text == "<p>1</p>"
    clock.now = 4.9
    kept = client.get("/board")
    assert kept.text == "<p>1</p>" and "route_cookie" not in kept.headers.get("set-cookie", "")
    clock.now = 5.0
    assert client.get("/board").text == "<p>2</p>"
    assert client.get("/cases/1").text == "<p>3</p>" and client.get("/cases/1").text == "<p>4</p>"
    assert client.get("/hot?from=2024-01-01&to=2024-01-31").text == "<p>5</p>"
    assert client.get("/hot?from=2024-01-01&to=2024-01-31").text == "<p>6</p>"
    client.cookies.set("minyi_session", "a-staff-session")
    assert client.get("/board").text == "<p>7</p>"  # logged in: rendered for them


def test_pages_with_the_visitors_token_errors_and_a_zero_ttl_are_never_kept() -> None:
    with_token = TestClient(_app(PublicPageCache(60, session_cookie="s"), '<input value="visitor-token">{n}'))
    assert with_token.get("/board").text.endswith("1") and with_token.get("/board").text.endswith("2")
    failing = TestClient(
        _app(PublicPageCache(60, session_cookie="s"), "{n}", status=503), raise_server_exceptions=False
    )
    assert failing.get("/board").text == "1" and failing.get("/board").text == "2"
    off = TestClient(_app(PublicPageCache(0, session_cookie="s"), "{n}"))
    assert off.get("/board").text == "1" and off.get("/board").text == "2"
