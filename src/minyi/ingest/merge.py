"""Rows whose (source, id) is already imported: the same message gains what this file adds; a different
message under the same id is imported beside it.

A later file's reply, votes or domain for a message imported without them is added with the same
events, at the same historical times, as if the first file had carried it, so that the order of the
files does not change the result. Nothing already stored is replaced: where the database already has a
different value (or staff have handled the case since), it is kept and the row gets a note.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from minyi.core.db import table_of
from minyi.ingest.history import (
    VOTES_EVENT,
    Context,
    ImportRow,
    domain_event,
    insert_replies,
    reply_events,
    reply_plan,
    votes_event,
)
from minyi.ingest.models import ImportRecord
from minyi.messages.models import Message
from minyi.workflow import states
from minyi.workflow.events import EventKind, SubmitPayload, SupportedPayload, payload_of
from minyi.workflow.models import Case, CaseEvent, Reply

KEY_MAX = 64


@dataclass(frozen=True)
class Stored:
    """An imported message and its case, as the database has them now."""

    key: str
    message_id: int
    case_id: int
    title: str
    body: str
    time: datetime
    domain: str | None
    appeal_kind: str
    status: str
    supports: int
    updated_at: datetime

    def is_same_message(self, r: ImportRow) -> bool:
        """The same text at the same time (the source's user ids are anonymised per file, so not compared)."""
        return (self.title, self.body, self.time) == (r.title, r.body, r.time)


@dataclass
class Added:
    """What the rows of a batch added to existing cases, and what they could not add (notes)."""

    replies: int = 0
    votes: int = 0
    domains: int = 0
    unchanged: int = 0
    notes: list[tuple[int, str | None, str]] = field(default_factory=list)  # (row, column, reason)


def other_message_key(r: ImportRow) -> str:
    """The key of a message whose id the source already used for a different one: id#hash of its content."""
    digest = hashlib.sha256("\x1f".join((r.title, r.body, r.time.isoformat())).encode()).hexdigest()[:8]
    return f"{r.external_id[: KEY_MAX - 9]}#{digest}"


def stored(session: Session, source: str, keys: Sequence[str]) -> dict[str, Stored]:
    """The imported messages of `source` under these keys, their cases locked for the batch."""
    found: dict[str, Stored] = {}
    for start in range(0, len(keys), 900):
        rows = session.execute(
            select(
                ImportRecord.external_id,
                Message.id,
                Case.id,
                Message.title,
                Message.body,
                Message.created_at,
                Message.domain,
                Message.appeal_kind,
                Case.status,
                Case.supports,
                Case.updated_at,
            )
            .join(Message, Message.id == ImportRecord.message_id)
            .join(Case, Case.message_id == Message.id)
            .where(ImportRecord.source == source, ImportRecord.external_id.in_(keys[start : start + 900]))
            .with_for_update(of=Case)
        )
        found |= {row[0]: Stored(*row) for row in rows}
    return found


def resolve(
    rows: Sequence[ImportRow], found: dict[str, Stored]
) -> tuple[list[tuple[ImportRow, str]], list[tuple[ImportRow, Stored]], list[tuple[int, str | None, str]]]:
    """Split rows into new ones (with their key) and ones already imported (with what is stored)."""
    new: list[tuple[ImportRow, str]] = []
    existing: list[tuple[ImportRow, Stored]] = []
    notes: list[tuple[int, str | None, str]] = []
    for r in rows:
        first = found.get(r.external_id)
        if first is None:
            new.append((r, r.external_id))
        elif first.is_same_message(r):
            existing.append((r, first))
        elif (other := found.get(other_message_key(r))) is not None:
            existing.append((r, other))
        else:
            key = other_message_key(r)
            new.append((r, key))
            notes.append(
                (
                    r.row,
                    "id",
                    f"id {r.external_id!r} is already imported as a different message (another "
                    f"title, body or time): imported beside it under the key {key!r}",
                )
            )
    return new, existing, notes


def _votes_known(session: Session, case_ids: list[int]) -> dict[int, tuple[int, int]]:
    """The votes already recorded per case: the import's 附议 event, or the submit event of older imports."""
    known: dict[int, tuple[int, int]] = {}
    for start in range(0, len(case_ids), 900):
        rows = session.execute(
            select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.data).where(
                CaseEvent.case_id.in_(case_ids[start : start + 900]),
                CaseEvent.kind.in_((EventKind.SUBMIT.value, VOTES_EVENT.value)),
            )
        )
        for case_id, kind, data in rows:
            votes = payload_of(kind, data)
            assert isinstance(votes, SubmitPayload | SupportedPayload)
            imported = isinstance(votes, SubmitPayload) or votes.imported
            if imported and (votes.likes or votes.dislikes):
                known[case_id] = (int(votes.likes or 0), int(votes.dislikes or 0))
    return known


def _first_replies(session: Session, case_ids: list[int]) -> dict[int, str]:
    first: dict[int, str] = {}
    for start in range(0, len(case_ids), 900):
        rows = session.execute(
            select(Reply.case_id, Reply.body)
            .where(Reply.case_id.in_(case_ids[start : start + 900]))
            .order_by(Reply.created_at.desc(), Reply.id.desc())
        )
        first |= dict(rows.all())  # the last assignment wins: the earliest reply
    return first


# Imported without a reply: a later file's reply is added (an archived case too: its archive event stays).
REPLYABLE = frozenset({states.SUBMITTED, states.ARCHIVED})


def add_to_existing(session: Session, pairs: Sequence[tuple[ImportRow, Stored]], ctx: Context) -> Added:
    """Add each row's reply, votes and domain that its stored case lacks; idempotent."""
    added = Added()
    votes = _votes_known(session, [s.case_id for r, s in pairs if r.likes or r.dislikes])
    replies = _first_replies(session, [s.case_id for r, s in pairs if r.reply and s.status not in REPLYABLE])
    events: list[dict[str, Any]] = []
    supports: list[dict[str, Any]] = []
    domains: list[dict[str, Any]] = []
    to_reply = []
    for r, s in pairs:
        changed = False
        if r.likes or r.dislikes:
            if s.case_id not in votes:
                events.append(votes_event(s.case_id, r))
                supports.append({"case_id": s.case_id, "add": r.likes})
                added.votes += 1
                changed = True
            elif votes[s.case_id] != (r.likes, r.dislikes):
                likes, dislikes = votes[s.case_id]
                added.notes.append(
                    (r.row, "likes", f"votes already imported ({likes} likes, {dislikes} dislikes): kept")
                )
        if r.category:
            if s.domain is None:
                events.append(domain_event(s.case_id, r))
                domains.append({"message_id": s.message_id, "domain": r.category})
                added.domains += 1
                changed = True
            elif s.domain != r.category:
                added.notes.append((r.row, "category", f"the message already has the domain {s.domain!r}: kept"))
        if r.reply:
            if s.status in REPLYABLE:
                to_reply.append((r, s))
                changed = True
            elif s.case_id not in replies:
                added.notes.append(
                    (
                        r.row,
                        "reply",
                        "not added: the case has been handled in minyi since it was "
                        f"imported ({states.STATUS_NAMES.get(s.status, s.status)})",
                    )
                )
            elif replies[s.case_id].strip() != r.reply.strip():
                added.notes.append((r.row, "reply", "the case already has a different reply: kept"))
        added.unchanged += not changed
    if supports:
        cases = table_of(Case)
        session.execute(
            update(cases)
            .where(cases.c.id == bindparam("case_id"))
            .values(supports=cases.c.supports + bindparam("add")),
            supports,
        )
    if domains:
        messages = table_of(Message)
        session.execute(
            update(messages).where(messages.c.id == bindparam("message_id")).values(domain=bindparam("domain")), domains
        )
    events += _add_replies(session, to_reply, ctx)
    added.replies = len(to_reply)
    if events:
        session.execute(insert(table_of(CaseEvent)), events)
    return added


def _add_replies(session: Session, pairs: list[tuple[ImportRow, Stored]], ctx: Context) -> list[dict[str, Any]]:
    """Put each case where the reply would have put it at import, and return the reply's events."""
    if not pairs:
        return []
    plans = [reply_plan(r, ctx, s.appeal_kind) for r, s in pairs]
    reply_ids = insert_replies(session, [(r, s.case_id, plan) for (r, s), plan in zip(pairs, plans, strict=True)])
    cases = table_of(Case)
    session.execute(
        update(cases)
        .where(cases.c.id == bindparam("case_id"))
        .values(
            status=bindparam("status"),
            department_id=bindparam("department_id"),
            deadline=bindparam("deadline"),
            assigned_at=bindparam("assigned_at"),
            replied_at=bindparam("replied_at"),
            closed_at=bindparam("closed_at"),
            updated_at=bindparam("updated_at"),
        ),
        [
            {
                "case_id": s.case_id,
                "status": plan.status,
                "department_id": plan.department_id,
                "deadline": plan.deadline,
                "assigned_at": r.time,
                "replied_at": r.reply_time,
                "closed_at": plan.closed_at,
                "updated_at": max(s.updated_at, plan.closed_at or r.reply_time or s.updated_at),
            }
            for (r, s), plan in zip(pairs, plans, strict=True)
        ],
    )
    return [
        e
        for (r, s), plan, reply_id in zip(pairs, plans, reply_ids, strict=True)
        for e in reply_events(s.case_id, r, plan, reply_id, ctx, before=s.status)
    ]
