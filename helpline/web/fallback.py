"""POST /twilio/fallback: what Twilio fetches when our primary handler fails, for calls and texts.

Twilio requests the number's Fallback URL when the Voice or Messaging URL
fails (no connection, a timeout, a 5xx, invalid TwiML), with the usual fields
plus ErrorCode and ErrorUrl (twilio.md §4.2). Without a usable fallback a
caller hears Twilio's "application error" and is hung up on, and a texter
gets nothing. So this route needs nothing but Settings: no Redis, no flows,
no queue. A call (the form has CallSid) hears one kind sentence in English
and Spanish and is put through to the 24-hour crisis line; if that fails,
the verbs after the <Dial> (it has no action) name 988 and 911. A text gets
one reply with the same lines.

Only a bad signature (403) or a malformed body (400) is refused; anything
else that goes wrong still answers the static TwiML.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from helpline.engine.text import guess_language
from helpline.errors import BadWebhook, SignatureInvalid
from helpline.programs.compose import format_phone_for_text
from helpline.settings import DEFAULT_CRISIS_LINE, DEFAULT_HELPLINE_NAME, Settings
from helpline.telephony.twiml import TWIML_MEDIA_TYPE
from helpline.voice.speech import VOICES
from helpline.web.webhooks import signature_checker, twilio_form

log = logging.getLogger(__name__)

DIAL_TIMEOUT_SECONDS = 30


SORRY = {
    "en": "We're sorry, we're having trouble. Connecting you now to a person at our 24-hour line.",
    "es": "Lo sentimos, tenemos problemas. Le comunicamos ahora con una persona de nuestra "
    "línea de 24 horas.",
}
IF_NOT_THROUGH = {
    "en": "If you could not get through, call or text 9 8 8, the Suicide and Crisis Lifeline. "
    "In danger, call 9 1 1.",
    "es": "Si no pudo comunicarse, llame o envíe un texto al 9 8 8, la Línea de Prevención del "
    "Suicidio y Crisis. En peligro, llame al 9 1 1.",
}
SMS_REPLY = {
    "en": "{helpline_name}: sorry, we can't answer fully right now. To talk to a person, call "
    "{crisis_line} (24/7). In crisis, call or text 988. In danger, call 911.",
    "es": "{helpline_name}: lo sentimos, no podemos responder bien ahora. Para hablar con "
    "alguien, llame al {crisis_line} (24/7). En crisis, llame o escriba al 988. En peligro, "
    "llame al 911.",
}
"""The same lines as flows/messages.yaml `safe_reply`, kept here so no flow file is needed."""

_SID = re.compile(r"[A-Z]{2}[0-9a-f]{32}")
_ERROR_CODE = re.compile(r"[0-9]{1,6}")
MAX_LOGGED_PATH_CHARS = 200


def voice_twiml(crisis_line: str, caller_id: str | None) -> str:
    twiml = VoiceResponse()
    for language in ("en", "es"):
        voice, locale = VOICES[language]
        twiml.say(SORRY[language], voice=voice, language=locale)
    # No action: when the dialled leg ends, Twilio goes on with the verbs after </Dial>.
    dial = twiml.dial(caller_id=caller_id or None, timeout=DIAL_TIMEOUT_SECONDS)
    dial.number(crisis_line)
    for language in ("en", "es"):
        voice, locale = VOICES[language]
        twiml.say(IF_NOT_THROUGH[language], voice=voice, language=locale)
    return str(twiml)


def sms_twiml(crisis_line: str, helpline_name: str, body: str) -> str:
    language = guess_language(body, tuple(SMS_REPLY), "en")
    twiml = MessagingResponse()
    twiml.message(
        SMS_REPLY[language].format(
            helpline_name=helpline_name, crisis_line=format_phone_for_text(crisis_line)
        )
    )
    return str(twiml)


STATIC_VOICE_TWIML = voice_twiml(DEFAULT_CRISIS_LINE, None)
"""The last resort, built at import: if even Settings cannot be read, callers still get through."""
STATIC_SMS_TWIML = sms_twiml(DEFAULT_CRISIS_LINE, DEFAULT_HELPLINE_NAME, "")


def _twiml(text: str) -> Response:
    return Response(text, media_type=TWIML_MEDIA_TYPE)


async def fallback(request: Request) -> Response:
    try:
        settings: Settings = request.app.state.runtime.settings
        checker = signature_checker(request.app.state.runtime)
    except Exception:
        log.exception("fallback without settings; sent the static call TwiML")
        return _twiml(STATIC_VOICE_TWIML)
    try:
        form = await twilio_form(request, checker, settings.public_url)
    except SignatureInvalid:
        log.warning("fallback refused: bad signature")
        return PlainTextResponse("forbidden", status_code=403)
    except BadWebhook as exc:
        return PlainTextResponse(str(exc), status_code=exc.status_code)
    except Exception:
        log.exception("fallback form not read; sent the static call TwiML")
        return _twiml(STATIC_VOICE_TWIML)
    voice = "CallSid" in form
    try:
        _log_use(form, voice)
    except Exception:
        log.exception("fallback use not logged")
    try:
        if voice:
            return _twiml(voice_twiml(settings.crisis_line, settings.helpline_number))
        body = form.get("Body")
        return _twiml(
            sms_twiml(
                settings.crisis_line, settings.helpline_name, body if isinstance(body, str) else ""
            )
        )
    except Exception:
        log.exception("fallback answer failed; sent the static TwiML")
        return _twiml(STATIC_VOICE_TWIML if voice else STATIC_SMS_TWIML)


def _log_use(form: FormData, voice: bool) -> None:
    """Which request failed and how: the sid, Twilio's error code and the failed URL's path.

    Never a number, a body or a query string (our URLs' queries carry keys, never numbers,
    but a path is all an operator needs to find the failing route).
    """
    sid, code, url = (
        str(form.get(name) or "")
        for name in ("CallSid" if voice else "MessageSid", "ErrorCode", "ErrorUrl")
    )
    path = urlsplit(url).path[:MAX_LOGGED_PATH_CHARS]
    log.warning(
        "twilio fallback used",
        extra={
            "kind": "voice" if voice else "sms",
            "sid": sid if _SID.fullmatch(sid) else None,
            "error_code": code if _ERROR_CODE.fullmatch(code) else None,
            "error_path": path or None,
        },
    )
