"""POST /twilio/sms: every inbound text. Answers the next prompt inline, well under a second.

Whatever goes wrong after the signature check, Twilio gets a 200 with a safe
reply: a 500 would leave the caller in silence (Twilio does not retry it).
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from helpline.errors import BadWebhook, SignatureInvalid
from helpline.runtime import Runtime
from helpline.telephony.twiml import messages_response
from helpline.web.metrics import note_for_access_line
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
        return messages_response([runtime.catalog.safe_reply(body)])
    note_for_access_line(
        request,
        sid=sid,
        replies=len(outcome.texts),
        duplicate=outcome.duplicate,
        suppressed=outcome.suppressed,
    )
    return messages_response(outcome.texts)
