"""The event log's schema: every event kind, and the typed payload each kind carries in `case_events.data`.

Every writer (the use cases, `minyi.ingest`, `minyi.privacy`, `minyi.hot`) builds a payload here and stores
`payload.to_json()`; every reader (`minyi.stats`, `minyi.ingest.merge`) gets it back with `payload_of`. The JSON
form is the one every release wrote (dates as `YYYY-MM-DD`, `from`/`to` for a corrected value), so old
databases read the same; a value that is absent or unreadable comes back as the field's default, never as an
error. Fields left at None or False are not written (no `"imported": false` on every live event).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar, Self


class EventKind(StrEnum):
    """What an event records. The lifecycle kinds are the actions of `states.ACTIONS` (same names)."""

    SUBMIT = "submit"
    ASSIGN = "assign"
    TRANSFER = "transfer"
    REJECT = "reject"
    MERGE = "merge"
    ACCEPT = "accept"
    RETURN = "return"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REFUSE_EXTENSION = "refuse_extension"
    REPLY = "reply"
    ESCALATE = "escalate"
    RATE = "rate"
    AUTO_CLOSE = "auto_close"
    REOPEN = "reopen"
    ARCHIVE = "archive"  # minyi.ingest: an old unreplied message imported as 历史未办结
    SUPPORTED = "supported"  # 附议: a citizen's support, a merged duplicate, or an imported source's votes
    SET_DOMAIN = "set_domain"  # minyi.ingest: the source's category given to an imported message
    CONTACT_ERASED = "contact_erased"
    CONTACT_REQUEST = "contact_request"
    CONTACT_CORRECTED = "contact_corrected"
    CONTACT_REQUEST_DECLINED = "contact_request_declined"
    PUBLISH = "publish"  # 审核后公开: a coordinator published a message that waited for review
    WITHHOLD = "withhold"  # 审核后公开: kept off the board after review (the citizen is told why)
    # 吸纳 and 表扬 (minyi.suggestions; docs/suggestions.md)
    ADOPT = "adopt"  # a suggestion's adoption decision (its public reason is the event's reason)
    COMMIT = "commit"  # a commitment made on an adopted suggestion
    PROGRESS = "progress"  # a commitment's public progress update
    COMMITMENT_DONE = "commitment_done"  # a commitment marked done
    ACKNOWLEDGE = "acknowledge"  # 表扬: the department's public thanks, which closes the case
    # 帮助 and 化解 (minyi.callbacks)
    ASSIST = "assist"  # 记录帮扶: assistance given on a help case (what: the event's reason, public and masked)
    CALLBACK = "callback"  # 回访: a call-back after closing (reached or not, resolved, satisfied; the note internal)
    CALLBACK_REOPEN = "callback_reopen"  # 回访未解决，重办: back to the department with a new deadline
    REPEAT_FLAGGED = "repeat_flagged"  # 重复投诉: the worker found earlier complaints on the same problem
    # Jurisdictions in levels (minyi.workflow.levels): a case moved down to a child jurisdiction or up to the parent
    SEND_DOWN = "send_down"  # 下派
    SEND_UP = "send_up"  # 上报 (the reason is the event's, internal)


@dataclass(frozen=True)
class Change:
    """A value a coordinator corrected: what it was and what it became (stored as `{"from": …, "to": …}`)."""

    before: str | None
    after: str | None

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return {"from": self.before, "to": self.after}

    @classmethod
    def from_json(cls, value: Any) -> Change | None:
        """The stored form read back (None when it is not one)."""
        return cls(value.get("from"), value.get("to")) if isinstance(value, Mapping) else None


def read_date(value: Any) -> date | None:
    """A date as stored (`2024-06-12`); anything else is no date."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _read_tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()


def _encode(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Change):
        return value.to_json()
    if isinstance(value, tuple):
        return list(value)
    return value


# Field annotations (strings under `from __future__ import annotations`) whose stored form needs decoding.
_DECODERS: dict[str, Callable[[Any], Any]] = {
    "date | None": read_date,
    "Change | None": Change.from_json,
    "tuple[str, ...]": _read_tuple,
}


@dataclass(frozen=True)
class Payload:
    """The data of one event; subclasses name their `KIND` and their fields (all with defaults)."""

    KIND: ClassVar[EventKind]
    _decoders: ClassVar[tuple[tuple[str, Callable[[Any], Any] | None], ...]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "KIND" in cls.__dict__:  # a shared base (no kind of its own) is not an event kind
            PAYLOADS[cls.KIND.value] = cls

    def to_json(self) -> dict[str, Any]:
        """The stored form: every field set (not None, not False), dates as ISO strings."""
        return {
            f.name: _encode(value)
            for f in fields(self)
            if (value := getattr(self, f.name)) is not None and value is not False
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Self:
        """The payload stored as `data` (absent or unreadable fields: their defaults)."""
        decoders = cls.__dict__.get("_decoders")  # this class's own, never a base class's
        if decoders is None:  # computed once per class, on first use (the dataclass fields exist by then)
            decoders = cls._decoders = tuple((f.name, _DECODERS.get(str(f.type))) for f in fields(cls))
        data = data or {}
        values = {name: (decode(data[name]) if decode else data[name]) for name, decode in decoders if name in data}
        return cls(**values)


PAYLOADS: dict[str, type[Payload]] = {}  # by kind


def payload_of(kind: str, data: Mapping[str, Any] | None) -> Payload:
    """The typed payload of a stored event (an empty `Payload` for a kind this release does not know)."""
    return PAYLOADS.get(kind, Payload).from_json(data)


@dataclass(frozen=True)
class SubmitPayload(Payload):
    """提交: where the message came from (an imported one: its file and id; older imports: its votes), its channel
    (受理渠道, `minyi.messages.channels`; absent in older events: 网站) and, for a staff entry (代录入, the event's
    actor is who entered it, its time when the message was received), when it was entered."""

    KIND = EventKind.SUBMIT
    source: str = ""
    review: str = ""  # "pending": the citizen asked for publication, the message waits for review (审核后公开)
    channel: str | None = None
    entered_at: str | None = None  # ISO time in UTC
    file: str | None = None
    external_id: str | None = None
    likes: int | None = None
    dislikes: int | None = None


@dataclass(frozen=True)
class AssignPayload(Payload):
    """受理并转办: the department, the deadline set, and the classification the coordinator corrected."""

    KIND = EventKind.ASSIGN
    department_id: int | None = None
    department: str = ""
    appeal_kind: Change | None = None
    domain: Change | None = None
    deadline: date | None = None
    imported: bool = False


@dataclass(frozen=True)
class TransferPayload(Payload):
    """改派: from one department to another (the deadline keeps running)."""

    KIND = EventKind.TRANSFER
    from_department_id: int | None = None
    department_id: int | None = None
    department: str = ""


@dataclass(frozen=True)
class RejectPayload(Payload):
    """不予受理 (its public reason is the event's reason)."""

    KIND = EventKind.REJECT


@dataclass(frozen=True)
class MergePayload(Payload):
    """合并办理 into another case."""

    KIND = EventKind.MERGE
    into_case_id: int | None = None


@dataclass(frozen=True)
class AcceptPayload(Payload):
    """签收."""

    KIND = EventKind.ACCEPT


@dataclass(frozen=True)
class ReturnPayload(Payload):
    """退回 by the department (the deadline is cleared), maybe asking for another department."""

    KIND = EventKind.RETURN
    department_id: int | None = None
    suggested_department_id: int | None = None
    suggested_department: str | None = None
    transfer_requested: bool = False


@dataclass(frozen=True)
class RequestExtensionPayload(Payload):
    """申请延期 by so many working days."""

    KIND = EventKind.REQUEST_EXTENSION
    days: int | None = None


@dataclass(frozen=True)
class ApproveExtensionPayload(Payload):
    """批准延期: the new deadline."""

    KIND = EventKind.APPROVE_EXTENSION
    extension_id: int | None = None
    days: int | None = None
    deadline: date | None = None


@dataclass(frozen=True)
class RefuseExtensionPayload(Payload):
    """不批准延期 (the deadline stays)."""

    KIND = EventKind.REFUSE_EXTENSION
    extension_id: int | None = None
    days: int | None = None


@dataclass(frozen=True)
class ReplyPayload(Payload):
    """答复 (by a department, or by a public explanation: `explanation_id`, minyi.knowledge)."""

    KIND = EventKind.REPLY
    reply_id: int | None = None
    explanation_id: int | None = None


@dataclass(frozen=True)
class EscalatePayload(Payload):
    """督办 (by a supervisor or the system; the reason says why)."""

    KIND = EventKind.ESCALATE


@dataclass(frozen=True)
class RatePayload(Payload):
    """满意度评价."""

    KIND = EventKind.RATE
    level: str | None = None
    level_name: str | None = None
    rating_id: int | None = None


@dataclass(frozen=True)
class AutoClosePayload(Payload):
    """逾期未评价，自动办结 after so many days."""

    KIND = EventKind.AUTO_CLOSE
    after_days: int | None = None
    imported: bool = False


@dataclass(frozen=True)
class ArchivePayload(Payload):
    """历史未办结: an imported message older than `older_than_days` that was never answered."""

    KIND = EventKind.ARCHIVE
    older_than_days: int | None = None
    imported: bool = True


@dataclass(frozen=True)
class ReopenPayload(Payload):
    """重办: back to the same department with a new deadline (absent from reopen events of older releases)."""

    KIND = EventKind.REOPEN
    department_id: int | None = None
    deadline: date | None = None


@dataclass(frozen=True)
class SupportedPayload(Payload):
    """附议: a citizen's (the new count), a duplicate merged into this case, or an imported source's votes."""

    KIND = EventKind.SUPPORTED
    supports: int | None = None
    merged_case_id: int | None = None
    imported: bool = False
    likes: int | None = None
    dislikes: int | None = None


@dataclass(frozen=True)
class SetDomainPayload(Payload):
    """The source's category given to an imported message."""

    KIND = EventKind.SET_DOMAIN
    imported: bool = False
    domain: str | None = None


@dataclass(frozen=True)
class ContactErasedPayload(Payload):
    """Contact data erased (never the erased values): past retention, or at the citizen's request."""

    KIND = EventKind.CONTACT_ERASED
    reason: str | None = None
    retention_days: int | None = None
    request_id: int | None = None


@dataclass(frozen=True)
class ContactRequestPayload(Payload):
    """A citizen asks to correct or delete their contact data."""

    KIND = EventKind.CONTACT_REQUEST
    request_id: int | None = None
    kind: str | None = None
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContactCorrectedPayload(Payload):
    """Contact data corrected as asked (which fields, never their values)."""

    KIND = EventKind.CONTACT_CORRECTED
    request_id: int | None = None
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContactRequestDeclinedPayload(Payload):
    """A contact data request declined (the reason is the event's)."""

    KIND = EventKind.CONTACT_REQUEST_DECLINED
    request_id: int | None = None


def deadline_after(payload: Payload, current: date | None) -> date | None:
    """The deadline in force after an event: set by assign, an approved extension and reopen, cleared by return.

    `Case.deadline` of an open case equals this fold over its events; `minyi.stats` folds the first round only.
    """
    if isinstance(payload, AssignPayload | ApproveExtensionPayload | ReopenPayload | CallbackReopenPayload):
        return payload.deadline
    if isinstance(payload, ReturnPayload):
        return None
    return current


def deadline_in_force(payloads: Iterable[Payload]) -> date | None:
    """The deadline in force after a case's events (in log order): what `Case.deadline` holds."""
    deadline = None
    for payload in payloads:
        deadline = deadline_after(payload, deadline)
    return deadline


@dataclass(frozen=True)
class PublishPayload(Payload):
    """审核后公开: published after review, and why it had waited (the admin's setting, abuse, an accusation)."""

    KIND = EventKind.PUBLISH
    flags: str = ""


@dataclass(frozen=True)
class WithholdPayload(Payload):
    """审核后不公开: kept off the board; the event's reason is told to the citizen on their tracking page."""

    KIND = EventKind.WITHHOLD
    flags: str = ""


@dataclass(frozen=True)
class AdoptPayload(Payload):
    """采纳决定 on a suggestion: the decision's code (`minyi.suggestions.decisions`) and the deciding department."""

    KIND = EventKind.ADOPT
    decision: str | None = None
    decision_name: str | None = None
    department_id: int | None = None


@dataclass(frozen=True)
class CommitPayload(Payload):
    """承诺事项: what (the event's reason), by which department, by when."""

    KIND = EventKind.COMMIT
    commitment_id: int | None = None
    department_id: int | None = None
    department: str = ""
    due_on: date | None = None


@dataclass(frozen=True)
class ProgressPayload(Payload):
    """承诺进展: the text is the event's reason; how far along (percent)."""

    KIND = EventKind.PROGRESS
    commitment_id: int | None = None
    percent: int | None = None


@dataclass(frozen=True)
class CommitmentDonePayload(Payload):
    """承诺已完成."""

    KIND = EventKind.COMMITMENT_DONE
    commitment_id: int | None = None


@dataclass(frozen=True)
class AcknowledgePayload(Payload):
    """表扬已致谢: the department's thanks is a reply (counted as the first reply), the case closes."""

    KIND = EventKind.ACKNOWLEDGE
    reply_id: int | None = None


@dataclass(frozen=True)
class AssistPayload(Payload):
    """记录帮扶 on a help case: which department gave it, who (internal), on which day (China date); the event's
    reason says what was done (public text, masked on public pages)."""

    KIND = EventKind.ASSIST
    department_id: int | None = None
    department: str = ""
    person: str = ""
    given_on: date | None = None


@dataclass(frozen=True)
class CallbackPayload(Payload):
    """回访 after closing: the attempt's number, reached or not; when reached, resolved or not and the citizen's
    satisfaction (满意 / 基本满意 / 不满意, apart from their own rating). The event's reason is an internal note."""

    KIND = EventKind.CALLBACK
    attempt: int | None = None
    reached: bool = False
    resolved: str | None = None  # "yes" or "no" when reached (a False would not be stored: see `Payload.to_json`)
    satisfaction: str | None = None
    satisfaction_name: str | None = None


@dataclass(frozen=True)
class CallbackReopenPayload(Payload):
    """回访未解决，重办: back to the same department with a new deadline (logged here, as a citizen's reopen)."""

    KIND = EventKind.CALLBACK_REOPEN
    department_id: int | None = None
    deadline: date | None = None


@dataclass(frozen=True)
class RepeatFlaggedPayload(Payload):
    """重复投诉: earlier complaints on the same problem by the same person (phone, e-mail) or at the same place."""

    KIND = EventKind.REPEAT_FLAGGED
    earlier_case_ids: tuple[str, ...] = ()
    matched_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class _MovePayload(Payload):
    """A case moved between jurisdictions: their ids and names, stored as agreed for every reader
    (`{"from_jurisdiction_id", "to_jurisdiction_id", "from", "to"}`; `from` is a Python keyword, hence the
    renaming here)."""

    from_jurisdiction_id: int | None = None
    to_jurisdiction_id: int | None = None
    from_name: str = ""
    to_name: str = ""

    def to_json(self) -> dict[str, Any]:
        """The stored form: the names under `from` and `to`."""
        return {
            "from_jurisdiction_id": self.from_jurisdiction_id,
            "to_jurisdiction_id": self.to_jurisdiction_id,
            "from": self.from_name,
            "to": self.to_name,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Self:
        """The stored form read back (absent or unreadable fields: their defaults)."""
        data = data or {}

        def ident(key: str) -> int | None:
            value = data.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        return cls(
            from_jurisdiction_id=ident("from_jurisdiction_id"),
            to_jurisdiction_id=ident("to_jurisdiction_id"),
            from_name=str(data.get("from") or ""),
            to_name=str(data.get("to") or ""),
        )


@dataclass(frozen=True)
class SendDownPayload(_MovePayload):
    """下派: to a jurisdiction right below the one that held the case (a staff note, if any, is the reason)."""

    KIND = EventKind.SEND_DOWN


@dataclass(frozen=True)
class SendUpPayload(_MovePayload):
    """上报: to the parent jurisdiction, with the reason (internal) why this level cannot solve it."""

    KIND = EventKind.SEND_UP
