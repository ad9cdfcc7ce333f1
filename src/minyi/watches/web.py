"""Watches (网上蹲点) on web items (网络民意): matches, the watch page's web voices, scans, urgent items, surges.

A watch matches a web item by place (the item's place, title or text contains it), keyword (title or text), domain
(领域), or hot issue (the item was taken up as one of its cases). Only staff who read 网络民意 (coordinators,
supervisors, admins) see web items on a watch or are told of them. The scheduled scan looks at web items newer than
the watch's `last_web_item_id` and advances it by compare-and-set, as the message scan does with `last_message_id`;
an urgent item is told at once when stored (`web_watchers`, called by minyi.collect.alerts); a surge of a watched
place, domain or keyword once per surge row and watch (`alert_surges`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, false, func, or_, select, update
from sqlalchemy.orm import Session

from minyi.accounts.models import Role, User
from minyi.collect.models import SURGE_KINDS, WebItem
from minyi.collect.surges import SurgeRow, keyword_condition
from minyi.collect.views import PER_PAGE, ROWS_MAX, WebItemsPage, web_items_page
from minyi.core.clock import utcnow
from minyi.core.errors import ValidationFailed
from minyi.nlp.display import public_display
from minyi.notifications.services import Outbound, notify
from minyi.watches.models import Watch
from minyi.watches.services import ALERT_TITLES, KINDS, _hot_case_ids

WEB_READERS = frozenset({Role.COORDINATOR, Role.SUPERVISOR, Role.ADMIN})  # who read 网络民意
WEB_DAYS = 30  # a watch's page lists the web voices heard in these last days (served by the fetched_at index)
WEB_SURGE = "web_surge"  # the notices' kind (minyi.notifications.services.KIND_NAMES)
TEXT_KINDS = ("place", "keyword", "domain")  # the kinds a web item can match without its cases


def may_read_web(user: User) -> bool:
    """Whether the user reads 网络民意 (and so sees and is told of web items on their watches)."""
    return user.role in WEB_READERS


def web_condition(session: Session, watch: Watch) -> ColumnElement[bool]:
    """The web items a watch matches, in SQL (`matches_web` says the same of one item in Python)."""
    if watch.kind == "place":
        return or_(WebItem.place.ilike(_pattern(watch.value), escape="\\"), keyword_condition(watch.value))
    if watch.kind == "keyword":
        return keyword_condition(watch.value)
    if watch.kind == "domain":
        return WebItem.domain == watch.value
    ids = _hot_case_ids(session, watch)
    return WebItem.case_id.in_(ids) if ids else false()


def _pattern(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def matches_web(kind: str, value: str, item: WebItem) -> bool:
    """Whether a place, keyword or domain watch matches one item (as `web_condition`, for items just stored)."""
    if kind == "domain":
        return item.domain == value
    texts = [item.title or "", item.clean_text or ""] + ([item.place or ""] if kind == "place" else [])
    return kind in ("place", "keyword") and any(value.casefold() in t.casefold() for t in texts)


def _reading_watches(session: Session, kinds: Sequence[str]) -> list[tuple[Watch, User]]:
    """The live watches of these kinds whose active owners read 网络民意."""
    rows = session.execute(
        select(Watch, User)
        .join(User, User.id == Watch.user_id)
        .where(
            Watch.deleted_at.is_(None),
            Watch.kind.in_(list(kinds)),
            User.is_active.is_(True),
            User.role.in_(list(WEB_READERS)),
        )
        .order_by(Watch.id)
    )
    return [(w, u) for w, u in rows]


def web_watchers(session: Session, items: Sequence[WebItem]) -> dict[int, list[User]]:
    """Item id → the owners of the place, keyword and domain watches it matches (for its urgent alert)."""
    watching = _reading_watches(session, TEXT_KINDS)
    found: dict[int, list[User]] = {}
    for item in items:
        owners = {u.id: u for w, u in watching if matches_web(w.kind, w.value, item)}
        if owners:
            found[item.id] = list(owners.values())
    return found


def watched_keywords(session: Session) -> list[str]:
    """The keywords of live keyword watches, the most watched first (their surges are looked for)."""
    count = func.count(Watch.id)
    rows = session.execute(
        select(Watch.value, count)
        .where(Watch.deleted_at.is_(None), Watch.kind == "keyword")
        .group_by(Watch.value)
        .order_by(count.desc(), Watch.value)
    )
    return [value for value, _n in rows]


def web_page_number(raw: str) -> int:
    """The page of a watch's web voices from the query (`web_page`), else a clear error."""
    text = (raw or "1").strip()
    if not text.isdigit() or not 1 <= int(text) <= ROWS_MAX // PER_PAGE:
        raise ValidationFailed(f"页码必须是 1 到 {ROWS_MAX // PER_PAGE} 之间的整数", field="web_page")
    return int(text)


def watch_web_voices(session: Session, *, user: User, watch: Watch, page: int = 1) -> WebItemsPage | None:
    """The web items a watch matches heard in the last WEB_DAYS days, newest first and paged; None for a user who
    does not read 网络民意."""
    if not may_read_web(user):
        return None
    since = utcnow() - timedelta(days=WEB_DAYS)
    return web_items_page(session, where=[WebItem.fetched_at >= since, web_condition(session, watch)], page=page)


@dataclass(frozen=True)
class WebScan:
    """One watch's scan of web items, planned in a reading transaction: advance from `seen` to `newest`, alert."""

    watch_id: int
    seen: int  # its `last_web_item_id` when read (the compare-and-set's expected value)
    newest: int
    owner_id: int
    title: str = ""
    body: str = ""


def _new_items(session: Session, watch: Watch, newest: int) -> list[tuple[str, bool]]:
    query = (
        select(WebItem.title, WebItem.urgent)
        .where(
            WebItem.id > watch.last_web_item_id,
            WebItem.id <= newest,
            WebItem.duplicate_of_id.is_(None),
            web_condition(session, watch),
        )
        .order_by(WebItem.urgent.desc(), WebItem.id)
    )
    return [(public_display(title or "") or "（无标题）", bool(urgent)) for title, urgent in session.execute(query)]


def plan_web_scans(session: Session) -> list[WebScan]:
    """What each watch behind the newest web item would be told (reads only: run in a reading transaction)."""
    newest = session.scalar(select(func.max(WebItem.id))) or 0
    watches = session.scalars(
        select(Watch).where(Watch.deleted_at.is_(None), Watch.last_web_item_id < newest).order_by(Watch.id)
    )
    scans = []
    for watch in list(watches):
        owner = session.get(User, watch.user_id)
        new = (
            _new_items(session, watch, newest) if owner is not None and owner.is_active and may_read_web(owner) else []
        )
        title = body = ""
        if new:
            urgent = sum(u for _t, u in new)
            label = f"{KINDS[watch.kind]}「{watch.value[:30]}」"
            title = f"网上蹲点 {label}：{len(new)} 条新网络民意" + (f"，其中 {urgent} 条紧急" if urgent else "")
            body = "\n".join(f"{'【紧急】' if u else ''}「{t}」" for t, u in new[:ALERT_TITLES])
            if len(new) > ALERT_TITLES:
                body += f"\n…… 共 {len(new)} 条，见 /staff/watches/{watch.id}"
        scans.append(WebScan(watch.id, watch.last_web_item_id, newest, watch.user_id, title, body))
    return scans


def apply_web_scans(session: Session, scans: Sequence[WebScan], *, outbound: Outbound) -> int:
    """Advance each planned watch and send its alert (a short writing transaction); the number of notices sent.

    Compare-and-set on `last_web_item_id`: a watch deleted or scanned by another worker meanwhile is left alone."""
    sent, now = 0, utcnow()
    for scan in scans:
        advanced = session.execute(
            update(Watch)
            .where(Watch.id == scan.watch_id, Watch.last_web_item_id == scan.seen, Watch.deleted_at.is_(None))
            .values(last_web_item_id=scan.newest, last_scan_at=now)
        )
        owner = session.get(User, scan.owner_id)
        if not getattr(advanced, "rowcount", 0) or not scan.title or owner is None or not owner.is_active:
            continue
        notice = notify(
            session,
            kind="watch",
            case=None,
            dedup_key=f"watch_web:{scan.watch_id}:{scan.newest}",
            title=scan.title,
            body=scan.body,
            users=[owner],
            outbound=outbound,
        )
        if notice is not None:
            notice.link = f"/staff/watches/{scan.watch_id}"
            sent += 1
    session.flush()
    return sent


def surge_watches(watch: Watch, surge: SurgeRow) -> bool:
    """Whether a surge is of what a watch follows: the same domain or keyword, a place that contains the watched one."""
    if watch.kind != surge.kind:
        return False
    return watch.value in surge.value if surge.kind == "place" else watch.value == surge.value


def _surge_link(surge: SurgeRow) -> str:
    if surge.kind == "keyword":
        return "/staff/dashboard/web"
    return "/staff/dashboard/web?" + urlencode({"period": "today", surge.kind: surge.value})


def alert_surges(session: Session, surges: Sequence[SurgeRow], *, outbound: Outbound) -> int:
    """Tell the owners of the watches each surge is of, once per surge row and watch; the number of notices sent."""
    watching = _reading_watches(session, tuple(SURGE_KINDS))
    sent = 0
    for surge in surges:
        for watch, owner in watching:
            if not surge_watches(watch, surge):
                continue
            times = "首次出现" if surge.ratio == float("inf") else f"为此前日均的 {surge.ratio:.1f} 倍"
            notice = notify(
                session,
                kind=WEB_SURGE,
                case=None,
                dedup_key=f"{WEB_SURGE}:{surge.id}:{watch.id}",
                title=f"网络民意激增：{surge.kind_label}「{surge.value[:30]}」24 小时 {surge.recent} 条，{times}",
                body=f"您蹲点的{KINDS[watch.kind]}「{watch.value[:30]}」：{_surge_link(surge)}",
                users=[owner],
                outbound=outbound,
            )
            if notice is not None:
                notice.link = _surge_link(surge) if surge.kind != "keyword" else f"/staff/watches/{watch.id}"
                sent += 1
    session.flush()
    return sent
