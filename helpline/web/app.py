"""The web tier: a Starlette app built once per process from Settings.

Run it with `helpline serve`, `helpline dev`, or
`uvicorn --factory helpline.web.app:create_app`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helpline import logs
from helpline.errors import PlaceError
from helpline.flowfiles.catalog import RELOAD_CHECK_SECONDS
from helpline.meetings.places import zip_place
from helpline.metrics import WebhookTimings
from helpline.runtime import Runtime, build_runtime
from helpline.settings import Settings
from helpline.web import fallback, health, page_calls, sandbox, sms, status, voice
from helpline.web.console.gate import Gate
from helpline.web.console.routes import console_mount
from helpline.web.metrics import (
    Exposition,
    MetricsGate,
    WebhookTimer,
    flush_forever,
    metrics_endpoint,
)

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> Starlette:
    """Settings come from the environment unless given; a runtime may be passed in by tests."""
    if runtime is not None:
        settings = runtime.settings
    settings = settings or Settings.from_environ()
    timings = WebhookTimings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Invalid flows raise here, so the server refuses to start on them.
        app.state.runtime = runtime or await run_in_threadpool(build_runtime, settings)
        await run_in_threadpool(load_zip_table)
        app.state.console_gate = Gate.build(app.state.runtime)
        app.state.metrics = Exposition(app.state.runtime.redis, timings)
        reloader = asyncio.create_task(_watch_flows(app.state.runtime))
        flusher = asyncio.create_task(flush_forever(timings, app.state.runtime.redis))
        try:
            yield
        finally:
            reloader.cancel()
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher

    routes: list[BaseRoute] = [
        Route("/twilio/sms", sms.inbound_sms, methods=["POST"]),
        Route("/twilio/status", status.status_callback, methods=["POST"]),
        Route("/twilio/fallback", fallback.fallback, methods=["POST"]),
        Route("/twilio/voice", voice.incoming_call, methods=["POST"]),
        Route("/twilio/voice/gather", voice.gathered, methods=["POST"]),
        Route("/twilio/voice/dial", voice.dial_ended, methods=["POST"]),
        Route("/twilio/voice/screen", voice.screen, methods=["POST"]),
        Route("/twilio/voice/screen/answer", voice.screen_answer, methods=["POST"]),
        Route("/twilio/page/call", page_calls.page_call, methods=["POST"]),
        Route("/twilio/page/answer", page_calls.page_answer, methods=["POST"]),
        Route("/twilio/page/status", page_calls.page_status, methods=["POST"]),
        Route("/healthz", health.healthz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]
    if settings.sandbox:
        routes += [
            Route("/", sandbox.home, methods=["GET"]),
            Route("/sandbox", sandbox.page, methods=["GET"]),
            Route("/sandbox/messages", sandbox.send, methods=["POST"]),
            Route("/sandbox/reset", sandbox.reset, methods=["POST"]),
            Route("/sandbox/events", sandbox.events, methods=["GET"]),
        ]
    else:
        routes.append(Route("/", _to_console, methods=["GET"]))
    routes.append(console_mount(settings))
    routes.append(Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"))
    paths = [r.path for r in routes if isinstance(r, Route)]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(WebhookTimer, timings=timings, routes=paths),
        ],
    )
    # Who may scrape /metrics; tests replace it before the server starts.
    app.state.metrics_gate = MetricsGate.from_settings(settings)
    return app


WARM_ZIP = "10001"


def load_zip_table() -> None:
    """Read the ZIP code table before the first caller's ZIP answer needs it.

    The zipcodes package loads it on first use: 0.7 s holding the GIL, during which every
    request in this process waits (the webhook bench saw it as its p99 after each start).
    """
    with contextlib.suppress(PlaceError):
        zip_place(WARM_ZIP)


REQUEST_ID_HEADERS = ("i-twilio-idempotency-token", "x-request-id")
"""Where a request's id may come from: Twilio's (the same on Twilio's retries), a proxy's."""


class RequestIdMiddleware:
    """Pure ASGI (a streamed /sandbox/events response keeps streaming): every request gets an
    id, in `logs.request_id` for each line logged while handling it and in X-Request-Id.

    A request id from the headers is kept if it is sane (64 characters of [A-Za-z0-9._-]),
    else a new one is made. An exception that escapes the app is answered by Starlette's
    error middleware outside this one: that 500 has no X-Request-Id (its access line does).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_for(Headers(scope=scope))
        token = logs.request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-Id"] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            logs.request_id.reset(token)


def request_id_for(headers: Headers) -> str:
    for name in REQUEST_ID_HEADERS:
        if (given := logs.valid_request_id(headers.get(name))) is not None:
            return given
    return logs.new_request_id()


async def _to_console(request: Request) -> Response:
    return RedirectResponse("/console/", status_code=307)


async def _watch_flows(runtime: Runtime) -> None:
    """Pick up operators' edits; a broken edit is refused and the last valid flows stay."""
    while True:
        await asyncio.sleep(RELOAD_CHECK_SECONDS)
        try:
            await run_in_threadpool(runtime.catalog.refresh)
        except Exception:
            log.exception("flows reload check failed")
