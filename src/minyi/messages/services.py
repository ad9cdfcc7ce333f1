"""Message use cases: submit, list the public board, show a case, find a case by its tracking link."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from minyi.core.clock import utcnow
from minyi.core.db import get_by_id, parse_id
from minyi.core.errors import Conflict, NotFound, RateLimited, ValidationFailed
from minyi.core.security import hash_token
from minyi.core.validation import bool_field, choice_field, text_field
from minyi.messages.models import Message, MessageContact
from minyi.nlp.labels import APPEAL_KINDS, DOMAINS
from minyi.workflow import states
from minyi.workflow.actors import Actor
from minyi.workflow.models import Case, CaseEvent, Rating, Reply
from minyi.workflow.services import record_event

# Limits, documented in docs/limits.md.
TITLE_MIN, TITLE_MAX = 4, 80
BODY_MIN, BODY_MAX = 10, 5000
PLACE_MAX = 200
NAME_MAX, ADDRESS_MAX, EMAIL_MAX = 50, 200, 254
SEARCH_MAX = 50
PER_PAGE = 20
_PHONE = re.compile(r"^[0-9+\-() ]{5,20}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{1,60}$")
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass(frozen=True)
class Submission:
    """A stored message, its case, and the private tracking token (shown once)."""

    message: Message
    case: Case
    tracking_token: str


def validate_contact(data: dict[str, Any]) -> dict[str, str]:
    """Check the contact fields of a submission (or of a correction); returns them stripped."""
    name = text_field(data.get("contact_name"), field="contact_name", label="姓名", max_len=NAME_MAX,
                      required=False)
    phone = text_field(data.get("contact_phone"), field="contact_phone", label="电话", max_len=20,
                       required=False)
    if phone.strip() and not _PHONE.match(phone.strip()):
        raise ValidationFailed("电话号码格式不正确", field="contact_phone")
    email = text_field(data.get("contact_email"), field="contact_email", label="电子邮箱", max_len=EMAIL_MAX,
                       required=False)
    if email.strip() and not _EMAIL.match(email.strip()):
        raise ValidationFailed("电子邮箱格式不正确", field="contact_email")
    address = text_field(data.get("contact_address"), field="contact_address", label="联系地址",
                         max_len=ADDRESS_MAX, required=False)
    return {"name": name.strip(), "phone": phone.strip(), "email": email.strip(), "address": address.strip()}


def validate_submission(data: dict[str, Any]) -> dict[str, Any]:
    """Check every field of a citizen's submission; returns the values to store."""
    key = data.get("submission_key") or None
    if key is not None and (not isinstance(key, str) or not _KEY.match(key)):
        raise ValidationFailed("表单标识无效，请刷新页面后重试", field="submission_key")
    return {
        "title": text_field(data.get("title"), field="title", label="标题", max_len=TITLE_MAX, min_len=TITLE_MIN),
        "body": text_field(data.get("body"), field="body", label="留言内容", max_len=BODY_MAX, min_len=BODY_MIN),
        "appeal_kind": choice_field(data.get("appeal_kind"), field="appeal_kind", label="诉求类型",
                                    choices=APPEAL_KINDS),
        "domain": choice_field(data.get("domain"), field="domain", label="领域", choices=DOMAINS, required=False),
        "place_text": text_field(data.get("place_text"), field="place_text", label="地点", max_len=PLACE_MAX,
                                 required=False).strip(),
        "is_public": bool_field(data.get("is_public", True)),
        "is_anonymous": bool_field(data.get("is_anonymous", False)),
        "submission_key": key,
        "contact": validate_contact(data),
    }


def check_rate_limit(session: Session, *, client_hash: str, limit: int, window_seconds: int) -> None:
    """At most `limit` submissions per client per window, counted in the database (works across processes)."""
    if not client_hash or limit <= 0:
        return
    since = utcnow() - timedelta(seconds=window_seconds)
    count = session.scalar(select(func.count(Message.id)).where(
        Message.client_hash == client_hash, Message.created_at >= since)) or 0
    if count >= limit:
        minutes = max(1, window_seconds // 60)
        msg = f"提交过于频繁：每 {minutes} 分钟最多提交 {limit} 条留言，请稍后再试"
        raise RateLimited(msg)


def submit_message(session: Session, *, data: dict[str, Any], source: str = "web", client_hash: str = "",
                   rate_limit: int = 0, rate_window_seconds: int = 600) -> Submission:
    """Store a citizen's message with its case and a 'submit' event; returns the tracking token once."""
    values = validate_submission(data)
    if values["submission_key"] is not None:
        existing = session.scalar(select(Message).where(Message.submission_key == values["submission_key"]))
        if existing is not None:
            msg = f"此表单已提交过（留言编号 {existing.id}），请勿重复提交；请使用首次提交后显示的查询链接"
            raise Conflict(msg)
    check_rate_limit(session, client_hash=client_hash, limit=rate_limit, window_seconds=rate_window_seconds)
    contact = values.pop("contact")
    token = secrets.token_urlsafe(24)
    message = Message(**values, source=source, tracking_hash=hash_token(token), client_hash=client_hash,
                      created_at=utcnow())
    session.add(message)
    session.flush()
    if any(contact.values()):
        session.add(MessageContact(message_id=message.id, **contact))
    case = Case(message_id=message.id, status=states.SUBMITTED, updated_at=message.created_at)
    session.add(case)
    session.flush()
    record_event(session, case=case, kind="submit", actor=Actor.citizen(), from_status=None,
                 to_status=states.SUBMITTED, data={"source": source})
    session.flush()
    return Submission(message=message, case=case, tracking_token=token)


def case_by_token(session: Session, token: Any) -> Case:
    """The case behind a private tracking link."""
    if not isinstance(token, str) or not 16 <= len(token) <= 64:
        raise NotFound("查询链接无效")
    case = session.scalar(select(Case).join(Message).where(Message.tracking_hash == hash_token(token)))
    if case is None:
        raise NotFound("查询链接无效")
    return case


@dataclass
class BoardFilters:
    """Filters of the public board, already validated."""

    domain: str | None = None
    appeal_kind: str | None = None
    department_id: int | None = None
    status: str | None = None
    q: str = ""
    page: int = 1


def parse_board_filters(params: dict[str, Any]) -> BoardFilters:
    """Validate the board's query parameters; an invalid value is a clear error, not a silent reset."""
    dept = params.get("department_id") or None
    if dept is not None:
        dept = parse_id(dept)  # also refuses an id too large for the database column
        if dept is None:
            raise ValidationFailed("部门参数无效", field="department_id")
    try:
        page = int(params.get("page") or 1)
    except (TypeError, ValueError):
        raise ValidationFailed("页码必须是正整数", field="page") from None
    if not 1 <= page <= 100000:
        raise ValidationFailed("页码必须是正整数", field="page")
    q = text_field(params.get("q") or "", field="q", label="搜索词", max_len=SEARCH_MAX, required=False)
    return BoardFilters(
        domain=choice_field(params.get("domain") or None, field="domain", label="领域", choices=DOMAINS,
                            required=False),
        appeal_kind=choice_field(params.get("appeal_kind") or None, field="appeal_kind", label="诉求类型",
                                 choices=APPEAL_KINDS, required=False),
        department_id=dept,
        status=choice_field(params.get("status") or None, field="status", label="状态",
                            choices=states.STATUS_NAMES, required=False),
        q=q.strip(),
        page=page,
    )


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _board_query(filters: BoardFilters) -> Select[Any]:
    query = select(Case).join(Message).where(Message.is_public.is_(True))
    if filters.domain:
        query = query.where(Message.domain == filters.domain)
    if filters.appeal_kind:
        query = query.where(Message.appeal_kind == filters.appeal_kind)
    if filters.department_id:
        query = query.where(Case.department_id == filters.department_id)
    if filters.status:
        query = query.where(Case.status == filters.status)
    # Substring search works for Chinese without a tokenizer and runs the same on SQLite and PostgreSQL.
    # It matches only the masked text the public pages show, never the stored original (no digit-by-digit
    # recovery of a masked phone number, no hit for a whole ID number typed in).
    for term in filters.q.split()[:5]:
        pattern = f"%{_like_escape(term)}%"
        query = query.where(Message.public_search_text.like(pattern, escape="\\"))
    return query


@dataclass
class Page:
    """One page of results."""

    items: list[Case]
    total: int
    page: int
    per_page: int = PER_PAGE
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.per_page))


def list_public_cases(session: Session, *, filters: BoardFilters, per_page: int = PER_PAGE) -> Page:
    """The public board: public messages, newest first, filtered and paginated."""
    query = _board_query(filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Message.created_at.desc(), Case.id.desc())
                           .offset((filters.page - 1) * per_page).limit(per_page)).unique().all()
    return Page(items=list(rows), total=total, page=filters.page, per_page=per_page)


@dataclass
class CaseView:
    """Everything a case page shows."""

    case: Case
    events: list[CaseEvent]
    replies: list[Reply]
    ratings: list[Rating]


def case_view(session: Session, case: Case, *, public_only: bool) -> CaseView:
    """A case with its events (public ones only for the public), replies and ratings."""
    events = select(CaseEvent).where(CaseEvent.case_id == case.id)
    if public_only:
        events = events.where(CaseEvent.is_public.is_(True))
    return CaseView(
        case=case,
        events=list(session.scalars(events.order_by(CaseEvent.created_at, CaseEvent.id))),
        replies=list(session.scalars(select(Reply).where(Reply.case_id == case.id).order_by(Reply.created_at))),
        ratings=list(session.scalars(select(Rating).where(Rating.case_id == case.id)
                                     .order_by(Rating.created_at))),
    )


def public_case(session: Session, case_id: Any) -> CaseView:
    """A public case page; private and unknown cases are both 'not found'."""
    case = get_by_id(session, Case, case_id)
    if case is None or not case.message.is_public:
        raise NotFound("办件不存在或未公开")
    return case_view(session, case, public_only=True)
