"""GET /metrics for Prometheus, who may scrape it, and the timing of Twilio's webhooks.

What is measured and where it is kept: helpline/metrics.py. This module adds
the web tier's part: a middleware that times every /twilio/* request (and
writes one access line for it), the flusher that moves those timings to Redis,
and the endpoint.

/metrics is not public: with HELPLINE_METRICS_TOKEN set, a scrape needs
`Authorization: Bearer <token>`; without one only a client on this machine
(127.0.0.1 or ::1, not through a proxy) may scrape.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from redis import Redis
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helpline.metrics import HelplineCollector, WebhookTimings

log = logging.getLogger(__name__)
access_log = logging.getLogger("helpline.access")
ACCESS_FIELDS = "helpline.access_fields"
"""Where a handler leaves what it did, in the request's scope, for the one access line."""

WEBHOOK_PREFIX = "/twilio/"
UNMATCHED_ROUTE = "unmatched"
"""The route label (and logged path) of a /twilio/ path the app has no route for."""

FLUSH_EVERY_SECONDS = 5.0

LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})
FORWARDED_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
"""A request that came through a proxy is not a local one, even from 127.0.0.1."""


# --- who may scrape --------------------------------------------------------------------


class MetricsGate:
    """The bearer-token rule, or the loopback rule when no token is configured."""

    def __init__(self, token: str | None) -> None:
        self._token = token.encode() if token else None

    @classmethod
    def from_settings(cls, settings: object) -> MetricsGate:
        # Settings.metrics_token (HELPLINE_METRICS_TOKEN), a Secret, when Settings has it.
        raw = getattr(settings, "metrics_token", None)
        reveal = getattr(raw, "reveal", None)
        token = reveal() if callable(reveal) else raw
        return cls(token if isinstance(token, str) and token else None)

    def refusal(self, conn: HTTPConnection) -> Response | None:
        """None when this request may scrape, else the 401 or 403 to answer with."""
        if self._token is None:
            host = conn.client.host if conn.client else None
            if host in LOOPBACK and not has_forwarding(conn.headers):
                return None
            return PlainTextResponse("forbidden", status_code=403)
        scheme, _, given = conn.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not given:
            return PlainTextResponse(
                "unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        if not hmac.compare_digest(given.strip().encode(), self._token):
            return PlainTextResponse("forbidden", status_code=403)
        return None


def has_forwarding(headers: Headers) -> bool:
    return any(name in headers for name in FORWARDED_HEADERS)


# --- the endpoint ----------------------------------------------------------------------


class Exposition:
    """One process's /metrics: Redis-backed metrics, plus this process's own."""

    def __init__(self, redis: Redis, timings: WebhookTimings) -> None:
        self.redis, self.timings = redis, timings
        self.registry = CollectorRegistry()
        self.registry.register(HelplineCollector(redis, timings))
        # process_* and python_info describe whichever web process answered this scrape.
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)

    def render(self) -> bytes:
        try:
            self.timings.flush(self.redis)  # this process's latest, so a scrape sees them
        except Exception as exc:
            log.warning("webhook timings not flushed", extra={"error": type(exc).__name__})
        return generate_latest(self.registry)


async def metrics_endpoint(request: Request) -> Response:
    gate: MetricsGate = request.app.state.metrics_gate
    refused = gate.refusal(request)
    if refused is not None:
        return refused
    exposition: Exposition = request.app.state.metrics
    body = await run_in_threadpool(exposition.render)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


async def flush_forever(timings: WebhookTimings, redis: Redis) -> None:
    """Move this process's webhook timings to Redis every few seconds (a lifespan task)."""
    try:
        while True:
            await asyncio.sleep(FLUSH_EVERY_SECONDS)
            try:
                await run_in_threadpool(timings.flush, redis)
            except Exception as exc:
                log.warning("webhook timings not flushed", extra={"error": type(exc).__name__})
    finally:
        try:  # on shutdown: whatever is left (Redis down: lost, and said so)
            await run_in_threadpool(timings.flush, redis)
        except Exception as exc:
            log.warning("webhook timings lost", extra={"error": type(exc).__name__})


# --- timing webhooks -------------------------------------------------------------------


def note_for_access_line(request: HTTPConnection, **fields: object) -> None:
    """Facts for this request's access line (no personal data): one line per webhook,
    with what the handler did beside its status and time."""
    request.scope.setdefault(ACCESS_FIELDS, {}).update(fields)


class WebhookTimer:
    """Pure ASGI middleware: times each /twilio/* request and logs one access line for it.

    The line and the metric name the route, never the query string (it can carry
    numbers) nor the form; a /twilio/ path without a route is `unmatched`.
    """

    def __init__(self, app: ASGIApp, *, timings: WebhookTimings, routes: Iterable[str]) -> None:
        self.app, self.timings = app, timings
        self.routes = frozenset(r for r in routes if r.startswith(WEBHOOK_PREFIX))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(WEBHOOK_PREFIX):
            await self.app(scope, receive, send)
            return
        route = path if path in self.routes else UNMATCHED_ROUTE
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering
        done = False

        def finished(error: str | None = None) -> None:
            nonlocal done
            done = True
            seconds = time.perf_counter() - started
            self.timings.observe(route, status, seconds)
            extra: dict[str, object] = {
                "method": scope.get("method", ""),
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
            }
            if error:
                extra["error"] = error
            access_log.info("webhook", extra=scope.get(ACCESS_FIELDS, {}) | extra)

        async def timed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                # Before the last bytes go: whoever got the answer finds it counted and logged.
                finished()
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        except Exception as exc:
            if not done:
                finished(type(exc).__name__)
            raise
        if not done:  # the client went away before the answer ended
            finished()
