"""The voice routes Twilio calls: a call comes in, a question is answered, a dial ends, a screen.

Every route answers TwiML. After the signature check nothing returns a 500:
if Redis or the flows fail, the caller hears the fallback's words and is put
through to the 24/7 crisis line (the same TwiML /twilio/fallback serves).
The URLs carry only the dial attempt (`n`), never a number or a state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from helpline.errors import BadWebhook, SignatureInvalid
from helpline.runtime import Runtime
from helpline.telephony.twiml import TWIML_MEDIA_TYPE
from helpline.web.fallback import voice_twiml
from helpline.web.webhooks import required, signature_checker, twilio_form

log = logging.getLogger(__name__)

MAX_ATTEMPT_CHARS = 8


def _twiml(text: str) -> Response:
    return Response(text, media_type=TWIML_MEDIA_TYPE)


async def _handle(
    request: Request, names: tuple[str, ...], work: Callable[[Runtime, dict[str, str]], str]
) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        form = await twilio_form(request, signature_checker(runtime), runtime.settings.public_url)
        required(form, *names)
        attempt = request.query_params.get("n", "")
        if len(attempt) > MAX_ATTEMPT_CHARS:
            raise BadWebhook("bad n")
    except SignatureInvalid:
        log.warning("voice webhook refused: bad signature", extra={"path": request.url.path})
        return PlainTextResponse("forbidden", status_code=403)
    except BadWebhook as exc:
        return PlainTextResponse(str(exc), status_code=exc.status_code)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    fields["n"] = attempt
    try:
        return _twiml(await run_in_threadpool(work, runtime, fields))
    except Exception:
        log.exception("voice webhook failed; sent the caller to the crisis line")
        settings = runtime.settings
        return _twiml(voice_twiml(settings.crisis_line, settings.helpline_number))


async def incoming_call(request: Request) -> Response:
    return await _handle(
        request,
        ("CallSid", "From"),
        lambda rt, f: rt.line.incoming(f["CallSid"], f["From"]),
    )


async def gathered(request: Request) -> Response:
    return await _handle(
        request,
        ("CallSid",),
        lambda rt, f: rt.line.gathered(
            f["CallSid"], f.get("Digits", ""), f.get("SpeechResult", ""), _confidence(f)
        ),
    )


async def dial_ended(request: Request) -> Response:
    return await _handle(
        request,
        ("CallSid",),
        lambda rt, f: rt.line.dial_ended(f["CallSid"], f["n"], f.get("DialCallStatus", "")),
    )


async def screen(request: Request) -> Response:
    return await _handle(
        request,
        ("CallSid", "ParentCallSid"),
        lambda rt, f: rt.line.screen(f["ParentCallSid"], f["n"]),
    )


async def screen_answer(request: Request) -> Response:
    return await _handle(
        request,
        ("CallSid", "ParentCallSid"),
        lambda rt, f: rt.line.screen_answer(f["ParentCallSid"], f["n"], f.get("Digits", "")),
    )


def _confidence(fields: dict[str, str]) -> float | None:
    try:
        return float(fields["Confidence"])
    except (KeyError, ValueError):
        return None
