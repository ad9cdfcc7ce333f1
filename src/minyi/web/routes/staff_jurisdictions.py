"""辖区 in the admin area: the tree the admin manages with its counts; add, edit, deactivate and import a CSV file
(each change audited by minyi.accounts.jurisdiction_admin with the admin's account)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from minyi.accounts import jurisdiction_admin
from minyi.accounts.models import User
from minyi.accounts.services import admin_scope
from minyi.console import jurisdictions as view
from minyi.core.errors import Conflict, ValidationFailed
from minyi.core.validation import bool_field
from minyi.jurisdictions.models import LEVELS, Jurisdiction
from minyi.jurisdictions.services import IMPORT_COLUMNS
from minyi.messages.display import APPEAL_KINDS
from minyi.web.deps import AdminUser, FormDep, SessionDep
from minyi.web.routes.staff_admin import ADMIN_SECTIONS
from minyi.web.templating import render

router = APIRouter(prefix="/staff/admin/jurisdictions")

FIELDS = ("name", "level", "slug", "areas", "leaders")
MAX_FILE = 2_000_000  # bytes of a CSV file (a province's tree with its place names is well below)
SAVED = {
    "added": "辖区已新增。",
    "edited": "辖区已保存。",
    "disabled": "辖区已停用，其办件、部门和账号保留。",
    "enabled": "辖区已启用。",
}


def _values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {name: str(form.get(name) or "") for name in FIELDS}
    values["deadline_days"] = {k: str(form.get(f"deadline_{k}") or "").strip() for k in APPEAL_KINDS}
    return values


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    """What the services take: the typed values, empty deadline days left out (inherit)."""
    return {**{k: values[k] for k in FIELDS}, "deadline_days": {k: v for k, v in values["deadline_days"].items() if v}}


def _render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    base = {"section": "jurisdictions", "sections": ADMIN_SECTIONS, "LEVELS": LEVELS, "APPEAL_KINDS": APPEAL_KINDS}
    return render(request, template, base | context, status_code=status)


def _list_page(
    request: Request,
    db: Session,
    user: User,
    *,
    form: dict[str, Any] | None = None,
    error: Any = None,
    import_error: Any = None,
    imported: Any = None,
    status: int = 200,
) -> Response:
    scope = admin_scope(user)
    rows = view.tree_rows(db, scope=scope)
    context = {
        "root_admin": not scope,
        "rows": rows,
        "parents": [r for r in rows if r.node.is_active],
        "form": form or {"level": "district", "deadline_days": {}, "parent_id": str(rows[0].node.id) if rows else ""},
        "error": error,
        "import_error": import_error,
        "imported": imported,
        "sample": view.SAMPLE_CSV,
        "columns": IMPORT_COLUMNS,
        "saved": SAVED.get(request.query_params.get("saved", ""), ""),
    }
    return _render(request, "staff/admin_jurisdictions.html", context, status)


@router.get("")
def admin_jurisdictions(request: Request, db: SessionDep, user: AdminUser) -> Response:
    """The tree the admin manages: level, address, area names, leaders, state, departments and staff of each."""
    return _list_page(request, db, user)


@router.post("")
def add_jurisdiction(request: Request, db: SessionDep, user: AdminUser, form: FormDep) -> Response:
    """Add a jurisdiction below one the admin manages (an invalid field reported beside its input, what was typed
    kept)."""
    values = _values(form) | {"parent_id": str(form.get("parent_id") or "")}
    try:
        jurisdiction_admin.add(db, actor=user, parent_id=values["parent_id"], **_fields(values))
    except (ValidationFailed, Conflict) as exc:  # checked before anything is written
        return _list_page(request, db, user, form=values, error=exc, status=exc.status_code)
    return RedirectResponse("/staff/admin/jurisdictions?saved=added", status_code=303)


@router.post("/import")
def import_jurisdictions(request: Request, db: SessionDep, user: AdminUser, form: FormDep) -> Response:
    """Import a CSV file of the tree: all or nothing, every bad row listed with its line number."""
    upload = form.get("file")
    try:
        content, filename = _read_upload(upload)
        result = jurisdiction_admin.import_file(db, actor=user, content=content, filename=filename)
    except ValidationFailed as exc:  # the import rolled back to its savepoint: nothing of the file is kept
        return _list_page(request, db, user, import_error=exc, status=422)
    return _list_page(request, db, user, imported=result)


def _read_upload(upload: Any) -> tuple[str, str]:
    """The text of an uploaded CSV file (UTF-8, or GB18030 as spreadsheet programs save it here) and its name."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ValidationFailed("请选择要导入的 CSV 文件", field="file")
    raw = upload.file.read(MAX_FILE + 1)
    if len(raw) > MAX_FILE:
        raise ValidationFailed(f"文件超过 {MAX_FILE // 1_000_000} MB", field="file")
    if not raw.strip():
        raise ValidationFailed("文件是空的", field="file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding), upload.filename[:100]
        except UnicodeDecodeError:
            continue
    raise ValidationFailed("文件须为 UTF-8 编码的 CSV", field="file")  # pragma: no cover - gb18030 decodes most bytes


def _edit_page(
    request: Request, user: User, node: Jurisdiction, form: dict[str, Any], error: Any = None, status: int = 200
) -> Response:
    context = {"node": node, "form": form, "error": error, "root_admin": not admin_scope(user)}
    return _render(request, "staff/admin_jurisdiction_edit.html", context, status)


@router.get("/{jurisdiction_id}")
def edit_jurisdiction_form(request: Request, db: SessionDep, user: AdminUser, jurisdiction_id: str) -> Response:
    """One jurisdiction's settings in a form."""
    node = jurisdiction_admin.managed(db, jurisdiction_id=jurisdiction_id, actor=user)
    form = {
        "name": node.name,
        "level": node.level,
        "slug": node.slug,
        "areas": "、".join(node.areas),
        "leaders": "、".join(node.leaders),
        "deadline_days": {k: str(v) for k, v in node.deadline_days.items()},
    }
    return _edit_page(request, user, node, form)


@router.post("/{jurisdiction_id}")
def edit_jurisdiction(
    request: Request, db: SessionDep, user: AdminUser, form: FormDep, jurisdiction_id: str
) -> Response:
    """Save a jurisdiction's settings; the audit line lists what changed, before → after."""
    node = jurisdiction_admin.managed(db, jurisdiction_id=jurisdiction_id, actor=user)
    values = _values(form)
    try:
        jurisdiction_admin.edit(db, actor=user, jurisdiction_id=node.id, **_fields(values))
    except (ValidationFailed, Conflict) as exc:  # checked before any field is set: the jurisdiction is unchanged
        db.refresh(node)
        return _edit_page(request, user, node, values, exc, exc.status_code)
    return RedirectResponse("/staff/admin/jurisdictions?saved=edited", status_code=303)


@router.post("/{jurisdiction_id}/active")
def set_active(db: SessionDep, user: AdminUser, form: FormDep, jurisdiction_id: str) -> Response:
    """Deactivate (停用) or reactivate (启用) a jurisdiction: nothing of it is deleted."""
    active = bool_field(form.get("active"))
    jurisdiction_admin.set_active(db, actor=user, jurisdiction_id=jurisdiction_id, active=active)
    return RedirectResponse(f"/staff/admin/jurisdictions?saved={'enabled' if active else 'disabled'}", status_code=303)
