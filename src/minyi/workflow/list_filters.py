"""The search and filters of the staff work lists, checked: a bad value is a clear error, never a silent reset."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from minyi.core.db import MAX_ID, parse_id
from minyi.core.errors import ValidationFailed
from minyi.core.validation import choice_field, text_field
from minyi.messages.channels import CHANNELS
from minyi.nlp.labels import APPEAL_KINDS, DOMAINS
from minyi.workflow import states

# Limits, documented in docs/limits.md.
SEARCH_MAX = 50
PER_PAGE = 20
PER_PAGE_MAX = 100
ROWS_MAX = 10_000  # pages reach this far and `total` is exact up to here ("10,000+" beyond); exports as many
ALL_STATUSES = "all"  # the status filter's "any status" (the list's own scope is the default)
_PHONE = re.compile(r"^[0-9+\-() ]{3,20}$")
_FLAGS = {"overdue": "超期", "unsatisfied": "不满意", "reopened": "重办", "review": "待审核公开"}


@dataclass(frozen=True)
class ListFilters:
    """What narrows a work list: search (case number, contact phone, keyword, place), filters, and the page."""

    number: int | None = None
    phone: str = ""
    q: str = ""
    place: str = ""
    domain: str | None = None
    appeal_kind: str | None = None
    channel: str | None = None  # 受理渠道 (minyi.messages.channels)
    department_id: int | None = None
    status: str | None = None  # None: the list's own scope; ALL_STATUSES: any status
    overdue: bool = False
    unsatisfied: bool = False
    reopened: bool = False
    review: bool = False  # 待审核公开: messages waiting for a coordinator before they go on the board
    j: int | None = None  # one jurisdiction of the viewer's subtree (and those below it); the route checks it
    page: int = 1
    per_page: int = PER_PAGE

    def query(self, **changes: Any) -> dict[str, str]:
        """The query parameters that give these filters back (with `changes`), empty ones left out: for links."""
        values = asdict(self) | changes
        out = {k: ("1" if v is True else str(v)) for k, v in values.items() if v not in (None, "", False)}
        if out.get("page") == "1":
            del out["page"]
        if out.get("per_page") == str(PER_PAGE):
            del out["per_page"]
        return out

    def describe(self) -> str:
        """The search and filters in words, for the audit log of exports."""
        query = self.query()
        query.pop("page", None)
        query.pop("per_page", None)
        if "phone" in query:
            query["phone"] = "***"  # the audit log names that a phone was searched, not which
        return " ".join(f"{k}={v}" for k, v in sorted(query.items())) or "无筛选"


def _int(raw: Any, *, field: str, label: str, high: int) -> int:
    value = parse_id(raw)
    if value is None or value > high:
        msg = f"{label}必须是 1 到 {high} 之间的整数"
        raise ValidationFailed(msg, field=field)
    return value


def _flag(params: dict[str, Any], field: str) -> bool:
    raw = params.get(field) or ""
    if raw not in ("", "0", "1"):
        msg = f"“{_FLAGS[field]}”筛选只能是 1 或 0"
        raise ValidationFailed(msg, field=field)
    return raw == "1"


def _text(params: dict[str, Any], field: str, label: str) -> str:
    return text_field(params.get(field) or "", field=field, label=label, max_len=SEARCH_MAX, required=False).strip()


def _phone(params: dict[str, Any]) -> str:
    phone = _text(params, "phone", "电话")
    if phone and not _PHONE.match(phone):
        raise ValidationFailed("电话只能包含数字、空格和 + - ( )，3 到 20 位", field="phone")
    return phone


def _page(params: dict[str, Any]) -> tuple[int, int]:
    per_page = _int(params.get("per_page") or PER_PAGE, field="per_page", label="每页条数", high=PER_PAGE_MAX)
    page = _int(params.get("page") or 1, field="page", label="页码", high=ROWS_MAX)
    if (page - 1) * per_page >= ROWS_MAX:
        msg = f"只能翻看前 {ROWS_MAX:,} 条办件，请用搜索或筛选缩小范围"
        raise ValidationFailed(msg, field="page")
    return page, per_page


def parse_list_filters(params: dict[str, Any]) -> ListFilters:
    """Check a work list's query parameters (HTML forms and the API share them)."""
    number = None
    if params.get("number"):
        number = _int(params["number"], field="number", label="办件编号", high=MAX_ID)
    department_id = None
    if params.get("department_id"):
        department_id = _int(params["department_id"], field="department_id", label="部门", high=MAX_ID)
    j = _int(params["j"], field="j", label="辖区", high=MAX_ID) if params.get("j") else None
    status = params.get("status") or None
    if status != ALL_STATUSES:
        status = choice_field(status, field="status", label="状态", choices=states.STATUS_NAMES, required=False)
    page, per_page = _page(params)
    return ListFilters(
        number=number,
        phone=_phone(params),
        q=_text(params, "q", "关键词"),
        place=_text(params, "place", "地点"),
        domain=choice_field(
            params.get("domain") or None, field="domain", label="领域", choices=DOMAINS, required=False
        ),
        appeal_kind=choice_field(
            params.get("appeal_kind") or None,
            field="appeal_kind",
            label="诉求类型",
            choices=APPEAL_KINDS,
            required=False,
        ),
        channel=choice_field(
            params.get("channel") or None, field="channel", label="受理渠道", choices=CHANNELS, required=False
        ),
        department_id=department_id,
        status=status,
        overdue=_flag(params, "overdue"),
        unsatisfied=_flag(params, "unsatisfied"),
        reopened=_flag(params, "reopened"),
        review=_flag(params, "review"),
        j=j,
        page=page,
        per_page=per_page,
    )
