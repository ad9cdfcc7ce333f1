"""Admin console: departments, users and roles, workflow settings — each on its own page (web sources:
staff_sources.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from minyi.accounts import services as accounts
from minyi.accounts.models import User
from minyi.core.db import get_by_id, transaction
from minyi.core.errors import NotFound
from minyi.core.validation import bool_field
from minyi.departments import services as departments
from minyi.messages.display import APPEAL_KINDS
from minyi.web.deps import AdminUser, AdminUserOutsideWrite, FormDep, SessionDep
from minyi.web.state import app_state
from minyi.web.templating import render
from minyi.workflow import config

router = APIRouter(prefix="/staff/admin")


ADMIN_SECTIONS = {"departments": "部门", "users": "用户与角色", "settings": "办理时限与评价设置", "sources": "网络来源"}


def _page(request: Request, template: str, section: str, context: dict[str, Any]) -> Response:
    return render(request, template, {"section": section, "sections": ADMIN_SECTIONS, **context})


@router.get("")
def admin_home(request: Request, db: SessionDep, user: AdminUser) -> Response:
    """The admin area's front page: its parts, each on its own page, and the tools beside them."""
    users = accounts.list_users(db)
    return _page(
        request,
        "staff/admin.html",
        "",
        {
            "n_departments": sum(1 for n in departments.department_tree(db) if n.department.is_active),
            "n_users": sum(1 for u in users if u.is_active),
        },
    )


@router.get("/departments")
def admin_departments(request: Request, db: SessionDep, user: AdminUser) -> Response:
    """The department tree with each department's domains and keywords, and a form to add one."""
    return _page(request, "staff/admin_departments.html", "departments", {"tree": departments.department_tree(db)})


@router.get("/users")
def admin_users(request: Request, db: SessionDep, user: AdminUser) -> Response:
    """Every account with its role, department and state, and a form to add one."""
    return _page(
        request,
        "staff/admin_users.html",
        "users",
        {"users": accounts.list_users(db), "tree": departments.department_tree(db), "roles": accounts.STAFF_ROLES},
    )


@router.get("/users/{user_id}")
def admin_user(request: Request, db: SessionDep, user: AdminUser, user_id: str, saved: str = "") -> Response:
    """One account: its role and department, a new password, its second factor, its logins."""
    account = get_by_id(db, User, user_id)
    if account is None:
        raise NotFound("用户不存在")
    return _page(
        request,
        "staff/admin_user.html",
        "users",
        {
            "account": account,
            "tree": departments.department_tree(db),
            "roles": accounts.STAFF_ROLES,
            "saved": SAVED_NOTICES.get(saved, ""),
        },
    )


@router.get("/settings")
def admin_settings(request: Request, db: SessionDep, user: AdminUser) -> Response:
    """Deadline days per appeal kind, auto-close and reopen windows."""
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
        },
    )


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
    )
    return RedirectResponse("/staff/admin/departments", status_code=303)


@router.post("/departments/{department_id}")
def update_department(db: SessionDep, user: AdminUser, form: FormDep, department_id: str) -> Response:
    """Change a department's domains, keywords or activity."""
    departments.update_department(
        db,
        department_id=department_id,
        domains=form.getlist("domains"),
        keywords=form.get("keywords"),
        is_active=bool_field(form.get("is_active")),
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
) -> Response:
    """Add a staff account with a random password, shown once to the admin."""
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
) -> Response:
    """Give an account another role or department."""
    account = accounts.change_role(db, user_id=user_id, role=role, department_id=department_id, acting_user=user)
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
def update_settings(db: SessionDep, user: AdminUser, form: FormDep) -> Response:
    """Deadline days per appeal kind, auto-close and reopen windows."""
    config.update_settings(
        db,
        deadline_days={k: form.get(f"deadline_{k}") for k in APPEAL_KINDS},
        auto_close_days=form.get("auto_close_days"),
        reopen_window_days=form.get("reopen_window_days"),
        publish_mode=form.get("publish_mode"),
    )
    return RedirectResponse("/staff/admin/settings", status_code=303)
