"""Every admin change to a registered source goes to the account audit trail (系统管理 → 安全与审计), as department,
user and policy changes do: who (an admin's account, or the command line and its system user), which source, and
what changed (each field before → after)."""

from __future__ import annotations

import getpass
from typing import Any

from sqlalchemy.orm import Session

from minyi.accounts import audit
from minyi.accounts.models import User
from minyi.collect.models import SOURCE_KINDS, WebSource

FIELD_LABELS = {
    "name": "名称",
    "kind": "类型",
    "url": "网址",
    "place": "地区",
    "weight": "权重",
    "schedule_minutes": "采集间隔（分钟）",
    "keywords": "关键词",
    "max_pages": "每次最多页数",
}

Actor = User | str  # an admin's account, or a label such as command_line()
SYSTEM = "系统"  # the actor of a change made by code that names none (a script, a test's arrangement)


def command_line() -> str:
    """The actor of a `minyi sources` command: the command line and the system user who ran it."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        who = "?"
    return f"命令行（{who}）"


def fields_of(source: WebSource) -> dict[str, Any]:
    """The fields an admin sets, as they are now (to compare after a change)."""
    return {name: getattr(source, name) for name in FIELD_LABELS}


def _shown(name: str, value: Any) -> str:
    if name == "kind":
        return SOURCE_KINDS.get(value, str(value))
    return str(value) if value not in (None, "") else "（空）"


def settings_of(source: WebSource) -> str:
    """'RSS/Atom 订阅 http://…；地区：河西区；权重：1；…' — a new source's settings, for its audit line."""
    now = fields_of(source)
    return f"{_shown('kind', now['kind'])} {now['url']}；" + "；".join(
        f"{label}：{_shown(name, now[name])}"
        for name, label in FIELD_LABELS.items()
        if name not in ("name", "kind", "url")
    )


def changes(before: dict[str, Any], after: dict[str, Any]) -> str:
    """'地区：河西区 → 河东区；权重：1 → 3' — only the fields that changed."""
    return "；".join(
        f"{label}：{_shown(name, before[name])} → {_shown(name, after[name])}"
        for name, label in FIELD_LABELS.items()
        if before[name] != after[name]
    )


def record(session: Session, *, kind: str, source: WebSource, actor: Actor, detail: str = "") -> None:
    """One audit line (in the caller's transaction): the source by name and number, then what changed."""
    user = actor if isinstance(actor, User) else None
    username = actor.username if isinstance(actor, User) else actor
    line = f"{source.name}（#{source.id}）" + (f"：{detail}" if detail else "")
    if len(line) > 200:
        line = line[:199] + "…"
    audit.record(session, kind=kind, username=username, actor=user, detail=line)
