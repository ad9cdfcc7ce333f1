"""The admin's changes to the jurisdiction tree — add, edit, deactivate, import a file — each within the admin's own
subtree and each a line of the account audit trail with the fields before → after (as minyi.collect.source_log does
for web sources)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.accounts import audit
from minyi.accounts.models import User
from minyi.accounts.services import admin_scope
from minyi.core.db import get_by_id
from minyi.core.errors import NotFound, PermissionDenied, ValidationFailed
from minyi.jurisdictions import services as jurisdictions
from minyi.jurisdictions.models import LEVELS, Jurisdiction
from minyi.nlp.labels import APPEAL_KINDS

FIELD_LABELS = {
    "name": "名称",
    "level": "级别",
    "slug": "网址代号",
    "areas": "地名",
    "leaders": "领导信箱",
    "deadline_days": "办理时限",
    "is_active": "状态",
}

Actor = User | str  # an admin's account, or a label such as "命令行（root）"


def shown(name: str, value: Any) -> str:
    """A field's value in words, for the audit line."""
    if name == "level":
        return LEVELS.get(value, str(value))
    if name == "is_active":
        return "启用" if value else "停用"
    if name == "deadline_days":
        return "、".join(f"{APPEAL_KINDS.get(k, k)}{v}天" for k, v in value.items()) if value else "（沿用上级）"
    if isinstance(value, list):
        return "、".join(value) if value else "（空）"
    return str(value) if value not in (None, "") else "（空）"


def _record(session: Session, *, kind: str, node: Jurisdiction | None, actor: Actor, detail: str) -> None:
    user = actor if isinstance(actor, User) else None
    username = actor.username if isinstance(actor, User) else actor
    line = (f"{node.name}（#{node.id}）：" if node is not None else "") + detail
    if len(line) > 200:
        line = line[:199] + "…"
    audit.record(session, kind=kind, username=username, actor=user, detail=line)


def _scope(actor: Actor) -> str:
    return admin_scope(actor) if isinstance(actor, User) else ""


def managed(session: Session, *, jurisdiction_id: Any, actor: Actor) -> Jurisdiction:
    """A jurisdiction the admin manages (their own or one below it), or 404."""
    node = get_by_id(session, Jurisdiction, jurisdiction_id)
    if node is None or not jurisdictions.in_scope(node.path, _scope(actor)):
        raise NotFound("辖区不存在")
    return node


def add(session: Session, *, actor: Actor, parent_id: Any, **fields: Any) -> Jurisdiction:
    """A new jurisdiction below one the admin manages; audited with its settings."""
    scope = _scope(actor)
    parent = get_by_id(session, Jurisdiction, parent_id) if parent_id not in (None, "") else None
    if parent is not None and not jurisdictions.in_scope(parent.path, scope):
        raise ValidationFailed("请选择您管理的上级辖区", field="parent_id")
    node = jurisdictions.create_jurisdiction(session, parent_id=parent_id, **fields)
    settings = "；".join(
        f"{label}：{shown(name, getattr(node, name))}" for name, label in FIELD_LABELS.items() if name != "name"
    )
    above = session.get(Jurisdiction, node.parent_id)
    parent_name = above.name if above is not None else "—"
    _record(session, kind="jurisdiction_added", node=node, actor=actor, detail=f"上级：{parent_name}；{settings}")
    return node


def edit(session: Session, *, actor: Actor, jurisdiction_id: Any, **fields: Any) -> Jurisdiction:
    """Change a jurisdiction's name, level, address, area names, leaders or deadlines; audited before → after."""
    node = managed(session, jurisdiction_id=jurisdiction_id, actor=actor)
    node, changes = jurisdictions.update_jurisdiction(
        session, jurisdiction_id=node.id, is_active=node.is_active, **fields
    )
    if changes:
        detail = "；".join(
            f"{FIELD_LABELS[name]}：{shown(name, before)} → {shown(name, after)}"
            for name, (before, after) in changes.items()
        )
        _record(session, kind="jurisdiction_changed", node=node, actor=actor, detail=detail)
    return node


def set_active(session: Session, *, actor: Actor, jurisdiction_id: Any, active: bool) -> Jurisdiction:
    """Deactivate (never delete: cases, departments and accounts refer to it) or reactivate a jurisdiction.

    An admin cannot deactivate their own jurisdiction, a jurisdiction with active ones below it, nor reactivate
    one below an inactive parent."""
    node = managed(session, jurisdiction_id=jurisdiction_id, actor=actor)
    if node.is_active == active:
        return node
    scope = _scope(actor)
    if not active and scope and node.path == scope:
        raise PermissionDenied("不能停用您自己的辖区")
    if not active:
        below = select(Jurisdiction.name).where(Jurisdiction.parent_id == node.id, Jurisdiction.is_active.is_(True))
        names = list(session.scalars(below.limit(3)))
        if names:
            raise ValidationFailed(f"请先停用其下级辖区：{'、'.join(names)}", field="is_active")
    elif node.parent_id is not None:
        parent = session.get(Jurisdiction, node.parent_id)
        if parent is not None and not parent.is_active:
            raise ValidationFailed(f"上级辖区“{parent.name}”已停用，请先启用它", field="is_active")
    _, changes = jurisdictions.update_jurisdiction(
        session,
        jurisdiction_id=node.id,
        name=node.name,
        level=node.level,
        slug=node.slug,
        areas=node.areas,
        leaders=node.leaders,
        deadline_days=node.deadline_days,
        is_active=active,
    )
    kind = "jurisdiction_enabled" if active else "jurisdiction_disabled"
    before, after = changes["is_active"]
    _record(
        session,
        kind=kind,
        node=node,
        actor=actor,
        detail=f"状态：{shown('is_active', before)} → {shown('is_active', after)}",
    )
    return node


def import_file(
    session: Session,
    *,
    actor: Actor,
    content: str,
    filename: str = "",
    progress: Callable[[int], None] | None = None,
) -> jurisdictions.ImportResult:
    """Import a CSV file of the tree (all or nothing, every error listed); an admin of a jurisdiction may only add
    to and update their own subtree. One audit line with the file and what it did."""
    scope = _scope(actor)
    before = {n.id: (n.areas, n.leaders) for n in jurisdictions.tree(session)}
    savepoint = session.begin_nested()
    try:
        result = jurisdictions.import_tree(session, content, progress=progress)
        outside = [
            n.name
            for n in jurisdictions.tree(session)
            if not jurisdictions.in_scope(n.path, scope) and (n.areas, n.leaders) != before.get(n.id, (None, None))
        ]
        if outside:
            raise ValidationFailed(f"文件改动了您管理范围以外的辖区：{'、'.join(outside[:10])}", field="file")
    except Exception:
        savepoint.rollback()
        raise
    savepoint.commit()
    name = f"文件 {filename}：" if filename else ""
    _record(
        session,
        kind="jurisdictions_imported",
        node=None,
        actor=actor,
        detail=f"{name}新建 {result.created} 个，更新地名或领导信箱 {result.updated} 个",
    )
    return result
