"""Staff console: login, logout, each role's home, the case page and case actions (work lists: `worklists.py`)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from minyi.accounts import services as accounts
from minyi.accounts.models import Role
from minyi.console.services import staff_case_page
from minyi.core.clock import china_today
from minyi.core.errors import PermissionDenied, ValidationFailed
from minyi.hot.web_links import unlink_web_item
from minyi.notifications import handoffs
from minyi.notifications.services import Outbound
from minyi.suggestions.views import suggestion_of
from minyi.web.audit import ContactAuditDep
from minyi.web.deps import (
    SESSION_COOKIE,
    CoordinatorUser,
    FormDep,
    SessionDep,
    SettingsDep,
    StaffUser,
    client_hash,
    reanalyse_after_move,
)
from minyi.web.templating import render
from minyi.workflow import review
from minyi.workflow.actors import Actor

router = APIRouter(prefix="/staff")
HOME_BY_ROLE = {
    Role.COORDINATOR: "/staff/inbox",
    Role.HANDLER: "/staff/department",
    Role.SUPERVISOR: "/staff/supervise",
    Role.ADMIN: "/staff/admin",
}


def _safe_next(target: str) -> str:
    return target if target.startswith("/staff") and "//" not in target else "/staff"


@router.get("/login")
def login_form(request: Request, next: str = "/staff") -> Response:
    """The login page."""
    return render(request, "staff/login.html", {"next": _safe_next(next)})


@router.post("/logout")
def logout(request: Request, db: SessionDep) -> Response:
    """End the session."""
    accounts.end_session(db, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("")
def staff_home(user: StaffUser) -> Response:
    """Send each role to its own work list."""
    return RedirectResponse(HOME_BY_ROLE.get(user.role, "/"), status_code=303)


@router.get("/cases/{case_id}")
def case_detail(request: Request, audit: ContactAuditDep, db: SessionDep, user: StaffUser, case_id: str) -> Response:
    """The whole case for staff: message, contact data (the view is audited), full event log, allowed actions."""
    page = staff_case_page(db, user=user, case_id=case_id)
    audit.record(user=user, case=page.case, what="case_page")
    return render(
        request,
        "staff/case.html",
        {
            "similar": page.similar,
            "hot_issue": page.hot_issue,
            "view": page.view,
            "analysis": page.analysis,
            "deadline": page.deadline,
            "actions": page.actions,
            "departments": page.departments,
            "levels": page.levels,
            "level_departments": page.levels.departments if page.levels else page.departments,
            "extensions": page.extensions,
            "returned": page.returned,
            "callback": page.callback,
            "repeat": page.repeat,
            "knowledge": page.knowledge,
            "review_flags": review.flag_names(page.view.case.message),
            "can_review": user.role.value in review.DECIDERS,
            "web_voices": page.web_voices,
            "suggestion": suggestion_of(db, page.case.id),
            "today": china_today(),
        },
    )


@router.post("/web-links/{link_id}/unlink")
def web_link_unlink(request: Request, db: SessionDep, user: CoordinatorUser, form: FormDep, link_id: str) -> Response:
    """A coordinator unlinks a web item wrongly linked to a case (kept as unlinked, audited), then the case again."""
    link = unlink_web_item(db, user=user, link_id=link_id, reason=form.get("reason", ""), client=client_hash(request))
    return RedirectResponse(f"/staff/cases/{link.case_id}?done=unlinked#web-voices", status_code=303)


@router.post("/cases/{case_id}/review")
def case_review(db: SessionDep, user: StaffUser, form: FormDep, case_id: str) -> Response:
    """审核后公开: publish a message that waited for review, or keep it off the board with a reason."""
    decision = form.get("decision")
    actor = Actor.from_user(user)
    if decision == "publish":
        case = review.publish(db, actor=actor, case_id=case_id)
    elif decision == "withhold":
        case = review.withhold(db, actor=actor, case_id=case_id, reason=form.get("reason"))
    else:
        raise ValidationFailed("请选择公开或不公开", field="decision")
    done = "published" if decision == "publish" else "withheld"
    return RedirectResponse(f"/staff/cases/{case.id}?{urlencode({'done': done, 'case': case.id})}", status_code=303)


@router.post("/cases/{case_id}/actions/{action}")
def case_action(
    request: Request, db: SessionDep, settings: SettingsDep, user: StaffUser, form: FormDep, case_id: str, action: str
) -> Response:
    """Run one action from the case page's forms (a hand-off is told to whoever has new work), then show the case."""
    if user.role is Role.CITIZEN:
        raise PermissionDenied("无权操作")
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    actor, outbound = Actor.from_user(user), Outbound.of(settings)
    handoffs.perform(db, actor=actor, case_id=case_id, action=action, fields=fields, outbound=outbound)
    reanalyse_after_move(request, db, case_id=case_id, action=action)
    back = {"accept": f"/staff/cases/{case_id}"}.get(action)
    if back is None:
        back = (
            HOME_BY_ROLE.get(user.role, "/staff")
            if action in {"assign", "reject", "merge", "return", "send_down", "send_up"}  # 上报: it may be out of sight
            else f"/staff/cases/{case_id}"
        )
    case_no = str(case_id).strip()  # the action found the case: its id is a number
    return RedirectResponse(f"{back}?{urlencode({'done': action, 'case': case_no})}", status_code=303)
