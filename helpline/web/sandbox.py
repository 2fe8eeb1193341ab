"""/sandbox: a simulated phone for trying the helpline with no Twilio account.

Served only in sandbox mode. A browser tab is one phone "line"; the line id
maps to a fictional 555-01xx number, so no real number is ever involved.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

from redis.client import Pipeline
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.templating import Jinja2Templates

from helpline import keys
from helpline.runtime import Runtime

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
MAX_SANDBOX_TEXT_CHARS = 1600  # what Twilio would deliver
EVENT_BLOCK_MS = 4_000
"""How long one read of the sandbox stream waits; under the Redis socket timeout (5 s)."""

_LINE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def sandbox_number(line: str) -> str:
    """A fictional number for a line: +1 NXX 555-01xx (555-0100..0199 are reserved for fiction)."""
    digest = hashlib.sha256(line.encode()).digest()
    area = 200 + int.from_bytes(digest[:2], "big") % 800
    return f"+1{area}55501{digest[2] % 100:02d}"


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def page(request: Request) -> Response:
    settings = _runtime(request).settings
    return TEMPLATES.TemplateResponse(
        request,
        "sandbox.html",
        {
            "helpline_name": settings.helpline_name,
            "new_line": secrets.token_urlsafe(12),
        },
    )


async def _line_and_body(request: Request) -> tuple[str, str] | JSONResponse:
    try:
        data = await request.json()
    except ValueError:
        return JSONResponse({"error": "send JSON: {line, body}"}, status_code=400)
    line, body = data.get("line"), data.get("body", "")
    if not isinstance(line, str) or not _LINE.match(line):
        return JSONResponse({"error": "line must be 8-64 letters, digits, - or _"}, status_code=400)
    if not isinstance(body, str) or len(body) > MAX_SANDBOX_TEXT_CHARS:
        return JSONResponse(
            {"error": f"body must be text up to {MAX_SANDBOX_TEXT_CHARS} characters"},
            status_code=400,
        )
    return line, body


async def send(request: Request) -> JSONResponse:
    """The phone sends a text: handled exactly like a Twilio webhook, minus the signature."""
    runtime = _runtime(request)
    parsed = await _line_and_body(request)
    if isinstance(parsed, JSONResponse):
        return parsed
    line, body = parsed
    number = sandbox_number(line)
    sandbox = runtime.sandbox
    assert sandbox is not None  # routes exist only in sandbox mode

    def record_replies(pipe: Pipeline, texts: list[str]) -> None:
        for text in texts:
            sandbox.record(number, direction="out", body=text, via="reply", pipe=pipe)

    def handle() -> list[str]:
        sandbox.record(number, direction="in", body=body, via="phone")
        outcome = runtime.conversations.receive_text(
            number=number,
            body=body,
            message_sid="SMsandbox" + secrets.token_hex(12),
            also=record_replies,
        )
        return outcome.texts

    replies = await run_in_threadpool(handle)
    return JSONResponse({"replies": replies})


async def reset(request: Request) -> JSONResponse:
    """Forget this phone: its texts, conversation, opt-out and language."""
    runtime = _runtime(request)
    parsed = await _line_and_body(request)
    if isinstance(parsed, JSONResponse):
        return parsed
    ref = runtime.conversations.ref(sandbox_number(parsed[0]))
    await run_in_threadpool(
        runtime.redis.delete,
        keys.sandbox_stream(ref),
        keys.session(ref),
        keys.opted_out(ref),
        keys.language(ref),
        keys.number(ref),
    )
    return JSONResponse({"ok": True})


async def events(request: Request) -> Response:
    """Server-sent events: every text on this line, from the start, then live."""
    runtime = _runtime(request)
    line = request.query_params.get("line", "")
    if not _LINE.match(line):
        return JSONResponse({"error": "line must be 8-64 letters, digits, - or _"}, status_code=400)
    sandbox = runtime.sandbox
    assert sandbox is not None
    number = sandbox_number(line)
    after = request.headers.get("last-event-id") or "0-0"

    async def stream() -> AsyncIterator[str]:
        position = after
        yield "retry: 1000\n\n"
        while not await request.is_disconnected():
            messages = await run_in_threadpool(
                sandbox.read, number, after=position, block_ms=EVENT_BLOCK_MS
            )
            if not messages:
                yield ": keep-alive\n\n"
                continue
            for message in messages:
                position = message.id
                data = {
                    "direction": message.direction,
                    "body": message.body,
                    "via": message.via,
                    "at": message.at,
                }
                yield f"id: {message.id}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
            await asyncio.sleep(0)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def home(request: Request) -> Response:
    """In sandbox mode the root goes straight to the phone."""
    return RedirectResponse("/sandbox", status_code=307)
