"""A request body limit that counts the bytes actually received, not what Content-Length claims."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ErrorResponder = Callable[[Request], Any]  # builds the 413 response for a request


class BodyTooLargeError(Exception):
    """Raised from `receive` once the streamed body passes the limit; stops the app reading further."""


class BodyLimitMiddleware:
    """Pure ASGI middleware: 413 for a declared or streamed (chunked) body above `max_bytes`.

    A BaseHTTPMiddleware cannot stop a chunked body, so `receive` is wrapped: it counts the bytes and
    raises once the limit is passed, and whatever the app was about to answer is replaced by the 413.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, too_large: ErrorResponder) -> None:
        """Wrap `app`; `too_large(request)` builds the answer."""
        self.app = app
        self.max_bytes = max_bytes
        self.too_large = too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a declared length at once; otherwise count while the app reads."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _declared_length(scope)
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        state = _StreamState(self.max_bytes, receive, send)
        try:
            await self.app(scope, state.receive, state.send)
        except BodyTooLargeError:
            pass
        except Exception:
            if not state.exceeded:
                raise
        if state.exceeded and not state.started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self.too_large(Request(scope, receive))
        response.headers["Connection"] = "close"  # the rest of the body is never read
        await response(scope, receive, send)


def _declared_length(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            return bytes(value).decode("latin-1").strip()
    return None


class _StreamState:
    """The counting `receive` and the `send` that holds back the app's answer once the limit is passed."""

    def __init__(self, max_bytes: int, receive: Receive, send: Send) -> None:
        self.max_bytes = max_bytes
        self.received = 0
        self.exceeded = False
        self.started = False
        self._receive = receive
        self._send: Callable[[Message], Awaitable[None]] = send

    async def receive(self) -> Message:
        if self.exceeded:
            raise BodyTooLargeError
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.max_bytes:
                self.exceeded = True
                raise BodyTooLargeError
        return message

    async def send(self, message: Message) -> None:
        if self.exceeded and not self.started:
            return  # the app's answer to a cut-off body (often a parse error) is replaced by the 413
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)
