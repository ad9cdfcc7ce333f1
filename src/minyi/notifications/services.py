"""Deadlines enforced: reminders before a deadline, automatic 督办 after it, and the staff inbox.

Each reminder and escalation happens once per case and deadline: its notice carries a unique
`dedup_key` (`deadline_reminder:<case>:<deadline>`, `escalation:<case>:<deadline>`), so running the
scheduler again, or in two processes at once, sends nothing twice. An approved extension or a reopen
gives the case a new deadline, and with it a new reminder and, if missed, a new escalation.

The worker plans them in a reading transaction and writes them in short writing transactions of
`DEADLINE_BATCH` cases, each case checked again (still running, same deadline, not sent) when it is written.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import String, cast, func, literal, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from minyi.accounts.models import Role, User
from minyi.core.clock import china_today, utcnow
from minyi.core.db import get_by_id, transaction
from minyi.core.errors import NotFound, ValidationFailed
from minyi.core.settings import Settings
from minyi.core.validation import bool_field, text_field
from minyi.core.workdays import add_workdays, workdays_between
from minyi.departments.models import Department
from minyi.jurisdictions.services import ROOT_ID
from minyi.messages.models import Message
from minyi.nlp.display import public_display
from minyi.notifications.channels import Channel, DeliveryError, InboxChannel, OutgoingNotice, outbound_channels
from minyi.notifications.models import Delivery, Notice, Notification, NotificationPreference
from minyi.notifications.sms import is_mobile, sms_sender
from minyi.workflow import lookup
from minyi.workflow import services as workflow
from minyi.workflow.actors import Actor
from minyi.workflow.deadlines import deadline_runs, is_overdue, overdue_clause, running_clause
from minyi.workflow.lookup import CodeRequest
from minyi.workflow.models import Case

log = logging.getLogger(__name__)
REMINDER, ESCALATION = "deadline_reminder", "escalation"
# Hand-offs (`minyi.notifications.handoffs`): someone has new work on a case; a manual 督办 is an ESCALATION.
ASSIGNED, TRANSFERRED, RETURNED, REOPENED = "assigned", "transferred", "returned", "reopened"
TRACKING_LINK = "tracking_link"  # a citizen's tracking link, e-mailed (or texted) once: never in a staff inbox
TRACKING_CODE = "tracking_code"  # a one-time code to find a lost tracking link again (minyi.workflow.lookup)
CITIZEN_REPLY = "citizen_reply"  # a citizen told by e-mail that their message has a reply
CITIZEN_KINDS = (TRACKING_LINK, TRACKING_CODE, CITIZEN_REPLY)  # to a citizen's address: erased once sent
EXTENSION_REQUESTED, EXTENSION_APPROVED, EXTENSION_REFUSED = (
    "extension_requested",
    "extension_approved",
    "extension_refused",
)
KIND_NAMES = {
    REMINDER: "时限提醒",
    ESCALATION: "督办",
    "watch": "网上蹲点",
    "web_urgent": "紧急网络民意",  # minyi.collect.alerts
    "web_surge": "网络民意激增",  # minyi.watches.web
    ASSIGNED: "转办",
    TRANSFERRED: "改派",
    RETURNED: "退回",
    REOPENED: "重办",
    EXTENSION_REQUESTED: "延期申请",
    EXTENSION_APPROVED: "延期已批准",
    EXTENSION_REFUSED: "延期未批准",
    TRACKING_LINK: "查询链接",
    TRACKING_CODE: "验证码",
    CITIZEN_REPLY: "答复通知",
}
MAX_ATTEMPTS = 5
INBOX_LIMIT = 200
DEADLINE_BATCH = 100  # cases written per writing transaction of the deadline task
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{1,60}$")


@dataclass(frozen=True)
class Outbound:
    """Which outbound channels are configured: deliveries are queued only for those."""

    email: bool = False
    webhook_url: str = ""
    sms: bool = False  # texts to citizens (minyi.notifications.sms): tracking links and one-time codes only
    site_url: str = ""  # the site's public address (MINYI_PUBLIC_URL), for links in messages to citizens

    @classmethod
    def of(cls, settings: Settings) -> Outbound:
        """From the settings."""
        return cls(
            email=bool(settings.smtp_host),
            webhook_url=settings.webhook_url,
            sms=sms_sender(settings) is not None,
            site_url=settings.public_url,
        )


def _active(session: Session, *conditions: Any) -> list[User]:
    return list(session.scalars(select(User).where(User.is_active.is_(True), *conditions).order_by(User.id)))


def department_handlers(session: Session, department_id: int | None) -> list[User]:
    """The active handlers of a department."""
    if department_id is None:
        return []
    return _active(session, User.role == Role.HANDLER, User.department_id == department_id)


def _holding(case: Case | None) -> list[Any]:
    """Staff whose jurisdiction holds `case` (the case's own or one above it: who may see it); all without a case."""
    if case is None:
        return []
    path = case.jurisdiction.path if case.jurisdiction is not None else f"/{ROOT_ID}/"
    ids = [int(part) for part in path.strip("/").split("/") if part]
    return [or_(User.jurisdiction_id.is_(None), User.jurisdiction_id.in_(ids))]


def supervisors(session: Session, *, case: Case | None = None) -> list[User]:
    """The active supervisors (the admins when there is none) — of the case's jurisdiction or above, given one."""
    where = _holding(case)
    return _active(session, User.role == Role.SUPERVISOR, *where) or _active(session, User.role == Role.ADMIN, *where)


def coordinators(session: Session, *, case: Case | None = None) -> list[User]:
    """The active coordinators (the admins when there is none) — of the case's jurisdiction or above, given one."""
    where = _holding(case)
    return _active(session, User.role == Role.COORDINATOR, *where) or _active(session, User.role == Role.ADMIN, *where)


def notify(
    session: Session,
    *,
    kind: str,
    case: Case | None,
    dedup_key: str,
    title: str,
    body: str,
    users: Iterable[User],
    outbound: Outbound,
) -> Notice | None:
    """Store a notice once: in each user's inbox, and queued for e-mail and webhook; None if already sent."""
    if session.scalar(select(Notice.id).where(Notice.dedup_key == dedup_key)) is not None:
        return None
    users = list(users)
    notice = Notice(
        kind=kind,
        case_id=case.id if case else None,
        dedup_key=dedup_key,
        title=title[:200],
        body=body,
        link=f"/staff/cases/{case.id}" if case else "/staff/notifications",
        created_at=utcnow(),
    )
    session.add(notice)
    session.flush()
    InboxChannel().add(session, notice=notice, user_ids=[u.id for u in users])
    if outbound.email and users:
        prefs = session.scalars(
            select(NotificationPreference).where(
                NotificationPreference.user_id.in_([u.id for u in users]),
                NotificationPreference.email_enabled.is_(True),
                NotificationPreference.email != "",
            )
        )
        for email in dict.fromkeys(p.email for p in prefs):
            session.add(Delivery(notice_id=notice.id, channel="email", recipient=email, created_at=notice.created_at))
    if outbound.webhook_url:
        session.add(
            Delivery(
                notice_id=notice.id, channel="webhook", recipient=outbound.webhook_url, created_at=notice.created_at
            )
        )
    session.flush()
    return notice


def send_tracking_link(
    session: Session,
    *,
    case: Case,
    channel_name: str,
    email: str,
    url: str,
    outbound: Outbound,
    phone: str = "",
) -> Notice | None:
    """Queue the citizen's tracking link for their e-mail and, when texts are configured and the phone given is
    a mobile, as a text; once per case; None when neither can go.

    The link is a secret shown once: it waits in the queue only until it is sent or given up
    (`_forget_sent_links`), never goes to the webhook nor to any staff inbox.
    """
    by_email = bool(outbound.email and email)
    by_sms = bool(outbound.sms and is_mobile(phone))
    if not (by_email or by_sms):
        return None
    dedup_key = f"{TRACKING_LINK}:{case.id}"
    if session.scalar(select(Notice.id).where(Notice.dedup_key == dedup_key)) is not None:
        return None
    notice = Notice(
        kind=TRACKING_LINK,
        case_id=case.id,
        dedup_key=dedup_key,
        title=f"您的留言已登记，编号 {case.id}",
        body=(
            f"您好！您通过{channel_name}反映的问题已登记为留言，编号 {case.id}。\n\n"
            "请保存下面的专属查询链接：凭它查看办理进度、阅读答复并进行评价。请勿转发给他人。\n"
            f"{url}"
        ),
        link="",  # the message carries the link in its text; `link` would make it a staff page's address
        created_at=utcnow(),
    )
    session.add(notice)
    session.flush()
    if by_email:
        session.add(Delivery(notice_id=notice.id, channel="email", recipient=email, created_at=notice.created_at))
    if by_sms:
        session.add(Delivery(notice_id=notice.id, channel="sms", recipient=phone, created_at=notice.created_at))
    session.flush()
    return notice


def delivery_channels(session: Session, notice_id: int) -> list[str]:
    """The channels a notice is queued for ("email", "sms", …), sorted."""
    return sorted(set(session.scalars(select(Delivery.channel).where(Delivery.notice_id == notice_id))))


def send_lookup_code(
    session: Session, *, asked: CodeRequest, secret_key: str, lookup_url: str, outbound: Outbound
) -> Notice | None:
    """Queue the one-time code of a matched lookup (`minyi.workflow.lookup.request_code`) to the phone or e-mail
    that matched; None when that channel is not configured."""
    message, case = session.get(Message, asked.message_id), session.get(Case, asked.case_id)
    if message is None or message.contact is None or case is None:
        return None
    contact = message.contact
    return send_tracking_code(
        session,
        case=case,
        channel=asked.channel,
        recipient=contact.phone if asked.channel == "sms" else contact.email,
        code=lookup.code_for(message, secret_key, utcnow()),
        lookup_url=lookup_url,
        outbound=outbound,
    )


def send_tracking_code(
    session: Session, *, case: Case, channel: str, recipient: str, code: str, lookup_url: str, outbound: Outbound
) -> Notice | None:
    """Queue a one-time code (minyi.workflow.lookup) to the phone ("sms") or e-mail ("email") the citizen gave;
    None when that channel is not configured. Erased from the queue once sent."""
    if (channel == "sms" and not outbound.sms) or (channel == "email" and not outbound.email) or not recipient:
        return None
    notice = Notice(
        kind=TRACKING_CODE,
        case_id=case.id,
        dedup_key=f"{TRACKING_CODE}:{case.id}:{secrets.token_hex(8)}",  # every request is its own message
        title=f"找回留言查询链接的验证码（编号 {case.id}）",
        body=(
            f"您正在找回第 {case.id} 号留言的查询链接，验证码：{code}\n"
            f"10 分钟内有效，请在 {lookup_url} 页面输入。如非本人操作，请忽略本邮件。\n{code}"
        ),
        link="",
        created_at=utcnow(),
    )
    session.add(notice)
    session.flush()
    session.add(Delivery(notice_id=notice.id, channel=channel, recipient=recipient, created_at=notice.created_at))
    session.flush()
    return notice


def tell_citizen_of_reply(
    session: Session, *, case: Case, email: str, reply: str, lookup_url: str, outbound: Outbound
) -> Notice | None:
    """Queue an e-mail to the citizen's address: their message has a reply (its public text, masked as on the board),
    and how to rate it. The tracking link is not known here (only its hash is kept): the e-mail says where to find
    it again. None without e-mail or address."""
    if not (outbound.email and email):
        return None
    notice = Notice(
        kind=CITIZEN_REPLY,
        case_id=case.id,
        dedup_key=f"{CITIZEN_REPLY}:{case.id}:{secrets.token_hex(8)}",
        title=f"您的第 {case.id} 号留言已有答复",
        body=(
            f"您好！您的第 {case.id} 号留言「{public_display(case.message.title)}」已有答复：\n\n{reply}\n\n"
            "请用您保存的专属查询链接查看办理过程并评价；如已丢失，可在 "
            f"{lookup_url} 凭留言编号和您留下的手机号或电子邮箱找回。"
        ),
        link="",
        created_at=utcnow(),
    )
    session.add(notice)
    session.flush()
    session.add(Delivery(notice_id=notice.id, channel="email", recipient=email, created_at=notice.created_at))
    session.flush()
    return notice


def _forget_sent_links(session: Session, delivery_ids: list[int]) -> None:
    """Messages to a citizen sent or given up: their address is erased from the queue, and the text of a tracking
    link or a code (secrets) too."""
    finished = select(Delivery.notice_id).where(
        Delivery.id.in_(delivery_ids), or_(Delivery.status == "sent", Delivery.attempts >= MAX_ATTEMPTS)
    )
    links = select(Notice.id).where(Notice.kind.in_(CITIZEN_KINDS), Notice.id.in_(finished))
    secret = select(Notice.id).where(Notice.kind.in_((TRACKING_LINK, TRACKING_CODE)), Notice.id.in_(finished))
    session.execute(
        update(Notice).where(Notice.id.in_(secret)).values(body="").execution_options(synchronize_session=False)
    )
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(delivery_ids), Delivery.notice_id.in_(links))
        .values(recipient="")
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class DeadlineNotice:
    """A reminder or an escalation planned in a reading transaction, written later if the case still needs it."""

    case_id: int
    deadline: date  # the deadline it is about (the case must still have it when written)
    department_id: int | None
    dedup_key: str
    title: str
    body: str
    reason: str = ""  # the escalation's reason, logged with its event


@dataclass(frozen=True)
class _DueCase:
    id: int
    deadline: date
    department_id: int | None
    title: str
    department: str | None


def _deadline_key(session: Session, kind: str) -> Any:
    """In SQL, the dedup key of a case's `kind` notice for its current deadline ("kind:case id:YYYY-MM-DD")."""
    if session.get_bind().dialect.name == "postgresql":
        day: Any = func.to_char(Case.deadline, "YYYY-MM-DD")
    else:  # SQLite keeps a date as its ISO text
        day = cast(Case.deadline, String)
    return literal(f"{kind}:") + cast(Case.id, String) + literal(":") + day


def _due_cases(session: Session, *conditions: Any, kind: str) -> list[_DueCase]:
    """The running cases meeting `conditions` that have no `kind` notice for their current deadline yet, with what
    their notices say (columns only, no whole cases). The notices already sent are left out in SQL (an anti-join
    on the unique dedup key): an overdue case escalated long ago is not read again at every run."""
    sent = select(Notice.id).where(Notice.dedup_key == _deadline_key(session, kind))
    query = (
        select(Case.id, Case.deadline, Case.department_id, Message.title, Department.name)
        .join(Message, Message.id == Case.message_id)
        .outerjoin(Department, Department.id == Case.department_id)
        .where(running_clause(), *conditions, ~sent.exists())
        .order_by(Case.deadline, Case.id)
    )
    return [
        _DueCase(r.id, _deadline(r.deadline, r.id), r.department_id, r.title, r.name) for r in session.execute(query)
    ]


def _already_sent(session: Session, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    found: set[str] = set()
    for start in range(0, len(keys), 1000):  # bounded IN lists
        chunk = keys[start : start + 1000]
        found.update(session.scalars(select(Notice.dedup_key).where(Notice.dedup_key.in_(chunk))))
    return found


def _deadline(deadline: date | None, case_id: int) -> date:
    """The deadline of a case selected by a deadline condition (such a case always has one)."""
    if deadline is None:
        msg = f"case {case_id} has no deadline"
        raise ValueError(msg)
    return deadline


def _describe(case: _DueCase) -> str:
    """The case as a notice names it: its title as the public sees it (personal data masked, as hand-offs do)."""
    dept = case.department or "承办部门"
    return f"办件 {case.id}「{public_display(case.title)}」由{dept}承办，办理时限为 {case.deadline.isoformat()}"


def plan_deadline_reminders(session: Session, *, remind_workdays: int, today: date) -> list[DeadlineNotice]:
    """Reminders for open cases due within `remind_workdays` working days, not sent yet (reads only)."""
    horizon = add_workdays(today, max(0, remind_workdays))
    cases = _due_cases(session, Case.deadline >= today, Case.deadline <= horizon, kind=REMINDER)
    keys = {c.id: f"{REMINDER}:{c.id}:{c.deadline.isoformat()}" for c in cases}
    done = _already_sent(session, list(keys.values()))
    planned = []
    for case in cases:
        if keys[case.id] in done:
            continue
        left = workdays_between(today, case.deadline)
        when = "今天到期" if left == 0 else f"还剩 {left} 个工作日"
        title = f"【时限提醒】办件 {case.id} {when}"
        body = f"{_describe(case)}，{when}。请按时答复；确需更多时间的，请在到期前申请延期。"
        planned.append(DeadlineNotice(case.id, case.deadline, case.department_id, keys[case.id], title, body))
    return planned


def plan_escalations(session: Session, *, today: date) -> list[DeadlineNotice]:
    """督办 for every open case past its deadline, not escalated for that deadline yet (reads only)."""
    cases = _due_cases(session, overdue_clause(today), kind=ESCALATION)
    keys = {c.id: f"{ESCALATION}:{c.id}:{c.deadline.isoformat()}" for c in cases}
    done = _already_sent(session, list(keys.values()))
    planned = []
    for case in cases:
        if keys[case.id] in done:
            continue
        late = workdays_between(case.deadline, today)
        reason = f"超过办理时限（{case.deadline.isoformat()}）{late} 个工作日仍未答复，系统自动督办"
        title = f"【督办】办件 {case.id} 已超过办理时限"
        body = f"{_describe(case)}，已超期 {late} 个工作日，系统已自动督办。请承办部门尽快答复。"
        planned.append(DeadlineNotice(case.id, case.deadline, case.department_id, keys[case.id], title, body, reason))
    return planned


def _still_due(session: Session, planned: Sequence[DeadlineNotice]) -> dict[int, tuple[str, date | None]]:
    """The planned cases' status and deadline as they stand now, their rows locked until the transaction ends."""
    ids = [p.case_id for p in planned]
    rows = session.execute(select(Case.id, Case.status, Case.deadline).where(Case.id.in_(ids)).with_for_update())
    return {row.id: (row.status, row.deadline) for row in rows}


def send_planned_reminders(
    session: Session, planned: Sequence[DeadlineNotice], *, outbound: Outbound, today: date
) -> int:
    """Send planned reminders whose case still runs with the same deadline (a short writing transaction)."""
    now, sent = _still_due(session, planned), 0
    for item in planned:
        status, deadline = now.get(item.case_id, ("", None))
        if deadline is None or not deadline_runs(status) or deadline != item.deadline or deadline < today:
            continue
        case = session.get(Case, item.case_id)
        users = department_handlers(session, item.department_id)
        notice = notify(
            session,
            kind=REMINDER,
            case=case,
            dedup_key=item.dedup_key,
            title=item.title,
            body=item.body,
            users=users,
            outbound=outbound,
        )
        sent += notice is not None
    return sent


def escalate_planned(session: Session, planned: Sequence[DeadlineNotice], *, outbound: Outbound, today: date) -> int:
    """督办 the planned cases still overdue on the same deadline (a short writing transaction); how many.

    Each is an 'escalate' event by the system, told to supervisors and the department's handlers; a case
    answered, or escalated by another worker, since the plan was read is left alone.
    """
    now, escalated = _still_due(session, planned), 0
    supervising: dict[int | None, list[User]] = {}  # per jurisdiction: those who may see its cases
    for item in planned:
        status, deadline = now.get(item.case_id, ("", None))
        if deadline != item.deadline or not is_overdue(deadline, today=today, running=deadline_runs(status)):
            continue
        if session.scalar(select(Notice.id).where(Notice.dedup_key == item.dedup_key)) is not None:
            continue
        case = workflow.escalate(session, actor=Actor.system(), case_id=item.case_id, reason=item.reason)
        if case.jurisdiction_id not in supervising:
            supervising[case.jurisdiction_id] = supervisors(session, case=case)
        notify(
            session,
            kind=ESCALATION,
            case=case,
            dedup_key=item.dedup_key,
            title=item.title,
            body=item.body,
            users=supervising[case.jurisdiction_id] + department_handlers(session, item.department_id),
            outbound=outbound,
        )
        escalated += 1
    return escalated


def send_deadline_reminders(
    session: Session, *, remind_workdays: int, outbound: Outbound, today: date | None = None
) -> int:
    """Remind the department's handlers of open cases due within `remind_workdays` working days."""
    today = today or china_today()
    planned = plan_deadline_reminders(session, remind_workdays=remind_workdays, today=today)
    return send_planned_reminders(session, planned, outbound=outbound, today=today)


def escalate_overdue(session: Session, *, outbound: Outbound, today: date | None = None) -> int:
    """督办 every open case past its deadline (an 'escalate' event by the system), and tell supervisors and handlers."""
    today = today or china_today()
    return escalate_planned(session, plan_escalations(session, today=today), outbound=outbound, today=today)


def batches(items: Sequence[DeadlineNotice], size: int | None = None) -> Iterator[Sequence[DeadlineNotice]]:
    """`items` in consecutive slices of at most `size` (`DEADLINE_BATCH` when not given)."""
    step = max(1, size or DEADLINE_BATCH)
    for start in range(0, len(items), step):
        yield items[start : start + step]


Job = tuple[int, str, str, OutgoingNotice]  # delivery id, channel, recipient, what to send


def _pending_jobs(factory: sessionmaker[Session], *, public_url: str, limit: int) -> list[Job]:
    with transaction(factory, write=False) as session:
        rows = session.scalars(
            select(Delivery)
            .where(Delivery.status.in_(["pending", "failed"]), Delivery.attempts < MAX_ATTEMPTS)
            .order_by(Delivery.id)
            .limit(limit)
        ).unique()
        return [(d.id, d.channel, d.recipient, OutgoingNotice.of(d.notice, public_url=public_url)) for d in rows]


def deliver_pending(
    factory: sessionmaker[Session], *, channels: dict[str, Channel], public_url: str = "", limit: int = 200
) -> dict[str, int]:
    """Send queued e-mails and webhook calls outside any transaction, then record each outcome."""
    outcomes: list[tuple[int, str]] = []  # (delivery id, error or "")
    for delivery_id, channel_name, recipient, notice in _pending_jobs(factory, public_url=public_url, limit=limit):
        channel = channels.get(channel_name)
        try:
            if channel is None:
                msg = f"channel {channel_name!r} is not configured"
                raise DeliveryError(msg)
            channel.send(recipient, notice)
            outcomes.append((delivery_id, ""))
        except Exception as exc:  # one broken delivery must not stop the others
            log.warning("delivery %s over %s failed: %s", delivery_id, channel_name, exc)
            outcomes.append((delivery_id, str(exc)[:1000] or type(exc).__name__))
    if outcomes:
        with transaction(factory) as session:
            now = utcnow()
            for delivery_id, error in outcomes:
                values: dict[str, Any] = {
                    "attempts": Delivery.attempts + 1,
                    "last_error": error,
                    "status": "failed" if error else "sent",
                }
                if not error:
                    values["sent_at"] = now
                session.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))
            _forget_sent_links(session, [delivery_id for delivery_id, _error in outcomes])
    failed = sum(1 for _id, error in outcomes if error)
    return {"delivered": len(outcomes) - failed, "delivery_failures": failed}


def run_deadline_tasks(factory: sessionmaker[Session], settings: Settings) -> dict[str, int]:
    """The scheduler's deadline work: reminders, escalations, then deliveries.

    Each is planned in a reading transaction and written `DEADLINE_BATCH` cases per writing transaction, so the
    write lock (SQLite) is never held while the cases are read, nor for more than one batch.
    """
    outbound, today = Outbound.of(settings), china_today()
    with transaction(factory, write=False) as session:
        reminders = plan_deadline_reminders(session, remind_workdays=settings.remind_workdays, today=today)
        escalations = plan_escalations(session, today=today) if settings.auto_escalate else []
    reminded = escalated = 0
    for batch in batches(reminders):
        with transaction(factory) as session:
            reminded += send_planned_reminders(session, batch, outbound=outbound, today=today)
    for batch in batches(escalations):
        with transaction(factory) as session:
            escalated += escalate_planned(session, batch, outbound=outbound, today=today)
    sent = deliver_pending(factory, channels=outbound_channels(settings), public_url=settings.public_url)
    return {"reminders": reminded, "escalations": escalated, **sent}


# --- the staff inbox ------------------------------------------------------------------------------------


def list_notifications(session: Session, *, user_id: int, limit: int = INBOX_LIMIT) -> list[Notification]:
    """A staff member's notifications, unread first, newest first."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        ).unique()
    )


def unread_count(session: Session, *, user_id: int) -> int:
    """How many notifications the user has not read."""
    return (
        session.scalar(
            select(func.count(Notification.id)).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(session: Session, *, user_id: int, notification_id: Any) -> Notification:
    """Mark one of the user's own notifications read (someone else's is 'not found')."""
    row = get_by_id(session, Notification, notification_id)
    if row is None or row.user_id != user_id:
        raise NotFound("通知不存在")
    if row.read_at is None:
        row.read_at = utcnow()
    return row


def mark_all_read(session: Session, *, user_id: int) -> int:
    """Mark every unread notification of the user read; returns how many."""
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)  # an UPDATE's result is a CursorResult


def preferences(session: Session, *, user_id: int) -> NotificationPreference:
    """The user's e-mail preference (not stored until changed)."""
    return session.get(NotificationPreference, user_id) or NotificationPreference(
        user_id=user_id, email="", email_enabled=False
    )


def update_preferences(session: Session, *, user_id: int, email: Any, email_enabled: Any) -> NotificationPreference:
    """Set where e-mail copies go; enabling needs a valid address."""
    address = text_field(email, field="email", label="电子邮箱", max_len=254, required=False).strip()
    enabled = bool_field(email_enabled)
    if address and not _EMAIL.match(address):
        raise ValidationFailed("电子邮箱格式不正确", field="email")
    if enabled and not address:
        raise ValidationFailed("开启邮件通知前请填写电子邮箱", field="email")
    row = session.get(NotificationPreference, user_id)
    if row is None:
        row = NotificationPreference(user_id=user_id)
        session.add(row)
    row.email, row.email_enabled, row.updated_at = address, enabled, utcnow()
    session.flush()
    return row
