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
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from helpline.flowfiles.catalog import RELOAD_CHECK_SECONDS
from helpline.runtime import Runtime, build_runtime
from helpline.settings import Settings
from helpline.web import fallback, health, page_calls, sandbox, sms, status, voice
from helpline.web.console.gate import Gate
from helpline.web.console.routes import console_mount

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> Starlette:
    """Settings come from the environment unless given; a runtime may be passed in by tests."""
    if runtime is not None:
        settings = runtime.settings
    settings = settings or Settings.from_environ()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Invalid flows raise here, so the server refuses to start on them.
        app.state.runtime = runtime or await run_in_threadpool(build_runtime, settings)
        app.state.console_gate = Gate.build(app.state.runtime)
        reloader = asyncio.create_task(_watch_flows(app.state.runtime))
        try:
            yield
        finally:
            reloader.cancel()

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
    return Starlette(routes=routes, lifespan=lifespan)


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
