"""A lost tracking link found again: the case number, the phone or e-mail the citizen gave, a one-time code.

The code is not stored: it is an HMAC of the message, its current tracking hash and a ten-minute window, keyed by
the site's secret, cut to six digits; it is good in its window and the next one. A right code gives the citizen
a new tracking link (a new token whose hash replaces the old one), so the old link — perhaps the one that was
lost — stops working and the same code can never be used twice. Whether the case number and the contact match is
never told (the page answers alike), so the form cannot be used to find out who wrote what. Requests and failures
are counted per case in the account audit (`tracking_code_sent`, `tracking_code_failed`): at most
`MAX_SENDS` codes and `MAX_FAILURES` wrong codes per case in `WINDOW`, then the lookup waits.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.accounts import audit
from minyi.accounts.models import AuthEvent
from minyi.core.clock import utcnow
from minyi.core.errors import RateLimited, ValidationFailed
from minyi.core.security import hash_token
from minyi.messages.models import Message
from minyi.workflow.models import Case

__all__ = ["CodeRequest", "code_for", "request_code", "verify_code"]

CODE_MINUTES = 10
MAX_SENDS = 3
MAX_FAILURES = 5
WINDOW = timedelta(hours=1)
_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class CodeRequest:
    """Where a code goes: the case, its message and the channel ("sms" or "email") of the contact that matched."""

    case_id: int
    message_id: int
    channel: str


def _phone(value: str) -> str:
    digits = _DIGITS.sub("", value or "")
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


def _matches(given: str, message: Message) -> str | None:
    """ "sms" when `given` is the phone the citizen gave, "email" when it is their e-mail address, else None."""
    contact = message.contact
    if contact is None or contact.erased_at is not None:
        return None
    given = (given or "").strip()
    if "@" in given:
        ok = bool(contact.email) and hmac.compare_digest(given.lower(), contact.email.strip().lower())
        return "email" if ok else None
    phone = _phone(given)
    ok = len(phone) >= 7 and bool(contact.phone) and hmac.compare_digest(phone, _phone(contact.phone))
    return "sms" if ok else None


def _case_number(value: Any) -> int:
    text = str(value or "").strip().removeprefix("第").removesuffix("号")
    if not text.isdigit() or len(text) > 12:
        raise ValidationFailed("请填写留言编号（数字）", field="case")
    return int(text)


def _message(session: Session, case_id: int) -> Message | None:
    """The message of case number `case_id` (the number citizens see), or None."""
    case = session.get(Case, case_id)
    return case.message if case is not None else None


def _key(case_id: int) -> str:
    return f"case:{case_id}"


def _count(session: Session, kind: str, case_id: int, now: datetime) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(AuthEvent)
            .where(AuthEvent.kind == kind, AuthEvent.username == _key(case_id), AuthEvent.at >= now - WINDOW)
        )
        or 0
    )


def code_for(message: Message, secret_key: str, moment: datetime) -> str:
    """The six-digit code of this message's current tracking link in `moment`'s ten-minute window."""
    window = int(moment.timestamp() // (CODE_MINUTES * 60))
    digest = hmac.new(
        secret_key.encode(), f"{message.id}|{message.tracking_hash}|{window}".encode(), hashlib.sha256
    ).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def request_code(session: Session, *, case: Any, contact: Any, client: str = "") -> CodeRequest | None:
    """The code request of a case number and a contact: where to send it, or None when they do not match (the
    caller answers alike). Raises RateLimited past MAX_SENDS codes for the case in WINDOW."""
    case_id = _case_number(case)
    given = str(contact or "").strip()
    if not given or len(given) > 254:
        raise ValidationFailed("请填写留言时留下的手机号或电子邮箱", field="contact")
    message = _message(session, case_id)
    channel = _matches(given, message) if message is not None else None
    if message is None or channel is None:
        return None
    now = utcnow()
    if _count(session, "tracking_code_sent", case_id, now) >= MAX_SENDS:
        raise RateLimited("验证码发送次数过多，请一小时后再试")
    audit.record(session, kind="tracking_code_sent", username=_key(case_id), client=client, detail=channel)
    return CodeRequest(case_id=case_id, message_id=message.id, channel=channel)


def verify_code(
    session: Session, *, case: Any, contact: Any, code: Any, secret_key: str, client: str = ""
) -> tuple[Message, str]:
    """The message and its new tracking token when the code is right (the old link stops working); else
    ValidationFailed — the same words whether the case, the contact or the code was wrong."""
    case_id = _case_number(case)
    given = str(code or "").strip()
    now = utcnow()
    if _count(session, "tracking_code_failed", case_id, now) >= MAX_FAILURES:
        raise RateLimited("验证码错误次数过多，请一小时后再试")
    message = _message(session, case_id)
    ok = (
        message is not None
        and _matches(str(contact or ""), message) is not None
        and len(given) == 6
        and any(
            hmac.compare_digest(given, code_for(message, secret_key, now - timedelta(minutes=CODE_MINUTES * back)))
            for back in (0, 1)
        )
    )
    if not ok or message is None:
        audit.record(session, kind="tracking_code_failed", username=_key(case_id), client=client)
        raise ValidationFailed("验证码不正确或已过期，请重新获取", field="code")
    token = secrets.token_urlsafe(24)
    message.tracking_hash = hash_token(token)
    audit.record(session, kind="tracking_link_renewed", username=_key(case_id), client=client)
    return message, token
