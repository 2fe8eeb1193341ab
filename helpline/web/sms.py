"""POST /twilio/sms: every inbound text. Answers the next prompt inline, well under a second.

Whatever goes wrong after the signature check, Twilio gets a 200 with a safe
reply: a 500 would leave the caller in silence (Twilio does not retry it).
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from helpline.engine.text import guess_language
from helpline.errors import BadWebhook, SignatureInvalid
from helpline.runtime import Runtime
from helpline.telephony.twiml import messages_response
from helpline.web.webhooks import required, signature_checker, twilio_form

log = logging.getLogger(__name__)


async def inbound_sms(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        form = await twilio_form(request, signature_checker(runtime), runtime.settings.public_url)
        number, body, sid = required(form, "From", "Body", "MessageSid")
    except SignatureInvalid:
        log.warning("sms webhook refused: bad signature")
        return PlainTextResponse("forbidden", status_code=403)
    except BadWebhook as exc:
        return PlainTextResponse(str(exc), status_code=exc.status_code)
    try:
        outcome = await run_in_threadpool(
            runtime.conversations.receive_text, number=number, body=body, message_sid=sid
        )
    except Exception:
        log.exception("sms webhook failed; sent the safe reply")
        return messages_response([safe_reply(runtime, body)])
    log.info(
        "sms handled",
        extra={
            "sid": sid,
            "replies": len(outcome.texts),
            "duplicate": outcome.duplicate,
            "suppressed": outcome.suppressed,
        },
    )
    return messages_response(outcome.texts)


def safe_reply(runtime: Runtime, body: str) -> str:
    """The reply that needs no Redis: how to reach a person, in the caller's likely language."""
    flows = runtime.catalog.current
    text = flows.messages.safe_reply
    language = guess_language(body, tuple(text.by_language), next(iter(text.by_language)))
    return text.render(language, runtime.catalog.constants)
