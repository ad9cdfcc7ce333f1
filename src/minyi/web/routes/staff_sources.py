"""网络来源 in the admin area: the registered web sources with their health; register, edit, stop, resume and queue
one now (each change audited by minyi.collect.sources with the admin's account)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from minyi.collect import sources
from minyi.collect.models import SOURCE_KINDS, SOURCE_STATUSES
from minyi.core.errors import ValidationFailed
from minyi.web.deps import FormDep, RootAdminUser, SessionDep
from minyi.web.routes.staff_admin import ADMIN_SECTIONS
from minyi.web.templating import render

router = APIRouter(prefix="/staff/admin/sources")

SOURCE_FIELDS = ("name", "kind", "url", "place", "weight", "schedule_minutes", "keywords", "max_pages")
NEW_SOURCE = {"kind": "feed", "weight": "1", "schedule_minutes": "60", "max_pages": "100"}


def _values(form: Any) -> dict[str, str]:
    return {name: str(form.get(name) or "") for name in SOURCE_FIELDS}


def _render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    context = {"section": "sources", "sections": ADMIN_SECTIONS, "SOURCE_KINDS": SOURCE_KINDS, **context}
    return render(request, template, {**context, "SOURCE_STATUSES": SOURCE_STATUSES}, status_code=status)


def _list_page(
    request: Request, db: Session, *, form: dict[str, Any] | None = None, error: Any = None, status: int = 200
) -> Response:
    context = {"sources": sources.list_sources(db), "form": form or NEW_SOURCE, "error": error}
    return _render(request, "staff/admin_sources.html", context, status)


@router.get("")
def admin_sources(request: Request, db: SessionDep, user: RootAdminUser) -> Response:
    """Registered web sources (网络来源) with their health: last fetch, items, errors, next run; a form to add one."""
    return _list_page(request, db)


@router.post("")
def add_source(request: Request, db: SessionDep, user: RootAdminUser, form: FormDep) -> Response:
    """Register a source (every invalid field reported at once, beside its input); its first run is due at once."""
    values = _values(form)
    try:
        sources.add_source(
            db,
            name=values["name"],
            kind=values["kind"],
            url=values["url"],
            place=values["place"],
            weight=values["weight"],
            schedule_minutes=values["schedule_minutes"],
            keywords=values["keywords"],
            max_pages=values["max_pages"],
            actor=user,
        )
    except ValidationFailed as exc:
        return _list_page(request, db, form=values, error=exc, status=422)
    return RedirectResponse("/staff/admin/sources?saved=added", status_code=303)


@router.get("/{source_id}")
def edit_source_form(request: Request, db: SessionDep, user: RootAdminUser, source_id: str) -> Response:
    """One source's settings in a form (the same fields as registration)."""
    source = sources.get_source(db, source_id)
    form = {name: str(getattr(source, name)) for name in SOURCE_FIELDS}
    return _render(request, "staff/admin_source_edit.html", {"source": source, "form": form, "error": None})


@router.post("/{source_id}")
def edit_source(request: Request, db: SessionDep, user: RootAdminUser, source_id: str, form: FormDep) -> Response:
    """Save a source's settings: every invalid field reported at once; the audit line lists what changed."""
    source = sources.get_source(db, source_id)
    values = _values(form)
    try:
        sources.update_source(db, source_id=source.id, actor=user, **values)
    except ValidationFailed as exc:  # every field is checked before any is set: the source is unchanged
        context = {"source": source, "form": values, "error": exc}
        return _render(request, "staff/admin_source_edit.html", context, 422)
    return RedirectResponse("/staff/admin/sources?saved=edited", status_code=303)


@router.post("/{source_id}/run")
def run_source(db: SessionDep, user: RootAdminUser, source_id: str) -> Response:
    """Make a source due now: a worker collects it within a minute."""
    sources.run_soon(db, source_id=source_id, actor=user)
    return RedirectResponse("/staff/admin/sources?saved=queued", status_code=303)


@router.post("/{source_id}/remove")
def remove_source(db: SessionDep, user: RootAdminUser, source_id: str) -> Response:
    """Stop collecting a source (停用); what it gave stays."""
    sources.remove_source(db, source_id=source_id, actor=user)
    return RedirectResponse("/staff/admin/sources?saved=removed", status_code=303)


@router.post("/{source_id}/resume")
def resume_source(db: SessionDep, user: RootAdminUser, source_id: str) -> Response:
    """Collect a stopped source again (恢复): its next run is due at once."""
    sources.resume_source(db, source_id=source_id, actor=user)
    return RedirectResponse("/staff/admin/sources?saved=resumed", status_code=303)
