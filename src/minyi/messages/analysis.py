"""Store the text-understanding suggestions for a message (run in the background, never in a request)."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import utcnow
from minyi.departments.models import Department
from minyi.messages.models import Message, MessageAnalysis, MessageLabel

log = logging.getLogger(__name__)


class Analyzer(Protocol):
    """What minyi.nlp.pipeline's analyzer offers."""

    def analyze(self, title: str, body: str) -> dict[str, Any]:
        """Suggestions for one message."""
        ...


def default_analyzer() -> Analyzer:
    """The model shipped inside the package."""
    from minyi.nlp.pipeline import load_default_analyzer

    return load_default_analyzer()


MIN_DEPARTMENT_SCORE = 0.05  # below this a department is noise, not a suggestion


def rank_departments(departments: list[Department], *, text: str, domain_scores: dict[str, float],
                     k: int = 3) -> list[dict[str, Any]]:
    """Our own departments ranked by the admin's rules: predicted-domain probability plus keyword hits."""
    ranked = []
    for dept in departments:
        domain_part = sum(float(domain_scores.get(d, 0.0)) for d in dept.domains)
        hits = [w for w in dept.keywords if w and w in text]
        score = domain_part + min(1.0, 0.5 * len(hits))
        if score >= MIN_DEPARTMENT_SCORE:
            ranked.append({"id": dept.id, "name": dept.name, "score": round(score, 3), "keywords": hits})
    ranked.sort(key=lambda r: (-r["score"], r["id"]))
    return ranked[:k]


def _domain_scores(result: dict[str, Any]) -> dict[str, float]:
    scores = result.get("domain_scores") or {}
    if isinstance(scores, dict):
        return {str(k): float(v) for k, v in scores.items()}
    return {str(result["domain"]): 1.0} if result.get("domain") else {}


def analyse_message(session: Session, *, message_id: int, analyzer: Analyzer, version: str = "",
                    if_missing: bool = False) -> MessageAnalysis:
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
        result["suggested_departments"] = rank_departments(
            active, text=f"{message.title}\n{message.body}", domain_scores=_domain_scores(result))
        row.result = {k: v for k, v in result.items() if k != "clean_text"}
        row.clean_text = str(result.get("clean_text", ""))
        row.urgent = bool(result.get("urgent"))
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


def unanalysed_message_ids(session: Session, *, imported: bool, below_id: int | None = None,
                           limit: int = 500) -> list[int]:
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
    analysis = session.get(MessageAnalysis, message.id)
    result = analysis.result if analysis is not None and not analysis.error else {}
    suggested = {"domain": result.get("domain"), "appeal_kind": result.get("appeal_kind"),
                 "department": (result.get("suggested_departments") or [{}])[0].get("name")}
    for field, value in values.items():
        if value:
            session.add(MessageLabel(message_id=message.id, field=field, value=value,
                                     suggested=str(suggested.get(field) or ""), user_id=user_id))


def export_labels(session: Session) -> list[dict[str, Any]]:
    """One training example per labelled message: its text and the latest label of each field."""
    rows = session.execute(select(MessageLabel, Message).join(Message, Message.id == MessageLabel.message_id)
                           .order_by(MessageLabel.id)).all()
    examples: dict[int, dict[str, Any]] = {}
    for label, message in rows:
        example = examples.setdefault(message.id, {"id": message.id, "title": message.title, "body": message.body})
        example[label.field] = label.value
    return list(examples.values())
