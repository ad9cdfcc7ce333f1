"""What citizens write: check a submission, limit its rate, store the message with its contact data apart."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minyi.core.clock import CHINA_TZ, format_china, utcnow
from minyi.core.errors import Conflict, RateLimited, ValidationFailed, collect
from minyi.core.security import hash_token
from minyi.core.validation import bool_field, choice_field, text_field
from minyi.messages.channels import WEBSITE, channel_field
from minyi.messages.models import Message, MessageContact
from minyi.nlp.labels import CITIZEN_KINDS, DOMAINS

# Limits, documented in docs/limits.md.
TITLE_MIN, TITLE_MAX = 4, 80
BODY_MIN, BODY_MAX = 10, 5000
PLACE_MAX = 200
NAME_MAX, ADDRESS_MAX, EMAIL_MAX = 50, 200, 254
_PHONE = re.compile(r"^[0-9+\-() ]{5,20}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{1,60}$")
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
RECEIVED_MAX_DAYS = 90  # a staff entry received longer ago is history: `minyi import` is the way for it
_RECEIVED = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?$")


@dataclass(frozen=True)
class StoredMessage:
    """A stored message and its private tracking token (shown once, only its hash is kept)."""

    message: Message
    tracking_token: str


def _phone(data: dict[str, Any]) -> str:
    phone = text_field(data.get("contact_phone"), field="contact_phone", label="电话", max_len=20, required=False)
    if phone.strip() and not _PHONE.match(phone.strip()):
        raise ValidationFailed("电话号码格式不正确", field="contact_phone")
    return phone.strip()


def _email(data: dict[str, Any]) -> str:
    email = text_field(
        data.get("contact_email"), field="contact_email", label="电子邮箱", max_len=EMAIL_MAX, required=False
    )
    if email.strip() and not _EMAIL.match(email.strip()):
        raise ValidationFailed("电子邮箱格式不正确", field="contact_email")
    return email.strip()


def validate_contact(data: dict[str, Any]) -> dict[str, str]:
    """Check the contact fields of a submission (or of a correction); returns them stripped. Every field that
    breaks its rule is reported at once (`FieldErrors` when more than one)."""
    return collect(
        {
            "name": lambda: text_field(
                data.get("contact_name"), field="contact_name", label="姓名", max_len=NAME_MAX, required=False
            ).strip(),
            "phone": lambda: _phone(data),
            "email": lambda: _email(data),
            "address": lambda: text_field(
                data.get("contact_address"),
                field="contact_address",
                label="联系地址",
                max_len=ADDRESS_MAX,
                required=False,
            ).strip(),
        }
    )


def _submission_key(data: dict[str, Any]) -> str | None:
    key = data.get("submission_key") or None
    if key is not None and (not isinstance(key, str) or not _KEY.match(key)):
        raise ValidationFailed("表单标识无效，请刷新页面后重试", field="submission_key")
    return key


def validate_submission(data: dict[str, Any]) -> dict[str, Any]:
    """Check every field of a citizen's submission; returns the values to store. Every field that breaks its
    rule is reported at once, each with its own field (`FieldErrors` when more than one), so the form can show
    each message beside its input."""
    return collect(
        {
            "title": lambda: text_field(
                data.get("title"), field="title", label="标题", max_len=TITLE_MAX, min_len=TITLE_MIN
            ),
            "body": lambda: text_field(
                data.get("body"), field="body", label="留言内容", max_len=BODY_MAX, min_len=BODY_MIN
            ),
            # a citizen's own kinds only, or "" (不确定: the coordinator decides, helped by the model)
            "appeal_kind": lambda: (
                choice_field(
                    data.get("appeal_kind"),
                    field="appeal_kind",
                    label="诉求类型",
                    choices=CITIZEN_KINDS,
                    required=False,
                )
                or ""
            ),
            "domain": lambda: choice_field(
                data.get("domain"), field="domain", label="领域", choices=DOMAINS, required=False
            ),
            "place_text": lambda: text_field(
                data.get("place_text"), field="place_text", label="地点", max_len=PLACE_MAX, required=False
            ).strip(),
            "is_public": lambda: bool_field(data.get("is_public", True)),
            "is_anonymous": lambda: bool_field(data.get("is_anonymous", False)),
            "submission_key": lambda: _submission_key(data),
            "contact": lambda: validate_contact(data),
        }
    )


def received_at_field(value: Any, *, now: datetime, field: str = "received_at") -> datetime:
    """When a staff entry was received: `YYYY-MM-DDTHH:MM` (a `datetime-local` input) in China's time, not in the
    future, at most RECEIVED_MAX_DAYS ago; returned in UTC."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationFailed("请填写收到时间", field=field)
    match = _RECEIVED.match(text)
    try:
        if match is None:
            raise ValueError(text)
        moment = datetime.fromisoformat(f"{match[1]}T{match[2]}{match[3] or ''}").replace(tzinfo=CHINA_TZ)
    except ValueError:
        raise ValidationFailed("收到时间格式不正确：应为 YYYY-MM-DD HH:MM（北京时间）", field=field) from None
    if moment > now:
        msg = f"收到时间不能晚于现在（{format_china(now)}）"
        raise ValidationFailed(msg, field=field)
    if moment < now - timedelta(days=RECEIVED_MAX_DAYS):
        msg = f"收到时间不能早于 {RECEIVED_MAX_DAYS} 天前；更早的留言请用历史数据导入"
        raise ValidationFailed(msg, field=field)
    return moment.astimezone(UTC)


def validate_entry(data: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    """Check a staff entry (代录入): every field of a citizen's submission, the channel and when it was
    received; every field that breaks its rule is reported at once, as for the citizen's form."""
    return collect(
        {
            "message": lambda: validate_submission(data),
            "channel": lambda: channel_field(data.get("channel")),
            "received_at": lambda: received_at_field(data.get("received_at"), now=now),
        }
    )


def check_rate_limit(session: Session, *, client_hash: str, limit: int, window_seconds: int) -> None:
    """At most `limit` submissions per client per window, counted in the database (works across processes)."""
    if not client_hash or limit <= 0:
        return
    since = utcnow() - timedelta(seconds=window_seconds)
    count = (
        session.scalar(
            select(func.count(Message.id)).where(Message.client_hash == client_hash, Message.created_at >= since)
        )
        or 0
    )
    if count >= limit:
        minutes = max(1, window_seconds // 60)
        msg = f"提交过于频繁：每 {minutes} 分钟最多提交 {limit} 条留言，请稍后再试"
        raise RateLimited(msg)


def _refuse_if_submitted(session: Session, key: str | None) -> None:
    """Conflict when a message with this idempotency key is already stored."""
    if key is None:
        return
    existing = session.scalar(select(Message).where(Message.submission_key == key))
    if existing is not None:
        msg = f"此表单已提交过（留言编号 {existing.id}），请勿重复提交；请使用首次提交后显示的查询链接"
        raise Conflict(msg)


def store_message(
    session: Session,
    *,
    data: dict[str, Any],
    source: str = "web",
    client_hash: str = "",
    rate_limit: int = 0,
    rate_window_seconds: int = 600,
) -> StoredMessage:
    """Check and store a citizen's message (channel 网站), its contact data apart; returns the tracking token once.

    Its case is opened by `minyi.workflow.intake.submit_message`, the one caller.
    """
    values = validate_submission(data)
    _refuse_if_submitted(session, values["submission_key"])
    check_rate_limit(session, client_hash=client_hash, limit=rate_limit, window_seconds=rate_window_seconds)
    return _store(session, values, source=source, channel=WEBSITE, client_hash=client_hash, created_at=utcnow())


def store_entered_message(session: Session, *, data: dict[str, Any]) -> StoredMessage:
    """Check and store a message a staff member entered for a citizen (代录入): the citizen's fields, the channel,
    and when it was received (its `created_at`); returns the tracking token once.

    Its case is opened by `minyi.workflow.intake.enter_message`, the one caller. No rate limit: staff only.
    """
    values = validate_entry(data, now=utcnow())
    _refuse_if_submitted(session, values["message"]["submission_key"])
    return _store(
        session, values["message"], source="staff", channel=values["channel"], created_at=values["received_at"]
    )


def _store(
    session: Session, values: dict[str, Any], *, source: str, channel: str, created_at: datetime, client_hash: str = ""
) -> StoredMessage:
    """Store checked values: the message (once per submission key), its contact data apart, a new tracking token."""
    contact = values.pop("contact")
    token = secrets.token_urlsafe(24)
    message = Message(
        **values,
        source=source,
        channel=channel,
        tracking_hash=hash_token(token),
        client_hash=client_hash,
        created_at=created_at,
    )
    try:
        with session.begin_nested():  # the same form sent twice at once: the unique key decides (PostgreSQL)
            session.add(message)
            session.flush()
    except IntegrityError:
        _refuse_if_submitted(session, values["submission_key"])
        raise
    if any(contact.values()):
        session.add(MessageContact(message_id=message.id, **contact))
    return StoredMessage(message=message, tracking_token=token)
