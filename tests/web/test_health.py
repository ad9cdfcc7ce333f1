"""/healthz and /metrics: cheap, no personal data, metrics by route template and only for allowed clients."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from minyi.core.settings import Settings
from minyi.jobs.failures import record_failure
from minyi.web.app import create_app

BODY = {"title": "路口积水严重", "body": "每次下雨建设路口积水超过二十厘米。", "appeal_kind": "complaint"}
BODY_WITH_CONTACT = {**BODY, "contact_phone": "13600000000", "contact_name": "王五"}


def _client(settings: Settings, factory: sessionmaker[Session], peer: str = "127.0.0.1") -> TestClient:
    return TestClient(create_app(settings, factory, start_background=False), client=(peer, 50000))


@pytest.fixture
def local(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    """A client on loopback, the default MINYI_METRICS_ALLOW."""
    with _client(settings, session_factory) as client:
        yield client


def test_healthz_answers_json_without_a_login_or_cookie(local: TestClient) -> None:
    response = local.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response.headers["cache-control"] == "no-store"


def test_healthz_says_503_when_the_database_is_down(settings: Settings) -> None:
    def broken() -> Session:
        raise OSError("connection refused")

    with _client(settings, broken) as client:  # type: ignore[arg-type]
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error"}


def test_metrics_count_requests_by_route_template(local: TestClient) -> None:
    case_id = local.post("/api/v1/messages", json=BODY_WITH_CONTACT).json()["id"]
    for path in (f"/cases/{case_id}", f"/cases/{case_id}", "/cases/999999", "/no/such/page/123"):
        local.get(path)
    text = local.get("/metrics").text
    assert 'minyi_http_requests_total{method="GET",route="/cases/{case_id}",status="200"} 2.0' in text
    assert 'minyi_http_requests_total{method="GET",route="/cases/{case_id}",status="404"} 1.0' in text
    assert 'minyi_http_requests_total{method="POST",route="/api/v1/messages",status="201"} 1.0' in text
    assert 'route="<unmatched>",status="404"' in text
    assert "/no/such/page" not in text and f"/cases/{case_id}" not in text  # never the raw path
    assert 'minyi_http_request_duration_seconds_bucket{le="0.3",method="GET",route="/cases/{case_id}"}' in text
    assert "13600000000" not in text and "王五" not in text


def test_metrics_show_failed_tasks(local: TestClient, db: Session) -> None:
    record_failure(db, task="minyi.analyse", args=[1], kwargs={}, attempts=5, error="boom")
    db.commit()
    assert "minyi_failed_tasks 1.0" in local.get("/metrics").text


def test_metrics_refused_to_other_addresses(settings: Settings, session_factory: sessionmaker[Session]) -> None:
    with _client(settings, session_factory, peer="10.1.2.3") as client:
        assert client.get("/metrics").status_code == 403
        assert client.get("/healthz").status_code == 200


def test_metrics_token_works_from_anywhere(settings: Settings, session_factory: sessionmaker[Session]) -> None:
    with_token = dataclasses.replace(settings, metrics_token="s3cret-token", metrics_allow=())
    with _client(with_token, session_factory, peer="10.1.2.3") as client:
        assert client.get("/metrics").status_code == 403
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/plain")


def test_metrics_behind_an_untrusted_proxy_are_refused(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    """nginx on the same machine but not in MINYI_TRUSTED_PROXIES: every client would look like 127.0.0.1."""
    with _client(settings, session_factory) as client:
        assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    trusted = dataclasses.replace(settings, trusted_proxies=("127.0.0.1/32",))
    with _client(trusted, session_factory) as client:
        assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
        assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200
