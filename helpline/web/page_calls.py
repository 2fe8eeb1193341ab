"""Voice pages: the call a staff member answers, "press 1 to take it", and how the call ended.

Twilio fetches /twilio/page/call when the staff member picks up. The URLs
carry the escalation and page keys, never a phone number. Pressing 1 takes
the escalation (the same compare-and-set as a `12a` text); anything else, or
nothing (a personal voicemail answering), or a busy / failed / unanswered
call, moves the ladder to the next person at once.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from twilio.twiml.voice_response import VoiceResponse

from helpline.errors import BadWebhook, SignatureInvalid
from helpline.escalation import texts as staff_texts
from helpline.escalation.model import EscalationState
from helpline.runtime import Runtime
from helpline.telephony.twiml import TWIML_MEDIA_TYPE, empty_response
from helpline.web.webhooks import signature_checker, twilio_form

log = logging.getLogger(__name__)

GATHER_SECONDS = 10
FAILED_CALL_STATUSES = frozenset({"busy", "no-answer", "failed", "canceled"})
"""Call outcomes that mean nobody heard the page."""


def _voice(twiml: VoiceResponse) -> Response:
    return Response(str(twiml), media_type=TWIML_MEDIA_TYPE)


def _say(text: str) -> Response:
    twiml = VoiceResponse()
    twiml.say(text)
    return _voice(twiml)


async def _verified(request: Request) -> tuple[Runtime, int, str, dict[str, str]] | Response:
    runtime: Runtime = request.app.state.runtime
    try:
        form = await twilio_form(request, signature_checker(runtime), runtime.settings.public_url)
        esc, page = request.query_params.get("esc", ""), request.query_params.get("page", "")
        if not esc.isdigit() or not page:
            raise BadWebhook("missing esc or page")
    except SignatureInvalid:
        return PlainTextResponse("forbidden", status_code=403)
    except BadWebhook as exc:
        return PlainTextResponse(str(exc), status_code=exc.status_code)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    return runtime, int(esc), page, fields


async def page_call(request: Request) -> Response:
    checked = await _verified(request)
    if isinstance(checked, Response):
        return checked
    runtime, esc_id, page, _form = checked
    esc = await run_in_threadpool(runtime.desk.store.get, esc_id)
    if esc is None or esc.state not in (EscalationState.PAGING, EscalationState.FINAL):
        return _say("This helpline alert has already been answered. Thank you. Goodbye.")
    twiml = VoiceResponse()
    gather = twiml.gather(
        num_digits=1,
        timeout=GATHER_SECONDS,
        action=f"/twilio/page/answer?esc={esc_id}&page={page}",
        action_on_empty_result=True,
    )
    gather.say(staff_texts.page_speech(esc, runtime.settings.helpline_name))
    return _voice(twiml)


async def page_answer(request: Request) -> Response:
    checked = await _verified(request)
    if isinstance(checked, Response):
        return checked
    runtime, esc_id, page, form = checked
    try:
        spoken = await run_in_threadpool(_answer, runtime, esc_id, page, form.get("Digits", ""))
    except Exception:
        log.exception("page answer failed", extra={"esc": esc_id})
        spoken = "Sorry, something went wrong. Please reply to the text page instead. Goodbye."
    return _say(spoken)


def _answer(runtime: Runtime, esc_id: int, page: str, digits: str) -> str:
    record = runtime.desk.store.pages(esc_id).get(page)
    roster = runtime.roster.refresh()
    staff = roster.by_name(record.staff) if record and roster else None
    if staff is None:
        return "This phone is not on the on-call roster now. Goodbye."
    if digits.strip() != "1":
        runtime.desk.page_failed(esc_id, page, "declined")
        return "OK. We will page the next person. Goodbye."
    reply = runtime.desk.take(staff, runtime.desk.staff_ref(staff.phone), esc_id)
    esc = runtime.desk.store.get(esc_id)
    if esc is not None and esc.holder == staff.name:
        # The same confirmation a `12a` text gets (with the caller's words so far), by text.
        runtime.desk.text_staff(staff.name, reply, batch=f"voice-take-{esc_id}")
        return (
            f"You have escalation {' '.join(esc.code)}. The caller's texts will come to your "
            "phone from the helpline number; answer them by text. Goodbye."
        )
    log.info("voice take refused", extra={"esc": esc_id, "reply_chars": len(reply)})
    return "Someone else already took this one, or it is closed. Thank you. Goodbye."


async def page_status(request: Request) -> Response:
    checked = await _verified(request)
    if isinstance(checked, Response):
        return checked
    runtime, esc_id, page, form = checked
    status = form.get("CallStatus", "")
    if status in FAILED_CALL_STATUSES:
        try:
            await run_in_threadpool(runtime.desk.page_failed, esc_id, page, status)
        except Exception:
            log.exception("page call status not handled", extra={"esc": esc_id})
    return empty_response()
