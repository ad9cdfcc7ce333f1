"""Every state-changing HTML route refuses a form without the browser's CSRF token or with a wrong one, for
visitors and logged-in staff alike (routes found from the app itself, not a hand-kept list)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import factories as f


def _routes(routes: Iterable[Any]) -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every route, through included routers (FastAPI keeps them as nodes)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route.path, set(route.methods)
        elif hasattr(route, "effective_route_contexts"):
            yield from ((c.path, set(c.methods)) for c in route.effective_route_contexts())


@pytest.mark.parametrize("identity", ["anonymous", "admin"])
def test_every_html_form_route_checks_csrf(client: TestClient, db: Session, identity: str) -> None:
    writes = {"POST", "PUT", "PATCH", "DELETE"}
    routes = [(p, m & writes) for p, m in _routes(client.app.routes) if not p.startswith("/api/") and m & writes]
    assert len(routes) > 30  # the walk sees the whole app, not an empty list
    assert ("/staff/admin/departments/merge", {"POST"}) in routes  # the admin's 部门合并 form too
    if identity == "admin":
        f.login(client, f.user(db, role="admin"))
    client.get("/")  # the browser has its CSRF cookie, but the forms below carry no token or a wrong one
    for path, methods in routes:
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method in sorted(methods):
            for form in ({"x": "1"}, {"csrf_token": "wrong"}):
                response = client.request(method, url, data=form, follow_redirects=False)
                assert response.status_code == 403 and "CSRF" in response.text, f"{method} {path} {form}"
