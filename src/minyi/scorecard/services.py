"""The scorecard of a period: each department's counts read from the statistics (`case_facts`), the repeated-complaint
flags and the knowledge-base audit lines, then scored and ranked by `score.rank_departments`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from minyi.callbacks.models import RepeatFlag
from minyi.core.clock import china_days_utc, china_today
from minyi.knowledge.models import KnowledgeAudit
from minyi.knowledge.upkeep import upkeep_by_department
from minyi.scorecard.config import ScorecardSettings, get_scorecard_settings
from minyi.scorecard.score import Ranking, ScoreInputs, rank_departments
from minyi.stats.models import CaseFactsRow as F
from minyi.stats.services import GroupRow, StatsCache

COMPLAINT = "complaint"  # minyi.nlp.labels.APPEAL_KINDS


def repeat_counts(session: Session, *, start: date, end: date) -> dict[int, tuple[int, int]]:
    """Per department: (flagged complaints, complaints) among the cases received in [start, end] — one GROUP BY
    over the period's facts (`ix_case_facts_received_on`), the flags joined by their primary key. A flagged case
    counts as a complaint even when its writer left the kind open (the analysis judged it a complaint)."""
    flagged = RepeatFlag.case_id.is_not(None)
    rows = session.execute(
        select(
            F.department_id,
            func.sum(case((flagged, 1), else_=0)),
            func.sum(case((or_(flagged, F.appeal_kind == COMPLAINT), 1), else_=0)),
        )
        .outerjoin(RepeatFlag, RepeatFlag.case_id == F.case_id)
        .where(F.received_on >= start, F.received_on <= end, F.department_id.is_not(None))
        .group_by(F.department_id)
    )
    return {int(dept): (int(repeats or 0), int(complaints or 0)) for dept, repeats, complaints in rows}


def scorecard(
    session: Session,
    *,
    departments: Iterable[GroupRow],
    start: date,
    end: date,
    cache: StatsCache | None = None,
) -> Ranking:
    """The ranking of [start, end] (China dates) from the statistics' department rows of the same period (their
    figures are the cohort's, as on /stats), with the admin's weights and minimum.

    With a `cache` (the statistics' own), kept as the statistics' reports are: keyed by the period, today and the
    settings (a change of weights shows at once), at the version of the event log (a repeat flag comes with its
    event) and of the knowledge base's audit lines (every review writes one)."""
    settings = get_scorecard_settings(session)
    rows = list(departments)
    if cache is None or cache.size <= 0:
        return _ranking(session, rows, start=start, end=end, settings=settings)
    version = (*cache.version(session), session.scalar(select(func.max(KnowledgeAudit.id))))
    weights = tuple(sorted(settings.weights.items()))
    key = ("scorecard", start, end, china_today(), weights, settings.min_cases)
    build = lambda: _ranking(session, rows, start=start, end=end, settings=settings)  # noqa: E731
    return cache.get_or_build(key, build, version=version)


def _ranking(
    session: Session, departments: list[GroupRow], *, start: date, end: date, settings: ScorecardSettings
) -> Ranking:
    repeats = repeat_counts(session, start=start, end=end)
    since, until = china_days_utc(start, end)
    upkeep = upkeep_by_department(session, since=since, until=until)
    inputs = []
    for row in departments:
        if row.department_id is None:  # 未分派 is nobody's score
            continue
        g, kb = row.figures, upkeep.get(row.department_id)
        flagged, complaints = repeats.get(row.department_id, (0, 0))
        inputs.append(
            ScoreInputs(
                department_id=row.department_id,
                name=row.label,
                cases=g.received,
                on_time=g.on_time,
                due=g.due,
                satisfied=g.satisfied,
                rated=g.rated,
                callback_satisfied=g.callback_satisfied,
                callback_reached=g.callback_reached,
                adopted=g.adopted,
                decided=g.decided,
                reviews_on_time=kb.on_time if kb else 0,
                reviews_due=(kb.on_time + kb.late + kb.stale) if kb else 0,
                repeats=flagged,
                complaints=complaints,
            )
        )
    return rank_departments(inputs, weights=settings.weights, min_cases=settings.min_cases)
