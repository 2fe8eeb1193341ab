"""TwiML answers, built with the twilio package's own classes."""

from __future__ import annotations

from starlette.responses import Response
from twilio.twiml.messaging_response import MessagingResponse

TWIML_MEDIA_TYPE = "application/xml"


def messages_response(texts: list[str]) -> Response:
    """One <Message> per text; none gives an empty <Response/> (Twilio sends nothing)."""
    twiml = MessagingResponse()
    for text in texts:
        twiml.message(text)
    return Response(str(twiml), media_type=TWIML_MEDIA_TYPE)


def empty_response() -> Response:
    return messages_response([])
