"""A work list exported as a 台账 (CSV and XLSX), and the export recorded in the account audit trail.

A 台账 holds what the list shows: case, message and handling, never contact data (name, phone, address stay on
the case page, whose every view is audited on its own). Cells go through `core.cells.safe_row`: titles and
places are data, never formulas.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from minyi.accounts import audit
from minyi.accounts.models import User
from minyi.core.cells import safe_row
from minyi.core.clock import to_china
from minyi.nlp.labels import APPEAL_KINDS, UNDECIDED_KIND_NAME
from minyi.workflow.inbox import LIST_NAMES, InboxRow
from minyi.workflow.list_filters import ListFilters
from minyi.workflow.states import STATUS_NAMES

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
HEADER = (
    "办件编号", "标题", "诉求类型", "领域", "地点", "状态", "承办部门",
    "办理时限", "超期", "紧急", "重办次数", "督办", "留言时间",
)  # fmt: skip


def _cells(row: InboxRow) -> list[Any]:
    case, msg = row.case, row.case.message
    received: datetime = to_china(msg.created_at).replace(tzinfo=None)
    deadline: date | str = case.deadline or ""
    return safe_row(
        [
            case.id,
            msg.title,
            APPEAL_KINDS.get(msg.appeal_kind) or msg.appeal_kind or UNDECIDED_KIND_NAME,
            msg.domain or "",
            msg.place_text,
            STATUS_NAMES.get(case.status, case.status),
            case.department.name if case.department else "",
            deadline,
            "是" if row.deadline.overdue else "",
            "是" if case.urgent else "",
            case.reopen_count,
            "是" if case.escalated else "",
            received.strftime("%Y-%m-%d %H:%M"),
        ]
    )


def to_csv(rows: list[InboxRow]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel and WPS open the Chinese text as such."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(_cells(r) for r in rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(rows: list[InboxRow], *, title: str) -> bytes:
    """One sheet, written row by row (openpyxl's write-only mode: memory stays flat at 10,000 rows)."""
    from openpyxl import Workbook  # imported here: only this download needs it

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(HEADER))
    for row in rows:
        sheet.append(_cells(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(rows: list[InboxRow], *, name: str, fmt: str) -> bytes:
    """The 台账 of list `name` in `fmt` (csv or xlsx)."""
    return to_xlsx(rows, title=LIST_NAMES[name]) if fmt == "xlsx" else to_csv(rows)


def record_export(session: Session, *, user: User, name: str, filters: ListFilters, rows: int, fmt: str) -> None:
    """The export in the account audit trail (who, which list, which filters, how many rows, which format)."""
    detail = f"{LIST_NAMES[name]} · {rows} 条 · {fmt.upper()} · {filters.describe()}"
    audit.record(session, kind="list_exported", username=user.username, user=user, detail=detail)
