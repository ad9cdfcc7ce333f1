"""A message opens its case: `minyi.messages` stores what was written, this module the case and its first event
(`submit`) — for a citizen's own submission (`submit_message`) and for one a staff member entered for a citizen
(`enter_message`, 代录入), the same case and event, so that the same analysis and workflow follow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from minyi.core.clock import utcnow
from minyi.core.errors import FieldErrors, ValidationFailed
from minyi.jurisdictions.routing import Address, resolve_address, route_message
from minyi.messages.models import Message
from minyi.messages.services import (
    StoredMessage,
    store_entered_message,
    store_message,
    validate_entry,
    validate_submission,
)
from minyi.workflow import states
from minyi.workflow.actors import Actor
from minyi.workflow.events import SubmitPayload
from minyi.workflow.models import Case
from minyi.workflow.review import hold_if_needed
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
    """Store a citizen's message with its case and a 'submit' event; returns the tracking token once.

    `data` may name the jurisdiction addressed (`jurisdiction`: its slug) and a leader's mailbox of it
    (`leader`); checked with the other fields, every error reported at once.
    """
    address = _address(session, data, other_fields=lambda: validate_submission(data))
    stored = store_message(
        session,
        data=data,
        source=source,
        client_hash=client_hash,
        rate_limit=rate_limit,
        rate_window_seconds=rate_window_seconds,
    )
    review = hold_if_needed(session, stored.message)  # 审核后公开: off the board until a coordinator publishes it
    payload = SubmitPayload(source=source, channel=stored.message.channel, review=review)
    return _open_case(session, stored, payload=payload, address=address)


def enter_message(session: Session, *, data: dict[str, Any], actor: Actor) -> Submission:
    """Store a message a staff member entered for a citizen (代录入: `data` holds the citizen's fields, `channel`
    and `received_at`), with its case and a 'submit' event by `actor` at the time it was received (an address,
    as in `submit_message`, when the citizen named one)."""
    address = _address(session, data, other_fields=lambda: validate_entry(data, now=utcnow()))
    stored = store_entered_message(session, data=data)
    payload = SubmitPayload(source="staff", channel=stored.message.channel, entered_at=utcnow().isoformat())
    return _open_case(session, stored, payload=payload, actor=actor, address=address)


def _address(session: Session, data: dict[str, Any], *, other_fields: Callable[[], Any]) -> Address:
    """The address in `data`, checked before anything is stored; when it is wrong, the message's other fields
    are checked too, so that the form shows every error at once."""
    try:
        return resolve_address(session, jurisdiction=data.get("jurisdiction"), leader=data.get("leader"))
    except ValidationFailed as wrong:
        try:
            other_fields()
        except FieldErrors as more:
            raise FieldErrors([*more.failures, wrong]) from None
        except ValidationFailed as one:
            raise FieldErrors([one, wrong]) from None
        raise


def _open_case(
    session: Session,
    stored: StoredMessage,
    *,
    payload: SubmitPayload,
    address: Address,
    actor: Actor | None = None,
) -> Submission:
    """The message's case, waiting for triage in the jurisdiction it was addressed to or placed in (with the
    reason), and its 'submit' event at the time the message was received."""
    message = stored.message
    if address.jurisdiction is not None:
        message.addressed_jurisdiction_id = address.jurisdiction.id
        message.addressed_leader = address.leader
    routed = route_message(session, address=address, texts=(message.title, message.place_text or "", message.body))
    case = Case(
        message_id=message.id,
        status=states.SUBMITTED,
        updated_at=message.created_at,
        jurisdiction_id=routed.jurisdiction_id,
        jurisdiction_reason=routed.reason,
    )
    session.add(case)
    session.flush()
    event = record_event(
        session,
        case=case,
        payload=payload,
        actor=actor or Actor.citizen(),
        from_status=None,
        to_status=states.SUBMITTED,
    )
    event.created_at = stored.message.created_at
    session.flush()
    return Submission(message=stored.message, case=case, tracking_token=stored.tracking_token)
