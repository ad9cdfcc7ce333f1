"""How a checked historical row is written: a new message with its case and event log, or the events
of what a later file adds to a case already imported (a reply, votes, a domain).

Both paths write the same events at the same historical times, so a case ends up the same whichever
file brought which part first; the decisions are in docs/import.md.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from minyi.core.clock import to_china, utcnow
from minyi.core.db import Base, table_of
from minyi.core.security import hash_token
from minyi.core.workdays import add_workdays
from minyi.departments.merge import DepartmentResolver
from minyi.departments.models import Department
from minyi.ingest.models import ImportRecord
from minyi.jurisdictions.routing import route_many
from minyi.messages.models import Message
from minyi.nlp.department_names import DepartmentName
from minyi.nlp.departments import extract_department
from minyi.nlp.places import PlaceExtractor
from minyi.workflow import states
from minyi.workflow.events import (
    AcceptPayload,
    ArchivePayload,
    AssignPayload,
    AutoClosePayload,
    EventKind,
    Payload,
    ReplyPayload,
    SetDomainPayload,
    SubmitPayload,
    SupportedPayload,
)
from minyi.workflow.models import Case, CaseEvent, Reply

USER_MAX = 64
FALLBACK_DEPARTMENT = "历史导入（答复未注明部门）"
ACTOR_LABEL = "历史数据导入"
# The path a replied historical message takes, checked against the state machine in tests/ingest.
REPLIED_CHAIN = (EventKind.SUBMIT, EventKind.ASSIGN, EventKind.ACCEPT, EventKind.REPLY)
CLOSED_CHAIN = (*REPLIED_CHAIN, EventKind.AUTO_CLOSE)
VOTES_EVENT = EventKind.SUPPORTED  # the source's likes/dislikes, as 附议 (internal: the public sees the count)
DOMAIN_EVENT = EventKind.SET_DOMAIN  # the source's category (internal)
_PLACES = PlaceExtractor(levels=("city", "district")).fit([])


@dataclass(frozen=True)
class ImportRow:
    """A checked row, ready to write."""

    row: int
    external_id: str
    user: str
    title: str
    body: str
    time: datetime  # UTC
    category: str | None
    reply: str | None
    reply_time: datetime | None  # UTC
    likes: int
    dislikes: int
    place: str = ""  # worked out before the write transaction (place_of, department_of_reply): it is slow
    department: str | None = None


@dataclass(frozen=True)
class Context:
    """What every row of one batch shares."""

    source: str
    appeal_kind: str  # of new messages; a reply added later uses its message's own kind
    deadline_days: dict[str, int]  # per appeal kind
    auto_close: timedelta
    now: datetime
    department_of: dict[str, int]  # external id -> department named by its reply
    department_names: dict[int, str]
    archive_days: int = 0  # unreplied messages older than this many days are 历史未办结 (0: never)

    def archived(self, r: ImportRow) -> bool:
        """Whether an unreplied row is old enough to be imported as 历史未办结 (archived) instead of 待受理."""
        return not r.reply and self.archive_days > 0 and r.time < self.now - timedelta(days=self.archive_days)


@dataclass(frozen=True)
class ReplyPlan:
    """Where a reply puts a case: its department, deadline, status and times."""

    department_id: int
    deadline: date
    closed_at: datetime | None

    @property
    def status(self) -> str:
        return states.CLOSED if self.closed_at else states.REPLIED


def place_of(title: str, body: str) -> str:
    """The district the message names (else its city), title first: `A2区`, `K7县`, `A市`; '' when none."""
    for text in (title, body[:300]):
        found = {p["level"]: p["name"] for p in reversed(_PLACES.extract(text))}  # the first of each level wins
        if found:
            return (found.get("district") or found["city"])[:200]
    return ""


def insert_rows(session: Session, model: type[Base], key: str, rows: list[dict[str, Any]]) -> list[int]:
    """One multi-row INSERT, then the new ids read back by a column unique within the batch.

    Portable and fast: RETURNING with a guaranteed row order is not available for multi-row inserts on
    every database (SQLAlchemy falls back to one statement per row on SQLite).
    """
    if not rows:
        return []
    table = table_of(model)
    session.execute(insert(table), rows)
    column = table.c[key]
    ids: dict[Any, int] = {}
    values = [r[key] for r in rows]
    for start in range(0, len(values), 900):  # stay under every database's bound-parameter limit
        ids |= dict(session.execute(select(column, table.c.id).where(column.in_(values[start : start + 900]))).all())
    return [ids[value] for value in values]


def department_of_reply(reply: str | None) -> str | None:
    """The department a reply signs with or names (as written, up to 100 characters); None when it names none."""
    name = extract_department(reply) if reply else None
    return name[:100] if name else None


def departments(session: Session, rows: Sequence[ImportRow]) -> tuple[dict[str, int], dict[int, str], list[str]]:
    """The department of each replied row (by external id), creating missing ones (inactive) in one go.

    Each name is resolved against the tree (minyi.departments.merge.DepartmentResolver: exact name or alias, the
    same body under another spelling, a name without its region). The names of one batch that resolve to no
    department are grouped by body (`parse_department(...).key`) and each group creates one department, named as
    the group most often writes it. A reply that names no body, names it in a fragment, or names an operator
    (电子政务办, 热线办 …: they forward, they do not answer) goes to FALLBACK_DEPARTMENT.
    """
    resolver = DepartmentResolver.load(session)
    found: dict[str, int | None] = {}
    unknown: dict[str, list[tuple[str, DepartmentName]]] = {}  # key -> (external id, parsed name)
    for r in rows:
        if not r.reply:
            continue
        dept_id, parsed = resolver.resolve(r.department)
        found[r.external_id] = dept_id
        if dept_id is None and parsed is not None:
            unknown.setdefault(parsed.key, []).append((r.external_id, parsed))
    # Names with their region first: "安莎镇政府" then joins "A7县安沙镇人民政府" created in the same batch.
    groups = sorted(unknown.values(), key=lambda group: (not group[0][1].region, group[0][1].key))
    new: dict[str, int] = {}  # name of a department created here -> its id
    for group in groups:
        dept_id, _parsed = resolver.resolve(group[0][1].name)
        if dept_id is None:
            name = Counter(p.name for _key, p in group).most_common(1)[0][0][:100]
            dept_id = new.get(name) or _create(session, name)
            new[name] = dept_id
            resolver.add(name, dept_id)
        for external_id, _p in group:
            found[external_id] = dept_id
    if any(v is None for v in found.values()):
        fallback = resolver.by_name.get(FALLBACK_DEPARTMENT)
        if fallback is None:
            fallback = new[FALLBACK_DEPARTMENT] = _create(session, FALLBACK_DEPARTMENT)
        found = {k: v if v is not None else fallback for k, v in found.items()}
    wanted = {k: v for k, v in found.items() if v is not None}
    ids = set(wanted.values())
    names = {d: n for d, n in session.execute(select(Department.id, Department.name).where(Department.id.in_(ids)))}
    return wanted, names, sorted(new)


def _create(session: Session, name: str) -> int:
    """A new inactive department (it shows in the statistics and on the board, not in the assignment list)."""
    return insert_rows(
        session,
        Department,
        "name",
        [{"name": name, "parent_id": None, "domains": [], "keywords": [], "is_active": False, "created_at": utcnow()}],
    )[0]


@lru_cache(maxsize=8192)
def _deadline_from(day: date, days: int) -> date:
    return add_workdays(day, days)  # cached: the holiday calendar costs ~40 µs a day, and many rows share a day


def reply_plan(r: ImportRow, ctx: Context, appeal_kind: str) -> ReplyPlan:
    """The department, deadline and closing of a replied row (`r.reply_time` is set)."""
    assert r.reply_time is not None
    closed_at = r.reply_time + ctx.auto_close if r.reply_time + ctx.auto_close <= ctx.now else None
    deadline = _deadline_from(to_china(r.time).date(), ctx.deadline_days[appeal_kind])
    return ReplyPlan(department_id=ctx.department_of[r.external_id], deadline=deadline, closed_at=closed_at)


def event(
    case_id: int, payload: Payload, before: str | None, after: str | None, at: datetime, reason: str = ""
) -> dict[str, Any]:
    """One imported event: by 历史数据导入, public when its action is."""
    action = states.ACTIONS.get(payload.KIND)
    return {
        "case_id": case_id,
        "kind": payload.KIND.value,
        "from_status": before,
        "to_status": after,
        "actor_id": None,
        "actor_label": ACTOR_LABEL,
        "reason": reason,
        "is_public": bool(action and action.public),
        "data": payload.to_json(),
        "created_at": at,
    }


def archive_event(case_id: int, ctx: Context) -> dict[str, Any]:
    """历史未办结: an old message without a reply, archived when imported (public: the status shows)."""
    return event(
        case_id,
        ArchivePayload(older_than_days=ctx.archive_days),
        states.SUBMITTED,
        states.ARCHIVED,
        ctx.now,
        reason=f"导入时已超过 {ctx.archive_days} 天且无答复",
    )


def votes_event(case_id: int, r: ImportRow) -> dict[str, Any]:
    """The source's votes: likes became 附议 (`cases.supports`), dislikes are only kept here (internal)."""
    return event(
        case_id,
        SupportedPayload(imported=True, likes=r.likes, dislikes=r.dislikes),
        None,
        None,
        r.time,
        reason=f"原平台投票：赞成 {r.likes}，反对 {r.dislikes}",
    )


def domain_event(case_id: int, r: ImportRow) -> dict[str, Any]:
    """The source's first-level category, given to the message (internal)."""
    return event(
        case_id,
        SetDomainPayload(imported=True, domain=r.category),
        None,
        None,
        r.time,
        reason=f"原平台分类：{r.category}",
    )


def reply_events(
    case_id: int, r: ImportRow, plan: ReplyPlan, reply_id: int, ctx: Context, before: str = states.SUBMITTED
) -> list[dict[str, Any]]:
    """assign, accept (at the message's time), reply, and auto_close when the auto-close days have passed.

    `before`: the case's status until then (ARCHIVED when another file imported the message without its reply)."""
    assert r.reply_time is not None
    dept = plan.department_id
    events = [
        event(
            case_id,
            AssignPayload(
                department_id=dept, department=ctx.department_names.get(dept, ""), deadline=plan.deadline, imported=True
            ),
            before,
            states.ASSIGNED,
            r.time,
        ),
        event(case_id, AcceptPayload(), states.ASSIGNED, states.IN_PROGRESS, r.time),
        event(case_id, ReplyPayload(reply_id=reply_id), states.IN_PROGRESS, states.REPLIED, r.reply_time),
    ]
    if plan.closed_at is not None:
        events.append(
            event(
                case_id,
                AutoClosePayload(after_days=ctx.auto_close.days, imported=True),
                states.REPLIED,
                states.CLOSED,
                plan.closed_at,
            )
        )
    return events


def insert_replies(session: Session, replied: list[tuple[ImportRow, int, ReplyPlan]]) -> list[int]:
    """One reply per (row, case id, plan); the new reply ids in the same order."""
    return insert_rows(
        session,
        Reply,
        "case_id",
        [
            {
                "case_id": case_id,
                "department_id": plan.department_id,
                "author_id": None,
                "body": r.reply,
                "created_at": r.reply_time,
            }
            for r, case_id, plan in replied
        ],
    )


def write_new(session: Session, rows: Sequence[tuple[ImportRow, str]], ctx: Context) -> tuple[int, list[int]]:
    """New messages with their cases, replies, events and import records (keyed as given): how many replied, and
    the new messages' ids (in the order of `rows`)."""
    message_ids = insert_rows(
        session,
        Message,
        "tracking_hash",
        [
            {
                "title": r.title,
                "body": r.body,
                "appeal_kind": ctx.appeal_kind,
                "domain": r.category,
                "place_text": r.place,
                "is_public": True,
                "is_anonymous": False,
                "source": "import",
                "external_id": r.external_id,
                "submission_key": None,
                "client_hash": "",
                "created_at": r.time,
                "tracking_hash": hash_token(secrets.token_urlsafe(24)),  # nobody holds the link: history is not rated
            }
            for r, _key in rows
        ],
    )
    plans = [reply_plan(r, ctx, ctx.appeal_kind) if r.reply_time else None for r, _key in rows]
    places = route_many(session, [(r.title, r.place or "", r.body) for r, _key in rows])  # their jurisdictions
    case_ids = insert_rows(
        session,
        Case,
        "message_id",
        [
            {
                "message_id": message_id,
                "status": plan.status if plan else states.ARCHIVED if ctx.archived(r) else states.SUBMITTED,
                "department_id": plan.department_id if plan else None,
                "deadline": plan.deadline if plan else None,
                "assigned_at": r.time if plan else None,
                "replied_at": r.reply_time,
                "closed_at": plan and plan.closed_at,
                "merged_into_id": None,
                "reopen_count": 0,
                "escalated": False,
                "public_reason": "",
                "supports": r.likes,
                "updated_at": (plan and plan.closed_at) or r.reply_time or (ctx.now if ctx.archived(r) else r.time),
                "received_at": r.time,  # the message's time (else looked up row by row: workflow.models)
                "jurisdiction_id": routed.jurisdiction_id,
                "jurisdiction_reason": routed.reason,
            }
            for (r, _key), message_id, plan, routed in zip(rows, message_ids, plans, places, strict=True)
        ],
    )
    replied = [(r, c, plan) for (r, _key), c, plan in zip(rows, case_ids, plans, strict=True) if plan]
    reply_of = dict(zip((c for _r, c, _p in replied), insert_replies(session, replied), strict=True))
    events: list[dict[str, Any]] = []
    for (r, _key), case_id, plan in zip(rows, case_ids, plans, strict=True):
        events.append(
            event(
                case_id,
                SubmitPayload(source="import", file=ctx.source, external_id=r.external_id),
                None,
                states.SUBMITTED,
                r.time,
            )
        )
        if r.likes or r.dislikes:
            events.append(votes_event(case_id, r))
        if r.category:
            events.append(domain_event(case_id, r))
        if plan:
            events += reply_events(case_id, r, plan, reply_of[case_id], ctx)
        elif ctx.archived(r):
            events.append(archive_event(case_id, ctx))
    session.execute(insert(table_of(CaseEvent)), events)  # Core executemany: one statement for the batch
    session.execute(
        insert(table_of(ImportRecord)),
        [
            {
                "source": ctx.source,
                "external_id": key,
                "message_id": m,
                "source_user": r.user[:USER_MAX],
                "imported_at": ctx.now,
            }
            for (r, key), m in zip(rows, message_ids, strict=True)
        ],
    )
    return len(replied), message_ids
