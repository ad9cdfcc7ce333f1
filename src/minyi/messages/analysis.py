"""Store the text-understanding suggestions for a message (run in the background, never in a request)."""

from __future__ import annotations

import logging
from typing import Any, Protocol, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import utcnow
from minyi.departments.models import Department
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


def stored_analysis(result: AnalysisResult, *, title: str, body: str, departments: list[Department]) -> StoredAnalysis:
    """The stored form of an analysis: every suggestion, with our departments ranked once."""
    ranked = rank_departments(
        department_candidates(departments),
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


def analyse_message(
    session: Session, *, message_id: int, analyzer: Analyzer, version: str = "", if_missing: bool = False
) -> MessageAnalysis:
    """Analyse one stored message and store (or replace) its suggestions; failures are recorded, not raised.

    `if_missing`: keep an analysis that is already there (the catch-up meeting a message analysed since).
    """
    message = session.get(Message, message_id)
    if message is None:
        msg = f"message {message_id} does not exist"
        raise LookupError(msg)
    existing = session.get(MessageAnalysis, message_id)
    if existing is not None and if_missing:
        return existing
    row = existing or MessageAnalysis(message_id=message_id)
    try:
        result = analyzer.analyze(message.title, message.body)
        active = list(session.scalars(select(Department).where(Department.is_active.is_(True))))
        stored = stored_analysis(result, title=message.title, body=message.body, departments=active)
        row.result = dict(stored)
        row.clean_text = result["clean_text"]
        row.urgent = stored["urgent"]
        row.error = ""
    except Exception as exc:
        log.exception("analysis of message %s failed", message_id)
        row.error = f"{type(exc).__name__}: {exc}"[:1000]
    row.model_version = version
    row.created_at = utcnow()
    session.add(row)
    session.flush()
    return row


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
