"""Who the client is behind proxies: X-Forwarded-For counts only from MINYI_TRUSTED_PROXIES (finding 12)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from minyi.core.settings import Settings
from minyi.web.app import create_app
from minyi.web.proxies import client_address, trusted_networks
from tests import factories as f

BODY = {
    "title": "路口积水严重",
    "body": "每次下雨建设路与人民路路口积水超过二十厘米，行人无法通行。",
    "appeal_kind": "complaint",
    "domain": "城乡建设",
}
PROXIES = trusted_networks(("127.0.0.1/32", "10.0.0.0/8", "::1/128"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),  # not a proxy: its header is ignored
        ("127.0.0.1", [], "127.0.0.1"),  # a proxy without the header: itself
        ("127.0.0.1", ["198.51.100.1"], "198.51.100.1"),
        ("127.0.0.1", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),  # the client's own (forged) entry is left of ours
        ("127.0.0.1", ["6.6.6.6, 198.51.100.1, 10.1.2.3"], "198.51.100.1"),  # two proxies in a row
        ("127.0.0.1", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),  # the header sent twice
        ("127.0.0.1", ["10.0.0.7, 10.1.2.3"], "10.0.0.7"),  # every hop is ours: the farthest
        ("127.0.0.1", ["garbage, 198.51.100.1"], "198.51.100.1"),
        ("::ffff:127.0.0.1", ["198.51.100.1"], "198.51.100.1"),  # IPv4-mapped peer
        ("::1", ["2001:db8::1"], "2001:db8::1"),
        (None, ["198.51.100.1"], "unknown"),
    ],
)
def test_client_address(peer: str | None, forwarded: list[str], expected: str) -> None:
    assert client_address(peer, forwarded, PROXIES) == expected


def test_no_trusted_proxy_means_the_header_is_never_read() -> None:
    assert client_address("127.0.0.1", ["198.51.100.1"], ()) == "127.0.0.1"


def _client(settings: Settings, factory: sessionmaker[Session], peer: str, **changes: object) -> TestClient:
    app = create_app(dataclasses.replace(settings, submit_rate_limit=2, **changes), factory, start_background=False)
    return TestClient(app, client=(peer, 50000))


@pytest.fixture
def proxied(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    """The app behind a trusted proxy on loopback."""
    with _client(settings, session_factory, "127.0.0.1", trusted_proxies=("127.0.0.1/32",)) as client:
        yield client


def _submit(client: TestClient, i: int, forwarded: str) -> int:
    return client.post(
        "/api/v1/messages", json=BODY | {"submission_key": f"proxy-key-{i:04d}"}, headers={"X-Forwarded-For": forwarded}
    ).status_code


def test_rotating_the_header_does_not_bypass_the_limit_by_default(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with _client(settings, session_factory, "127.0.0.1") as client:  # a loopback peer, no proxy configured
        assert [_submit(client, i, f"198.51.100.{i}") for i in range(3)] == [201, 201, 429]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(proxied: TestClient) -> None:
    assert [_submit(proxied, i, f"198.51.100.{i}") for i in range(3)] == [201, 201, 201]
    assert [_submit(proxied, 10 + i, f"6.6.6.{i}, 198.51.100.50") for i in range(3)] == [201, 201, 429]


def test_supports_count_once_per_real_client(
    proxied: TestClient, settings: Settings, db: Session, session_factory: sessionmaker[Session]
) -> None:
    case_id = f.message(db).case.id
    db.flush()

    def support(client: TestClient, forwarded: str) -> int:
        return client.post(f"/api/v1/cases/{case_id}/support", headers={"X-Forwarded-For": forwarded}).status_code

    assert support(proxied, "198.51.100.1") == 200
    assert support(proxied, "198.51.100.2") == 200
    assert support(proxied, "6.6.6.6, 198.51.100.1") == 409  # a forged left-hand entry does not make a new client
    with _client(settings, session_factory, "203.0.113.9") as direct:  # not a proxy: its header is ignored
        assert support(direct, "198.51.100.3") == 200
        assert support(direct, "198.51.100.4") == 409
