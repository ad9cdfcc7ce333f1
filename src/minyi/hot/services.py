"""Hot-issue use cases: support a case (附议), find similar cases, recompute and list hot issues (their board and
web voices counted per channel by `minyi.hot.voices`)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import pickle
import threading
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from minyi.accounts.models import Role
from minyi.core.clock import utcnow
from minyi.core.db import get_by_id
from minyi.core.errors import Conflict, InvalidTransition, NotFound, RateLimited
from minyi.hot import voices
from minyi.hot.models import HotIssue, SimilarIndexSnapshot, Support
from minyi.messages.models import Message
from minyi.nlp.text import join_text
from minyi.workflow import states
from minyi.workflow.actors import Actor
from minyi.workflow.events import SupportedPayload
from minyi.workflow.models import Case
from minyi.workflow.services import can_see, record_event

MIN_MEMBERS = 2
CASES_SHOWN = 10  # cases listed under a hot issue on /hot (the others are counted)
SUPPORT_LIMIT, SUPPORT_WINDOW = 30, timedelta(minutes=10)
log = logging.getLogger(__name__)
SUPPORTABLE = frozenset({states.SUBMITTED, states.ASSIGNED, states.IN_PROGRESS, states.REPLIED, states.RETURNED})


def has_supported(session: Session, *, case_id: int, client_hash: str) -> bool:
    """Whether this client (the keyed hash of its address) has already added its voice to the case."""
    found = select(Support.id).where(Support.case_id == case_id, Support.client_hash == client_hash).limit(1)
    return session.scalar(found) is not None


def support_case(session: Session, *, case_id: Any, client_hash: str) -> Case:
    """附议: add one client's voice to an open public case instead of opening a new one."""
    case = get_by_id(session, Case, case_id)
    if case is None or not case.message.is_public:
        raise NotFound("办件不存在或未公开")
    if case.status not in SUPPORTABLE:
        msg = f"办件处于“{states.STATUS_NAMES[case.status]}”状态，不能附议"
        raise InvalidTransition(msg)
    recent = (
        session.scalar(
            select(func.count(Support.id)).where(
                Support.client_hash == client_hash, Support.created_at >= utcnow() - SUPPORT_WINDOW
            )
        )
        or 0
    )
    if recent >= SUPPORT_LIMIT:
        raise RateLimited("附议过于频繁，请稍后再试")
    if has_supported(session, case_id=case.id, client_hash=client_hash):
        raise Conflict("您已经附议过这件留言")
    session.add(Support(case_id=case.id, client_hash=client_hash, created_at=utcnow()))
    case.supports += 1
    record_event(
        session,
        case=case,
        payload=SupportedPayload(supports=case.supports),
        actor=Actor(role=states.CITIZEN, label="群众附议"),
        from_status=case.status,
        to_status=case.status,
    )
    session.flush()
    return case


@dataclass
class _LoadedIndex:
    stamp: str = ""
    index: Any = None


_cache_lock = threading.Lock()
SIMILAR_WINDOW_DAYS = 365
# At most this many cases in each similar-cases index: the newest of the window. Memory and the rebuild's time
# grow with the cases indexed (a year of a million cases took the worker past 22 GB and the OOM killer, docs/scale.md);
# 50,000 is weeks of a large city's messages and all the open cases of most.
SIMILAR_MAX_CASES = 50_000
_KINDS = {True: "public", False: "staff"}


def _candidate_query(*, public_only: bool) -> Any:
    since = utcnow() - timedelta(days=SIMILAR_WINDOW_DAYS)
    query = (
        select(Case.id, Message.title, Message.body)
        .join(Message, Message.id == Case.message_id)
        .where(Message.created_at >= since)
    )
    if public_only:  # what a citizen may support
        return query.where(Message.is_public.is_(True), Case.status.in_(list(SUPPORTABLE)))
    return query.where(Case.status.not_in([states.MERGED, states.REJECTED]))  # what a coordinator may merge into


def _cases_stamp(session: Session) -> str:
    """What the cases look like now: an index built at another stamp is out of date."""
    count, newest, changed = session.execute(
        select(func.count(Case.id), func.max(Case.id), func.max(Case.updated_at))
    ).one()
    return f"{count}:{newest}:{changed.isoformat() if changed else ''}"[:128]


def _signature(data: bytes) -> bytes:
    from minyi.core.settings import get_settings  # read when used: every process shares MINYI_SECRET_KEY

    return hmac.new(get_settings().secret_key.encode(), data, hashlib.sha256).digest()


def exclusive(session: Session, name: str) -> None:
    """Serialize this writing transaction with every other one taking the same `name`, until it ends.

    SQLite's writing transactions are serialized already (one write lock); PostgreSQL takes a transaction-level
    advisory lock, so that two workers replacing the same stored result do it one after the other.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


@dataclass(frozen=True)
class SimilarBuild:
    """What one similar-cases index is built from: read in a reading transaction, built outside any."""

    kind: str  # "public" or "staff"
    stamp: str  # what the cases looked like when read
    ids: list[int]
    texts: list[str]
    as_of: datetime  # when they were read: stored as `built_at`, the index's version


def read_similar_builds(session: Session) -> list[SimilarBuild]:
    """The indexes whose stored version is out of date, with the cases to build each from (reads only)."""
    stamp, builds = _cases_stamp(session), []
    for public_only, kind in _KINDS.items():
        built = session.scalar(select(SimilarIndexSnapshot.stamp).where(SimilarIndexSnapshot.kind == kind))
        if built == stamp:
            continue
        newest = _candidate_query(public_only=public_only).order_by(Case.id.desc()).limit(SIMILAR_MAX_CASES)
        rows = session.execute(newest).all()
        texts = [join_text(r.title, r.body) for r in rows]
        builds.append(SimilarBuild(kind, stamp, [r.id for r in rows], texts, utcnow()))
    return builds


def build_similar_index(build: SimilarBuild) -> bytes:
    """The index fitted, pickled, compressed and signed with the secret key (no database: outside any transaction).

    Signed so that a web process loads only what a worker of this installation wrote."""
    from minyi.nlp.hot import SimilarIndex

    index = SimilarIndex().fit(build.texts, ids=build.ids)
    data = zlib.compress(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL), 1)
    return _signature(data) + data


def store_similar_index(session: Session, build: SimilarBuild, data: bytes) -> bool:
    """Store a built index (a short writing transaction); False when the one stored meanwhile is as new or newer."""
    exclusive(session, f"similar_index:{build.kind}")
    where = SimilarIndexSnapshot.kind == build.kind
    stored = session.execute(select(SimilarIndexSnapshot.stamp, SimilarIndexSnapshot.built_at).where(where)).first()
    if stored is not None and (stored.stamp == build.stamp or stored.built_at > build.as_of):
        return False
    values = {"stamp": build.stamp, "size": len(build.ids), "data": data, "built_at": build.as_of}
    if stored is None:
        session.add(SimilarIndexSnapshot(kind=build.kind, **values))
    else:
        session.execute(update(SimilarIndexSnapshot).where(where).values(**values))
    session.flush()
    return True


def refresh_similar_indexes(session: Session) -> int:
    """Rebuild the similar-cases indexes when the cases changed (run by a worker, never in a request).

    One session here; the worker reads, builds and stores in separate steps (`minyi.jobs.runner.similar_index`).
    Returns how many indexes were rebuilt.
    """
    return sum(store_similar_index(session, b, build_similar_index(b)) for b in read_similar_builds(session))


def similar_index(session: Session, *, public_only: bool) -> Any:
    """The latest index a worker stored (loaded once per process and stamp), or None before the first build."""
    kind = _KINDS[public_only]
    built = session.execute(
        select(SimilarIndexSnapshot.stamp, SimilarIndexSnapshot.built_at).where(SimilarIndexSnapshot.kind == kind)
    ).one_or_none()
    if built is None:
        return None
    key = f"{session.get_bind().engine.url.render_as_string()}|{built.stamp}|{built.built_at.isoformat()}"
    with _cache_lock:
        loaded = _loaded.setdefault(public_only, _LoadedIndex())
        if loaded.stamp != key:
            blob = session.scalar(select(SimilarIndexSnapshot.data).where(SimilarIndexSnapshot.kind == kind)) or b""
            signature, data = blob[:32], blob[32:]
            if not hmac.compare_digest(signature, _signature(data)):
                log.warning("the stored similar-cases index is not signed with this secret key; ignored")
                return None
            loaded.index, loaded.stamp = pickle.loads(zlib.decompress(data)), key  # noqa: S301 - signed by our worker
        return loaded.index


_loaded: dict[bool, _LoadedIndex] = {}


def similar_cases(
    session: Session, *, text: Any, k: int = 5, public_only: bool = True, exclude: int | None = None
) -> list[tuple[Case, float]]:
    """Open cases that look like the same problem as `text` (可能相同的问题), best first."""
    if not isinstance(text, str) or len(text.strip()) < 4:
        return []
    index = similar_index(session, public_only=public_only)
    if index is None:  # no worker has built it yet
        return []
    hits = index.query(text[:2000], k + 1)
    cases = cases_by_id(session, [cid for cid, _ in hits])
    return [(cases[cid], score) for cid, score in hits if cid in cases and cid != exclude][:k]


@dataclass(frozen=True)
class SimilarCase:
    """A case in a staff page's 可能相同的问题 box, and how much of it the viewer may see."""

    case: Case
    score: float
    full: bool  # True: the viewer may open it (staff page, its own text); False: a public case, public text only


def similar_cases_for_staff(
    session: Session, *, actor: Actor, text: Any, exclude: int | None = None, k: int = 5
) -> list[SimilarCase]:
    """可能相同的问题 on a staff case page: a handler sees their own department's cases and public cases only, staff
    below the root the cases of their jurisdiction (and below) and public cases only (`can_see`)."""
    narrowed = actor.role == Role.HANDLER or bool(actor.jurisdiction_path)
    hits = similar_cases(session, text=text, k=k * 4 if narrowed else k, public_only=False, exclude=exclude)
    shown = [SimilarCase(case, score, can_see(case, actor)) for case, score in hits]
    return [s for s in shown if s.full or s.case.message.is_public][:k]


def hot_issue_of(session: Session, case_id: int) -> HotIssue | None:
    """The current hot issue this case belongs to, if any."""
    return next((i for i in current_hot_issues(session) if case_id in i.case_ids), None)


def current_hot_issues(session: Session) -> list[HotIssue]:
    """The latest stored hot issues, by rank."""
    latest = session.scalar(select(func.max(HotIssue.computed_at)))
    if latest is None:
        return []
    return list(session.scalars(select(HotIssue).where(HotIssue.computed_at == latest).order_by(HotIssue.rank)))


def cases_by_id(session: Session, ids: list[int]) -> dict[int, Case]:
    """Cases for a list of ids (one query)."""
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(ids))).unique()}


def public_case_records(session: Session, *, start: datetime, end: datetime | None = None) -> list[dict[str, Any]]:
    """The public, not rejected cases received in [start, end) as the records `rank_hot_issues` reads."""
    query = (
        select(
            Case.id,
            Message.title,
            Message.body,
            Message.place_text,
            Message.created_at,
            Message.client_hash,
            Message.channel,
            Case.supports,
        )
        .join(Message, Message.id == Case.message_id)
        .where(Message.is_public.is_(True), Message.created_at >= start, Case.status.not_in([states.REJECTED]))
    )
    if end is not None:
        query = query.where(Message.created_at < end)
    return [
        {
            "id": r.id,
            "title": r.title,
            "body": r.body,
            "place": r.place_text,
            "time": r.created_at,
            "user": r.client_hash or None,
            "supports": r.supports,
            "channel": r.channel,
        }
        for r in session.execute(query)
    ]


def _window_start(session: Session, *, since_days: int) -> datetime:
    # The window ends at the newest public message (today on a live platform; the end of an imported history).
    newest = session.scalar(select(func.max(Message.created_at)).where(Message.is_public.is_(True)))
    return (newest or utcnow()) - timedelta(days=since_days)


@dataclass(frozen=True)
class HotRecords:
    """The recent public cases and web voices, read in a reading transaction to be grouped outside any."""

    records: list[dict[str, Any]]
    as_of: datetime  # when they were read: stored as `computed_at`, the snapshot's version


def voice_records(session: Session, *, start: datetime, end: datetime | None = None) -> list[dict[str, Any]]:
    """The public cases of [start, end) with their linked web items, then the web's first items of the same span
    (`minyi.hot.voices`): what the hot issues group."""
    records = public_case_records(session, start=start, end=end)
    voices.attach_links(session, records, start=start)
    return records + voices.web_records(session, start=start, end=end)


def read_hot_records(session: Session, *, since_days: int = 365) -> HotRecords:
    """The public cases and web voices of the window (reads only)."""
    return HotRecords(voice_records(session, start=_window_start(session, since_days=since_days)), utcnow())


@dataclass(frozen=True)
class RankedIssue:
    """A hot issue as grouped (`minyi.nlp.hot.HotIssue`) and its voices per channel."""

    issue: Any
    voices: voices.Voices


def rank_hot(records: list[dict[str, Any]], *, top: int = 20) -> list[RankedIssue]:
    """The top hot issues of the records with their voices (pure: run it outside any transaction)."""
    from minyi.nlp.hot import rank_hot_issues

    if not records:
        return []
    ranked = rank_hot_issues(records, top=top * 3)  # "recent" = before the newest
    kept = [i for i in ranked if voices.is_hot(i.members, min_members=MIN_MEMBERS)][:top]  # one voice is no issue
    counted = voices.count_voices([i.members for i in kept], records)
    return [RankedIssue(i, v) for i, v in zip(kept, counted, strict=True)]


def store_hot_issues(session: Session, issues: list[RankedIssue], *, as_of: datetime) -> list[HotIssue]:
    """Replace the stored snapshot by these issues, atomically (a short writing transaction).

    A snapshot stored meanwhile from a later reading is kept (and returned): the older result never replaces it.
    """
    exclusive(session, "hot_issues")
    latest = session.scalar(select(func.max(HotIssue.computed_at)))
    if latest is not None and latest > as_of:
        return current_hot_issues(session)
    session.execute(delete(HotIssue))
    stored = [
        HotIssue(
            rank=rank,
            score=float(r.issue.score),
            description=r.issue.description[:200],
            explanation=r.issue.explanation,
            start=r.issue.start,
            end=r.issue.end,
            case_ids=r.voices.case_ids,
            board_voices=r.voices.board,
            web_voices=r.voices.web,
            web_item_ids=r.voices.web_item_ids,
            computed_at=as_of,
        )
        for rank, r in enumerate(issues, 1)
    ]
    session.add_all(stored)
    session.flush()
    return stored


def recompute_hot_issues(session: Session, *, since_days: int = 365, top: int = 20) -> list[HotIssue]:
    """Group the recent public cases into hot issues and replace the stored set.

    One session here; the worker reads, groups and stores in separate steps (`minyi.jobs.runner.hot_issues`).
    """
    read = read_hot_records(session, since_days=since_days)
    return store_hot_issues(session, rank_hot(read.records, top=top), as_of=read.as_of)
