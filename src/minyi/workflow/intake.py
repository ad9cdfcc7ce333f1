"""A citizen's message opens its case: `minyi.messages` stores what was written, this module the case and
its first event (`submit`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from minyi.messages.models import Message
from minyi.messages.services import store_message
from minyi.workflow import states
from minyi.workflow.actors import Actor
from minyi.workflow.events import SubmitPayload
from minyi.workflow.models import Case
from minyi.workflow.services import record_event


@dataclass(frozen=True)
class Submission:
    """A stored message, its case, and the private tracking token (shown once)."""

    message: Message
    case: Case
    tracking_token: str


def submit_message(
    session: Session,
    *,
    data: dict[str, Any],
    source: str = "web",
    client_hash: str = "",
    rate_limit: int = 0,
    rate_window_seconds: int = 600,
) -> Submission:
    """Store a citizen's message with its case and a 'submit' event; returns the tracking token once."""
    stored = store_message(
        session,
        data=data,
        source=source,
        client_hash=client_hash,
        rate_limit=rate_limit,
        rate_window_seconds=rate_window_seconds,
    )
    case = Case(message_id=stored.message.id, status=states.SUBMITTED, updated_at=stored.message.created_at)
    session.add(case)
    session.flush()
    record_event(
        session,
        case=case,
        payload=SubmitPayload(source=source),
        actor=Actor.citizen(),
        from_status=None,
        to_status=states.SUBMITTED,
    )
    session.flush()
    return Submission(message=stored.message, case=case, tracking_token=stored.tracking_token)
