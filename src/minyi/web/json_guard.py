"""JSON bodies the database could not store are refused before any route sees them.

JSON may spell a lone UTF-16 surrogate (`"\\ud800"`); Python keeps it in a str, and SQLite, PostgreSQL and
UTF-8 encoding then fail with a 500. Invalid UTF-8 and too deeply nested JSON made FastAPI answer an
English 400. Each is answered here with the documented 422 instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from email.message import Message as MimeHeader
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ErrorResponder = Callable[[Request, str, str | None], Any]  # (request, message, field) -> 422 response
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BadJson(ValueError):
    """A JSON body that must not reach a route; `field` is the dotted path of the bad value, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        """Keep the Chinese message and the field."""
        super().__init__(message)
        self.message = message
        self.field = field


def _is_json(scope: Scope) -> bool:
    headers = dict(scope.get("headers", ()))
    raw = headers.get(b"content-type")
    if raw is None:  # FastAPI reads a body without a type as JSON on the API
        return str(scope["path"]).startswith("/api/")
    header = MimeHeader()
    header["content-type"] = raw.decode("latin-1")
    subtype = header.get_content_subtype()
    return header.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def _find_surrogate(value: Any, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The path of the first string (or key) holding a lone surrogate, else None."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return where
        elif isinstance(item, dict):
            for key, child in item.items():
                stack.append((key, where))
                stack.append((child, (*where, str(key))))
        elif isinstance(item, list):
            stack.extend((child, (*where, str(i))) for i, child in enumerate(item))
    return None


def check_json(body: bytes) -> None:
    """Raise BadJson for a body that is not UTF-8, not JSON, or holds a string no database can store."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadJson("请求格式不正确：请求体（不是 UTF-8 编码的文本）") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise BadJson("请求格式不正确：请求体（不是有效的 JSON）") from None
    except RecursionError:
        raise BadJson("请求格式不正确：请求体（JSON 嵌套层数过多）") from None
    where = _find_surrogate(value)
    if where is not None:
        field = ".".join(where) or None
        raise BadJson(f"请求格式不正确：{field or '请求体'}（含有无效的 Unicode 字符：孤立的代理项）", field)


class JsonBodyGuard:
    """Pure ASGI middleware: reads a JSON request body (already bounded by the body limit), checks it, replays it."""

    def __init__(self, app: ASGIApp, *, bad_request: ErrorResponder) -> None:
        """Wrap `app`; `bad_request(request, message, field)` builds the 422."""
        self.app = app
        self.bad_request = bad_request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything but a JSON body through untouched."""
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body:
            try:
                check_json(body)
            except BadJson as exc:
                response = self.bad_request(Request(scope), exc.message, exc.field)
                await response(scope, receive, send)
                return
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
