"""The report as a printable HTML document (Jinja template, inline SVG charts drawn here) and as an XLSX."""

from __future__ import annotations

import io
from collections.abc import Sequence
from html import escape
from importlib.resources import files
from typing import Any

import jinja2
from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.styles import Font

from minyi.core.cells import safe_row
from minyi.reports.content import RATES, PeriodReport
from minyi.scorecard.score import COMPONENTS, Ranking, ranking_note, ranking_table
from minyi.stats.export import COLUMNS, figure_cells
from minyi.stats.services import GroupRow

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(files("minyi") / "web" / "templates")), autoescape=True)
BAR, INK, ACCENT, GRID = "#2f6fb0", "#1f2933", "#c2410c", "#d0d7de"


def show(key: str, value: float | None) -> str:
    """A figure as text: rates in %, days with one decimal, "—" when undefined."""
    if value is None:
        return "—"
    if key in RATES:
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def show_change(key: str, change: float | None) -> str:
    """The change from the period before: percentage points for rates; "—" when it cannot be computed."""
    if change is None:
        return "—"
    if key in RATES:
        return f"{change * 100:+.1f} 个百分点"
    if isinstance(change, float):
        return f"{change:+.1f}"
    return f"{change:+d}"


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str, percent: bool = False) -> Markup:
    """A horizontal bar chart as inline SVG (labels on the left, values at the bar ends)."""
    if not values:
        return Markup("")
    row, left, width = 22, 170, 640
    top = max(max(values), 1e-9)
    height = row * len(values) + 10
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 5 + i * row
        length = (width - left - 70) * (value / top)
        text = f"{value * 100:.1f}%" if percent else (f"{value:g}")
        parts.append(
            f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" font-size="12" fill="{INK}">'
            f"{escape(label[:14])}</text>"
            f'<rect x="{left}" y="{y + 3}" width="{length:.1f}" height="14" fill="{BAR}"/>'
            f'<text x="{left + length + 4:.1f}" y="{y + 14}" font-size="12" fill="{INK}">{text}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through html.escape


def trend_chart(rows: Sequence[GroupRow], *, title: str) -> Markup:
    """Received per period (bars, left scale) and satisfaction and on-time rates (lines, 0–100%)."""
    if not rows:
        return Markup("")
    width, height, left, bottom, top_pad = 640, 220, 40, 30, 16
    plot_w, plot_h = width - left - 50, height - bottom - top_pad
    step = plot_w / len(rows)
    peak = max([r.figures.received for r in rows] + [1])
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" stroke="{GRID}"/>',
        f'<text x="{left - 4}" y="{top_pad + 4}" text-anchor="end" font-size="11" fill="{INK}">{peak}</text>',
        f'<text x="{left + plot_w + 4}" y="{top_pad + 4}" font-size="11" fill="{INK}">100%</text>',
    ]
    lines: dict[str, list[str]] = {"satisfaction_rate": [], "on_time_rate": []}
    for i, row in enumerate(rows):
        x = left + i * step
        h = plot_h * row.figures.received / peak
        parts.append(
            f'<rect x="{x + step * 0.2:.1f}" y="{top_pad + plot_h - h:.1f}" width="{step * 0.6:.1f}" '
            f'height="{h:.1f}" fill="{BAR}" opacity="0.75"/>'
            f'<text x="{x + step / 2:.1f}" y="{height - 10}" text-anchor="middle" font-size="11" '
            f'fill="{INK}">{escape(row.label)}</text>'
        )
        for key, points in lines.items():
            value = getattr(row.figures, key)
            if value is not None:
                points.append(f"{x + step / 2:.1f},{top_pad + plot_h * (1 - value):.1f}")
    for (key, points), (colour, dash) in zip(lines.items(), ((ACCENT, ""), (INK, "4 3")), strict=True):
        if points:
            parts.append(
                f'<polyline data-series="{key}" points="{" ".join(points)}" fill="none" stroke="{colour}" '
                f'stroke-width="2" stroke-dasharray="{dash}"/>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through html.escape


def render_html(report: PeriodReport) -> str:
    """The printable report (one self-contained HTML document: print CSS and charts inline)."""
    charts = {
        "trend": trend_chart(report.trend, title="留言数（柱）与满意率、按时办结率（线）"),
        "late": bar_chart(
            [r.label for r in report.late_departments],
            [r.figures.due - r.figures.on_time for r in report.late_departments],
            title="超期件数最多的部门",
        ),
        "domain": bar_chart(
            [r.label for r in report.by_domain[:10]],
            [r.figures.received for r in report.by_domain[:10]],
            title="各领域留言数",
        ),
        "place": bar_chart(
            [r.label for r in report.by_place], [r.figures.received for r in report.by_place], title="留言最多的地点"
        ),
    }
    return _env.get_template("reports/report.html").render(
        r=report, charts=charts, show=show, show_change=show_change, components=COMPONENTS
    )


def _add(sheet: Any, row: list[Any]) -> None:
    """Every row of the workbook goes through here, so no cell written from data runs as a formula."""
    sheet.append(safe_row(row))


def _table(ws: Any, title: str, rows: Sequence[GroupRow], first: str) -> None:
    _add(ws, [title])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    _add(ws, [first] + [c for _k, c in COLUMNS])
    for row in rows:
        _add(ws, [row.label, *figure_cells(row.figures)])
    _add(ws, [])


def _scorecard_sheet(ws: Any, ranking: Ranking) -> None:
    """考核: the ranked departments, each component in percent (empty when undefined) and the score."""
    header, rows = ranking_table(ranking)
    _add(ws, [ranking_note(ranking)])
    _add(ws, header)
    for row in rows:
        _add(ws, row)


def render_xlsx(report: PeriodReport) -> bytes:
    """The report's figures and lists as a workbook: 概要, 趋势, 部门, 热点问题, 考核排名, 答复示例."""
    wb = Workbook()
    ws = wb.active
    ws.title = "概要"
    _add(ws, [report.title])
    _add(ws, ["周期", report.period.key, f"{report.period.start.isoformat()} 至 {report.period.end.isoformat()}"])
    _add(ws, ["上期", report.previous.key])
    for note in report.notices:
        _add(ws, [note])
    _add(ws, [])
    _add(ws, ["指标", "本期", "上期", "变化"])
    for k in report.key_figures:
        scale = 100 if k.key in RATES else 1
        _add(
            ws,
            [
                k.label + ("（%）" if k.key in RATES else ""),
                *[("" if v is None else round(v * scale, 2)) for v in (k.value, k.previous, k.change)],
            ],
        )
    trend = wb.create_sheet("趋势")
    _table(trend, "近期趋势", report.trend, "周期")
    depts = wb.create_sheet("部门")
    _table(depts, "超期最多的部门", report.late_departments, "部门")
    _table(depts, "各部门", report.departments, "部门")
    _table(depts, "各领域", report.by_domain, "领域")
    _table(depts, "留言最多的地点", report.by_place, "地点")
    hot = wb.create_sheet("热点问题")
    _add(hot, ["排名", "热点问题", "留言数", "人数", "附议", "开始", "结束", "办件编号"])
    for h in report.hot_issues:
        _add(
            hot,
            [
                h.rank,
                h.description,
                h.messages,
                h.people,
                h.supports,
                h.start.isoformat(),
                h.end.isoformat(),
                " ".join(map(str, h.case_ids[:50])),
            ],
        )
    if report.scorecard is not None:
        _scorecard_sheet(wb.create_sheet("考核排名"), report.scorecard)
    examples = wb.create_sheet("答复示例")
    _add(examples, [report.reply_method])
    _add(examples, ["类别", "办件", "标题", "部门", "用时（工作日）", "按时", "评价", "理由", "答复"])
    for label, items in (("较好", report.best_replies), ("较弱", report.weakest_replies)):
        for e in items:
            _add(
                examples,
                [
                    label,
                    e.case_id,
                    e.title,
                    e.department,
                    e.days,
                    {True: "是", False: "否", None: ""}[e.on_time],
                    e.rating or "",
                    "；".join(e.reasons),
                    e.reply,
                ],
            )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
