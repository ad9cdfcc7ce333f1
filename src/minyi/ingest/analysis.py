"""The analysis of imported messages, a batch at a time, in a worker (never in `minyi import` itself).

`minyi import` commits a batch, then queues its new messages' ids (`minyi.jobs.tasks.Jobs.analyse_batch`, a
priority below a citizen's new message); a worker runs `analyse_imported` on them: the same pipeline and the
same stored result as a live message (`minyi.messages.analysis.stored_analysis`), the texts analysed together
(`analyze_many` where the analyzer has it), the departments read once per batch, one transaction per batch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import utcnow
from minyi.departments.models import Department
from minyi.messages.analysis import Analyzer, stored_analysis
from minyi.messages.models import Message, MessageAnalysis

log = logging.getLogger(__name__)
MAX_BATCH = 2000


def analyse_imported(session: Session, *, message_ids: Sequence[int], analyzer: Analyzer, version: str = "") -> int:
    """Analyse the given messages that have no analysis yet (others are left as they are); how many were analysed.

    A message the pipeline fails on gets its error stored (as for a live message) and the others go on."""
    ids = sorted({int(i) for i in message_ids})[:MAX_BATCH]
    if not ids:
        return 0
    done = set(session.scalars(select(MessageAnalysis.message_id).where(MessageAnalysis.message_id.in_(ids))))
    messages = [m for m in session.scalars(select(Message).where(Message.id.in_(ids))) if m.id not in done]
    if not messages:
        return 0
    active = list(session.scalars(select(Department).where(Department.is_active.is_(True))))
    results: list[Any]
    many = getattr(analyzer, "analyze_many", None)
    try:
        results = list(many([(m.title, m.body) for m in messages])) if many else [None] * len(messages)
    except Exception:
        log.exception("batch analysis failed; analysing the %s messages one by one", len(messages))
        results = [None] * len(messages)
    now = utcnow()
    for message, result in zip(messages, results, strict=True):
        row = MessageAnalysis(message_id=message.id, model_version=version, created_at=now)
        try:
            result = result if result is not None else analyzer.analyze(message.title, message.body)
            stored = stored_analysis(result, title=message.title, body=message.body, departments=active)
            row.result = dict(stored)
            row.clean_text = result["clean_text"]
            row.urgent = stored["urgent"]
            row.error = ""
        except Exception as exc:
            log.exception("analysis of message %s failed", message.id)
            row.error = f"{type(exc).__name__}: {exc}"[:1000]
        session.add(row)
    session.flush()
    return len(messages)
