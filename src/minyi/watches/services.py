"""Watches (网上蹲点): save one, see its messages and figures over time, be told when something arrives.

A watch matches messages by place (the place field or the title names it), keyword (title or body),
domain (领域), or hot issue (its cases when saved, plus the cases of the current hot issue with the
same description). `scan_watches` (scheduled) looks only at messages newer than the watch's last scan,
so each message alerts a watch at most once. The worker plans a scan in a reading transaction and writes the
alerts in short writing transactions of `SCAN_BATCH` watches, each watch advanced by compare-and-set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, update
from sqlalchemy.orm import Session

from minyi.accounts.models import Role, User
from minyi.collect.models import WebItem
from minyi.core.clock import to_china, utcnow
from minyi.core.db import get_by_id
from minyi.core.errors import Conflict, NotFound, ValidationFailed
from minyi.core.validation import text_field
from minyi.hot.services import current_hot_issues
from minyi.messages.display import public_display
from minyi.messages.models import Message, MessageAnalysis
from minyi.nlp.labels import DOMAINS
from minyi.notifications.services import Outbound, notify
from minyi.stats.aggregates import Scope, tallies
from minyi.stats.figures import Figures
from minyi.stats.models import CaseFactsRow
from minyi.watches.models import Watch
from minyi.workflow.models import Case
from minyi.workflow.scope import cases_within, of_user

KINDS = {"place": "地点", "keyword": "关键词", "domain": "领域", "hot_issue": "热点问题"}
MAX_WATCHES = 50  # per user
MAX_VALUE = 100
SHOWN = 50  # messages listed on a watch's page
TREND_MONTHS = 24
ALERT_TITLES = 5
SCAN_BATCH = 50  # watches written per writing transaction of a scan


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _hot_case_ids(session: Session, watch: Watch) -> list[int]:
    ids = {int(c) for c in watch.case_ids or []}
    for issue in current_hot_issues(session):
        if issue.description == watch.value:
            ids.update(int(c) for c in issue.case_ids)
    return sorted(ids)


def _condition(session: Session, watch: Watch) -> ColumnElement[bool]:
    # ILIKE: a watch on "WiFi" finds "wifi" on PostgreSQL too (SQLite's LIKE already folds ASCII case), as the web
    # items' watches do (minyi.watches.web)
    if watch.kind == "place":
        return or_(
            Message.place_text.ilike(_like(watch.value), escape="\\"),
            Message.title.ilike(_like(watch.value), escape="\\"),
        )
    if watch.kind == "keyword":
        return or_(
            Message.title.ilike(_like(watch.value), escape="\\"),
            Message.body.ilike(_like(watch.value), escape="\\"),
        )
    if watch.kind == "domain":
        return Message.domain == watch.value
    ids = _hot_case_ids(session, watch)
    return Case.id.in_(ids) if ids else false()


def _matches(session: Session, watch: Watch, user: User) -> Select[Any]:
    """The watch's cases that its owner may see: those of their jurisdiction and below (staff below the root watch
    their own area), and of those a handler's public messages and their own department's."""
    query = select(Case).join(Message, Message.id == Case.message_id).where(_condition(session, watch))
    query = query.where(*cases_within(of_user(user)))
    if user.role is Role.HANDLER:
        query = query.where(or_(Message.is_public.is_(True), Case.department_id == user.department_id))
    return query


def create_watch(session: Session, *, user: User, kind: Any, value: Any) -> Watch:
    """Save a watch; it alerts on messages and web items that arrive after this moment."""
    kind = str(kind or "")
    if kind not in KINDS:
        raise ValidationFailed("请选择蹲点类型：地点、关键词、领域或热点问题", field="kind")
    text = text_field(value, field="value", label=KINDS[kind], max_len=MAX_VALUE).strip()
    case_ids: list[int] = []
    if kind == "domain" and text not in DOMAINS:
        raise ValidationFailed(f"没有这个领域：{text}", field="value")
    if kind == "hot_issue":
        issue = next((i for i in current_hot_issues(session) if str(i.id) == text or i.description == text), None)
        if issue is None:
            raise ValidationFailed("这个热点问题已不在当前热点中，请重新选择", field="value")
        text, case_ids = issue.description, [int(c) for c in issue.case_ids]
    mine = list(session.scalars(select(Watch).where(Watch.user_id == user.id, Watch.deleted_at.is_(None))))
    if any(w.kind == kind and w.value == text for w in mine):
        raise Conflict("您已经在蹲点这一项")
    if len(mine) >= MAX_WATCHES:
        raise ValidationFailed(f"每人最多保存 {MAX_WATCHES} 个蹲点，请先删除不再需要的", field="value")
    newest = session.scalar(select(func.max(Message.id))) or 0
    newest_web = session.scalar(select(func.max(WebItem.id))) or 0
    watch = Watch(
        user_id=user.id,
        kind=kind,
        value=text,
        case_ids=case_ids,
        last_message_id=newest,
        last_web_item_id=newest_web,
        last_scan_at=utcnow(),
        created_at=utcnow(),
    )
    session.add(watch)
    session.flush()
    return watch


def get_watch(session: Session, *, user: User, watch_id: Any) -> Watch:
    """One of the user's own watches, else NotFound."""
    watch = get_by_id(session, Watch, watch_id)
    if watch is None or watch.user_id != user.id or watch.deleted_at is not None:
        raise NotFound("蹲点不存在")
    return watch


def delete_watch(session: Session, *, user: User, watch_id: Any) -> Watch:
    """Stop watching (kept, marked deleted)."""
    watch = get_watch(session, user=user, watch_id=watch_id)
    watch.deleted_at = utcnow()
    session.flush()
    return watch


def list_watches(session: Session, *, user: User) -> list[tuple[Watch, int]]:
    """The user's watches with how many messages each matches."""
    watches = list(
        session.scalars(
            select(Watch)
            .where(Watch.user_id == user.id, Watch.deleted_at.is_(None))
            .order_by(Watch.created_at.desc(), Watch.id.desc())
        )
    )
    return [
        (w, session.scalar(select(func.count()).select_from(_matches(session, w, user).subquery())) or 0)
        for w in watches
    ]


@dataclass(frozen=True)
class WatchMonth:
    """One month of a watch's figures (the public statistics' definitions)."""

    month: str
    figures: Figures


@dataclass
class WatchView:
    """A watch's page: its newest messages, how many in all, its figures month by month."""

    watch: Watch
    cases: list[Case]
    total: int
    months: list[WatchMonth]
    new_since_scan: int
    openable: frozenset[int]  # cases the owner may open on the staff side; the others are shown as the public sees them


def _months(session: Session, matches: Select[Any], first: date, last: date) -> list[WatchMonth]:
    """The watch's figures per month: aggregates of the per-case facts of the cases it matches."""
    start_index = max(first.year * 12 + first.month - 1, last.year * 12 + last.month - TREND_MONTHS)
    start = date(start_index // 12, start_index % 12 + 1, 1)
    matched = CaseFactsRow.case_id.in_(matches.with_only_columns(Case.id).scalar_subquery())
    scope = Scope(start, last, to_china(utcnow()).date(), where=(matched,))
    groups = tallies(session, scope, CaseFactsRow.received_month)
    return [WatchMonth(k, groups[k].figures()) for k in sorted(groups)]


def watch_view(session: Session, *, user: User, watch_id: Any) -> WatchView:
    """The newest messages of a watch and its figures over time."""
    watch = get_watch(session, user=user, watch_id=watch_id)
    query = _matches(session, watch, user)
    rows = session.execute(query.with_only_columns(Case.id, Message.created_at, Message.id)).all()
    cases = list(session.scalars(query.order_by(Message.created_at.desc(), Case.id.desc()).limit(SHOWN)).unique())
    months: list[WatchMonth] = []
    if rows:
        days = [to_china(r[1]).date() for r in rows]
        months = _months(session, query, min(days), max(days))
    new = sum(r[2] > watch.last_message_id for r in rows)
    openable = frozenset(c.id for c in cases if _may_open(user, c))
    return WatchView(watch=watch, cases=cases, total=len(rows), months=months, new_since_scan=new, openable=openable)


def _may_open(user: User, case: Case) -> bool:
    """Whether the staff case page is open to this user (a handler: only their own department's cases)."""
    return user.role is not Role.HANDLER or case.department_id == user.department_id


@dataclass(frozen=True)
class WatchAlert:
    """The notice a watch's owner gets for its new messages."""

    owner_id: int
    case_id: int  # the first case shown
    dedup_key: str
    title: str
    body: str


@dataclass(frozen=True)
class WatchScan:
    """One watch's scan, planned in a reading transaction: advance it from `seen` to `newest`, alert if any."""

    watch_id: int
    seen: int  # its `last_message_id` when read (the compare-and-set's expected value)
    newest: int
    alert: WatchAlert | None


def _alert(watch: Watch, new: list[tuple[Case, str, bool]], owner_id: int, newest: int) -> WatchAlert:
    urgent = [c for c in new if c[2]]
    label = f"{KINDS[watch.kind]}「{watch.value[:30]}」"
    title = f"网上蹲点 {label}：{len(new)} 条新留言" + (f"，其中 {len(urgent)} 条紧急" if urgent else "")
    shown = (urgent + [c for c in new if not c[2]])[:ALERT_TITLES]
    body = "\n".join(f"{'【紧急】' if u else ''}办件 {c.id}「{t}」" for c, t, u in shown)
    if len(new) > len(shown):
        body += f"\n…… 共 {len(new)} 条，见 /staff/watches/{watch.id}"
    return WatchAlert(owner_id, shown[0][0].id, f"watch:{watch.id}:{newest}", title, body)


def _new_messages(session: Session, watch: Watch, owner: User, newest: int) -> list[tuple[Case, str, bool]]:
    query = _matches(session, watch, owner).where(Message.id > watch.last_message_id, Message.id <= newest)
    query = query.outerjoin(MessageAnalysis, MessageAnalysis.message_id == Message.id)
    rows = session.execute(query.with_only_columns(Case, Message.title, MessageAnalysis.urgent).order_by(Message.id))
    return [
        (case, title if _may_open(owner, case) else public_display(title), bool(urgent)) for case, title, urgent in rows
    ]


def plan_watch_scans(session: Session) -> list[WatchScan]:
    """What each watch behind the newest message would be told (reads only: run in a reading transaction)."""
    newest = session.scalar(select(func.max(Message.id))) or 0
    watches = session.scalars(
        select(Watch).where(Watch.deleted_at.is_(None), Watch.last_message_id < newest).order_by(Watch.id)
    )
    scans = []
    for watch in list(watches):
        owner, alert = session.get(User, watch.user_id), None
        if owner is not None and owner.is_active and (new := _new_messages(session, watch, owner, newest)):
            alert = _alert(watch, new, owner.id, newest)
        scans.append(WatchScan(watch.id, watch.last_message_id, newest, alert))
    return scans


def apply_watch_scans(session: Session, scans: list[WatchScan], *, outbound: Outbound) -> int:
    """Advance each planned watch and send its alert (a short writing transaction); the number of notices sent.

    A watch deleted or scanned by another worker since the plan was read is left as it is (compare-and-set on
    its `last_message_id`), so nothing is sent twice or to a watch that no longer exists.
    """
    sent, now = 0, utcnow()
    for scan in scans:
        advanced = session.execute(
            update(Watch)
            .where(Watch.id == scan.watch_id, Watch.last_message_id == scan.seen, Watch.deleted_at.is_(None))
            .values(last_message_id=scan.newest, last_scan_at=now)
        )
        if not getattr(advanced, "rowcount", 0) or scan.alert is None:
            continue
        owner = session.get(User, scan.alert.owner_id)
        if owner is None or not owner.is_active:
            continue
        notice = notify(
            session,
            kind="watch",
            case=session.get(Case, scan.alert.case_id),
            dedup_key=scan.alert.dedup_key,
            title=scan.alert.title,
            body=scan.alert.body,
            users=[owner],
            outbound=outbound,
        )
        if notice is not None:
            notice.link = f"/staff/watches/{scan.watch_id}"
            sent += 1
    session.flush()
    return sent


def scan_watches(session: Session, *, outbound: Outbound | None = None) -> int:
    """Tell each watch's owner about messages newer than its last scan (once); the number of notices sent.

    One session here; the worker plans in a reading transaction and writes in batches (`minyi.jobs.runner.watches`).
    """
    return apply_watch_scans(session, plan_watch_scans(session), outbound=outbound or Outbound())
