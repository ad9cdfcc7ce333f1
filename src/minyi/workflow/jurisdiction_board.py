"""A jurisdiction's public board at volume: the public cases of a subtree, newest first, on one index range.

The board of a city or a district (`/j/<slug>/board`) lists the public cases held by it or by any jurisdiction
below it. `cases.jurisdiction_id` says who holds a case, `messages.created_at` and `messages.is_public` say when
and whether it shows: a subtree's newest public cases would be a sort of all its cases (a city of 100,000 among a
million). `jurisdiction_board` keeps one row per public case and per jurisdiction holding it — its own and each
one above it, the root left out (the root's board is `/board`, every public case) — with the message's time, so
that a page is one range of `ix_jurisdiction_board_newest` (jurisdiction_id, created_at, case_id) whatever the
level: about depth - 1 rows a public case (3 for a street under a province's city).

The rows are derived, never written by hand: `refresh_board` rewrites those of some cases from `cases`,
`messages` and `jurisdictions.path`, and a flush hook calls it in the transaction that creates a case, moves it
(its `jurisdiction_id` changes: 下派 / 上报) or publishes or withholds its message (`messages.is_public`).
Writes that bypass the ORM (a Core UPDATE of `cases.jurisdiction_id`, a bulk load) must call `refresh_board`
themselves, or `rebuild_board` for everything (migration 0031 fills the table the same way).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, ForeignKey, Index, delete, event, func, insert, select
from sqlalchemy.orm import Mapped, Session, UOWTransaction, aliased, attributes, mapped_column

from minyi.core.db import Base, UTCDateTime, table_of
from minyi.jurisdictions.models import Jurisdiction
from minyi.messages.models import Message
from minyi.workflow.models import Case

IN_CHUNK = 500  # case ids per statement


class JurisdictionBoardRow(Base):
    """A public case on the board of one jurisdiction holding it (its own or one above it, not the root)."""

    __tablename__ = "jurisdiction_board"
    __table_args__ = (Index("ix_jurisdiction_board_newest", "jurisdiction_id", "created_at", "case_id"),)

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the message's: the board's order


def _rows_of(case_ids: list[int]) -> Any:
    """(jurisdiction, case, time) for each public case of `case_ids` and each jurisdiction holding it."""
    holder, above = aliased(Jurisdiction), aliased(Jurisdiction)
    return (
        select(above.id, Case.id, Message.created_at)
        .select_from(Case)
        .join(Message, Message.id == Case.message_id)
        .join(holder, holder.id == Case.jurisdiction_id)
        .join(above, holder.path.startswith(above.path))  # paths hold digits and slashes: no LIKE wildcard
        .where(Case.id.in_(case_ids), Message.is_public.is_(True), above.parent_id.is_not(None))
    )


def refresh_board(connection: Connection | Session, case_ids: Iterable[int]) -> None:
    """Rewrite the board rows of these cases from what they are now."""
    ordered = sorted(set(case_ids))
    table = table_of(JurisdictionBoardRow)
    columns = [table.c.jurisdiction_id, table.c.case_id, table.c.created_at]
    for i in range(0, len(ordered), IN_CHUNK):
        chunk = ordered[i : i + IN_CHUNK]
        connection.execute(delete(table).where(table.c.case_id.in_(chunk)))
        connection.execute(insert(table).from_select(columns, _rows_of(chunk)))


def rebuild_board(session: Session, *, batch: int = 10_000) -> int:
    """Rewrite every row (after a bulk load that bypassed the ORM); returns the number of cases read."""
    last, done = 0, 0
    while True:
        query = select(Case.id).where(Case.id > last, Case.jurisdiction_id.is_not(None)).order_by(Case.id)
        ids = list(session.scalars(query.limit(batch)))
        if not ids:
            return done
        refresh_board(session.connection(), ids)
        last, done = ids[-1], done + len(ids)


def holds_at_most(session: Session, jurisdiction_id: int, limit: int) -> bool:
    """Whether the board of `jurisdiction_id` holds at most `limit` public cases (reads at most limit + 1 rows
    of its index range)."""
    rows = select(JurisdictionBoardRow.case_id).where(JurisdictionBoardRow.jurisdiction_id == jurisdiction_id)
    return (session.scalar(select(func.count()).select_from(rows.limit(limit + 1).subquery())) or 0) <= limit


def _changed(obj: Any, key: str) -> bool:
    return attributes.get_history(obj, key).has_changes()


@event.listens_for(Session, "after_flush")
def _refresh_after_flush(session: Session, _flush: UOWTransaction) -> None:
    """A case created or moved, a message published or withheld: their rows, in the same transaction."""
    case_ids = {c.id for c in session.new if isinstance(c, Case) and c.jurisdiction_id is not None}
    case_ids |= {c.id for c in session.dirty if isinstance(c, Case) and _changed(c, "jurisdiction_id")}
    message_ids = [m.id for m in session.dirty if isinstance(m, Message) and _changed(m, "is_public")]
    if message_ids:
        held = select(Case.id).where(Case.message_id.in_(message_ids), Case.jurisdiction_id.is_not(None))
        case_ids |= set(session.connection().scalars(held))
    if case_ids:
        refresh_board(session.connection(), case_ids)
