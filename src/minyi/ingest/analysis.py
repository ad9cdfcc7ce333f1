"""The analysis of imported messages, a batch at a time, in a worker (never in `minyi import` itself).

`minyi import` commits a batch, then queues its new messages' ids (`minyi.jobs.tasks.Jobs.analyse_batch`, a
priority below a citizen's new message); a worker runs `analyse_imported` on them: the same pipeline and the
same stored result as a live message (`minyi.messages.analysis.stored_analysis`), the texts analysed together
(`analyze_many` where the analyzer has it), the departments read once per batch. The worker reads a batch in a
reading transaction, runs the pipeline outside any transaction, and stores the results in short writing ones
(the SQLite write lock is never held while the pipeline runs; docs/scale.md, defect 2).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.core.clock import utcnow
from minyi.messages.analysis import (
    AnalysisInput,
    AnalysisOutcome,
    Analyzer,
    active_department_candidates,
    apply_outcome,
    compute_analysis,
    stored_form,
)
from minyi.messages.models import Message, MessageAnalysis

log = logging.getLogger(__name__)
MAX_BATCH = 2000


def read_imported(session: Session, *, message_ids: Sequence[int]) -> list[AnalysisInput]:
    """The given messages that have no analysis yet, with our departments read once (a reading transaction)."""
    ids = sorted({int(i) for i in message_ids})[:MAX_BATCH]
    if not ids:
        return []
    done = set(session.scalars(select(MessageAnalysis.message_id).where(MessageAnalysis.message_id.in_(ids))))
    rows = session.execute(select(Message.id, Message.title, Message.body).where(Message.id.in_(ids))).all()
    todo = [r for r in rows if r.id not in done]
    if not todo:
        return []
    departments, now = active_department_candidates(session), utcnow()
    return [AnalysisInput(r.id, r.title, r.body, departments, as_of=now, seen=None) for r in todo]


def compute_imported(inputs: Sequence[AnalysisInput], analyzer: Analyzer) -> list[AnalysisOutcome]:
    """The pipeline over a batch, the texts together where the analyzer can (no database: outside any transaction).

    A message the pipeline fails on gets its error (stored as for a live message) and the others go on."""
    results: list[Any]
    many = getattr(analyzer, "analyze_many", None)
    try:
        results = list(many([(i.title, i.body) for i in inputs])) if many else [None] * len(inputs)
    except Exception:
        log.exception("batch analysis failed; analysing the %s messages one by one", len(inputs))
        results = [None] * len(inputs)
    outcomes = []
    for item, result in zip(inputs, results, strict=True):
        if result is None:
            outcomes.append(compute_analysis(item, analyzer))
            continue
        try:
            stored = stored_form(result, title=item.title, body=item.body, candidates=item.departments)
        except Exception as exc:
            log.exception("analysis of message %s failed", item.message_id)
            outcomes.append(AnalysisOutcome(item, None, None, f"{type(exc).__name__}: {exc}"[:1000]))
            continue
        outcomes.append(AnalysisOutcome(item, result, stored))
    return outcomes


def store_imported(session: Session, outcomes: Sequence[AnalysisOutcome], *, version: str = "") -> int:
    """Store the analyses of messages still without one (a short writing transaction); how many were stored.

    A message analysed meanwhile by another worker (the live task, the catch-up) keeps that analysis."""
    ids = [o.input.message_id for o in outcomes]
    if not ids:
        return 0
    done = set(session.scalars(select(MessageAnalysis.message_id).where(MessageAnalysis.message_id.in_(ids))))
    todo = [o for o in outcomes if o.input.message_id not in done]
    departments = active_department_candidates(session) if todo else ()
    for outcome in todo:
        row = MessageAnalysis(message_id=outcome.input.message_id)
        apply_outcome(row, outcome, departments=departments, version=version)
        session.add(row)
    session.flush()
    return len(todo)


def analyse_imported(session: Session, *, message_ids: Sequence[int], analyzer: Analyzer, version: str = "") -> int:
    """Analyse the given messages that have no analysis yet (others are left as they are); how many were analysed.

    One session here; the worker reads, computes and writes in separate steps (`minyi.jobs.runner.analyse_batch`).
    """
    outcomes = compute_imported(read_imported(session, message_ids=message_ids), analyzer)
    return store_imported(session, outcomes, version=version)
