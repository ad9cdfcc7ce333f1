"""重复投诉: a complaint on the same problem as earlier complaints by the same person (the same contact phone or
e-mail) or at the same place, flagged to the supervisor — computed by the worker after a message's analysis.

Three steps, as every slow task (docs/jobs.md): `read_repeat_input` in a reading transaction (the message and the
earlier complaints sharing a key, found by index), `find_repeats` outside any (the text similarity of
`minyi.nlp.hot.similar`, the similar-cases machinery), `store_repeat_flag` in a short writing one (once per case,
with its `repeat_flagged` event). Contacts are stored in clear (`messages.MessageContact`, staff only), so they are
compared as stored; an erased contact matches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from minyi.accounts.models import Role
from minyi.callbacks.models import RepeatFlag, RepeatLink
from minyi.core.clock import utcnow
from minyi.messages.analysis import read_analysis
from minyi.messages.models import Message, MessageAnalysis, MessageContact
from minyi.nlp.hot import similar
from minyi.nlp.text import join_text
from minyi.workflow import states
from minyi.workflow.actors import Actor
from minyi.workflow.events import RepeatFlaggedPayload
from minyi.workflow.models import Case
from minyi.workflow.scope import case_ids_within, cases_within
from minyi.workflow.services import record_event

COMPLAINT = "complaint"
WINDOW_DAYS = 365  # earlier complaints of the year before count
PER_KEY = 50  # the newest earlier complaints read per phone, e-mail or place
PLACE_MIN = 4  # a shorter place ("A市") says too little to call two complaints the same address
# Text similarity (TF-IDF of character bigrams, `minyi.nlp.hot.similar`) from which two complaints sharing a
# person or place are the same problem; measured on the hand-labelled pairs (docs/callbacks.md).
MIN_SCORE = 0.3
FLAGS_MAX = 10_000  # the list's count stops here ("10,000+")
MATCH_NAMES = {"phone": "同一联系电话", "email": "同一电子邮箱", "place": "同一地点"}


@dataclass(frozen=True)
class Earlier:
    """An earlier complaint sharing a key with the new one."""

    case_id: int
    text: str
    matched_by: tuple[str, ...]


@dataclass(frozen=True)
class RepeatInput:
    """What the check reads: the new complaint's case and text, and the earlier complaints sharing a key."""

    case_id: int
    text: str
    earlier: tuple[Earlier, ...]


def _is_complaint(session: Session, message: Message) -> bool:
    if message.appeal_kind:
        return message.appeal_kind == COMPLAINT
    analysis = read_analysis(session.get(MessageAnalysis, message.id))  # 不确定: the analysis's guess decides
    return analysis is not None and analysis["appeal_kind"] == COMPLAINT


def _earlier(message: Message, since: datetime) -> Select[int, str, str]:
    return (
        select(Case.id, Message.title, Message.body)
        .join(Message, Message.id == Case.message_id)
        .where(
            Message.id != message.id,
            Message.created_at >= since,
            Message.created_at <= message.created_at,
            Message.appeal_kind == COMPLAINT,
            Case.status.not_in([states.MERGED, states.REJECTED]),
        )
        .order_by(Message.created_at.desc())
        .limit(PER_KEY)
    )


def read_repeat_input(session: Session, *, message_id: int) -> RepeatInput | None:
    """The complaint and its candidates (None: not a complaint, no case, already flagged, or nothing shared)."""
    message = session.get(Message, message_id)
    case = session.scalar(select(Case).where(Case.message_id == message_id)) if message else None
    if message is None or case is None or not _is_complaint(session, message):
        return None
    if session.get(RepeatFlag, case.id) is not None:
        return None
    since = message.created_at - timedelta(days=WINDOW_DAYS)
    keys: dict[str, Any] = {}
    contact = message.contact
    if contact is not None and contact.erased_at is None:
        if contact.phone.strip():
            keys["phone"] = MessageContact.phone == contact.phone
        if contact.email.strip():
            keys["email"] = MessageContact.email == contact.email
    place = message.place_text.strip()
    if len(place) >= PLACE_MIN:
        keys["place"] = Message.place_text == message.place_text
    found: dict[int, tuple[str, list[str]]] = {}
    for name, clause in keys.items():
        query = _earlier(message, since).where(clause)
        if name != "place":
            query = query.join(MessageContact, MessageContact.message_id == Message.id)
        for case_id, title, body in session.execute(query):
            found.setdefault(case_id, (join_text(title, body), []))[1].append(name)
    if not found:
        return None
    earlier = tuple(Earlier(cid, text, tuple(names)) for cid, (text, names) in sorted(found.items()))
    return RepeatInput(case.id, join_text(message.title, message.body), earlier)


@dataclass(frozen=True)
class RepeatMatch:
    """An earlier complaint on the same problem."""

    case_id: int
    score: float
    matched_by: tuple[str, ...]


def find_repeats(found: RepeatInput) -> list[RepeatMatch]:
    """The candidates whose text is similar enough to be the same problem, best first (no database)."""
    by_id = {e.case_id: e for e in found.earlier}
    hits = similar(found.text, [(e.case_id, e.text) for e in found.earlier], k=len(by_id))
    return [RepeatMatch(cid, score, by_id[cid].matched_by) for cid, score in hits if score >= MIN_SCORE]


def store_repeat_flag(session: Session, *, case_id: int, matches: list[RepeatMatch]) -> RepeatFlag | None:
    """Flag the case with its earlier complaints and append the `repeat_flagged` event (once per case)."""
    if not matches or session.get(RepeatFlag, case_id) is not None:
        return None
    case = session.get(Case, case_id)
    if case is None:
        return None
    earlier_ids = sorted(m.case_id for m in matches)
    kinds = sorted({k for m in matches for k in m.matched_by})
    flag = RepeatFlag(case_id=case_id, matched_by=",".join(kinds), earlier=len(matches), flagged_at=utcnow())
    session.add(flag)
    session.add_all(
        RepeatLink(case_id=case_id, earlier_case_id=m.case_id, matched_by=",".join(m.matched_by), score=m.score)
        for m in matches
    )
    reason = "与办件 {} 反映的问题相同（{}），请督办人员关注".format(
        "、".join(str(i) for i in earlier_ids), "、".join(MATCH_NAMES[k] for k in kinds)
    )
    payload = RepeatFlaggedPayload(earlier_case_ids=tuple(str(i) for i in earlier_ids), matched_by=tuple(kinds))
    record_event(
        session,
        case=case,
        payload=payload,
        actor=Actor.system(),
        from_status=case.status,
        to_status=case.status,
        reason=reason,
        public=False,
    )
    session.flush()
    return flag


def check_repeats(session: Session, *, message_id: int) -> RepeatFlag | None:
    """The three steps in one session (tests, `minyi run-jobs`); the worker runs them in separate transactions."""
    found = read_repeat_input(session, message_id=message_id)
    if found is None:
        return None
    return store_repeat_flag(session, case_id=found.case_id, matches=find_repeats(found))


@dataclass(frozen=True)
class FlagRow:
    """One line of the supervisors' 重复投诉 list."""

    flag: RepeatFlag
    case: Case


def repeat_flags(session: Session, *, page: int = 1, per_page: int = 20, scope: str = "") -> tuple[list[FlagRow], int]:
    """The flagged complaints of the cases within `scope` (`minyi.workflow.scope`), newest flag first, paged in SQL
    on `ix_repeat_flags_flagged`; and how many (to FLAGS_MAX)."""
    within = case_ids_within(RepeatFlag.case_id, scope)
    flags = session.scalars(
        select(RepeatFlag)
        .where(*within)
        .order_by(RepeatFlag.flagged_at.desc(), RepeatFlag.case_id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    counted = select(RepeatFlag.case_id).where(*within).limit(FLAGS_MAX + 1).subquery()
    count = session.scalar(select(func.count()).select_from(counted)) or 0
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_([f.case_id for f in flags])))}
    return [FlagRow(f, cases[f.case_id]) for f in flags], count


@dataclass(frozen=True)
class RepeatInfo:
    """A case's flag and the earlier complaints it links to (for the staff case page and the API)."""

    flag: RepeatFlag
    case: Case
    links: list[tuple[RepeatLink, Case]]


# 重复投诉 lists earlier complaints of any department, private ones too: for those who read every case, never a
# handler (the staff case page and the API show it to these roles only)
READERS = frozenset({Role.COORDINATOR, Role.SUPERVISOR, Role.ADMIN})


def repeat_info(session: Session, case_id: int, *, scope: str = "") -> RepeatInfo | None:
    """The flag of a case, if any, with its earlier cases (best match first) — those within `scope` only: an
    earlier complaint of a sibling jurisdiction is not shown to its neighbour's staff."""
    flag = session.get(RepeatFlag, case_id)
    if flag is None:
        return None
    rows = session.execute(
        select(RepeatLink, Case)
        .join(Case, Case.id == RepeatLink.earlier_case_id)
        .where(RepeatLink.case_id == case_id, *cases_within(scope))
        .order_by(RepeatLink.score.desc(), RepeatLink.earlier_case_id)
    ).all()
    case = session.get(Case, case_id)
    if case is None:
        return None
    return RepeatInfo(flag, case, [(link, earlier) for link, earlier in rows])
