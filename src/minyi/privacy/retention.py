"""Contact data kept only as long as needed: erased a set number of days after a case is closed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from minyi.core.clock import utcnow
from minyi.core.db import transaction
from minyi.messages.models import MessageContact
from minyi.workflow import states
from minyi.workflow.actors import Actor
from minyi.workflow.events import ContactErasedPayload
from minyi.workflow.models import Case, CaseEvent

# A case is over for its author in these states: 办结, 不予受理, merged into another case.
FINISHED_STATUSES = (states.CLOSED, states.REJECTED, states.MERGED)
BATCH_SIZE = 1000
CLEARED: dict[str, Any] = {"name": "", "phone": "", "email": "", "address": ""}


def erased_event(
    case_id: int, *, actor: Actor, status: str, at: datetime, payload: ContactErasedPayload
) -> dict[str, Any]:
    """The event-log row for an erasure: which case, who, why — never the erased values."""
    return {
        "case_id": case_id,
        "kind": payload.KIND.value,
        "from_status": status,
        "to_status": status,
        "actor_id": actor.user_id,
        "actor_label": actor.label,
        "reason": "",
        "is_public": False,
        "data": payload.to_json(),
        "created_at": at,
    }


def erase_expired_batch(
    session: Session, *, retention_days: int, limit: int = BATCH_SIZE, now: datetime | None = None
) -> int:
    """Erase the contact data of up to `limit` cases closed more than `retention_days` ago; returns how many.

    Three statements whatever the batch size: select the due cases, clear their contacts, append their
    events. Contacts already erased are skipped, so running it again changes nothing.
    """
    if retention_days <= 0:
        return 0
    now = now or utcnow()
    # Merged cases never get closed_at: the merge was their last change (updated_at).
    closed = func.coalesce(Case.closed_at, Case.updated_at)
    due = session.execute(
        select(Case.id, Case.message_id, Case.status)
        .join(MessageContact, MessageContact.message_id == Case.message_id)
        .where(
            MessageContact.erased_at.is_(None),
            Case.status.in_(FINISHED_STATUSES),
            closed < now - timedelta(days=retention_days),
        )
        .order_by(Case.id)
        .limit(limit)
    ).all()
    if not due:
        return 0
    session.execute(
        update(MessageContact)
        .where(MessageContact.message_id.in_([row.message_id for row in due]), MessageContact.erased_at.is_(None))
        .values(**CLEARED, erased_at=now, erasure_reason="retention")
        .execution_options(synchronize_session=False)
    )
    payload = ContactErasedPayload(reason="retention", retention_days=retention_days)
    session.execute(
        insert(CaseEvent),
        [erased_event(row.id, actor=Actor.system(), status=row.status, at=now, payload=payload) for row in due],
    )
    return len(due)


def erase_expired_contacts(factory: sessionmaker[Session], *, retention_days: int, batch_size: int = BATCH_SIZE) -> int:
    """The scheduled task: erase every due contact, one short transaction per batch; returns how many."""
    total = 0
    while True:
        with transaction(factory) as session:
            done = erase_expired_batch(session, retention_days=retention_days, limit=batch_size)
        total += done
        if done < batch_size:
            return total
