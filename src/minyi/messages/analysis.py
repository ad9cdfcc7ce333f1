"""Store the text-understanding suggestions for a message (run in the background, never in a request)."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypedDict

from sqlalchemy import Integer, Text, cast, column, select, table
from sqlalchemy.orm import Session

from minyi.core.clock import utcnow
from minyi.departments.models import Department
from minyi.jurisdictions.models import Jurisdiction
from minyi.jurisdictions.services import ROOT_ID
from minyi.messages.models import Message, MessageAnalysis, MessageLabel
from minyi.nlp.department_names import OUTSIDE_FAMILY
from minyi.nlp.departments import DepartmentCandidate, rank_departments, routing_abstains
from minyi.nlp.result import AnalysisResult, Place, Repair, SuggestedDepartment
from minyi.nlp.text import join_text

log = logging.getLogger(__name__)


class Analyzer(Protocol):
    """What minyi.nlp.pipeline's analyzer offers."""

    def analyze(self, title: str, body: str) -> AnalysisResult:
        """Suggestions for one message."""
        ...


def default_analyzer() -> Analyzer:
    """The model shipped inside the package."""
    from minyi.nlp.pipeline import load_default_analyzer

    return load_default_analyzer()


class StoredAnalysis(TypedDict):
    """MessageAnalysis.result: what the analysis suggested, as stored (JSON) and shown to coordinators.

    `suggested_departments` is the one department ranking (minyi.nlp.departments.rank_departments over our
    active departments); `department_families` the families it was ranked from; `department_abstained` is
    True when the routing is too weak to suggest (请人工分派): the list is then shown as possibilities only.
    """

    domain: str | None
    domain_scores: dict[str, float]
    appeal_kind: str | None
    appeal_scores: dict[str, float]
    urgent: bool
    urgent_reasons: list[str]
    places: list[Place]
    repairs: list[Repair]
    suggested_departments: list[SuggestedDepartment]
    department_families: list[tuple[str, float]]
    department_abstained: bool


def department_candidates(departments: list[Department]) -> list[DepartmentCandidate]:
    """Our departments as the ranking reads them: the domains they handle and their keywords."""
    return [
        DepartmentCandidate(id=d.id, name=d.name, domains=tuple(d.domains or ()), keywords=tuple(d.keywords or ()))
        for d in departments
    ]


class _CandidateCache:
    """The last department list a process parsed, kept with the raw rows it was parsed from.

    Every analysis reads the active departments twice (to rank, and again when storing, in case they changed
    meanwhile); as ORM rows with two JSON columns that was about half of a live message's analysis time in
    the worker (9 ms of 17 at 300 departments). The rows are now read as plain text, which costs little, and
    parsed again only when they differ from the last read: an admin's change is seen by the next analysis.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._raw: tuple[tuple[Any, ...], ...] | None = None
        self._parsed: tuple[DepartmentCandidate, ...] = ()
        self._levels: tuple[int, ...] = ()  # each candidate's jurisdiction (the root's id for NULL)
        self._by_levels: dict[frozenset[int], tuple[DepartmentCandidate, ...]] = {}

    def of(self, raw: tuple[tuple[Any, ...], ...]) -> tuple[DepartmentCandidate, ...]:
        with self._lock:
            self._refresh(raw)
            return self._parsed

    def within(self, raw: tuple[tuple[Any, ...], ...], levels: frozenset[int]) -> tuple[DepartmentCandidate, ...]:
        """The candidates of these jurisdictions only (kept per set of jurisdictions until the rows change)."""
        with self._lock:
            self._refresh(raw)
            found = self._by_levels.get(levels)
            if found is None:
                found = tuple(c for c, level in zip(self._parsed, self._levels, strict=True) if level in levels)
                if len(self._by_levels) > 1000:  # a province's every pair of levels fits; beyond, start again
                    self._by_levels.clear()
                self._by_levels[levels] = found
            return found

    def _refresh(self, raw: tuple[tuple[Any, ...], ...]) -> None:
        if raw != self._raw:
            self._parsed = tuple(
                DepartmentCandidate(id=i, name=n, domains=_json_tuple(d), keywords=_json_tuple(k))
                for i, n, d, k, _j in raw
            )
            self._levels = tuple(ROOT_ID if j is None else int(j) for *_rest, j in raw)
            self._by_levels = {}
            self._raw = raw


def _json_tuple(text: str | None) -> tuple[str, ...]:
    return tuple(json.loads(text) or ()) if text else ()


_CANDIDATES = _CandidateCache()


def _department_rows(session: Session) -> tuple[tuple[Any, ...], ...]:
    query = (
        select(
            Department.id,
            Department.name,
            cast(Department.domains, Text),
            cast(Department.keywords, Text),
            Department.jurisdiction_id,
        )
        .where(Department.is_active.is_(True))
        .order_by(Department.id)
    )
    return tuple(tuple(row) for row in session.execute(query))


def active_department_candidates(session: Session) -> tuple[DepartmentCandidate, ...]:
    """The active departments, as the ranking reads them (read once per analysis or batch; parsed again only
    when they changed since this process last read them)."""
    return _CANDIDATES.of(_department_rows(session))


# The cases table read by name: messages does not import workflow (the case that holds a message, and where).
_CASES = table("cases", column("message_id", Integer), column("jurisdiction_id", Integer))


def level_department_candidates(session: Session, *, message_id: int) -> tuple[DepartmentCandidate, ...]:
    """The active departments a live message is ranked among: those of the jurisdiction that holds its case and
    of that jurisdiction's parent (NULL: the root) — the ones its case page may show (minyi.workflow.levels). On an
    installation without levels every department is the root's, so this is every active department; in a
    province's tree it is tens of departments instead of thousands (the ranking's cost grows with their number).
    """
    own = session.scalar(select(_CASES.c.jurisdiction_id).where(_CASES.c.message_id == message_id))
    own = ROOT_ID if own is None else int(own)
    parent = session.scalar(select(Jurisdiction.parent_id).where(Jurisdiction.id == own))
    levels = frozenset({own} if parent is None else {own, int(parent)})
    return _CANDIDATES.within(_department_rows(session), levels)


def stored_analysis(result: AnalysisResult, *, title: str, body: str, departments: list[Department]) -> StoredAnalysis:
    """The stored form of an analysis: every suggestion, with our departments ranked once."""
    return stored_form(result, title=title, body=body, candidates=department_candidates(departments))


def stored_form(
    result: AnalysisResult,
    *,
    title: str,
    body: str,
    candidates: list[DepartmentCandidate] | tuple[DepartmentCandidate, ...],
) -> StoredAnalysis:
    """`stored_analysis` over departments already read as candidates (pure: no database)."""
    ranked = rank_departments(
        candidates,
        text=join_text(title, body),
        domain_scores=result["domain_scores"],
        learned=result["departments"],
        places=result["places"],
    )
    if result["departments"] and result["departments"][0][0] == OUTSIDE_FAMILY:
        ranked = []  # a court's or the post office's matter: none of ours is even a possibility
    return StoredAnalysis(
        domain=result["domain"],
        domain_scores=result["domain_scores"],
        appeal_kind=result["appeal_kind"],
        appeal_scores=result["appeal_scores"],
        urgent=result["urgent"],
        urgent_reasons=result["urgent_reasons"],
        places=result["places"],
        repairs=result["repairs"],
        suggested_departments=ranked,
        department_families=list(result["departments"]),
        department_abstained=routing_abstains(result["departments"]) or not ranked,
    )


def read_analysis(row: MessageAnalysis | None) -> StoredAnalysis | None:
    """The stored analysis of a message, typed (None when there is none or it failed); rows stored before a
    key existed read it as empty."""
    if row is None or row.error or not row.result:
        return None
    data = row.result
    return StoredAnalysis(
        domain=data.get("domain"),
        domain_scores=dict(data.get("domain_scores") or {}),
        appeal_kind=data.get("appeal_kind"),
        appeal_scores=dict(data.get("appeal_scores") or {}),
        urgent=bool(data.get("urgent")),
        urgent_reasons=list(data.get("urgent_reasons") or []),
        places=list(data.get("places") or []),
        repairs=list(data.get("repairs") or []),
        suggested_departments=list(data.get("suggested_departments") or []),
        department_families=[(str(f), float(v)) for f, v in data.get("department_families") or []],
        department_abstained=bool(data.get("department_abstained", False)),
    )


@dataclass(frozen=True)
class AnalysisInput:
    """What one analysis reads from the database, taken in a reading transaction (the write lock is not held)."""

    message_id: int
    title: str
    body: str
    departments: tuple[DepartmentCandidate, ...]
    as_of: datetime  # when it was read: stored as the analysis's `created_at`, its version
    seen: datetime | None  # `created_at` of the analysis stored when it was read (None: there was none)


@dataclass(frozen=True)
class AnalysisOutcome:
    """What the pipeline made of one message (computed outside any transaction)."""

    input: AnalysisInput
    result: AnalysisResult | None  # None when the pipeline failed
    stored: StoredAnalysis | None
    error: str = ""


def read_analysis_input(session: Session, *, message_id: int, if_missing: bool = False) -> AnalysisInput | None:
    """The text and departments to analyse a message with; None when `if_missing` and it is analysed already."""
    message = session.get(Message, message_id)
    if message is None:
        msg = f"message {message_id} does not exist"
        raise LookupError(msg)
    seen = session.scalar(select(MessageAnalysis.created_at).where(MessageAnalysis.message_id == message_id))
    if seen is not None and if_missing:
        return None
    return AnalysisInput(
        message_id=message_id,
        title=message.title,
        body=message.body,
        departments=level_department_candidates(session, message_id=message_id),
        as_of=utcnow(),
        seen=seen,
    )


def compute_analysis(inputs: AnalysisInput, analyzer: Analyzer) -> AnalysisOutcome:
    """Run the pipeline and rank our departments (no database: run it outside any transaction)."""
    try:
        result = analyzer.analyze(inputs.title, inputs.body)
        stored = stored_form(result, title=inputs.title, body=inputs.body, candidates=inputs.departments)
    except Exception as exc:
        log.exception("analysis of message %s failed", inputs.message_id)
        return AnalysisOutcome(inputs, None, None, f"{type(exc).__name__}: {exc}"[:1000])
    return AnalysisOutcome(inputs, result, stored)


def _superseded(existing: MessageAnalysis | None, inputs: AnalysisInput, *, if_missing: bool) -> bool:
    """Whether the stored analysis must be kept: another worker stored one, as new as ours or newer, since we read."""
    if existing is None:
        return False
    if if_missing:
        return True
    unchanged = inputs.seen is not None and existing.created_at == inputs.seen
    return not unchanged and existing.created_at >= inputs.as_of


def store_analysis(
    session: Session, outcome: AnalysisOutcome, *, version: str = "", if_missing: bool = False
) -> MessageAnalysis | None:
    """Write an analysis in a short writing transaction, unless a newer one was stored meanwhile (then None).

    Compare-and-set on `created_at` (the moment the inputs were read): an analysis stored since our read is kept
    when it was read at the same moment or later. The departments are read again: when they changed while the
    pipeline ran, ours are ranked anew from the same result (cheap; the pipeline is not run again).
    """
    inputs = outcome.input
    session.scalar(select(Message.id).where(Message.id == inputs.message_id).with_for_update(key_share=True))
    existing = session.scalar(select(MessageAnalysis).where(MessageAnalysis.message_id == inputs.message_id))
    if _superseded(existing, inputs, if_missing=if_missing):
        return None
    row = existing or MessageAnalysis(message_id=inputs.message_id)
    departments = level_department_candidates(session, message_id=inputs.message_id)
    apply_outcome(row, outcome, departments=departments, version=version)
    session.add(row)
    session.flush()
    return row


def apply_outcome(
    row: MessageAnalysis, outcome: AnalysisOutcome, *, departments: tuple[DepartmentCandidate, ...], version: str
) -> None:
    """Fill a stored analysis from an outcome (ranking again when the departments changed since it was read)."""
    inputs, stored = outcome.input, outcome.stored
    if outcome.result is not None and stored is not None and departments != inputs.departments:
        stored = stored_form(outcome.result, title=inputs.title, body=inputs.body, candidates=departments)
    if outcome.result is None or stored is None:
        row.error = outcome.error
    else:
        row.result, row.urgent, row.error = dict(stored), stored["urgent"], ""
        row.clean_text = outcome.result["clean_text"]
    row.model_version = version
    row.created_at = inputs.as_of


def analyse_message(
    session: Session, *, message_id: int, analyzer: Analyzer, version: str = "", if_missing: bool = False
) -> MessageAnalysis:
    """Analyse one stored message and store (or replace) its suggestions; failures are recorded, not raised.

    `if_missing`: keep an analysis that is already there (the catch-up meeting a message analysed since).
    One session here; the worker runs the three steps in three (`minyi.jobs.runner.analyse`).
    """
    inputs = read_analysis_input(session, message_id=message_id, if_missing=if_missing)
    if inputs is not None:
        row = store_analysis(session, compute_analysis(inputs, analyzer), version=version, if_missing=if_missing)
        if row is not None:
            return row
    existing = session.get(MessageAnalysis, message_id)
    assert existing is not None  # kept because it exists
    return existing


IMPORTED_SOURCE = "import"  # `minyi import`'s messages: history, analysed after every live message


def unanalysed_message_ids(
    session: Session, *, imported: bool, below_id: int | None = None, limit: int = 500
) -> list[int]:
    """Messages without an analysis, newest first: live ones, or imported history (catch-up after a restart).

    Keyset-paged by id (`below_id`: the last id of the previous page), so a message whose analysis
    failed without being recorded is not fetched again and again.
    """
    done = select(MessageAnalysis.message_id).where(MessageAnalysis.message_id == Message.id).exists()
    origin = Message.source == IMPORTED_SOURCE if imported else Message.source != IMPORTED_SOURCE
    query = select(Message.id).where(origin, ~done)
    if below_id is not None:
        query = query.where(Message.id < below_id)
    return list(session.scalars(query.order_by(Message.id.desc()).limit(limit)))


def record_labels(session: Session, *, message: Message, values: dict[str, str | None], user_id: int | None) -> None:
    """Store a coordinator's choices beside what was suggested; `minyi export-labels` turns them into training data."""
    stored = read_analysis(session.get(MessageAnalysis, message.id))
    top = stored["suggested_departments"][:1] if stored else []
    suggested = {
        "domain": stored["domain"] if stored else None,
        "appeal_kind": stored["appeal_kind"] if stored else None,
        "department": top[0]["name"] if top else None,
    }
    for field, value in values.items():
        if value:
            session.add(
                MessageLabel(
                    message_id=message.id,
                    field=field,
                    value=value,
                    suggested=str(suggested.get(field) or ""),
                    user_id=user_id,
                )
            )


def export_labels(session: Session) -> list[dict[str, Any]]:
    """One training example per labelled message: its text and the latest label of each field."""
    rows = session.execute(
        select(MessageLabel, Message).join(Message, Message.id == MessageLabel.message_id).order_by(MessageLabel.id)
    ).all()
    examples: dict[int, dict[str, Any]] = {}
    for label, message in rows:
        example = examples.setdefault(message.id, {"id": message.id, "title": message.title, "body": message.body})
        example[label.field] = label.value
    return list(examples.values())
