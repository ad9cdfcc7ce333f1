"""The outbound channels against real servers on loopback: aiosmtpd for e-mail, http.server for the webhook."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from minyi.core.clock import CHINA_TZ, travel
from minyi.core.settings import Settings
from minyi.core.workdays import add_workdays
from minyi.notifications import services as notes
from minyi.notifications.channels import DeliveryError, EmailChannel, OutgoingNotice, WebhookChannel
from minyi.notifications.models import Delivery
from tests import factories as f

NOTICE = OutgoingNotice(
    notice_id=7,
    kind="escalation",
    case_id=12,
    title="【督办】办件 12 已超过办理时限",
    body="办件 12「路灯不亮」由市城管局承办，已超期 2 个工作日。",
    url="https://minyi.example/staff/cases/12",
    created_at="2024-03-25 09:00",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


def _smtp(handler: _Inbox, **kwargs: Any) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port(), **kwargs)
    controller.start()
    return controller


@pytest.fixture
def smtp_server() -> Iterator[tuple[_Inbox, int]]:
    """A plain SMTP server without STARTTLS."""
    inbox = _Inbox()
    controller = _smtp(inbox)
    yield inbox, controller.port
    controller.stop()


def test_email_reaches_a_real_smtp_server(smtp_server: tuple[_Inbox, int]) -> None:
    inbox, port = smtp_server
    EmailChannel(host="127.0.0.1", port=port, sender="minyi@example.org", starttls=False).send(
        "handler@example.org", NOTICE
    )
    [(sender, recipients, message)] = inbox.received
    assert sender == "minyi@example.org" and recipients == ["handler@example.org"]
    assert message["Subject"] == NOTICE.title
    text = message.get_content()
    assert NOTICE.body in text and NOTICE.url in text


def test_email_refuses_to_send_in_clear_when_starttls_is_expected(smtp_server: tuple[_Inbox, int]) -> None:
    inbox, port = smtp_server
    with pytest.raises(DeliveryError, match="STARTTLS"):
        EmailChannel(host="127.0.0.1", port=port, sender="minyi@example.org").send("h@example.org", NOTICE)
    assert inbox.received == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_email_login_is_used_when_configured() -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(_server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret", handled=False)  # handled=False: the server answers 535

    inbox = _Inbox()
    controller = _smtp(
        inbox, authenticator=authenticator, auth_required=True, auth_require_tls=False, auth_exclude_mechanism=["LOGIN"]
    )  # PLAIN only: one attempt per login
    try:
        channel = EmailChannel(
            host="127.0.0.1",
            port=controller.port,
            sender="minyi@example.org",
            user="minyi",
            password="s3cret",
            starttls=False,
        )
        channel.send("handler@example.org", NOTICE)
        wrong = EmailChannel(
            host="127.0.0.1",
            port=controller.port,
            sender="minyi@example.org",
            user="minyi",
            password="wrong",
            starttls=False,
            timeout=5,
        )
        with pytest.raises(DeliveryError, match="SMTPAuthenticationError"):
            wrong.send("handler@example.org", NOTICE)
    finally:
        controller.stop()
    assert [p for _l, p in logins] == [b"s3cret", b"wrong"] and len(inbox.received) == 1


def test_email_unreachable_server_is_a_clear_failure() -> None:
    with pytest.raises(DeliveryError, match="ConnectionRefusedError"):
        channel = EmailChannel(host="127.0.0.1", port=_free_port(), sender="m@example.org", timeout=2)
        channel.send("h@example.org", NOTICE)


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made by openssl."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_email_over_starttls_verifies_the_certificate(tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    inbox = _Inbox()
    controller = _smtp(inbox, tls_context=server_context, require_starttls=True)
    try:
        trusting = ssl.create_default_context(cafile=str(cert))
        EmailChannel(host="127.0.0.1", port=controller.port, sender="m@example.org", ssl_context=trusting).send(
            "handler@example.org", NOTICE
        )
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):  # an unknown certificate is refused
            EmailChannel(host="127.0.0.1", port=controller.port, sender="m@example.org").send("h@example.org", NOTICE)
    finally:
        controller.stop()
    assert [r[1] for r in inbox.received] == [["handler@example.org"]]


class _Hook(BaseHTTPRequestHandler):
    calls: list[dict[str, Any]]
    status = 204

    def do_POST(self) -> None:  # http.server's hook name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls.append({"path": self.path, "headers": dict(self.headers), "body": body})
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        return


@pytest.fixture
def webhook_server() -> Iterator[tuple[type[_Hook], str]]:
    """An HTTP server in a thread that records every POST."""
    handler = type("Hook", (_Hook,), {"calls": [], "status": 204})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/minyi-hook"
    server.shutdown()
    server.server_close()


def test_webhook_posts_signed_json(webhook_server: tuple[type[_Hook], str]) -> None:
    hook, url = webhook_server
    WebhookChannel(secret="shared-secret").send(url, NOTICE)
    [call] = hook.calls
    assert call["path"] == "/minyi-hook" and call["headers"]["Content-Type"].startswith("application/json")
    expected = "sha256=" + hmac.new(b"shared-secret", call["body"], hashlib.sha256).hexdigest()
    assert call["headers"]["X-Minyi-Signature"] == expected
    payload = json.loads(call["body"])
    assert payload["event"] == "escalation" and payload["case_id"] == 12 and payload["title"] == NOTICE.title


def test_webhook_errors_are_delivery_failures(webhook_server: tuple[type[_Hook], str]) -> None:
    hook, url = webhook_server
    hook.status = 500
    with pytest.raises(DeliveryError, match="HTTP 500"):
        WebhookChannel().send(url, NOTICE)
    assert "X-Minyi-Signature" not in hook.calls[0]["headers"]  # no secret, no signature
    with pytest.raises(DeliveryError, match="http:// or https://"):
        WebhookChannel().send("file:///etc/passwd", NOTICE)
    with pytest.raises(DeliveryError, match="webhook call failed"):
        WebhookChannel(timeout=2).send(f"http://127.0.0.1:{_free_port()}/", NOTICE)


def test_scheduler_sends_an_escalation_by_email_and_webhook_once(
    session_factory: sessionmaker[Session],
    db: Session,
    tmp_path: Path,
    smtp_server: tuple[_Inbox, int],
    webhook_server: tuple[type[_Hook], str],
) -> None:
    inbox, port = smtp_server
    hook, url = webhook_server
    dept = f.department(db, name="市城管局")
    supervisor = f.user(db, role="supervisor")
    notes.update_preferences(db, user_id=supervisor.id, email="supervisor@example.org", email_enabled="1")
    start = datetime(2024, 3, 4, 10, tzinfo=CHINA_TZ)
    with travel(start):
        sub, _coord, _handler = f.case_in_progress(db, dept, contact_phone="13912345678")
    db.commit()
    settings = Settings(
        data_dir=tmp_path,
        database_url="sqlite://",
        secret_key="k",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        webhook_url=url,
        public_url="https://minyi.example",
    )
    late = datetime.combine(add_workdays(f.reload(db, sub.case).deadline, 1), start.timetz())
    with travel(late):
        first = notes.run_deadline_tasks(session_factory, settings)
        second = notes.run_deadline_tasks(session_factory, settings)
    with travel(late + timedelta(days=1)):
        third = notes.run_deadline_tasks(session_factory, settings)
    assert first == {"reminders": 0, "escalations": 1, "delivered": 2, "delivery_failures": 0}
    assert second == third == {"reminders": 0, "escalations": 0, "delivered": 0, "delivery_failures": 0}
    [(_sender, recipients, message)] = inbox.received
    assert recipients == ["supervisor@example.org"] and f"办件 {sub.case.id}" in message["Subject"]
    assert f"https://minyi.example/staff/cases/{sub.case.id}" in message.get_content()
    [call] = hook.calls
    assert json.loads(call["body"])["case_id"] == sub.case.id
    for text in (message.as_string(), call["body"].decode()):
        assert "13912345678" not in text  # contact data never leaves in a notification
    assert {d.status for d in db.scalars(select(Delivery))} == {"sent"}
