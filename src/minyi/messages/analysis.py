"""Store the text-understanding suggestions for a message (run in the background, never in a request)."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import utcnow
from minyi.messages.models import Message, MessageAnalysis

log = logging.getLogger(__name__)


class Analyzer(Protocol):
    """What minyi.nlp.pipeline's analyzer offers."""

    def analyze(self, title: str, body: str) -> dict[str, Any]:
        """Suggestions for one message."""
        ...


def default_analyzer() -> Analyzer:
    """The model shipped inside the package."""
    from minyi.nlp.pipeline import load_default_analyzer  # noqa: PLC0415 - heavy, load on first use

    return load_default_analyzer()


def analyse_message(session: Session, *, message_id: int, analyzer: Analyzer, version: str = "") -> MessageAnalysis:
    """Analyse one stored message and store (or replace) its suggestions; failures are recorded, not raised."""
    message = session.get(Message, message_id)
    if message is None:
        msg = f"message {message_id} does not exist"
        raise LookupError(msg)
    row = session.get(MessageAnalysis, message_id) or MessageAnalysis(message_id=message_id)
    try:
        result = analyzer.analyze(message.title, message.body)
        row.result = {k: v for k, v in result.items() if k != "clean_text"}
        row.clean_text = str(result.get("clean_text", ""))
        row.urgent = bool(result.get("urgent"))
        row.error = ""
    except Exception as exc:  # noqa: BLE001 - a failed analysis must never lose the message
        log.exception("analysis of message %s failed", message_id)
        row.error = f"{type(exc).__name__}: {exc}"[:1000]
    row.model_version = version
    row.created_at = utcnow()
    session.add(row)
    session.flush()
    return row


def unanalysed_message_ids(session: Session, limit: int = 500) -> list[int]:
    """Messages that have no analysis yet (catch-up after a restart)."""
    done = select(MessageAnalysis.message_id)
    return list(session.scalars(select(Message.id).where(Message.id.not_in(done)).order_by(Message.id).limit(limit)))
