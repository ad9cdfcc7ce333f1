"""Knowledge-base upkeep (考核, issue 16 item 8): the share of a department's entries reviewed before their review date.

upkeep = reviews done on or before the entry's review date / (every review done + published entries past their
review date not yet reviewed). Reviews are counted from the audit lines (`ix_knowledge_audit_department_kind`),
optionally those of a period; the entries past their date are those of today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.core.clock import china_days_utc, china_today
from minyi.departments.models import Department
from minyi.knowledge.models import PUBLISHED, KnowledgeAudit, KnowledgeEntry


@dataclass
class Upkeep:
    """A department's upkeep figures."""

    department_id: int
    on_time: int = 0
    late: int = 0
    stale: int = 0
    entries: int = 0

    @property
    def share(self) -> float | None:
        """Reviews on time over reviews due (None when nothing was due)."""
        due = self.on_time + self.late + self.stale
        return self.on_time / due if due else None


def upkeep_by_department(
    session: Session, *, since: datetime | None = None, until: datetime | None = None, department_id: int | None = None
) -> dict[int, Upkeep]:
    """Every department with knowledge-base entries or reviews (or only `department_id`): its upkeep figures."""
    out: dict[int, Upkeep] = {}
    reviews = select(KnowledgeAudit.department_id, KnowledgeAudit.on_time, func.count()).where(
        KnowledgeAudit.kind == "reviewed", KnowledgeAudit.department_id.is_not(None)
    )
    stale = (KnowledgeEntry.review_due < china_today()).label("stale")
    entries = select(KnowledgeEntry.department_id, stale, func.count()).where(KnowledgeEntry.status == PUBLISHED)
    if department_id is not None:
        reviews = reviews.where(KnowledgeAudit.department_id == department_id)
        entries = entries.where(KnowledgeEntry.department_id == department_id)
    if since is not None:
        reviews = reviews.where(KnowledgeAudit.created_at >= since)
    if until is not None:
        reviews = reviews.where(KnowledgeAudit.created_at < until)
    grouped = session.execute(reviews.group_by(KnowledgeAudit.department_id, KnowledgeAudit.on_time)).tuples()
    for dept, on_time, count in grouped:
        if dept is None:
            continue
        row = out.setdefault(dept, Upkeep(dept))
        if on_time:
            row.on_time += count
        else:
            row.late += count
    for dept, is_stale, count in session.execute(entries.group_by(KnowledgeEntry.department_id, stale)):
        row = out.setdefault(dept, Upkeep(dept))
        row.entries += count
        if is_stale:
            row.stale += count
    return out


def department_upkeep(session: Session, department_id: int) -> Upkeep:
    """One department's figures (all time)."""
    return upkeep_by_department(session, department_id=department_id).get(department_id) or Upkeep(department_id)


@dataclass(frozen=True)
class UpkeepRow:
    """A line of the statistics' upkeep table."""

    department: str
    figures: Upkeep


def upkeep_table(session: Session, *, start: date, end: date) -> list[UpkeepRow]:
    """Per department, reviews done in [start, end] (China dates) and entries past their date today, by name."""
    since, until = china_days_utc(start, end)
    figures = upkeep_by_department(session, since=since, until=until)
    names = dict(
        session.execute(select(Department.id, Department.name).where(Department.id.in_(figures))).tuples().all()
    )
    return sorted((UpkeepRow(names.get(k, str(k)), v) for k, v in figures.items()), key=lambda r: r.department)
