"""The statistics as JSON, CSV and XLSX: the same tables as the page, public figures only."""

from __future__ import annotations

import csv
import io
from typing import Any

from minyi.core.cells import safe_row
from minyi.stats.figures import Figures
from minyi.stats.services import GRANULARITIES, GroupRow, StatsReport

# (key of Figures.as_dict(), column title); rates are written as percentages.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("received", "留言数"),
    ("answerable", "应答复数"),
    ("replied", "已答复"),
    ("reply_rate", "回复率（%）"),
    ("due", "应办结数"),
    ("on_time", "按时办结"),
    ("on_time_rate", "按时办结率（%）"),
    ("overdue_open", "超期未答复"),
    ("avg_days", "平均答复用时（工作日）"),
    ("p90_days", "90%答复用时（工作日）"),
    ("rated", "评价数"),
    ("satisfied", "满意及基本满意"),
    ("satisfaction_rate", "满意率（%）"),
    ("reopened", "重办数"),
    ("reopen_rate", "重办率（%）"),
    ("extensions", "延期次数"),
    ("extended_cases", "延期件数"),
    ("escalated", "督办件数"),
    ("decided", "已作采纳决定的建议"),
    ("adopted", "采纳及部分采纳"),
    ("adoption_rate", "采纳率（%）"),
    ("praised", "表扬"),
    ("rejected", "不予受理"),
    ("merged", "合并办理"),
    ("archived", "历史未办结"),
    ("callbacks", "回访件数"),
    ("callback_reached", "回访联系上"),
    ("callback_reached_rate", "回访联系率（%）"),
    ("callback_resolved", "回访已解决"),
    ("callback_resolved_rate", "回访解决率（%）"),
    ("callback_satisfied", "回访满意及基本满意"),
    ("callback_satisfaction_rate", "回访满意率（%）"),
)
RATE_KEYS = frozenset(k for k, _ in COLUMNS if k.endswith("_rate"))


def figure_cells(figures: Figures) -> list[Any]:
    """One row's cells in `COLUMNS` order: rates in percent, undefined ones empty."""
    data = figures.as_dict()
    out: list[Any] = []
    for key, _title in COLUMNS:
        value = data[key]
        if value is None:
            out.append("")
        elif key in RATE_KEYS:
            out.append(round(value * 100, 2))
        elif key == "avg_days":
            out.append(round(value, 2))
        else:
            out.append(value)
    return out


def sections(report: StatsReport) -> list[tuple[str, list[GroupRow]]]:
    """The report's tables in page order: (section title, rows)."""
    scope = report.department_name or "全部部门"
    trend = GRANULARITIES[report.query.granularity]
    return [
        ("总体", [GroupRow("all", scope, report.overall, report.query.department_id)]),
        ("部门", report.departments),
        (f"趋势（{trend}）", report.trend),
        ("领域", report.by_domain),
        ("诉求类型", report.by_appeal_kind),
        ("地点", report.by_place),
        ("受理渠道", report.by_channel),
    ]


def period_text(report: StatsReport) -> str:
    """`2024-01-01 至 2024-12-31`."""
    return f"{report.query.start.isoformat()} 至 {report.query.end.isoformat()}"


def to_csv(report: StatsReport) -> bytes:
    """One CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese): a section column, then the figures."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_row(["统计时段", period_text(report), "统计日期", report.today.isoformat()]))
    writer.writerow(safe_row(["分类", "名称", *[title for _k, title in COLUMNS]]))
    for title, rows in sections(report):
        for row in rows:
            writer.writerow(safe_row([title, row.label, *figure_cells(row.figures)]))
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(report: StatsReport) -> bytes:
    """One worksheet per table, plus a sheet that names the period and where the definitions are."""
    from openpyxl import Workbook  # imported here: only this download needs it
    from openpyxl.styles import Font

    book = Workbook()
    info = book.active
    info.title = "说明"
    for line in (
        ["统计时段", period_text(report)],
        ["统计日期", report.today.isoformat()],
        ["范围", report.department_name or "全部部门"],
        ["口径", "各项指标的定义见 docs/statistics.md；比率为空表示分母为 0（无可计算的数据）"],
    ):
        info.append(safe_row(line))
    for title, rows in sections(report):
        sheet = book.create_sheet(title[:31])
        sheet.append(safe_row(["名称", *[t for _k, t in COLUMNS]]))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(safe_row([row.label, *figure_cells(row.figures)]))
        sheet.freeze_panes = "B2"
        sheet.column_dimensions["A"].width = 24
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows_json(rows: list[GroupRow]) -> list[dict[str, Any]]:
    return [{"key": r.key, "label": r.label, "department_id": r.department_id, **r.figures.as_dict()} for r in rows]


def to_json(report: StatsReport) -> dict[str, Any]:
    """The whole report for /api/v1/stats; rates are fractions (0..1) or null when undefined."""
    q = report.query
    return {
        "period": {
            "from": q.start.isoformat(),
            "to": q.end.isoformat(),
            "by": q.granularity,
            "requested_to": q.requested_end.isoformat() if q.requested_end else None,
        },
        "as_of": report.today.isoformat(),
        "department": {"id": q.department_id, "name": report.department_name} if q.department_id else None,
        "overall": report.overall.as_dict(),
        "departments": _rows_json(report.departments),
        "trend": _rows_json(report.trend),
        "by_domain": _rows_json(report.by_domain),
        "by_appeal_kind": _rows_json(report.by_appeal_kind),
        "by_place": _rows_json(report.by_place),
        "by_channel": _rows_json(report.by_channel),
        "notices": report.notices,
    }
