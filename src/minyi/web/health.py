"""Operations endpoints: `/healthz` (liveness and a database check) and `/metrics` (Prometheus text format).

Both are cheap and carry no personal data. `/healthz` needs no login (load balancers and systemd probe it);
`/metrics` shows volumes, so only the addresses in MINYI_METRICS_ALLOW or a bearer MINYI_METRICS_TOKEN may
read it (docs/deploy.md). Request metrics are labelled by route template (`/cases/{case_id}`), never by the
raw path, so that the number of series stays bounded whatever clients ask for.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import text

from minyi.jobs.failures import count_failed
from minyi.web.proxies import request_client, trusted_networks
from minyi.web.state import app_state

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED = "<unmatched>"  # a path no route serves: one label for every such path


class Metrics:
    """One registry per app (tests build many apps in one process), with minyi's series on it."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "minyi_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "minyi_http_request_duration_seconds",
            "Time from receiving a request to the end of its answer, by method and route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.queue_pending = Gauge(
            "minyi_queue_pending_tasks", "Tasks waiting in the job queue (all workers)", registry=self.registry
        )
        self.failed_tasks = Gauge(
            "minyi_failed_tasks",
            "Tasks that failed after their last retry and were not retried",
            registry=self.registry,
        )

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        """Count one answered request under its route template."""
        route = route_template(scope)
        self.requests.labels(scope.get("method", ""), route, str(status)).inc()
        self.latency.labels(scope.get("method", ""), route).observe(seconds)


def route_template(scope: Scope) -> str:
    """The template of the route that served the request (set by the router on the scope), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if str(scope.get("path", "")).startswith("/static/"):
        return "/static"
    return UNMATCHED


class RequestMetrics:
    """ASGI middleware: times every HTTP request and counts it by route template and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, noting the status the answer starts with."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # an exception before the answer started is a server error

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, noting_status)
        finally:
            self.metrics.observe(scope, status, time.perf_counter() - started)


def _database_ok(request: Request) -> bool:
    try:
        with app_state(request).session_factory() as session:
            session.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: the database did not answer")
        return False
    return True


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    """Liveness and a database round trip: 200 `{"status": "ok"}`, or 503 when the database does not answer."""
    ok = _database_ok(request)
    body = {"status": "ok" if ok else "error", "database": "ok" if ok else "error"}
    return JSONResponse(body, status_code=200 if ok else 503, headers=NO_STORE)


def metrics_allowed(request: Request) -> bool:
    """A bearer MINYI_METRICS_TOKEN, or a client address in MINYI_METRICS_ALLOW.

    A request forwarded by a proxy minyi does not trust (a forwarded header from a peer outside
    MINYI_TRUSTED_PROXIES) is never allowed by address: behind an unlisted nginx on the same machine every
    client would otherwise look like 127.0.0.1.
    """
    settings = app_state(request).settings
    if settings.metrics_token:
        given = request.headers.get("authorization", "").encode()
        if hmac.compare_digest(given, f"Bearer {settings.metrics_token}".encode()):
            return True
    peer = request.client.host if request.client else ""
    trusted = trusted_networks(settings.trusted_proxies)
    forwarded = "x-forwarded-for" in request.headers or "forwarded" in request.headers
    if forwarded and not _in_networks(peer, trusted):
        return False
    return _in_networks(request_client(request), trusted_networks(settings.metrics_allow))


def _in_networks(address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped:
        parsed = parsed.ipv4_mapped
    return any(parsed in network for network in networks)


def _read_gauges(request: Request, metrics: Metrics) -> None:
    """Queue depth and failed tasks, read at scrape time (one COUNT each); left unchanged when unreadable."""
    state = app_state(request)
    if state.jobs is not None:
        try:
            metrics.queue_pending.set(state.jobs.huey.pending_count())
        except Exception:
            log.warning("metrics: the job queue could not be read", exc_info=True)
    try:
        with state.session_factory() as session:
            metrics.failed_tasks.set(count_failed(session))
    except Exception:
        log.warning("metrics: failed tasks could not be counted", exc_info=True)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """This process's request counts and latencies, the queue depth and the failed tasks, for Prometheus."""
    if not metrics_allowed(request):
        return Response("forbidden\n", status_code=403, media_type="text/plain", headers=NO_STORE)
    series = app_state(request).metrics
    assert series is not None  # create_app installs them
    _read_gauges(request, series)
    return Response(generate_latest(series.registry), media_type=CONTENT_TYPE_LATEST, headers=NO_STORE)
