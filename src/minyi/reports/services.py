"""Build the 民意 report of a week or a month from the data alone, and store it once per period.

Every figure comes from `minyi.stats` (the event log folded per case), so the report agrees with the
public statistics page for the same dates. Hot issues are computed for the period's own public messages
with `minyi.nlp.hot.rank_hot_issues` (the stored snapshot only covers "now").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from minyi.core.clock import china_days_utc, china_today, format_china, utcnow
from minyi.hot.services import public_case_records
from minyi.jurisdictions.models import Jurisdiction
from minyi.jurisdictions.services import ROOT_ID, scope_path, within
from minyi.reports.content import HotItem, KeyFigure, Period, PeriodReport, period_containing
from minyi.reports.examples import reply_examples
from minyi.reports.models import StoredReport
from minyi.reports.render import render_html, render_xlsx
from minyi.scorecard.services import scorecard
from minyi.stats.figures import Figures
from minyi.stats.models import CaseFactsRow
from minyi.stats.services import EARLIEST, GroupRow, StatsQuery, build_report

TREND_POINTS = 6
TOP_HOT, TOP_LATE, TOP_PLACES, EXAMPLES = 10, 10, 10, 3
KEY_FIGURES = (
    ("received", "收到留言"),
    ("replied", "已答复"),
    ("reply_rate", "回复率"),
    ("on_time_rate", "按时办结率"),
    ("avg_days", "平均答复用时（工作日）"),
    ("satisfaction_rate", "满意率"),
    ("reopen_rate", "重办率"),
    ("overdue_open", "超期未答复"),
    ("adoption_rate", "建议采纳率"),
    ("praised", "表扬"),
    ("callbacks", "回访件数"),  # 回访 (minyi.callbacks; docs/statistics.md)
    ("callback_reached_rate", "回访联系率"),
    ("callback_resolved_rate", "回访解决率"),
    ("callback_satisfaction_rate", "回访满意率"),
)


def _query(period: Period, today: date, start: date | None = None, scope: str = "") -> StatsQuery:
    query = StatsQuery(start=start or period.start, end=min(period.end, today), granularity=period.kind)
    return query.within(scope)


def _value(figures: Figures, key: str) -> float | int | None:
    return getattr(figures, key)


def _late(row: GroupRow) -> int:
    """Cases of the row answered after their deadline or still unanswered past it."""
    return row.figures.due - row.figures.on_time


def _hot_records(session: Session, period: Period, scope: str = "") -> list[dict[str, Any]]:
    """The period's public messages as `rank_hot_issues` reads them (cases rejected are left out, as on /hot); of a
    jurisdiction's subtree for its report."""
    low, high = china_days_utc(period.start, period.end)
    records = public_case_records(session, start=low, end=high)
    clause = within(CaseFactsRow.jurisdiction_id, scope)
    if clause is None:
        return records
    held = select(CaseFactsRow.case_id).where(
        CaseFactsRow.received_on >= period.start, CaseFactsRow.received_on <= period.end, clause
    )
    mine = set(session.scalars(held))
    return [r for r in records if r["id"] in mine]


def _hot_issues(period: Period, records: list[dict[str, Any]]) -> list[HotItem]:
    """The period's hot issues (pure: grouped outside any transaction)."""
    from minyi.nlp.hot import rank_hot_issues

    high = china_days_utc(period.start, period.end)[1]
    ranked = rank_hot_issues(records, now=high, top=TOP_HOT * 3) if records else []
    issues = [i for i in ranked if len(i.members) >= 2][:TOP_HOT]  # one lone message is not a hot issue
    return [
        HotItem(
            rank=n,
            description=i.description[:200],
            messages=len(i.members),
            people=i.people,
            supports=i.supports,
            start=i.start.date(),
            end=i.end.date(),
            case_ids=[int(m) for m in i.members],
        )
        for n, i in enumerate(issues, 1)
    ]


@dataclass(frozen=True)
class ReportDraft:
    """A report read from the database (a reading transaction), its hot issues still to be grouped."""

    report: PeriodReport  # `hot_issues` empty until `finish_report`
    hot_records: list[dict[str, Any]]


def read_period_report(
    session: Session, *, period: Period, today: date | None = None, jurisdiction: Jurisdiction | None = None
) -> ReportDraft:
    """Everything the report of one period reads: key figures against the period before, trend, late, replies;
    of a jurisdiction's subtree (default: the root, every case)."""
    today = today or china_today()
    scope = scope_path(jurisdiction)
    previous = period.previous()
    current = build_report(session, query=_query(period, today, scope=scope), today=today)
    before = build_report(session, query=_query(previous, today, scope=scope), today=today)
    trend_start = period.shifted_back(TREND_POINTS - 1).start
    trend_query = _query(period, today, start=max(trend_start, EARLIEST), scope=scope)
    trend = build_report(session, query=trend_query, today=today).trend
    key_figures = [
        KeyFigure(k, label, _value(current.overall, k), _value(before.overall, k)) for k, label in KEY_FIGURES
    ]
    late = sorted((r for r in current.departments if _late(r) > 0), key=lambda r: (-_late(r), r.label))[:TOP_LATE]
    clause = within(CaseFactsRow.jurisdiction_id, scope)
    best, weakest, method = reply_examples(
        session, period=period, count=EXAMPLES, where=() if clause is None else (clause,)
    )
    notices = []
    if period.end > today:
        notices.append(f"本期尚未结束：数据截至 {today.isoformat()}")
    if current.overall.received == 0:
        notices.append(f"{period.key} 期间没有收到留言：本期各项数字为 0，比率无法计算（显示为“—”）。")
    report = PeriodReport(
        period=period,
        previous=previous,
        today=today,
        generated_at=format_china(utcnow()),  # China time, as everywhere else on the pages
        overall=current.overall,
        previous_overall=before.overall,
        key_figures=key_figures,
        trend=trend,
        late_departments=late,
        departments=[r for r in current.departments if r.figures.received],
        by_domain=current.by_domain,
        by_place=[r for r in current.by_place if r.key not in {"未填写", "未公开"}][:TOP_PLACES],
        hot_issues=[],
        best_replies=best,
        weakest_replies=weakest,
        reply_method=method,
        notices=notices,
        scorecard=scorecard(session, departments=current.departments, start=period.start, end=min(period.end, today)),
        jurisdiction_id=jurisdiction.id if jurisdiction else ROOT_ID,
        jurisdiction_name=jurisdiction.name if jurisdiction is not None and scope else "",
    )
    return ReportDraft(report, _hot_records(session, period, scope))


def finish_report(draft: ReportDraft) -> PeriodReport:
    """The report with its hot issues grouped (pure: outside any transaction)."""
    return dataclasses.replace(draft.report, hot_issues=_hot_issues(draft.report.period, draft.hot_records))


def build_period_report(
    session: Session, *, period: Period, today: date | None = None, jurisdiction: Jurisdiction | None = None
) -> PeriodReport:
    """The report of one period: key figures against the period before, trend, hot, late, reply examples."""
    return finish_report(read_period_report(session, period=period, today=today, jurisdiction=jurisdiction))


@dataclass(frozen=True)
class RenderedReport:
    """A report as stored: its printable HTML, its workbook and its key figures."""

    period: Period
    html: str
    xlsx: bytes
    summary: dict[str, Any]
    jurisdiction_id: int = ROOT_ID
    title: str = ""


def render_report(report: PeriodReport) -> RenderedReport:
    """Render a report (pure: outside any transaction)."""
    summary = {k.key: k.value for k in report.key_figures} | {"hot_issues": len(report.hot_issues)}
    rendered = render_html(report), render_xlsx(report)
    return RenderedReport(report.period, *rendered, summary, report.jurisdiction_id, report.title)


def save_report(session: Session, rendered: RenderedReport, *, replace: bool = False) -> StoredReport | None:
    """Keep a rendered report (a short writing transaction); None when one is stored already and not `replace`d."""
    period = rendered.period
    stored = stored_report(session, period=period.key, jurisdiction_id=rendered.jurisdiction_id)
    if stored is not None and not replace:
        return None
    if stored is None:
        title = rendered.title or period.title
        stored = StoredReport(period=period.key, kind=period.kind, title=title[:100], html="", xlsx=b"")
        stored.jurisdiction_id = rendered.jurisdiction_id
        session.add(stored)
    stored.html, stored.xlsx, stored.summary = rendered.html, rendered.xlsx, rendered.summary
    stored.created_at = utcnow()
    session.flush()
    return stored


def store_report(
    session: Session,
    *,
    period: Period,
    today: date | None = None,
    replace: bool = False,
    report: PeriodReport | None = None,
    jurisdiction: Jurisdiction | None = None,
) -> StoredReport:
    """Build, render and keep the report of a period (once: an existing one is returned unless `replace`), of a
    jurisdiction's subtree (default: the root)."""
    stored = stored_report(session, period=period.key, jurisdiction_id=jurisdiction.id if jurisdiction else ROOT_ID)
    if stored is not None and not replace:
        return stored
    built = report or build_period_report(session, period=period, today=today, jurisdiction=jurisdiction)
    saved = save_report(session, render_report(built), replace=True)
    assert saved is not None  # replace=True always stores
    return saved


def due_report_periods(session: Session, *, today: date | None = None) -> list[Period]:
    """The last complete month and week whose report is not stored yet (reads only)."""
    today = today or china_today()
    due = []
    for kind in ("month", "week"):
        period = period_containing(today, kind).previous()
        if stored_report(session, period=period.key) is None:  # the scheduler writes the root's reports
            due.append(period)
    return due


def generate_due_reports(session: Session, *, today: date | None = None) -> list[str]:
    """The scheduled task: the last complete month's and week's reports, each once (idempotent).

    One session here; the worker reads, renders and stores in separate steps (`minyi.jobs.runner.reports`)."""
    today = today or china_today()
    made = []
    for period in due_report_periods(session, today=today):
        rendered = render_report(build_period_report(session, period=period, today=today))
        if save_report(session, rendered) is not None:
            made.append(period.key)
    return made


def list_reports(session: Session, *, jurisdiction_id: int = ROOT_ID) -> list[StoredReport]:
    """Every stored report of a jurisdiction, newest period first (without loading the documents twice)."""
    query = select(StoredReport).options(defer(StoredReport.html), defer(StoredReport.xlsx))
    query = query.where(StoredReport.jurisdiction_id == jurisdiction_id)
    return list(session.scalars(query.order_by(StoredReport.kind, StoredReport.period.desc())))


def stored_report(session: Session, *, period: Any, jurisdiction_id: int = ROOT_ID) -> StoredReport | None:
    """The stored report of a period key and jurisdiction (default: the root's), or None."""
    key = str(period or "")[:16]
    query = select(StoredReport).where(StoredReport.period == key, StoredReport.jurisdiction_id == jurisdiction_id)
    return session.scalar(query)
