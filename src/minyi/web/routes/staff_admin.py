"""Admin console: departments, users and roles, workflow settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from minyi.accounts import services as accounts
from minyi.core.db import transaction
from minyi.core.validation import bool_field
from minyi.departments import services as departments
from minyi.messages.display import APPEAL_KINDS
from minyi.web.deps import AdminUser, AdminUserOutsideWrite, FormDep, SessionDep
from minyi.web.state import app_state
from minyi.web.templating import render
from minyi.workflow import config

router = APIRouter(prefix="/staff/admin")


@router.get("")
def admin_home(request: Request, db: SessionDep, user: AdminUser, created: str = "") -> Response:
    """Departments, users and settings on one page."""
    return render(
        request,
        "staff/admin.html",
        {
            "tree": departments.department_tree(db),
            "users": accounts.list_users(db),
            "deadline_days": config.get_setting(db, "deadline_days"),
            "auto_close_days": config.get_setting(db, "auto_close_days"),
            "reopen_window_days": config.get_setting(db, "reopen_window_days"),
            "roles": accounts.STAFF_ROLES,
            "created": created,
        },
    )


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
    return RedirectResponse("/staff/admin#departments", status_code=303)


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
    return RedirectResponse("/staff/admin#departments", status_code=303)


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
    accounts.set_user_active(db, user_id=user_id, active=bool_field(active), acting_user=user)
    return RedirectResponse("/staff/admin#users", status_code=303)


@router.post("/settings")
def update_settings(db: SessionDep, user: AdminUser, form: FormDep) -> Response:
    """Deadline days per appeal kind, auto-close and reopen windows."""
    config.update_settings(
        db,
        deadline_days={k: form.get(f"deadline_{k}") for k in APPEAL_KINDS},
        auto_close_days=form.get("auto_close_days"),
        reopen_window_days=form.get("reopen_window_days"),
    )
    return RedirectResponse("/staff/admin#settings", status_code=303)
