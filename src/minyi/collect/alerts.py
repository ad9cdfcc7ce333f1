"""An urgent web item alerts at once: in the transaction that stores it, the coordinators and supervisors (and the
owners of watches it matches) get one in-app notice per item (`web_urgent:<item id>`, the notifications' dedup key;
e-mail and webhook copies queued as for every notice). A repeat of an item already heard alerts nobody.

The watch owners come from a function the caller passes (`UrgentAlerts.watchers`, minyi.watches.web.web_watchers):
watches read web items, so this package must not import them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts.models import User
from minyi.collect.models import WebItem, WebSource
from minyi.nlp.display import public_display
from minyi.notifications.services import Outbound, coordinators, notify, supervisors

WEB_URGENT = "web_urgent"  # the notices' kind (minyi.notifications.services.KIND_NAMES)
EXCERPT = 120

WatchersOf = Callable[[Session, Sequence[WebItem]], dict[int, list[User]]]


@dataclass(frozen=True)
class UrgentAlerts:
    """How urgent web items are told: the outbound channels, and who watches each item (item id → owners)."""

    outbound: Outbound = field(default_factory=Outbound)
    watchers: WatchersOf | None = None


def _body(item: WebItem, source: str) -> str:
    text = public_display(" ".join((item.clean_text or item.text or "").split()))
    excerpt = text[:EXCERPT] + ("…" if len(text) > EXCERPT else "")
    return f"来源：{source}\n{excerpt}\n原文：{item.url}"


def alert_urgent_items(session: Session, items: Sequence[WebItem], alerts: UrgentAlerts | None = None) -> int:
    """Tell the coordinators, supervisors and matching watch owners of each new urgent first voice; notices sent."""
    urgent = [i for i in items if i.urgent and i.duplicate_of_id is None]
    if not urgent:
        return 0
    alerts = alerts or UrgentAlerts()
    staff = {u.id: u for u in [*coordinators(session), *supervisors(session)]}
    owners = alerts.watchers(session, urgent) if alerts.watchers else {}
    names: dict[int, str] = {
        k: v
        for k, v in session.execute(
            select(WebSource.id, WebSource.name).where(WebSource.id.in_({i.source_id for i in urgent}))
        )
    }
    sent = 0
    for item in urgent:
        users = staff | {u.id: u for u in owners.get(item.id, [])}
        notice = notify(
            session,
            kind=WEB_URGENT,
            case=None,
            dedup_key=f"{WEB_URGENT}:{item.id}",
            title=f"紧急网络民意：{public_display(item.title or '') or '（无标题）'}",
            body=_body(item, names.get(item.source_id, "")),
            users=sorted(users.values(), key=lambda u: u.id),
            outbound=alerts.outbound,
        )
        if notice is not None:
            notice.link = f"/staff/dashboard/web?urgent=1#web-{item.id}"
            sent += 1
    session.flush()
    return sent
