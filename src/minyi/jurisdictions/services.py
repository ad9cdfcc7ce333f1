"""Jurisdiction use cases: the tree (create, edit, import), who sees what in it, and where a message belongs."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from minyi.core.db import get_by_id
from minyi.core.errors import Conflict, FieldErrors, NotFound, PermissionDenied, ValidationFailed
from minyi.core.validation import text_field
from minyi.jurisdictions.models import LEVELS, Jurisdiction
from minyi.nlp.jurisdiction import Area, AreaIndex, Placement

ROOT_ID = 1  # created by migration 0028: the installation's own level
MAX_AREAS = 500  # place names listed for one jurisdiction
MAX_LEADERS = 5
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
_SPLIT = re.compile(r"[、,，;；\s]+")


def root(session: Session) -> Jurisdiction:
    """The root of the tree (the installation's level)."""
    found = session.get(Jurisdiction, ROOT_ID)
    if found is None:  # a database migrated before 0028 never lacks it; a hand-made one might
        raise NotFound("辖区树缺少根节点，请先运行 minyi migrate")
    return found


def tree(session: Session, *, active_only: bool = False) -> list[Jurisdiction]:
    """Every jurisdiction, parents before children (ordered by path), optionally only the active ones."""
    query = select(Jurisdiction).order_by(Jurisdiction.path)
    if active_only:
        query = query.where(Jurisdiction.is_active.is_(True))
    return list(session.scalars(query))


def path_of(session: Session, jurisdiction_id: int | None) -> str:
    """The path of a jurisdiction ("/1/4/"), the root's for None."""
    if jurisdiction_id is None:
        return f"/{ROOT_ID}/"
    found = session.get(Jurisdiction, jurisdiction_id)
    if found is None:
        raise NotFound("辖区不存在")
    return found.path


def scope_path(jurisdiction: Jurisdiction | None) -> str:
    """What a member of `jurisdiction` sees: "" for the root (everything, the rows with NULL included), else the
    path of its subtree. Kept on `Actor.jurisdiction_path`."""
    if jurisdiction is None or jurisdiction.parent_id is None:
        return ""
    return jurisdiction.path


def in_scope(path: str, scope: str) -> bool:
    """Whether a row of the jurisdiction at `path` (None / "" : the root) lies within `scope` (see scope_path)."""
    return not scope or (path or f"/{ROOT_ID}/").startswith(scope)


def narrow_scope(session: Session, scope: str, jurisdiction_id: int | None) -> str:
    """The scope of one jurisdiction chosen within `scope` (a staff page's `?j=`): its subtree; `scope` itself when
    none is chosen; PermissionDenied when it lies outside `scope` (or does not exist, which reads the same)."""
    if jurisdiction_id is None:
        return scope
    found = session.get(Jurisdiction, jurisdiction_id)
    if found is None or not in_scope(found.path, scope):
        raise PermissionDenied("该辖区不属于您的管辖范围")
    return scope_path(found)


def subtree_ids(scope: str) -> Any:
    """The ids of the jurisdictions within `scope` (a non-empty path), as a subquery for IN."""
    return select(Jurisdiction.id).where(Jurisdiction.path.startswith(scope, autoescape=True))


def within(column: InstrumentedAttribute[int | None], scope: str) -> ColumnElement[bool] | None:
    """A WHERE clause keeping the rows of `column` (a jurisdiction id, NULL = the root) within `scope`; None when
    the scope is everything (no clause: the root sees every row)."""
    if not scope:
        return None
    if scope == f"/{ROOT_ID}/":
        return or_(column.is_(None), column.in_(subtree_ids(scope)))
    return column.in_(subtree_ids(scope))


def chosen_jurisdiction(session: Session, raw: Any, *, scope: str, missing: str) -> Jurisdiction | None:
    """A jurisdiction chosen in a form for an account or a department: empty means the root (allowed only to those
    who manage the root: `scope` ""; else the error `missing`); otherwise it must exist, be active and lie within
    `scope` (an admin's subtree)."""
    if raw in (None, ""):
        if scope:
            raise ValidationFailed(missing, field="jurisdiction_id")
        return None
    node = get_by_id(session, Jurisdiction, raw)
    if node is None or not in_scope(node.path, scope):
        raise ValidationFailed("请选择有效的辖区", field="jurisdiction_id")
    if not node.is_active:
        raise ValidationFailed(f"辖区“{node.name}”已停用", field="jurisdiction_id")
    return node


def ancestors(session: Session, jurisdiction: Jurisdiction) -> list[Jurisdiction]:
    """From the root down to `jurisdiction`'s parent."""
    ids = [int(part) for part in jurisdiction.path.strip("/").split("/")[:-1] if part]
    if not ids:
        return []
    found = {j.id: j for j in session.scalars(select(Jurisdiction).where(Jurisdiction.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def children(session: Session, jurisdiction_id: int) -> list[Jurisdiction]:
    """The jurisdictions right below one, by name."""
    query = select(Jurisdiction).where(Jurisdiction.parent_id == jurisdiction_id).order_by(Jurisdiction.name)
    return list(session.scalars(query))


# -- editing the tree -------------------------------------------------------------------------------------------


def _names(raw: Any, *, field: str, label: str, limit: int) -> list[str]:
    if raw in (None, ""):
        return []
    values = raw if isinstance(raw, list | tuple) else _SPLIT.split(str(raw))
    out: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise ValidationFailed(f"{label}必须是文本", field=field)
        name = value.strip()
        if not name:
            continue
        if len(name) < 2 or len(name) > 50:
            raise ValidationFailed(f"{label}“{name[:50]}”的长度须在 2 到 50 个字之间", field=field)
        out.append(name)
    out = list(dict.fromkeys(out))
    if len(out) > limit:
        raise ValidationFailed(f"{label}最多 {limit} 个", field=field)
    return out


def _level(raw: Any) -> str:
    if raw in LEVELS:
        return str(raw)
    by_name = {v: k for k, v in LEVELS.items()} | {"省": "province", "市": "city", "区": "district", "县": "district"}
    by_name |= {"街道": "street", "乡镇": "street", "乡": "street", "镇": "street"}
    if isinstance(raw, str) and raw.strip() in by_name:
        return by_name[raw.strip()]
    raise ValidationFailed(f"级别须是 {'、'.join(LEVELS.values())} 之一", field="level")


def _slug(session: Session, raw: Any, *, own_id: int | None = None) -> str:
    slug = text_field(raw, field="slug", label="网址代号", max_len=40, min_len=2).strip().lower()
    if not _SLUG.match(slug):
        raise ValidationFailed("网址代号只能用小写字母、数字和连字符，2 到 40 位，以字母或数字开头", field="slug")
    other = session.scalar(select(Jurisdiction.id).where(Jurisdiction.slug == slug))
    if other is not None and other != own_id:
        raise Conflict(f"网址代号“{slug}”已被使用")
    return slug


def _deadline_days(raw: Any) -> dict[str, int]:
    from minyi.nlp.labels import APPEAL_KINDS

    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise ValidationFailed("办理时限格式不正确", field="deadline_days")
    out: dict[str, int] = {}
    for kind, days in raw.items():
        if kind not in APPEAL_KINDS:
            raise ValidationFailed(f"未知的诉求类型：{kind}", field="deadline_days")
        if days in (None, ""):
            continue
        try:
            value = int(days)
        except (TypeError, ValueError):
            raise ValidationFailed(f"“{kind}”的办理时限须是 1 到 60 之间的工作日数", field="deadline_days") from None
        if not 1 <= value <= 60:
            raise ValidationFailed(f"“{kind}”的办理时限须是 1 到 60 之间的工作日数", field="deadline_days")
        out[str(kind)] = value
    return out


def create_jurisdiction(
    session: Session,
    *,
    name: Any,
    level: Any,
    parent_id: Any,
    slug: Any,
    areas: Any = None,
    leaders: Any = None,
    deadline_days: Any = None,
) -> Jurisdiction:
    """A new jurisdiction under `parent_id` (the root is made by the migration: every other one has a parent)."""
    title = text_field(name, field="name", label="辖区名称", max_len=100, min_len=2).strip()
    parent = get_by_id(session, Jurisdiction, parent_id) if parent_id not in (None, "") else None
    if parent is None:
        raise ValidationFailed("请选择上级辖区", field="parent_id")
    if not parent.is_active:
        raise ValidationFailed("上级辖区已停用", field="parent_id")
    if session.scalar(select(Jurisdiction.id).where(Jurisdiction.parent_id == parent.id, Jurisdiction.name == title)):
        raise Conflict(f"“{parent.name}”下已有辖区“{title}”")
    if parent.path.count("/") > 20:
        raise ValidationFailed("辖区层级过深（最多 20 级）", field="parent_id")
    node = Jurisdiction(
        name=title,
        level=_level(level),
        slug=_slug(session, slug),
        parent_id=parent.id,
        path="",
        areas=_names(areas, field="areas", label="地名", limit=MAX_AREAS),
        leaders=_names(leaders, field="leaders", label="领导信箱", limit=MAX_LEADERS),
        deadline_days=_deadline_days(deadline_days),
    )
    session.add(node)
    session.flush()
    node.path = f"{parent.path}{node.id}/"
    session.flush()
    return node


def update_jurisdiction(
    session: Session,
    *,
    jurisdiction_id: Any,
    name: Any,
    level: Any,
    slug: Any,
    areas: Any,
    leaders: Any,
    deadline_days: Any = None,
    is_active: bool = True,
) -> tuple[Jurisdiction, dict[str, tuple[Any, Any]]]:
    """Change a jurisdiction (not its place in the tree); the changes as field -> (before, after), for the audit."""
    node = get_by_id(session, Jurisdiction, jurisdiction_id)
    if node is None:
        raise NotFound("辖区不存在")
    title = text_field(name, field="name", label="辖区名称", max_len=100, min_len=2).strip()
    clash = select(Jurisdiction.id).where(
        Jurisdiction.parent_id == node.parent_id, Jurisdiction.name == title, Jurisdiction.id != node.id
    )
    if node.parent_id is not None and session.scalar(clash):
        raise Conflict(f"同一上级下已有辖区“{title}”")
    if node.parent_id is None and not is_active:
        raise ValidationFailed("根辖区不能停用", field="is_active")
    new = {
        "name": title,
        "level": _level(level),
        "slug": _slug(session, slug, own_id=node.id),
        "areas": _names(areas, field="areas", label="地名", limit=MAX_AREAS),
        "leaders": _names(leaders, field="leaders", label="领导信箱", limit=MAX_LEADERS),
        "deadline_days": _deadline_days(deadline_days),
        "is_active": bool(is_active),
    }
    changes = {k: (getattr(node, k), v) for k, v in new.items() if getattr(node, k) != v}
    for key, (_before, after) in changes.items():
        setattr(node, key, after)
    session.flush()
    return node, changes


# -- import from a file -------------------------------------------------------------------------------------------

IMPORT_COLUMNS = ("名称", "级别", "上级", "网址代号", "地名", "领导信箱")


@dataclass
class ImportResult:
    """What an import of the tree did: rows created, rows updated (their area names), and rows refused."""

    created: int = 0
    updated: int = 0
    errors: list[str] | None = None


def import_tree(session: Session, content: str, *, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Create or update jurisdictions from a CSV file (UTF-8, a header row of IMPORT_COLUMNS).

    `上级` names the parent by its path of names below the root ("A市/雨花区"; empty: the root). A row whose
    jurisdiction exists (same parent, same name) gets the listed area names and leaders added (never removed).
    All or nothing: any bad row refuses the whole file with every error listed (one `ValidationFailed` per row in
    a `FieldErrors`), and what the good rows wrote is rolled back to a savepoint. `progress(rows)` is called
    every 500 rows read.
    """
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    missing = [c for c in ("名称", "级别", "网址代号") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed(f"文件缺少列：{'、'.join(missing)}（表头须为 {','.join(IMPORT_COLUMNS)}）", field="file")
    result = ImportResult(errors=[])
    errors: list[ValidationFailed] = []
    base = root(session)
    by_path: dict[tuple[str, ...], Jurisdiction] = {(): base}
    nodes = tree(session)
    by_id = {n.id: n for n in nodes}
    for node in nodes:
        if node.parent_id is not None:
            ids = [int(p) for p in node.path.strip("/").split("/")[1:]]
            by_path[tuple(by_id[i].name for i in ids if i in by_id)] = node
    savepoint = session.begin_nested()
    try:
        for number, row in enumerate(reader, start=2):
            try:
                _import_row(session, row, by_path, result)
            except (ValidationFailed, Conflict, NotFound) as exc:
                errors.append(ValidationFailed(f"第 {number} 行：{exc.message}", field="file"))
            if progress is not None and (number - 1) % 500 == 0:
                progress(number - 1)
    except csv.Error as exc:
        errors.append(ValidationFailed(f"文件不是有效的 CSV：{exc}", field="file"))
    if errors:
        savepoint.rollback()
        raise errors[0] if len(errors) == 1 else FieldErrors(errors)
    savepoint.commit()
    return result


def _import_row(
    session: Session, row: dict[str, str], by_path: dict[tuple[str, ...], Jurisdiction], result: ImportResult
) -> None:
    parent_key = tuple(p.strip() for p in (row.get("上级") or "").split("/") if p.strip())
    parent = by_path.get(parent_key)
    if parent is None:
        raise NotFound(f"上级辖区“{'/'.join(parent_key)}”不存在（须写在它的下级之前）")
    name = (row.get("名称") or "").strip()
    key = (*parent_key, name)
    existing = by_path.get(key)
    if existing is not None:
        areas = _names(row.get("地名"), field="areas", label="地名", limit=MAX_AREAS)
        leaders = _names(row.get("领导信箱"), field="leaders", label="领导信箱", limit=MAX_LEADERS)
        merged_areas = list(dict.fromkeys([*existing.areas, *areas]))
        merged_leaders = list(dict.fromkeys([*existing.leaders, *leaders]))
        if merged_areas != existing.areas or merged_leaders != existing.leaders:
            existing.areas, existing.leaders = merged_areas[:MAX_AREAS], merged_leaders[:MAX_LEADERS]
            result.updated += 1
        return
    node = create_jurisdiction(
        session,
        name=name,
        level=row.get("级别"),
        parent_id=parent.id,
        slug=row.get("网址代号"),
        areas=row.get("地名"),
        leaders=row.get("领导信箱"),
    )
    by_path[key] = node
    result.created += 1


# -- placing a message ---------------------------------------------------------------------------------------------


def area_index(session: Session) -> AreaIndex:
    """The area names of every active jurisdiction, ready to place texts."""
    rows = session.execute(
        select(Jurisdiction.id, Jurisdiction.parent_id, Jurisdiction.name, Jurisdiction.areas).where(
            Jurisdiction.is_active.is_(True)
        )
    ).all()
    return AreaIndex([Area(r.id, r.parent_id, r.name, tuple(r.areas or ())) for r in rows])


def place_text(session: Session, texts: Sequence[str], *, index: AreaIndex | None = None) -> Placement | None:
    """Where the place names of `texts` (title, place, body) put a message; None when they name no area."""
    return (index or area_index(session)).place(*texts)


def describe(nodes: Iterable[Jurisdiction]) -> str:
    """A chain of jurisdictions in words (A市 雨花区)."""
    return " ".join(n.name for n in nodes)
