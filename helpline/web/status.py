"""POST /twilio/status: delivery status callbacks for the texts we sent."""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from helpline import keys
from helpline.delivery import record_status
from helpline.errors import BadWebhook, SignatureInvalid
from helpline.runtime import Runtime
from helpline.store import as_text
from helpline.telephony.twiml import empty_response
from helpline.web.webhooks import required, signature_checker, twilio_form

log = logging.getLogger(__name__)


async def status_callback(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        form = await twilio_form(request, signature_checker(runtime), runtime.settings.public_url)
    except SignatureInvalid:
        return PlainTextResponse("forbidden", status_code=403)
    except BadWebhook as exc:
        return PlainTextResponse(str(exc), status_code=exc.status_code)
    call_sid, call_status = form.get("CallSid"), form.get("CallStatus")
    if call_sid and not form.get("MessageSid"):
        # A call's progress. A staff leg (ParentCallSid) ends through its <Dial> action.
        if (
            isinstance(call_sid, str)
            and isinstance(call_status, str)
            and not form.get("ParentCallSid")
        ):
            try:
                await run_in_threadpool(runtime.line.ended, call_sid, call_status)
            except Exception:
                log.exception("call status not handled")
        return empty_response()
    try:
        (sid,) = required(form, "MessageSid")
        status = form.get("MessageStatus") or form.get("SmsStatus")
        if not isinstance(status, str) or not status:
            raise BadWebhook("missing MessageStatus")
    except BadWebhook as exc:
        return PlainTextResponse(str(exc), status_code=exc.status_code)
    error = form.get("ErrorCode")
    try:
        fresh = await run_in_threadpool(
            record_status,
            runtime.redis,
            runtime.store,
            message_sid=sid,
            status=status,
            error_code=error if isinstance(error, str) and error else None,
            now=runtime.clock(),
        )
    except Exception:
        log.exception("status callback not recorded")
        return empty_response()  # Twilio does not need to know; nothing to retry
    log.info("delivery status", extra={"sid": sid, "status": status, "repeat": not fresh})
    if fresh and status in UNDELIVERED:
        code = error if isinstance(error, str) and error else None
        try:
            await run_in_threadpool(_undelivered, runtime, sid, code)
        except Exception:
            log.exception("undelivered text not handled", extra={"sid": sid})
    return empty_response()


UNDELIVERED = frozenset({"undelivered", "failed"})


def _undelivered(runtime: Runtime, sid: str, code: str | None) -> None:
    """A page Twilio could not deliver moves the ladder to the next person at once; staff's
    words that did not reach the caller are told to the staff member."""
    esc, page, relay = (
        as_text(v) for v in runtime.redis.hmget(keys.outbound(sid), "esc", "page", "relay")
    )
    if esc and page:
        runtime.desk.page_failed(int(esc), page, "undelivered")
    elif relay:
        runtime.desk.relay_not_delivered(int(relay), code)
