"""代录入 as one use case: a coordinator enters what a citizen said by phone, letter, in person or online.

The message goes through the citizen's own checks and opens its case exactly as a web submission does
(`minyi.workflow.intake.enter_message`); the `submit` event names who entered it and the channel, the entry is
recorded in the account audit trail, and the citizen's tracking link is queued for e-mail when they gave an
address and e-mail is configured (`minyi.notifications.services.send_tracking_link`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from minyi.accounts import audit
from minyi.accounts.models import Role, User
from minyi.collect.models import WebItem
from minyi.collect.retention import is_purged
from minyi.core.clock import CHINA_TZ, utcnow
from minyi.core.db import get_by_id
from minyi.core.errors import InvalidTransition, NotFound, PermissionDenied
from minyi.messages.channels import ONLINE, channel_name
from minyi.messages.models import MessageContact
from minyi.messages.services import BODY_MAX, BODY_MIN, TITLE_MAX, TITLE_MIN
from minyi.notifications.services import Outbound, send_tracking_link
from minyi.workflow.actors import Actor
from minyi.workflow.intake import Submission, enter_message
from minyi.workflow.models import Case
from minyi.workflow.services import in_jurisdiction

ENTRY_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})


@dataclass(frozen=True)
class Entered:
    """An entered case, the citizen's tracking link (shown once, to read out or write down) and where it was
    e-mailed ("" when it was not)."""

    submission: Submission
    channel_name: str
    tracking_url: str
    emailed_to: str


def _audit_entry(session: Session, user: User, client: str, detail: str) -> None:
    """A `case_entered` line in the account audit: who entered which case, from what."""
    audit.record(session, kind="case_entered", username=user.username, user=user, client=client, detail=detail)


def _within_own_jurisdiction(case: Case, user: User) -> None:
    """A case entered by staff below the root starts in their jurisdiction unless it was already placed within it:
    they would not see it otherwise (isolation, docs/jurisdictions.md)."""
    if user.jurisdiction is None or in_jurisdiction(case, Actor.from_user(user)):
        return
    case.jurisdiction = user.jurisdiction
    case.jurisdiction_reason = f"由{user.jurisdiction.name}代录入"


def enter_case(
    session: Session, *, user: User, data: dict[str, Any], site_url: str, outbound: Outbound, client: str = ""
) -> Entered:
    """Store a message entered by `user` (coordinator or admin) with its case, audit the entry, and queue the
    tracking link for e-mail when the citizen gave an address; every invalid field is reported at once."""
    if user.role not in ENTRY_ROLES:
        raise PermissionDenied("只有受理员和管理员可以代录入留言")
    submission = enter_message(session, data=data, actor=Actor.from_user(user))
    _within_own_jurisdiction(submission.case, user)
    case, message = submission.case, submission.message
    name = channel_name(message.channel)
    _audit_entry(session, user, client, f"办件 {case.id}（{name}）")
    url = f"{site_url.rstrip('/')}/track/{submission.tracking_token}"
    session.flush()
    contact = session.get(MessageContact, message.id)
    email = contact.email if contact is not None else ""
    queued = send_tracking_link(session, case=case, channel_name=name, email=email, url=url, outbound=outbound)
    return Entered(submission=submission, channel_name=name, tracking_url=url, emailed_to=email if queued else "")


def case_from_web_item(session: Session, *, user: User, item_id: Any, client: str = "") -> Case:
    """转为办件: open a case from a collected web item (channel 网络民意), its source link in the message, public
    (the web already said it; staff chose to answer it in public); the writer cannot be contacted, so the reply on the
    board is the answer. Once per item: a second call gives the same case."""
    if user.role not in ENTRY_ROLES:
        raise PermissionDenied("只有受理员和管理员可以把网络民意转为办件")
    item = get_by_id(session, WebItem, item_id)
    if item is None:
        raise NotFound("没有这条网络民意")
    if item.case_id is not None:
        existing = session.get(Case, item.case_id)
        if existing is not None:
            return existing
    if is_purged(item):
        raise InvalidTransition("这条网络民意的正文已按保留期限清除，不能转为办件")
    text = " ".join((item.text or "").split())
    title = (item.title or text)[:TITLE_MAX].strip()
    if len(title) < TITLE_MIN:
        title = f"网络民意：{title}"[:TITLE_MAX]
    source = f"\n\n（网络民意，来源：{item.url}）"
    body = text[: BODY_MAX - len(source)] + source
    data = {
        "title": title,
        "body": body if len(text) >= BODY_MIN else f"{title}。{body}",
        "appeal_kind": "",
        "is_public": "on",
        "channel": ONLINE,
        "received_at": utcnow().astimezone(CHINA_TZ).strftime("%Y-%m-%dT%H:%M"),  # taken up now
        "submission_key": f"web-item-{item.id}",
    }
    submission = enter_message(session, data=data, actor=Actor.from_user(user))
    _within_own_jurisdiction(submission.case, user)
    item.case_id = submission.case.id
    _audit_entry(session, user, client, f"办件 {submission.case.id}（网络民意 {item.id}）")
    session.flush()
    return submission.case
