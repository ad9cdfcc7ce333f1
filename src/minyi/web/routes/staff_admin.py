"""Admin console: departments, users and roles, workflow settings — each on its own page (web sources:
staff_sources.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from minyi.accounts import services as accounts
from minyi.accounts.models import User
from minyi.console import jurisdictions as jurisdiction_view
from minyi.core.db import transaction
from minyi.core.errors import ValidationFailed
from minyi.core.validation import bool_field
from minyi.departments import services as departments
from minyi.jurisdictions.services import ROOT_ID
from minyi.messages.display import APPEAL_KINDS
from minyi.scorecard import config as scorecard_config
from minyi.scorecard.score import COMPONENTS
from minyi.web.deps import AdminUser, AdminUserOutsideWrite, FormDep, RootAdminUser, SessionDep
from minyi.web.state import app_state
from minyi.web.templating import render
from minyi.workflow import config

router = APIRouter(prefix="/staff/admin")


ADMIN_SECTIONS = {
    "jurisdictions": "辖区",
    "departments": "部门",
    "users": "用户与角色",
    "settings": "办理时限与评价设置",
    "sources": "网络来源",
}


def _page(
    request: Request,
    template: str,
    section: str,
    context: dict[str, Any],
    *,
    user: User | None = None,
    status_code: int = 200,
) -> Response:
    root_admin = {} if user is None else {"root_admin": not accounts.admin_scope(user)}
    base = {"section": section, "sections": ADMIN_SECTIONS, **root_admin}
    return render(request, template, base | context, status_code=status_code)


@router.get("")
def admin_home(request: Request, db: SessionDep, user: AdminUser) -> Response:
    """The admin area's front page: its parts, each on its own page, and the tools beside them."""
    scope = accounts.admin_scope(user)
    users = accounts.list_users(db, scope=scope)
    return _page(
        request,
        "staff/admin.html",
        "",
        {
            "n_departments": sum(1 for n in departments.department_tree(db, scope=scope) if n.department.is_active),
            "n_users": sum(1 for u in users if u.is_active),
        },
        user=user,
    )


@router.get("/departments")
def admin_departments(request: Request, db: SessionDep, user: AdminUser) -> Response:
    """The department tree the admin manages with each department's jurisdiction, domains and keywords, and a form
    to add one."""
    return _page(request, "staff/admin_departments.html", "departments", _tree_context(db, user), user=user)


def _tree_context(db: Session, user: User) -> dict[str, Any]:
    """The departments and jurisdictions an admin manages, for the menus of the users' and departments' pages."""
    scope = accounts.admin_scope(user)
    return {
        "tree": departments.department_tree(db, scope=scope),
        "jurisdictions": jurisdiction_view.choices(db, scope=scope),
        "jurisdiction_names": jurisdiction_view.names(db),
        "own_jurisdiction_id": user.jurisdiction_id or ROOT_ID,
    }


@router.get("/users")
def admin_users(request: Request, db: SessionDep, user: AdminUser) -> Response:
    """Every account with its role, department and state, and a form to add one."""
    return _page(
        request,
        "staff/admin_users.html",
        "users",
        {
            "users": accounts.list_users(db, scope=accounts.admin_scope(user)),
            "roles": accounts.STAFF_ROLES,
            **_tree_context(db, user),
        },
        user=user,
    )


@router.get("/users/{user_id}")
def admin_user(request: Request, db: SessionDep, user: AdminUser, user_id: str, saved: str = "") -> Response:
    """One account: its role and department, a new password, its second factor, its logins."""
    account = accounts.managed_user(db, user_id=user_id, acting_user=user)
    return _page(
        request,
        "staff/admin_user.html",
        "users",
        {
            "account": account,
            **_tree_context(db, user),
            "roles": accounts.STAFF_ROLES,
            "saved": SAVED_NOTICES.get(saved, ""),
        },
        user=user,
    )


def _settings_page(
    request: Request, db: SessionDep, *, scorecard: dict[str, Any] | None = None, error: Exception | None = None
) -> Response:
    current = scorecard_config.get_scorecard_settings(db)
    shown = scorecard or {f"weight_{k}": v for k, v in current.weights.items()} | {"min_cases": current.min_cases}
    return _page(
        request,
        "staff/admin_settings.html",
        "settings",
        {
            "deadline_days": config.get_setting(db, "deadline_days"),
            "auto_close_days": config.get_setting(db, "auto_close_days"),
            "reopen_window_days": config.get_setting(db, "reopen_window_days"),
            "publish_mode": config.get_setting(db, "publish_mode"),
            "publish_modes": config.PUBLISH_MODES,
            # 考核 (minyi.scorecard): the weights and minimum as stored, or as typed when they came back with errors
            "scorecard": shown,
            "scorecard_components": COMPONENTS,
            "scorecard_error": error,
            "scorecard_saved": request.query_params.get("saved") == "scorecard",
        },
        status_code=422 if error else 200,
    )


@router.get("/settings")
def admin_settings(request: Request, db: SessionDep, user: RootAdminUser) -> Response:
    """Deadline days per appeal kind, auto-close and reopen windows, the scorecard's weights."""
    return _settings_page(request, db)


@router.post("/settings/scorecard")
def update_scorecard(request: Request, db: SessionDep, user: RootAdminUser, form: FormDep) -> Response:
    """考核: one weight per component and the minimum cases for a department to be ranked (audited)."""
    typed = {f"weight_{k}": form.get(f"weight_{k}") for k in COMPONENTS} | {"min_cases": form.get("min_cases")}
    try:
        scorecard_config.update_scorecard_settings(
            db,
            actor=user,
            weights={k: typed[f"weight_{k}"] for k in COMPONENTS},
            min_cases=typed["min_cases"],
        )
    except ValidationFailed as exc:  # raised before anything is written: the form comes back with every error
        return _settings_page(request, db, scorecard=typed, error=exc)
    return RedirectResponse("/staff/admin/settings?saved=scorecard#scorecard", status_code=303)


SAVED_NOTICES = {
    "role": "角色与部门已保存。",
    "active": "账号状态已保存。",
    "revoked": "该账号的全部登录和访问令牌已结束。",
    "totp": "动态验证码已重置，该账号的全部登录已结束。",
}


@router.post("/departments")
def create_department(db: SessionDep, user: AdminUser, form: FormDep) -> Response:
    """Add a department."""
    departments.create_department(
        db,
        name=form.get("name"),
        parent_id=form.get("parent_id"),
        domains=form.getlist("domains"),
        keywords=form.get("keywords"),
        jurisdiction_id=form.get("jurisdiction_id"),
        scope=accounts.admin_scope(user),
    )
    return RedirectResponse("/staff/admin/departments", status_code=303)


@router.post("/departments/{department_id}")
def update_department(db: SessionDep, user: AdminUser, form: FormDep, department_id: str) -> Response:
    """Change a department's jurisdiction, domains, keywords or activity."""
    departments.update_department(
        db,
        department_id=department_id,
        domains=form.getlist("domains"),
        keywords=form.get("keywords"),
        is_active=bool_field(form.get("is_active")),
        jurisdiction_id=form.get("jurisdiction_id", departments.KEEP),
        scope=accounts.admin_scope(user),
    )
    return RedirectResponse("/staff/admin/departments", status_code=303)


@router.post("/users")
def create_user(
    request: Request,
    user: AdminUserOutsideWrite,
    username: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    department_id: Annotated[str, Form()] = "",
    jurisdiction_id: Annotated[str, Form()] = "",
) -> Response:
    """Add a staff account with a random password, shown once to the admin (within the admin's jurisdiction)."""
    password = accounts.generate_password()
    password_hash = accounts.hash_password(password)  # slow: before the write transaction, in the same thread
    with transaction(app_state(request).session_factory) as db:
        created = accounts.create_user(
            db,
            username=username,
            display_name=display_name,
            password=password,
            role=role,
            department_id=department_id,
            password_hash=password_hash,
            jurisdiction_id=jurisdiction_id,
            acting_user=user,
        )
    return render(request, "staff/user_created.html", {"created": created, "password": password})


@router.post("/users/{user_id}/active")
def set_active(db: SessionDep, user: AdminUser, user_id: str, active: Annotated[str, Form()] = "") -> Response:
    """Deactivate or reactivate an account."""
    account = accounts.set_user_active(db, user_id=user_id, active=bool_field(active), acting_user=user)
    return RedirectResponse(f"/staff/admin/users/{account.id}?saved=active", status_code=303)


@router.post("/users/{user_id}/role")
def change_role(
    db: SessionDep,
    user: AdminUser,
    user_id: str,
    role: Annotated[str, Form()] = "",
    department_id: Annotated[str, Form()] = "",
    jurisdiction_id: Annotated[str | None, Form()] = None,
) -> Response:
    """Give an account another role, department or jurisdiction (within the admin's jurisdiction)."""
    account = accounts.change_role(
        db,
        user_id=user_id,
        role=role,
        department_id=department_id,
        acting_user=user,
        jurisdiction_id=accounts.KEEP if jurisdiction_id is None else jurisdiction_id,
    )
    return RedirectResponse(f"/staff/admin/users/{account.id}?saved=role", status_code=303)


@router.post("/users/{user_id}/password")
def reset_password(request: Request, user: AdminUserOutsideWrite, user_id: str) -> Response:
    """A new random password for an account, shown once to the admin; its logins and tokens end."""
    password = accounts.generate_password()
    password_hash = accounts.hash_password(password)  # slow: before the write transaction, in the same thread
    with transaction(app_state(request).session_factory) as db:
        account = accounts.admin_reset_password(db, user_id=user_id, password_hash=password_hash, acting_user=user)
        db.refresh(account, ["department"])
    return render(request, "staff/user_created.html", {"created": account, "password": password, "reset": True})


@router.post("/settings")
def update_settings(db: SessionDep, user: RootAdminUser, form: FormDep) -> Response:
    """Deadline days per appeal kind, auto-close and reopen windows."""
    config.update_settings(
        db,
        deadline_days={k: form.get(f"deadline_{k}") for k in APPEAL_KINDS},
        auto_close_days=form.get("auto_close_days"),
        reopen_window_days=form.get("reopen_window_days"),
        publish_mode=form.get("publish_mode"),
    )
    return RedirectResponse("/staff/admin/settings", status_code=303)
