"""Jinja2 environment: gettext markers (Simplified Chinese source strings), filters for dates and labels."""

from __future__ import annotations

import re
from datetime import datetime
from importlib.resources import files
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from minyi.accounts.models import ROLE_NAMES
from minyi.core.clock import china_today, format_china
from minyi.knowledge.models import EXPLANATION_KINDS
from minyi.messages.channels import CHANNELS, channel_name
from minyi.messages.display import (
    APPEAL_KINDS,
    CITIZEN_KINDS,
    DOMAINS,
    INVISIBLE_RE,
    INVISIBLE_TABLE,
    UNDECIDED_KIND_NAME,
    public_display,
)
from minyi.suggestions.decisions import COMMITMENT_STATUSES, DECISIONS
from minyi.web.serializers import public_reason_of
from minyi.workflow.deadlines import deadline_info
from minyi.workflow.services import RATING_LEVELS
from minyi.workflow.states import CITIZEN_EVENTS, EVENT_LABELS, STATUS_NAMES


def neutralise(value: Any) -> Any:
    """Every `{{ ... }}` on every page: right-to-left overrides and zero-width characters removed (stored intact).

    Most values have none (and ASCII never does): they are returned as they are, without a copy."""
    if isinstance(value, str) and not value.isascii() and INVISIBLE_RE.search(value):
        return value.translate(INVISIBLE_TABLE)  # a Markup stays a Markup
    return value


env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(files("minyi") / "web" / "templates")),
    autoescape=True,  # every piece of user text is escaped
    extensions=["jinja2.ext.i18n"],
    finalize=neutralise,
)
templates = Jinja2Templates(env=env)
# UI strings are marked with _() in the templates; a translation catalog can be installed here later.
env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
env.filters["china_time"] = format_china


def china_iso_time(value: Any) -> str:
    """An ISO time as stored in an event's data, shown like `china_time` ('' when it is not one)."""
    try:
        return format_china(datetime.fromisoformat(value)) if isinstance(value, str) else ""
    except ValueError:
        return ""


env.filters["china_iso_time"] = china_iso_time


def with_page(params: Any, page: int) -> str:
    """The current query string with another page number."""
    items = {k: v for k, v in dict(params).items() if k != "page" and v}
    return urlencode(items | {"page": page})


env.filters["with_page"] = with_page


def field_errors(error: Any) -> dict[str, str]:
    """A form's errors by field (the first for each), to show beside its input; {} without an error."""
    found: dict[str, str] = {}
    for field, message in getattr(error, "errors", None) or []:
        if field:
            found.setdefault(field, message)
    return found


env.filters["field_errors"] = field_errors
# What a staff action's redirect confirms (`?done=<action>&case=<id>`, shown by base.html to logged-in staff).
DONE_NOTICES = {
    "assign": "已受理并转办。",
    "transfer": "已改派。",
    "reject": "已不予受理，理由已公开。",
    "merge": "已合并到另一件办理。",
    "return": "已退回受理员重新分派。",
    "accept": "已签收，开始办理。",
    "request_extension": "的延期申请已提交，等待审批。",
    "decide_extension": "的延期申请已处理。",
    "reply": "的答复已发布。",
    "escalate": "已督办。",
    "acknowledge": "已答谢并办结。",
    "adopt": "的采纳决定已公开。",
    "commit": "的承诺事项已公开。",
    "published": "已审核并公开。",
    "withheld": "已审核，不予公开；理由已告知留言人。",
    "assist": "的帮扶情况已记录。",
    "callback": "的回访已记录。",
    "callback_reopen": "的回访已记录：问题未解决，已退回承办部门重办。",
    "send_down": "已下派至下级辖区。",
    "send_up": "已上报至上级辖区。",
}
# Text on public pages (citizens' words, replies, public reasons): phone, ID, card numbers, e-mail and plates
# are masked (stored intact); invisible characters go first so that they cannot split a number.
env.filters["public_text"] = public_display
# A 网络民意 case's message ends with its source line (minyi.entry.case_from_web_item): shown as a link back to the
# web page it answers (回应网民关切). Only http(s) URLs; external, so nofollow and no referrer.
_WEB_SOURCE = re.compile(r"（网络民意，来源：(https?://[^\s（）<>\"']+)）")


def web_source_linked(text: str) -> Markup:
    """The text, escaped, with each 网络民意 source line's URL as a link."""
    out, last = [], 0
    for found in _WEB_SOURCE.finditer(text):
        url = found.group(1)
        out += [escape(text[last : found.start(1)]), _source_anchor(url), escape(text[found.end(1) : found.end()])]
        last = found.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _source_anchor(url: str) -> Markup:
    return Markup('<a class="web-source" href="{0}" rel="nofollow noopener noreferrer" target="_blank">{0}</a>').format(
        url
    )


env.filters["web_source_linked"] = web_source_linked
env.filters["public_reason"] = public_reason_of
env.globals.update(
    STATUS_NAMES=STATUS_NAMES,
    APPEAL_KINDS=APPEAL_KINDS,
    CITIZEN_KINDS=CITIZEN_KINDS,
    UNDECIDED_KIND_NAME=UNDECIDED_KIND_NAME,
    DOMAINS=DOMAINS,
    EVENT_LABELS=EVENT_LABELS,
    RATING_LEVELS=RATING_LEVELS,
    ROLE_NAMES={str(k): v for k, v in ROLE_NAMES.items()},
    deadline_of=deadline_info,
    CITIZEN_EVENTS=CITIZEN_EVENTS,
    DONE_NOTICES=DONE_NOTICES,
    CHANNELS=CHANNELS,
    DECISIONS=DECISIONS,
    COMMITMENT_STATUSES=COMMITMENT_STATUSES,
    EXPLANATION_KINDS=EXPLANATION_KINDS,
    china_today=china_today,
)
env.filters["channel_name"] = channel_name


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200) -> Response:
    """Render a page with the request's CSRF token and logged-in user in the context."""
    ctx = {"csrf_token": getattr(request.state, "csrf_token", ""), "current_user": getattr(request.state, "user", None)}
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
