"""What the event log says about each case: the fold of its events, the one definition of every fact.

`fold_case` applies a case's events in log order (time, then id) to its facts; `facts_of_cases` does it for
some cases straight from the log (what `minyi.stats.models` writes to `case_facts` whenever events are
appended) and `fold_period` for every case received in a period (the reference the stored facts are tested
against, and the baseline of `benchmarks/bench_stats.py`). Definitions: docs/statistics.md.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Select, literal, select
from sqlalchemy.orm import Session

from minyi.core.clock import china_days_utc
from minyi.messages.channels import WEBSITE
from minyi.messages.models import Message
from minyi.nlp.display import public_display
from minyi.stats.figures import CaseFacts
from minyi.workflow.events import (
    AcknowledgePayload,
    AdoptPayload,
    ApproveExtensionPayload,
    AssignPayload,
    CallbackPayload,
    EscalatePayload,
    EventKind,
    RatePayload,
    ReopenPayload,
    ReplyPayload,
    ReturnPayload,
    SubmitPayload,
    TransferPayload,
    deadline_after,
    payload_of,
)
from minyi.workflow.models import Case, CaseEvent

NO_PLACE, PRIVATE_PLACE = "未填写", "未公开"
PLACE_MAX = 40  # characters of a public place label
FOLDED_KINDS = tuple(
    k.value
    for k in (
        EventKind.SUBMIT,
        EventKind.ASSIGN,
        EventKind.TRANSFER,
        EventKind.ACCEPT,
        EventKind.RETURN,
        EventKind.APPROVE_EXTENSION,
        EventKind.REPLY,
        EventKind.RATE,
        EventKind.AUTO_CLOSE,
        EventKind.REOPEN,
        EventKind.ESCALATE,
        EventKind.REJECT,
        EventKind.MERGE,
        EventKind.ARCHIVE,  # 历史未办结 (minyi.ingest): only its status counts
        EventKind.ACKNOWLEDGE,  # 表扬: the thanks is the first reply, and closes the case
        EventKind.ADOPT,  # 吸纳: the decision on a suggestion
        EventKind.CALLBACK,  # 回访 (minyi.callbacks)
        EventKind.CALLBACK_REOPEN,  # its status, and the deadline of the round after the first reply
    )
)
IN_CHUNK = 500  # case ids per IN (...) list: well under every database's bound-parameter limit


def apply_event(fact: CaseFacts, kind: str, to_status: str | None, created_at: datetime, data: Any) -> None:
    """Apply one event (in log order) to a case's facts."""
    if to_status:
        fact.status = to_status
    payload = payload_of(kind, data or {})
    if fact.first_reply_at is None:  # the first round: its deadline in force is the one judged
        fact.deadline = deadline_after(payload, fact.deadline)
    if isinstance(payload, SubmitPayload):
        fact.received_at = created_at
        fact.channel = payload.channel or WEBSITE
    elif isinstance(payload, AssignPayload | TransferPayload):
        fact.department_id = payload.department_id
    elif isinstance(payload, ReturnPayload):
        fact.department_id = None
    elif isinstance(payload, ApproveExtensionPayload):
        fact.extensions += 1
    elif isinstance(payload, ReplyPayload | AcknowledgePayload) and fact.first_reply_at is None:
        fact.first_reply_at = created_at
        fact.deadline_at_reply = fact.deadline
    elif isinstance(payload, RatePayload):
        fact.rating = payload.level
    elif isinstance(payload, ReopenPayload):
        fact.reopened = True
    elif isinstance(payload, EscalatePayload):
        fact.escalations += 1
    elif isinstance(payload, AdoptPayload):
        fact.adoption = payload.decision
    elif isinstance(payload, CallbackPayload):
        fact.called_back = True
        if payload.reached:  # the latest reached call-back's answers
            fact.callback_reached = True
            fact.callback_resolved = payload.resolved
            fact.callback_satisfaction = payload.satisfaction


def place_label(place: str, *, is_public: bool) -> str:
    """A case's place as the public sees it: personal data masked (as on the board), a private one hidden."""
    if not is_public:
        return PRIVATE_PLACE  # a private message's place is never shown, not even as a count's label
    return public_display(place.strip())[:PLACE_MAX] or NO_PLACE


def _attributes(  # one row of `_attributes_query`
    case_id: int, domain: str | None, kind: str, place: str | None, public: Any, jurisdiction_id: int | None
) -> CaseFacts:
    fact = CaseFacts(
        case_id=case_id,
        jurisdiction_id=jurisdiction_id,
        received_at=datetime.min,
        domain=domain,
        appeal_kind=kind,
        place=place or "",
        is_public=bool(public),
    )
    fact.place_label = place_label(fact.place, is_public=fact.is_public)
    return fact


def _fold_rows(facts: dict[int, CaseFacts], events: Iterable[Any], received: set[int]) -> list[CaseFacts]:
    for case_id, kind, to_status, created_at, data in events:
        fact = facts.get(case_id)
        if fact is not None:
            apply_event(fact, kind, to_status, created_at, data)
            if kind == EventKind.SUBMIT.value:
                received.add(case_id)
    return [fact.settle() for case_id, fact in facts.items() if case_id in received]


def _attributes_query(*, jurisdiction: bool = True) -> Select[*tuple[Any, ...]]:
    """The message's attributes and the case's jurisdiction (`jurisdiction=False`: a schema before migration 0028,
    for the backfill of 0013, which runs before `cases.jurisdiction_id` exists)."""
    held = Case.jurisdiction_id if jurisdiction else literal(None)
    return select(Case.id, Message.domain, Message.appeal_kind, Message.place_text, Message.is_public, held).join(
        Message, Message.id == Case.message_id
    )


def _events_query() -> Select[*tuple[Any, ...]]:
    return select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.to_status, CaseEvent.created_at, CaseEvent.data).where(
        CaseEvent.kind.in_(FOLDED_KINDS)
    )


def facts_of_cases(
    connection: Connection | Session, case_ids: Collection[int], *, jurisdiction: bool = True
) -> list[CaseFacts]:
    """The facts of these cases folded from their whole log (cases without a `submit` event have none)."""
    found: list[CaseFacts] = []
    ordered = sorted(set(case_ids))
    attributes = _attributes_query(jurisdiction=jurisdiction)
    for i in range(0, len(ordered), IN_CHUNK):
        chunk = ordered[i : i + IN_CHUNK]
        facts = {row[0]: _attributes(*row) for row in connection.execute(attributes.where(Case.id.in_(chunk)))}
        events = connection.execute(
            _events_query()
            .where(CaseEvent.case_id.in_(chunk))
            .order_by(CaseEvent.case_id, CaseEvent.created_at, CaseEvent.id)
        )
        found += _fold_rows(facts, events, set())
    return found


def fold_period(session: Session | Connection, *, start: date, end: date) -> list[CaseFacts]:
    """The facts of every case whose message arrived in [start, end] (China dates), folded from the event log.

    Two queries whatever the number of cases: the cohort (its `submit` events in the period) with its
    messages' attributes, and the cohort's events in order.
    """
    low, high = china_days_utc(start, end)
    cohort = select(CaseEvent.case_id).where(
        CaseEvent.kind == EventKind.SUBMIT.value, CaseEvent.created_at >= low, CaseEvent.created_at < high
    )
    facts = {row[0]: _attributes(*row) for row in session.execute(_attributes_query().where(Case.id.in_(cohort)))}
    events = session.execute(
        _events_query()
        .where(CaseEvent.case_id.in_(cohort))
        .order_by(CaseEvent.case_id, CaseEvent.created_at, CaseEvent.id)
    )
    return _fold_rows(facts, events, set())
