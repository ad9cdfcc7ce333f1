"""Reply quality check before publishing, and reply templates (答复模板) per department and appeal kind."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from minyi.accounts.models import Role
from minyi.core.errors import PermissionDenied, ValidationFailed
from minyi.departments.services import department_tree
from minyi.replies import services as replies
from minyi.web.deps import ApiUser, SessionDep, StaffUser
from minyi.web.templating import render
from minyi.workflow.actors import Actor
from minyi.workflow.services import load_case

router = APIRouter(prefix="/staff")
api = APIRouter(prefix="/api/v1/staff", tags=["v1"])
Text = Annotated[str, Form()]


def _template_manager(user: Any) -> Actor:
    if user.role not in {Role.ADMIN, Role.HANDLER}:
        raise PermissionDenied("只有管理员和承办人可以管理答复模板")
    return Actor.from_user(user)


@router.post("/cases/{case_id}/reply-check")
def reply_check(request: Request, db: SessionDep, user: StaffUser, case_id: str, body: Text = "") -> Response:
    """The check of a draft reply, with the draft again and a publish button (works without JavaScript)."""
    actor = Actor.from_user(user)
    result = replies.check_reply(db, case_id=case_id, body=body, actor=actor)
    return render(
        request,
        "staff/reply_check.html",
        {"case": load_case(db, case_id), "draft": body, "result": result, "check": result.check},
    )


@router.get("/cases/{case_id}/reply-templates")
def case_templates(request: Request, db: SessionDep, user: StaffUser, case_id: str, format: str = "html") -> Response:
    """The templates that fit this case; `?format=json` for the case page's picker."""
    items = replies.templates_for_case(db, case_id=case_id, actor=Actor.from_user(user))
    if format == "json":
        return JSONResponse([{"id": t.id, "title": t.title, "body": t.body} for t in items])
    return render(request, "staff/reply_templates.html", {"case": load_case(db, case_id), "case_templates": items})


def _templates_page(request: Request, db: SessionDep, actor: Actor, **extra: Any) -> Response:
    status = extra.pop("status_code", 200)
    departments = [
        n
        for n in department_tree(db, active_only=True)
        if actor.role == Role.ADMIN or n.department.id == actor.department_id
    ]
    return render(
        request,
        "staff/reply_templates.html",
        {
            "templates": replies.templates_for_manager(db, actor=actor),
            "departments": departments,
            "is_admin": actor.role == Role.ADMIN,
            **extra,
        },
        status_code=status,
    )


@router.get("/reply-templates")
def templates_page(request: Request, db: SessionDep, user: StaffUser) -> Response:
    """Admins and handlers: the templates they manage and a form to add one."""
    return _templates_page(request, db, _template_manager(user))


@router.post("/reply-templates")
def create_template(
    request: Request,
    db: SessionDep,
    user: StaffUser,
    title: Text = "",
    body: Text = "",
    department_id: Text = "",
    appeal_kind: Text = "",
) -> Response:
    """Save a new template and show its check."""
    actor = _template_manager(user)
    form = {"title": title, "body": body, "department_id": department_id, "appeal_kind": appeal_kind}
    try:
        saved = replies.create_template(db, actor=actor, **form)
    except ValidationFailed as exc:
        return _templates_page(request, db, actor, error=exc.message, form=form, status_code=422)
    return _templates_page(request, db, actor, saved=saved)


@router.post("/reply-templates/{template_id}")
def update_template(
    request: Request,
    db: SessionDep,
    user: StaffUser,
    template_id: str,
    title: Text = "",
    body: Text = "",
    appeal_kind: Text = "",
) -> Response:
    """Change a template and show its check."""
    actor = _template_manager(user)
    try:
        saved = replies.update_template(
            db, actor=actor, template_id=template_id, appeal_kind=appeal_kind, title=title, body=body
        )
    except ValidationFailed as exc:
        return _templates_page(request, db, actor, error=exc.message, status_code=422)
    return _templates_page(request, db, actor, saved=saved)


@router.post("/reply-templates/{template_id}/retire")
def retire_template(db: SessionDep, user: StaffUser, template_id: str, reason: Text = "") -> Response:
    """Stop offering a template (kept, with the reason)."""
    replies.retire_template(db, actor=_template_manager(user), template_id=template_id, reason=reason)
    return RedirectResponse("/staff/reply-templates", status_code=303)


@api.post("/cases/{case_id}/reply-check")
def api_reply_check(db: SessionDep, user: ApiUser, case_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Check a draft reply: {"body": "..."} → verdicts per criterion with evidence and gaps."""
    if user.role is Role.CITIZEN:
        raise PermissionDenied("无权检查答复")
    return replies.check_reply(db, case_id=case_id, body=body.get("body", ""), actor=Actor.from_user(user)).to_dict()
