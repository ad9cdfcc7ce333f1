"""Every state-changing HTML route refuses a form without the browser's CSRF token (found from the app itself)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient


def _routes(routes: Iterable[Any]) -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every route, through included routers (FastAPI keeps them as nodes)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route.path, set(route.methods)
        elif hasattr(route, "effective_route_contexts"):
            yield from ((c.path, set(c.methods)) for c in route.effective_route_contexts())


def test_every_html_form_route_checks_csrf(client: TestClient) -> None:
    writes = {"POST", "PUT", "PATCH", "DELETE"}
    routes = [(p, m & writes) for p, m in _routes(client.app.routes) if not p.startswith("/api/") and m & writes]
    assert len(routes) > 30  # the walk sees the whole app, not an empty list
    client.get("/")  # the browser has its CSRF cookie, but the forms below do not carry the token
    for path, methods in routes:
        for method in sorted(methods):
            response = client.request(method, re.sub(r"\{[^}]+\}", "1", path), data={"x": "1"}, follow_redirects=False)
            assert response.status_code == 403 and "CSRF" in response.text, f"{method} {path}"
