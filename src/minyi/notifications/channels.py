"""Notification channels: the in-app inbox (rows in the database), SMTP e-mail and a JSON webhook.

The inbox is written in the same transaction as the notice. E-mail and webhook calls leave the process,
so they are queued as `Delivery` rows and sent after the transaction (see services.deliver_pending):
a slow or broken mail server never holds a database lock, and a failed send is retried.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Protocol

from sqlalchemy.orm import Session

from minyi.core.clock import format_china
from minyi.core.settings import Settings
from minyi.notifications.models import Notice, Notification
from minyi.notifications.sms import SmsChannel, sms_sender

TIMEOUT_SECONDS = 10.0


class DeliveryError(Exception):
    """A channel could not deliver; the message says why (kept on the Delivery row)."""


@dataclass(frozen=True)
class OutgoingNotice:
    """What leaves the process: no contact data, only what staff see in their inbox (or, for a citizen's tracking
    link, what the citizen reads)."""

    notice_id: int
    kind: str
    case_id: int | None
    title: str
    body: str
    url: str
    created_at: str

    @classmethod
    def of(cls, notice: Notice, *, public_url: str = "") -> OutgoingNotice:
        """Build from a stored notice; links become absolute when the site's public URL is known."""
        return cls(
            notice_id=notice.id,
            kind=notice.kind,
            case_id=notice.case_id,
            title=notice.title,
            body=notice.body,
            url=f"{public_url}{notice.link}" if notice.link else "",
            created_at=format_china(notice.created_at),
        )


class Channel(Protocol):
    """An outbound channel."""

    name: str

    def send(self, recipient: str, notice: OutgoingNotice) -> None:
        """Deliver one notice to one recipient, or raise DeliveryError."""
        ...


class InboxChannel:
    """The in-app inbox: one Notification row per staff member, in the caller's transaction."""

    name = "inbox"

    def add(self, session: Session, *, notice: Notice, user_ids: list[int]) -> list[Notification]:
        """Put the notice in each user's inbox."""
        rows = [
            Notification(notice_id=notice.id, user_id=uid, created_at=notice.created_at)
            for uid in dict.fromkeys(user_ids)
        ]
        session.add_all(rows)
        return rows


class EmailChannel:
    """E-mail over SMTP: plain, STARTTLS (default) or implicit TLS, with an optional login."""

    name = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        user: str = "",
        password: str = "",
        starttls: bool = True,
        use_ssl: bool = False,
        timeout: float = TIMEOUT_SECONDS,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password = user, password
        self.starttls, self.use_ssl, self.timeout = starttls, use_ssl, timeout
        self.ssl_context = ssl_context

    def _message(self, recipient: str, notice: OutgoingNotice) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = formataddr(("民意平台", self.sender))
        mail["To"] = recipient
        mail["Subject"] = notice.title
        mail["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or "localhost")
        lines = [notice.body, "", f"时间：{notice.created_at}"]
        if notice.url:
            lines.append(f"办件：{notice.url}")
        lines += ["", "—— 民意平台自动发送，请勿直接回复"]
        mail.set_content("\n".join(lines))
        return mail

    def send(self, recipient: str, notice: OutgoingNotice) -> None:
        """Connect, secure, log in, send, quit; any failure is a DeliveryError."""
        context = self.ssl_context or ssl.create_default_context()
        try:
            if self.use_ssl:
                client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                client.ehlo()
                if self.starttls and not self.use_ssl:
                    if not client.has_extn("starttls"):
                        msg = (
                            f"SMTP server {self.host}:{self.port} does not offer STARTTLS "
                            "(set MINYI_SMTP_STARTTLS=0 to send unencrypted)"
                        )
                        raise DeliveryError(msg)
                    client.starttls(context=context)
                    client.ehlo()
                if self.user:
                    client.login(self.user, self.password)
                client.send_message(self._message(recipient, notice))
        except DeliveryError:
            raise
        except (OSError, smtplib.SMTPException) as exc:
            msg = f"e-mail to {recipient} failed: {type(exc).__name__}: {exc}"
            raise DeliveryError(msg[:1000]) from exc


class WebhookChannel:
    """A JSON POST per notice, optionally signed with HMAC-SHA256 of the body."""

    name = "webhook"

    def __init__(self, *, secret: str = "", timeout: float = TIMEOUT_SECONDS) -> None:
        self.secret, self.timeout = secret, timeout

    def body(self, notice: OutgoingNotice) -> bytes:
        """The JSON document sent."""
        return json.dumps({"event": notice.kind, **asdict(notice)}, ensure_ascii=False).encode("utf-8")

    def signature(self, body: bytes) -> str:
        """`sha256=<hex>` of the body keyed by the secret."""
        return "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()

    def send(self, recipient: str, notice: OutgoingNotice) -> None:
        """POST to the URL; anything but a 2xx answer is a DeliveryError."""
        if not recipient.startswith(("http://", "https://")):
            msg = f"webhook URL must start with http:// or https://, got {recipient[:60]!r}"
            raise DeliveryError(msg)
        body = self.body(notice)
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "minyi-webhook/1"}
        if self.secret:
            headers["X-Minyi-Signature"] = self.signature(body)
        request = urllib.request.Request(recipient, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked above
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError as exc:
            msg = f"webhook call failed: {type(exc).__name__}: {exc}"
            raise DeliveryError(msg[:1000]) from exc
        if not 200 <= status < 300:
            msg = f"webhook answered HTTP {status}"
            raise DeliveryError(msg)


def outbound_channels(settings: Settings) -> dict[str, Channel]:
    """The outbound channels the settings configure (none by default)."""
    channels: dict[str, Channel] = {}
    if settings.smtp_host:
        channels["email"] = EmailChannel(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            user=settings.smtp_user,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            use_ssl=settings.smtp_ssl,
        )
    if settings.webhook_url:
        channels["webhook"] = WebhookChannel(secret=settings.webhook_secret)
    sender = sms_sender(settings)
    if sender is not None:
        channels["sms"] = SmsChannel(sender)
    return channels
