"""The body limit counts streamed bytes: a chunked body without Content-Length is cut off with 413."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.messages.models import Message
from minyi.web.app import MAX_BODY_BYTES

CHUNK = b"x" * 64 * 1024


def _chunks(total: int) -> Iterator[bytes]:
    for _ in range(total // len(CHUNK)):
        yield CHUNK


def test_chunked_api_body_over_the_limit_is_413(client: TestClient, db: Session) -> None:
    before = db.scalar(select(func.count(Message.id)))
    response = client.post(
        "/api/v1/messages", content=_chunks(2 * MAX_BODY_BYTES), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert db.scalar(select(func.count(Message.id))) == before


def test_chunked_form_body_over_the_limit_is_413(client: TestClient) -> None:
    response = client.post(
        "/messages", content=_chunks(2 * MAX_BODY_BYTES), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413
    assert "请求内容过大" in response.text


def test_declared_length_over_the_limit_is_413_without_reading(client: TestClient) -> None:
    response = client.post(
        "/api/v1/messages",
        content=b"{}",
        headers={"content-type": "application/json", "content-length": str(MAX_BODY_BYTES + 1)},
    )
    assert response.status_code == 413


def test_small_chunked_body_still_works(client: TestClient) -> None:
    body = b'{"title": "t"}'
    response = client.post("/api/v1/messages", content=iter([body]), headers={"content-type": "application/json"})
    assert response.status_code == 422  # read and validated, not refused for its size


def test_the_app_stops_reading_a_huge_stream(client: TestClient) -> None:
    """Drive the ASGI app directly: it must stop pulling chunks soon after the limit (200 MB offered)."""
    app = client.app
    offered = 200 * 1024 * 1024
    pulled = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal pulled
        if pulled >= offered:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(CHUNK)
        return {"type": "http.request", "body": CHUNK, "more_body": True}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/messages",
        "raw_path": b"/api/v1/messages",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"content-type", b"application/json"),
            (b"host", b"testserver"),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
        "state": {},
    }
    anyio.run(app, scope, receive, send)
    assert pulled <= MAX_BODY_BYTES + len(CHUNK)
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 413
