"""One entry point for staff actions by name, shared by the console forms and the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from minyi.core.db import get_by_id
from minyi.core.errors import InvalidTransition, PermissionDenied
from minyi.core.validation import bool_field
from minyi.workflow import moves, services
from minyi.workflow.actors import Actor
from minyi.workflow.models import Case, ExtensionRequest

_ACTIONS: dict[str, Callable[[Session, Actor, Any, dict[str, Any]], Any]] = {
    "assign": lambda db, a, cid, f: services.assign(
        db,
        actor=a,
        case_id=cid,
        department_id=f.get("department_id"),
        domain=f.get("domain"),
        appeal_kind=f.get("appeal_kind"),
        note=f.get("note") or "",
    ),
    "transfer": lambda db, a, cid, f: services.transfer(
        db, actor=a, case_id=cid, department_id=f.get("department_id"), reason=f.get("reason") or ""
    ),
    "reject": lambda db, a, cid, f: services.reject(db, actor=a, case_id=cid, reason=f.get("reason") or ""),
    "merge": lambda db, a, cid, f: services.merge(
        db, actor=a, case_id=cid, into_case_id=f.get("into_case_id"), note=f.get("note") or ""
    ),
    "accept": lambda db, a, cid, _f: services.accept(db, actor=a, case_id=cid),
    "return": lambda db, a, cid, f: services.return_case(
        db, actor=a, case_id=cid, reason=f.get("reason") or "", suggested_department_id=f.get("suggested_department_id")
    ),
    "request_extension": lambda db, a, cid, f: services.request_extension(
        db, actor=a, case_id=cid, days=f.get("days"), reason=f.get("reason") or ""
    ),
    "decide_extension": lambda db, a, _cid, f: services.decide_extension(
        db, actor=a, extension_id=f.get("extension_id"), approve=bool_field(f.get("approve")), note=f.get("note") or ""
    ),
    "reply": lambda db, a, cid, f: services.reply(db, actor=a, case_id=cid, body=f.get("body") or ""),
    "acknowledge": lambda db, a, cid, f: services.acknowledge(db, actor=a, case_id=cid, body=f.get("body") or ""),
    "escalate": lambda db, a, cid, f: services.escalate(db, actor=a, case_id=cid, reason=f.get("reason") or ""),
    "send_down": lambda db, a, cid, f: moves.send_down(
        db, actor=a, case_id=cid, jurisdiction_id=f.get("jurisdiction_id"), note=f.get("note") or ""
    ),
    "send_up": lambda db, a, cid, f: moves.send_up(db, actor=a, case_id=cid, reason=f.get("reason") or ""),
}
STAFF_ACTIONS = frozenset(_ACTIONS)


def _other_case(session: Session, action: str, fields: dict[str, Any]) -> Case | None:
    """The case an action names in its fields besides its own: the one it merges into, the one whose extension it
    decides (that one is found by the request alone)."""
    if action == "merge":
        return get_by_id(session, Case, fields.get("into_case_id"))
    if action == "decide_extension":
        request = get_by_id(session, ExtensionRequest, fields.get("extension_id"))
        return session.get(Case, request.case_id) if request is not None else None
    return None


def perform(session: Session, *, actor: Actor, case_id: Any, action: str, fields: dict[str, Any]) -> Any:
    """Run the named staff action with the submitted fields; a case its fields name must lie in the actor's
    jurisdiction too (isolation, docs/jurisdictions.md), checked before anything about it is read."""
    handler = _ACTIONS.get(action)
    if handler is None:
        msg = f"未知的操作：{action}"
        raise InvalidTransition(msg)
    other = _other_case(session, action, fields)
    if other is not None and not services.in_jurisdiction(other, actor):
        raise PermissionDenied("该办件不属于您的辖区")
    return handler(session, actor, case_id, fields)
